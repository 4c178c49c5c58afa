"""A real server with a real clamd: what each person's gateway session receives while files are
scanned. The uploader sees their message at once, marked; the others only once it is clean, and
never a file in which malware was found."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from tests.clamd_process import eicar
from tests.conftest import Account, Api
from tests.gateway.client import GatewayClient, connected
from tests.server_process import Server, new_deployment


@pytest.fixture(scope="module")
def scanning(tmp_path_factory: pytest.TempPathFactory, clamd_socket: str) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("scanning") / "data"
    with new_deployment("sqlite", data_dir) as deployment:
        yield deployment.start(TOWNHALL_SCAN="required", TOWNHALL_CLAMD_SOCKET=clamd_socket)


@pytest_asyncio.fixture(loop_scope="session")
async def people(scanning: Server) -> AsyncIterator[tuple[Account, Account, str]]:
    async with httpx.AsyncClient(base_url=scanning.api, timeout=20) as http:
        api = Api(http)
        owner, member = await api.account("owner"), await api.account("member")
        channel_id = (await owner.guild())["system_channel_id"]
        await member.join(owner, channel_id)
        yield owner, member, channel_id


async def send_file(who: Account, channel_id: str, name: str, data: bytes) -> dict[str, object]:
    sent = await who.post(
        f"/channels/{channel_id}/messages",
        data={"payload_json": json.dumps({"content": name})},
        files={"files[0]": (name, data, "application/octet-stream")},
    )
    assert sent.status_code == 200, sent.text
    body: dict[str, object] = sent.json()
    return body


async def test_others_receive_the_message_once_its_file_is_clean(
    scanning: Server, people: tuple[Account, Account, str]
) -> None:
    owner, member, channel_id = people
    owner_gw: GatewayClient = await connected(scanning, owner)
    member_gw: GatewayClient = await connected(scanning, member)
    sent = await send_file(owner, channel_id, "clean.txt", b"nothing to see\n")

    own = await owner_gw.wait_for("MESSAGE_CREATE", id=sent["id"])
    assert own["attachments"][0]["scan_status"] == "pending"
    theirs = await member_gw.wait_for("MESSAGE_CREATE", id=sent["id"])
    assert theirs["attachments"][0]["filename"] == "clean.txt"
    assert "scan_status" not in theirs["attachments"][0]
    # The owner gets the release as an update only, never the message a second time.
    follow = await owner.post(f"/channels/{channel_id}/messages", json={"content": "after"})
    rest = await owner_gw.collect_until("MESSAGE_CREATE", id=follow.json()["id"])
    kinds = [(p.get("t"), p["d"].get("id")) for p in rest if isinstance(p.get("d"), dict)]
    assert ("MESSAGE_UPDATE", sent["id"]) in kinds
    assert ("MESSAGE_CREATE", sent["id"]) not in kinds
    cleared = next(p["d"] for p in rest if p.get("t") == "MESSAGE_UPDATE")
    assert "scan_status" not in cleared["attachments"][0]
    for client in (owner_gw, member_gw):
        await client.close()


async def test_nobody_else_ever_receives_a_message_whose_file_is_malware(
    scanning: Server, people: tuple[Account, Account, str]
) -> None:
    owner, member, channel_id = people
    owner_gw = await connected(scanning, owner)
    member_gw = await connected(scanning, member)
    sent = await send_file(owner, channel_id, "eicar.com", eicar())

    blocked = await owner_gw.wait_for("MESSAGE_UPDATE", id=sent["id"])
    assert blocked["attachments"][0]["scan_status"] == "blocked"
    notice = await owner_gw.wait_for("MESSAGE_ATTACHMENT_BLOCKED", message_id=sent["id"])
    assert notice["signature"].startswith("Eicar-Test-Signature")
    # The verdict is in and announced; a message sent afterwards reaches the member first-hand,
    # and everything the member got before it is there to look at.
    after = await owner.post(f"/channels/{channel_id}/messages", json={"content": "next"})
    seen = await member_gw.collect_until("MESSAGE_CREATE", id=after.json()["id"])
    assert sent["id"] not in [p["d"].get("id") for p in seen if isinstance(p.get("d"), dict)]
    assert "MESSAGE_ATTACHMENT_BLOCKED" not in [p.get("t") for p in seen]  # not a moderator
    for client in (owner_gw, member_gw):
        await client.close()
