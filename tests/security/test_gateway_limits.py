"""What one gateway client may send: Discord's 4096-byte payloads, bounded presences, and
well-formed fields, so that no member can disconnect the others or grow the server's memory.

The probe: ten op 3 frames with five 1 MB activities each closed every other member's socket while
the sender stayed connected; shard `["a","b"]`, op 8 with a user id of 2**64 and op 3 with
`d: [1, 2]` or `activities: 5` crashed the handler (close 1006, session never detached).
"""

from __future__ import annotations

import asyncio

import orjson
import pytest
import websockets

from tests.conftest import Api
from tests.gateway.client import GatewayClient, connected
from tests.security.gateway_helpers import (
    close_all,
    online_guild,
    server_failures,
    still_connected,
)
from tests.server_process import Server

MEGABYTE_ACTIVITY = {"name": "x" * 1_000_000, "type": 0}
LONGEST_ACTIVITY = {"name": "n" * 128, "state": "s" * 128, "type": 0}


async def send_refused(client: GatewayClient, op: int, data: object) -> int:
    """Send a payload the server refuses; its close code, whether it came during or after the
    send (the server may close while a large payload is still being sent)."""
    try:
        await client.send(op, data)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006
    return await asyncio.wait_for(client.closed_with(), 15)


def presence(*activities: dict[str, object], status: str = "online") -> dict[str, object]:
    return {"since": None, "activities": list(activities), "status": status, "afk": False}


async def test_a_payload_over_4096_bytes_closes_its_sender_with_4002_and_no_one_else(
    server: Server, remote: Api
) -> None:
    _accounts, (sender, *others), _guild = await online_guild(server, remote, 3)
    assert await send_refused(sender, 3, presence(*[MEGABYTE_ACTIVITY] * 5)) == 4002  # the probe's
    for other in others:
        assert await still_connected(other)
        seen = await other.collect(0.5)
        assert [p for p in seen if p.get("t") == "PRESENCE_UPDATE"] == []
    await close_all(others)


async def test_a_payload_of_exactly_4096_bytes_is_accepted(server: Server, remote: Api) -> None:
    _accounts, (sender,), _guild = await online_guild(server, remote, 1)
    start = b'{"op":1,"d":null,"pad":"'
    exact = start + b"p" * (4096 - len(start) - 2) + b'"}'
    assert len(exact) == 4096 and orjson.loads(exact)["op"] == 1
    await sender.ws.send(exact.decode())
    assert (await sender.receive())["op"] == 11
    await sender.close()


async def test_an_identify_of_megabytes_is_refused_before_it_is_read(server: Server) -> None:
    client = GatewayClient(server.gateway)
    await client.connect()
    identify = {"token": "t" * 15_000_000, "intents": 1, "properties": {}}
    assert await send_refused(client, 2, identify) == 4002


async def test_activity_text_longer_than_discord_allows_closes_with_4002(
    server: Server, remote: Api
) -> None:
    _accounts, (sender, other), _guild = await online_guild(server, remote, 2)
    assert await send_refused(sender, 3, presence({"name": "n" * 129, "type": 0})) == 4002
    assert await still_connected(other)
    await other.close()


async def test_a_presence_storm_reaches_others_a_bounded_number_of_times_and_ends_right(
    server: Server, remote: Api
) -> None:
    """30 updates in a burst: others see the first 5, then (the window is 2 s on this server) only
    the last one, and nobody is disconnected."""
    accounts, (sender, *others), _guild = await online_guild(server, remote, 3)
    final = {**LONGEST_ACTIVITY, "state": "the last word"}
    for index in range(29):
        await sender.send(3, presence(LONGEST_ACTIVITY, status="idle" if index % 2 else "dnd"))
    await sender.send(3, presence(final, status="online"))
    sender_id = str(accounts[0].id)
    for other in others:
        updates = []
        while len(updates) < 6:
            update = await other.wait_for("PRESENCE_UPDATE", timeout=10)
            if update["user"]["id"] == sender_id:
                updates.append(update)
        assert [u["status"] for u in updates[:5]] == ["dnd", "idle", "dnd", "idle", "dnd"]
        assert (updates[5]["status"], updates[5]["activities"]) == ("online", [final])
        later = [
            p
            for p in await other.collect(1.0)
            if p.get("t") == "PRESENCE_UPDATE" and p["d"]["user"]["id"] == sender_id
        ]
        assert later == []
        assert await still_connected(other)
    assert await still_connected(sender)
    await close_all([sender, *others])


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"op": 3, "d": [1, 2]}, 4002),
        ({"op": 3, "d": {"status": "online", "activities": 5}}, 4002),
        ({"op": 3, "d": {"status": "online", "activities": [{"type": 0}]}}, 4002),
        ({"op": 3, "d": {"status": 7}}, 4002),
        ({"op": 8, "d": {"guild_id": "1", "user_ids": ["18446744073709551616"]}}, 4002),
        ({"op": 8, "d": {"guild_id": ["x"], "query": "", "limit": 0}}, 4002),
        ({"op": 8, "d": {"guild_id": "1", "query": 5, "limit": 0}}, 4002),
        ({"op": 8, "d": [1]}, 4002),
    ],
)
async def test_malformed_fields_close_with_discords_code_and_the_session_can_resume(
    server: Server, remote: Api, frame: dict[str, object], code: int
) -> None:
    account = await remote.account()
    await account.guild()
    client = await connected(server, account)
    session_id, seq = client.session_id, client.seq
    await client.send(int(frame["op"]), frame["d"])  # type: ignore[call-overload]
    assert await asyncio.wait_for(client.closed_with(), 15) == code
    again = GatewayClient(server.gateway)
    await again.connect()
    await again.send(6, {"token": account.token, "session_id": session_id, "seq": seq})
    assert await again.wait_for("RESUMED") is None
    await again.close()
    assert server_failures(server) == []


@pytest.mark.parametrize("shard", [["a", "b"], [1, 1], [0, 0], [0], [True, 2], "0,1", [-1, 2]])
async def test_an_invalid_shard_closes_with_4010(
    server: Server, remote: Api, shard: object
) -> None:
    account = await remote.account()
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(2, {"token": account.token, "intents": 1, "properties": {}, "shard": shard})
    assert await asyncio.wait_for(client.closed_with(), 15) == 4010
    assert server_failures(server) == []
