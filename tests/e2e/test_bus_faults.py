"""Two nodes on PostgreSQL and a Redis that fails: nothing lost, nothing leaked, no 500.

Each test runs two real `townhall serve` nodes against a Redis of its own (so it may kill, pause
and restart it) and checks what people would notice: every write answered, every message they
may see delivered once, nothing from a channel they can no longer see, and afterwards both nodes
telling the same story as the database.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Account, Api
from tests.gateway.client import ALL_INTENTS, GatewayClient, Recorder, recording
from tests.gateway.client_state import guild_views
from tests.redis_process import RedisServer, private_redis
from tests.server_process import Deployment, Server, new_deployment
from tests.waiting import eventually

VIEW_CHANNEL = 1 << 10
RETENTION_SECONDS = 2


@dataclass
class System:
    redis: RedisServer
    deployment: Deployment
    a: Server
    b: Server


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with (
        private_redis(tmp_path / "redis") as redis_server,
        new_deployment("postgresql", tmp_path / "data") as deployment,
    ):
        env = {
            "TOWNHALL_BUS_URL": redis_server.url,
            "TOWNHALL_BUS_RETENTION_SECONDS": str(RETENTION_SECONDS),
            "TOWNHALL_HEARTBEAT_INTERVAL_MS": "5000",
        }
        yield System(redis_server, deployment, deployment.start(**env), deployment.start(**env))


@dataclass
class Club:
    """Alice owns a guild; Bob is an insider and sees #secret, which @everyone does not."""

    alice: Account
    bob: Account
    guild_id: str
    general: str
    secret: str
    insider: str


@pytest_asyncio.fixture(loop_scope="session")
async def apis(system: System) -> AsyncIterator[tuple[Api, Api]]:
    async with (
        httpx.AsyncClient(base_url=system.a.api, timeout=30) as a,
        httpx.AsyncClient(base_url=system.b.api, timeout=30) as b,
    ):
        yield Api(a), Api(b)


async def club(api: Api) -> Club:
    alice, bob = await api.account("alice"), await api.account("bob")
    guild = await alice.guild("Club")
    general = guild["system_channel_id"]
    await bob.join(alice, general)
    role = await alice.post(f"/guilds/{guild['id']}/roles", json={"name": "insider"})
    insider = role.json()["id"]
    overwrites = [
        {"id": guild["id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
        {"id": insider, "type": 0, "allow": str(VIEW_CHANNEL), "deny": "0"},
    ]
    secret = await alice.post(
        f"/guilds/{guild['id']}/channels",
        json={"name": "secret", "permission_overwrites": overwrites},
    )
    assert secret.status_code == 201, secret.text
    given = await alice.put(f"/guilds/{guild['id']}/members/{bob.id}/roles/{insider}")
    assert given.status_code == 204
    return Club(alice, bob, guild["id"], general, secret.json()["id"], insider)


async def say(account: Account, channel_id: str, content: str) -> httpx.Response:
    return await account.post(f"/channels/{channel_id}/messages", json={"content": content})


async def fresh_view(server: Server, account: Account, guild_id: str) -> Any:
    """The guild as a session identifying now sees it."""
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.identify(account.token, ALL_INTENTS)
    await client.close()
    return next(g for g in client.guild_creates if g["id"] == guild_id)


def messages_in(recorder: Recorder, channel_id: str) -> list[str]:
    return [
        p["d"]["content"]
        for p in recorder.dispatches("MESSAGE_CREATE")
        if p["d"]["channel_id"] == channel_id
    ]


def reconnects(recorder: Recorder) -> int:
    return sum(1 for p in recorder.payloads if p.get("op") == 7)


async def test_a_node_whose_redis_connection_is_cut_catches_up_without_losing_or_leaking(
    system: System, apis: tuple[Api, Api]
) -> None:
    api_a, _api_b = apis
    c = await club(api_a)
    bob_on_b = await recording(system.b, c.bob)
    statuses: list[int] = []
    roles_path = f"/guilds/{c.guild_id}/members/{c.bob.id}/roles/{c.insider}"
    for n in range(40):
        if n == 20:
            killed = system.redis.client().client_kill_filter(_type="normal")
            assert killed >= 2  # both nodes' connections, mid-burst
        statuses.append((await say(c.alice, c.general, f"general {n}")).status_code)
        statuses.append((await say(c.alice, c.secret, f"secret {n}")).status_code)
        change = c.alice.delete if n % 2 == 0 else c.alice.put
        statuses.append((await change(roles_path)).status_code)
    # The burst ends with the role taken away (n = 38 removed it, n = 39 gave it back): take it.
    statuses.append((await c.alice.delete(roles_path)).status_code)
    statuses.append((await say(c.alice, c.secret, "after the role is gone")).status_code)
    statuses.append((await say(c.alice, c.general, "marker")).status_code)
    assert set(statuses) <= {200, 204}, statuses

    await bob_on_b.message("marker")
    assert reconnects(bob_on_b) == 0, "a cut connection is caught up on, not resynchronised"
    general = messages_in(bob_on_b, c.general)
    assert general == [f"general {n}" for n in range(40)] + ["marker"]
    assert "after the role is gone" not in messages_in(bob_on_b, c.secret)

    seen = guild_views(bob_on_b.payloads)[c.guild_id]
    assert seen is not None and c.secret not in seen.channels
    for server in (system.a, system.b):
        fresh = await fresh_view(server, c.bob, c.guild_id)
        assert sorted(ch["id"] for ch in fresh["channels"]) == sorted(seen.channels)
    await bob_on_b.close()


async def test_writes_while_redis_is_stalled_are_answered_and_delivered_when_it_answers_again(
    system: System, apis: tuple[Api, Api]
) -> None:
    api_a, _api_b = apis
    c = await club(api_a)
    bob_on_a, bob_on_b = await recording(system.a, c.bob), await recording(system.b, c.bob)
    system.redis.pause()
    try:
        statuses = [
            (await say(c.alice, c.general, f"while stalled {n}")).status_code for n in range(10)
        ]
        removed = await c.alice.delete(f"/guilds/{c.guild_id}/members/{c.bob.id}/roles/{c.insider}")
        statuses.append(removed.status_code)
        statuses.append((await say(c.alice, c.secret, "hidden from bob")).status_code)
    finally:
        system.redis.resume()
    assert set(statuses) == {200, 204}
    statuses.append((await say(c.alice, c.general, "marker")).status_code)
    for bob in (bob_on_a, bob_on_b):
        await bob.message("marker")
        assert messages_in(bob, c.general) == [f"while stalled {n}" for n in range(10)] + ["marker"]
        assert messages_in(bob, c.secret) == []
        deleted = [p["d"]["id"] for p in bob.dispatches("CHANNEL_DELETE")]
        assert deleted == [c.secret]
        assert reconnects(bob) == 0
        await bob.close()


async def test_a_redis_that_lost_everything_makes_both_nodes_resynchronise_their_sessions(
    system: System, apis: tuple[Api, Api]
) -> None:
    api_a, _api_b = apis
    c = await club(api_a)
    bob_on_b = await recording(system.b, c.bob)
    system.redis.stop()
    statuses = [(await say(c.alice, c.general, f"while down {n}")).status_code for n in range(5)]
    removed = await c.alice.delete(f"/guilds/{c.guild_id}/members/{c.bob.id}/roles/{c.insider}")
    statuses.append(removed.status_code)
    assert set(statuses) == {200, 204}, "writes never fail because the bus is down"
    system.redis.start()

    # Redis came back empty: node B cannot know what it missed, so its sessions start over.
    await bob_on_b.until(lambda r: reconnects(r) == 1 and r.closed_code is not None, timeout=30)
    fresh = await fresh_view(system.b, c.bob, c.guild_id)
    assert c.secret not in {ch["id"] for ch in fresh["channels"]}
    again = await recording(system.b, c.bob)
    assert (await say(c.alice, c.secret, "still secret")).status_code == 200
    assert (await say(c.alice, c.general, "marker")).status_code == 200
    await again.message("marker")
    assert messages_in(again, c.secret) == []
    history = await c.bob.get(f"/channels/{c.general}/messages", params={"limit": 10})
    assert {f"while down {n}" for n in range(5)} <= {m["content"] for m in history.json()}
    await again.close()


async def test_a_node_paused_longer_than_the_stream_keeps_events_resynchronises_on_waking(
    system: System, apis: tuple[Api, Api]
) -> None:
    api_a, _api_b = apis
    c = await club(api_a)
    bob_on_b = await recording(system.b, c.bob)
    redis_client = system.redis.client()
    system.b.process.send_signal(signal.SIGSTOP)
    try:
        removed = await c.alice.delete(f"/guilds/{c.guild_id}/members/{c.bob.id}/roles/{c.insider}")
        assert removed.status_code == 204
        assert (await say(c.alice, c.secret, "while b slept")).status_code == 200
        newest = redis_client.xrevrange("townhall:events", count=1)[0][0]

        def trimmed_past_it() -> bool:
            first = redis_client.xinfo_stream("townhall:events")["first-entry"]
            return first is None or _entry(first[0]) > _entry(newest)

        await eventually(trimmed_past_it, RETENTION_SECONDS * 10, "the stream trims")
    finally:
        system.b.process.send_signal(signal.SIGCONT)

    await bob_on_b.until(lambda r: reconnects(r) == 1, timeout=30)
    assert messages_in(bob_on_b, c.secret) == [], "nothing stale is delivered after waking"
    fresh = await fresh_view(system.b, c.bob, c.guild_id)
    assert c.secret not in {ch["id"] for ch in fresh["channels"]}
    await bob_on_b.close()


def _entry(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)
