"""The gateway handshake, heartbeats, close codes and compression, against a real server."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import Api
from tests.gateway.client import GatewayClient
from tests.server_process import Server


async def test_identify_gives_ready_then_a_complete_guild_create(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    client = GatewayClient(server.gateway)
    hello = await client.connect()
    assert hello["d"]["heartbeat_interval"] == 2000
    await client.send(2, {"token": alice.token, "intents": 1, "properties": {}, "shard": [0, 1]})
    ready = await client.wait_for("READY")
    assert ready["v"] == 10
    assert ready["user"]["id"] == str(alice.id)
    assert ready["guilds"] == [{"id": guild["id"], "unavailable": True}]
    assert ready["shard"] == [0, 1]
    assert ready["resume_gateway_url"].startswith("ws://127.0.0.1:")
    created = await client.wait_for("GUILD_CREATE")
    assert created["id"] == guild["id"]
    assert created["member_count"] == 1
    assert created["large"] is False
    assert created["joined_at"]
    assert {r["id"] for r in created["roles"]} == {guild["id"]}
    voice = next(c for c in created["channels"] if c["type"] == 2)
    assert voice["bitrate"] == 64000 and voice["user_limit"] == 0
    text = next(c for c in created["channels"] if c["type"] == 0)
    assert text["name"] == "general" and text["guild_id"] == guild["id"]
    assert [m["user"]["id"] for m in created["members"]] == [str(alice.id)]
    await client.close()


async def test_heartbeat_before_identify_is_acknowledged(server: Server) -> None:
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(1, None)
    assert (await client.receive())["op"] == 11
    await client.close()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}}, 4004),
        ({"op": 42, "d": None}, 4001),
        ({"op": 3, "d": {"status": "online"}}, 4003),
        ({"op": 2, "d": {"token": "x", "intents": "lots"}}, 4004),
    ],
)
async def test_bad_clients_are_closed_with_discords_codes(
    server: Server, payload: dict[str, object], code: int
) -> None:
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(int(payload["op"]), payload["d"])  # type: ignore[call-overload]
    assert await client.closed_with() == code


async def test_undecodable_payload_closes_with_4002(server: Server) -> None:
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.ws.send("{not json")
    assert await client.closed_with() == 4002


async def test_invalid_intents_close_with_4013(server: Server, remote: Api) -> None:
    alice = await remote.account()
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(2, {"token": alice.token, "intents": 1 << 40, "properties": {}})
    assert await client.closed_with() == 4013


async def test_identifying_twice_closes_with_4005(server: Server, remote: Api) -> None:
    alice = await remote.account()
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.identify(alice.token)
    await client.send(2, {"token": alice.token, "intents": 1, "properties": {}})
    assert await client.closed_with() == 4005


async def test_unsupported_api_version_closes_with_4012(server: Server) -> None:
    client = GatewayClient(server.gateway)
    client.url = client.url.replace("v=10", "v=6")
    client.ws = None
    import websockets

    ws = await websockets.connect(client.url)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4012


async def test_client_that_stops_heartbeating_is_closed_with_4009(server: Server) -> None:
    client = GatewayClient(server.gateway, heartbeat=False)
    await client.connect()
    started = asyncio.get_running_loop().time()
    assert await client.closed_with(timeout=10) == 4009
    waited = asyncio.get_running_loop().time() - started
    assert 2.0 <= waited < 6.0


async def test_more_than_120_events_a_minute_closes_with_4008(server: Server) -> None:
    client = GatewayClient(server.gateway, compress=None, heartbeat=False)
    await client.connect()
    for _ in range(121):
        await client.send(1, None)
    assert await client.closed_with() == 4008


@pytest.mark.parametrize("compress", ["zstd-stream", "zlib-stream", None])
async def test_every_transport_compression_carries_the_session(
    server: Server, remote: Api, compress: str | None
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    client = GatewayClient(server.gateway, compress=compress)
    await client.connect()
    await client.identify(alice.token)
    assert (
        await alice.patch(f"/guilds/{guild['id']}", json={"name": "Renamed"})
    ).status_code == 200
    update = await client.wait_for("GUILD_UPDATE")
    assert update["name"] == "Renamed"
    await client.close()
