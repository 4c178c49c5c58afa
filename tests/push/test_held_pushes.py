"""A message held for a file scan pushes when it is released, however long the scan took: a real
server with scanning required, whose clamd comes up only after more than a minute (of the
server's jobs: the test moves their due times instead of waiting), and the local push service.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.push.conftest import Person, guild_with
from tests.push.push_service import PushService
from tests.server_process import Deployment, Server, new_deployment
from tests.waiting import eventually


@pytest.fixture(scope="module")
def later_clamd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the server looks for clamd: nothing there until the test links the real one."""
    return tmp_path_factory.mktemp("later-clamd") / "clamd.sock"


@pytest.fixture(scope="module")
def push_deployment(
    tmp_path_factory: pytest.TempPathFactory, later_clamd: Path
) -> Iterator[tuple[Deployment, Server]]:
    """Replaces the push tests' server for this module: one that scans files."""
    with new_deployment("sqlite", tmp_path_factory.mktemp("held") / "data") as deployment:
        server = deployment.start(
            TOWNHALL_PUSH_ALLOW_LOOPBACK="true",
            TOWNHALL_SCAN="required",
            TOWNHALL_CLAMD_SOCKET=str(later_clamd),
        )
        yield deployment, server


def pending_jobs(deployment: Deployment, kind: str, message_id: str) -> int:
    """Due now, the jobs of this kind about the message that are still to run; how many."""
    about = f"kind = '{kind}' AND finished_at IS NULL AND payload LIKE '%{message_id}%'"
    deployment.sql(f"UPDATE jobs SET run_at = 0 WHERE {about}")
    return int(deployment.sql(f"SELECT count(*) FROM jobs WHERE {about}")[0][0])


async def test_a_message_held_for_more_than_a_minute_pushes_when_it_is_released(
    people: Any,
    push_service: PushService,
    push_deployment: tuple[Deployment, Server],
    later_clamd: Path,
    clamd_socket: str,
) -> None:
    deployment, _server = push_deployment
    ada, bob, cid = await people("ada"), await people("bob"), await people("cid")
    _guild_id, general = await guild_with(ada, bob, cid)
    bob_phone, cid_phone = await bob.subscribe(push_service), await cid.subscribe(push_service)

    sent = await send_file(ada, general, f"<@{bob.id}> the minutes", "minutes.txt")
    message_id = sent["id"]
    assert sent["attachments"][0]["scan_status"] == "pending"
    # More than a minute passes with clamd away: every push job about the message that is due
    # within it runs now, and the scan keeps failing.
    await eventually(
        lambda: pending_jobs(deployment, "push.message", message_id) == 0,
        60,
        "the push jobs of the held message ran",
    )
    assert not bob_phone.pushes and not cid_phone.pushes

    os.symlink(clamd_socket, later_clamd)  # clamd is back
    await eventually(
        lambda: pending_jobs(deployment, "attachments.scan", message_id) == 0,
        60,
        "the file was scanned",
    )
    mention = await bob_phone.next_push()
    assert mention.body["message_id"] == message_id
    assert mention.body["reason"] == "mention"
    assert mention.body["content"] == f"<@{bob.id}> the minutes"
    follower = await cid_phone.next_push()  # "all messages", the guild's default
    assert follower.body["message_id"] == message_id
    assert follower.body["reason"] == "message"


async def send_file(who: Person, channel_id: str, content: str, name: str) -> dict[str, Any]:
    sent: dict[str, Any] = await who.ok(
        "POST",
        f"/channels/{channel_id}/messages",
        data={"payload_json": json.dumps({"content": content})},
        files={"files[0]": (name, b"nothing to see here\n", "text/plain")},
    )
    return sent
