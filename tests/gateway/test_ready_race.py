"""Sessions that are just starting miss nothing: every event after READY, in order, none twice.

Discord's contract, and townhall's: once a client has READY, every later event reaches it, each
guild's events come after that guild's GUILD_CREATE, and none arrives twice.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Account, Api
from tests.gateway.client import GatewayClient, connected
from tests.server_process import Server

GUILDS, GUILD_MESSAGES = 1 << 0, 1 << 9
CONCURRENT_SESSIONS = 200
LATE_SESSIONS = 30
SEND_RATE = 40.0


async def members_of_new_guild(remote: Api, count: int) -> tuple[Account, str, str, list[Account]]:
    """An owner, their guild and its general channel, and `count` members who joined it."""
    owner = await remote.account("owner")
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    invite = await owner.post(f"/channels/{channel_id}/invites", json={"max_age": 0})
    code = invite.json()["code"]
    members = []
    for _ in range(count):
        member = await remote.account("member")
        assert (await member.post(f"/invites/{code}")).status_code == 200
        members.append(member)
    return owner, guild["id"], channel_id, members


async def test_sessions_identifying_at_once_all_receive_messages_sent_at_once(
    server: Server, remote: Api
) -> None:
    owner, _guild_id, channel_id, members = await members_of_new_guild(remote, CONCURRENT_SESSIONS)
    clients = await asyncio.gather(
        *(connected(server, member, GUILDS | GUILD_MESSAGES) for member in members)
    )
    sends = await asyncio.gather(
        *(
            owner.post(f"/channels/{channel_id}/messages", json={"content": f"at once {n}"})
            for n in range(3)
        )
    )
    assert all(s.status_code == 200 for s in sends)
    sent = {s.json()["id"] for s in sends}

    async def received(client: GatewayClient) -> set[str]:
        return {(await client.wait_for("MESSAGE_CREATE", timeout=30))["id"] for _ in range(3)}

    delivered = await asyncio.gather(*(received(client) for client in clients))
    assert sum(len(got & sent) for got in delivered) == 3 * CONCURRENT_SESSIONS
    await asyncio.gather(*(client.close() for client in clients))


async def record_session(
    server: Server,
    member: Account,
    marker: str,
    ready_at: dict[str, float],
    all_ready: asyncio.Event,
    expected: int,
) -> list[dict[str, Any]]:
    """Every dispatch a new session receives from its IDENTIFY until the marker message."""
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(
        2, {"token": member.token, "intents": GUILDS | GUILD_MESSAGES, "properties": {}}
    )
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    while True:
        payload = await client.receive(timeout=30)
        if payload.get("op") != 0:
            continue
        seen.append(payload)
        if payload["t"] == "READY":
            ready_at[member.username] = loop.time()
            if len(ready_at) == expected:
                all_ready.set()
        if payload["t"] == "MESSAGE_CREATE" and payload["d"]["content"] == marker:
            await client.close()
            return seen


async def test_sessions_connecting_during_a_stream_of_messages_miss_none_after_ready(
    server: Server, remote: Api
) -> None:
    owner, guild_id, channel_id, members = await members_of_new_guild(remote, LATE_SESSIONS)
    loop = asyncio.get_running_loop()
    sent: list[tuple[float, str]] = []
    """(when the send started, message id), in sending order."""
    stop = asyncio.Event()

    async def send_steadily() -> None:
        n = 0
        while not stop.is_set():
            started = loop.time()
            response = await owner.post(
                f"/channels/{channel_id}/messages", json={"content": f"stream {n}"}
            )
            assert response.status_code == 200, response.text
            sent.append((started, response.json()["id"]))
            n += 1
            await asyncio.sleep(max(0.0, 1 / SEND_RATE - (loop.time() - started)))

    marker = "that was all"
    ready_at: dict[str, float] = {}
    all_ready = asyncio.Event()
    sender = asyncio.create_task(send_steadily())
    sessions = []
    for member in members:  # a new session every 50 ms (pacing) while the messages flow
        recording = record_session(server, member, marker, ready_at, all_ready, len(members))
        sessions.append(asyncio.create_task(recording))
        await asyncio.sleep(0.05)
    await asyncio.wait_for(all_ready.wait(), 60)
    stop.set()
    await sender
    final = await owner.post(f"/channels/{channel_id}/messages", json={"content": marker})
    assert final.status_code == 200
    recordings = await asyncio.gather(*sessions)

    for member, seen in zip(members, recordings, strict=True):
        kinds = [p["t"] for p in seen]
        assert kinds[0] == "READY"
        guild_create = kinds.index("GUILD_CREATE")
        assert seen[guild_create]["d"]["id"] == guild_id
        messages = [p["d"]["id"] for p in seen if p["t"] == "MESSAGE_CREATE"]
        assert kinds.index("MESSAGE_CREATE") > guild_create
        assert len(messages) == len(set(messages)), f"{member.username} got a message twice"
        assert messages == sorted(messages, key=int), f"{member.username} got them out of order"
        expected = [mid for started, mid in sent if started > ready_at[member.username]]
        missing = set(expected) - set(messages)
        assert not missing, f"{member.username} missed {len(missing)} of {len(expected)}"
