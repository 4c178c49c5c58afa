"""What a node's replica keeps of its threads as messages come and go, and what a thread's
members hear when it reopens (docs/threads.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Account, Api
from tests.gateway.client import Recorder, recording
from tests.gateway.test_threads import _about, _before, _club, _marker
from tests.server_process import Server, new_deployment

COUNTERS = ("message_count", "total_message_sent")


def _listed(session: Recorder, thread_id: str) -> dict[str, Any]:
    (created,) = session.dispatches("GUILD_CREATE")
    return next(t for t in created["d"]["threads"] if t["id"] == thread_id)


async def _counters(account: Account, thread_id: str) -> dict[str, int]:
    fetched = (await account.get(f"/channels/{thread_id}")).json()
    return {key: fetched[key] for key in COUNTERS}


async def _talk_then_delete(member: Account, thread_id: str, watching: Recorder) -> dict[str, int]:
    """Four messages in the thread and one of them deleted: the counters REST shows, once
    `watching` (a session on the node under test) saw the delete."""
    said = []
    for n in range(4):
        posted = await member.post(f"/channels/{thread_id}/messages", json={"content": f"n{n}"})
        assert posted.status_code == 200, posted.text
        said.append(posted.json())
    gone = await member.delete(f"/channels/{thread_id}/messages/{said[0]['id']}")
    assert gone.status_code == 204
    await watching.until(lambda r: bool(r.dispatches("MESSAGE_DELETE")))
    return await _counters(member, thread_id)


async def test_a_new_session_sees_the_thread_counters_rest_shows(
    server: Server, remote: Api
) -> None:
    owner, (member,), guild = await _club(remote, 1)
    general = guild["system_channel_id"]
    made = await member.post(f"/channels/{general}/threads", json={"name": "Tactics", "type": 11})
    thread = made.json()
    first = await recording(server, owner)  # the node's replica holds the thread from here
    assert {k: _listed(first, thread["id"])[k] for k in COUNTERS} == dict.fromkeys(COUNTERS, 0)

    shown = await _talk_then_delete(member, thread["id"], first)
    assert shown == {"message_count": 3, "total_message_sent": 4}
    fresh = await recording(server, member)
    assert {k: _listed(fresh, thread["id"])[k] for k in COUNTERS} == shown
    # and its newest message, so that someone added later sees the thread unread at once
    rest = (await member.get(f"/channels/{thread['id']}")).json()
    assert rest["last_message_id"] is not None
    assert _listed(fresh, thread["id"])["last_message_id"] == rest["last_message_id"]
    for session in (first, fresh):
        await session.close()


async def test_a_reopened_threads_members_hear_of_their_membership(
    server: Server, remote: Api
) -> None:
    owner, (member, outsider), guild = await _club(remote, 2)
    general = guild["system_channel_id"]
    thread = (
        await member.post(f"/channels/{general}/threads", json={"name": "Openings", "type": 11})
    ).json()
    assert (await member.patch(f"/channels/{thread['id']}", json={"archived": True})).is_success
    sessions = {p.id: await recording(server, p) for p in (owner, member, outsider)}
    reopened = await owner.patch(f"/channels/{thread['id']}", json={"archived": False})
    assert reopened.status_code == 200
    await _marker(owner, general, "after the reopening", *sessions.values())

    mine = _about(_before(sessions[member.id], "after the reopening"), thread["id"])
    assert mine == ["THREAD_UPDATE", "THREAD_MEMBER_UPDATE"], mine
    (update,) = sessions[member.id].dispatches("THREAD_MEMBER_UPDATE")
    assert update["d"]["id"] == thread["id"] and update["d"]["user_id"] == str(member.id)
    assert update["d"]["guild_id"] == guild["id"] and update["d"]["join_timestamp"]
    outside = _about(_before(sessions[outsider.id], "after the reopening"), thread["id"])
    assert outside == ["THREAD_UPDATE"], outside
    # The owner neither started nor joined it: no membership to hear of either.
    assert _about(_before(sessions[owner.id], "after the reopening"), thread["id"]) == [
        "THREAD_UPDATE"
    ]

    # Reopened by a message: the sender is a member already, and hears of it too.
    assert (await member.patch(f"/channels/{thread['id']}", json={"archived": True})).is_success
    posted = await member.post(f"/channels/{thread['id']}/messages", json={"content": "back"})
    assert posted.status_code == 200
    await sessions[member.id].message("back")
    assert len(sessions[member.id].dispatches("THREAD_MEMBER_UPDATE")) == 2
    for session in sessions.values():
        await session.close()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Two nodes of one installation (PostgreSQL and Redis): the counters travel the bus."""
    with new_deployment("postgresql", tmp_path_factory.mktemp("counts") / "data") as deployment:
        shared = {
            "TOWNHALL_BUS_URL": "redis://127.0.0.1:6379/0",
            "TOWNHALL_BUS_CHANNEL": f"townhall-test-{uuid.uuid4().hex}",
        }
        yield deployment.start(**shared), deployment.start(**shared)


async def test_the_counters_reach_the_replicas_of_other_nodes(
    two_nodes: tuple[Server, Server],
) -> None:
    node_a, node_b = two_nodes
    async with httpx.AsyncClient(base_url=node_b.api, timeout=20) as http:
        owner, (member,), guild = await _club(Api(http), 1)
        general = guild["system_channel_id"]
        made = await member.post(f"/channels/{general}/threads", json={"name": "Far", "type": 11})
        thread = made.json()
        first = await recording(node_a, owner)
        shown = await _talk_then_delete(member, thread["id"], first)
        fresh = await recording(node_a, member)
        assert {k: _listed(fresh, thread["id"])[k] for k in COUNTERS} == shown
        for session in (first, fresh):
            await session.close()
