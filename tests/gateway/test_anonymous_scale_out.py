"""Visitors on one node, changes made through another, over Redis: a channel that stops being public
stops at once everywhere, and a node that lost events starts its visitors over."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Api
from tests.gateway.test_anonymous import anonymous, community, contents, follow, say
from tests.redis_process import RedisServer, private_redis
from tests.server_process import Server, new_deployment

WEB_PUBLIC = 1 << 30


@dataclass
class Nodes:
    redis: RedisServer
    a: Server
    b: Server


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[Nodes]:
    with (
        private_redis(tmp_path / "redis") as redis_server,
        new_deployment("postgresql", tmp_path / "data") as deployment,
    ):
        env = {"TOWNHALL_BUS_URL": redis_server.url, "TOWNHALL_HEARTBEAT_INTERVAL_MS": "5000"}
        yield Nodes(redis_server, deployment.start(**env), deployment.start(**env))


@pytest_asyncio.fixture(loop_scope="session")
async def apis(nodes: Nodes) -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    """The API of node A (where members act), and a client without a token on node B."""
    async with (
        httpx.AsyncClient(base_url=nodes.a.api, timeout=30) as a,
        httpx.AsyncClient(base_url=nodes.b.api, timeout=30) as b,
    ):
        yield Api(a), b


async def test_closing_a_channel_through_one_node_ends_it_for_visitors_on_the_other(
    nodes: Nodes, apis: tuple[Api, httpx.AsyncClient]
) -> None:
    api_a, visitor_http = apis
    c = await community(api_a)
    visitor = await anonymous(nodes.b)
    await follow(visitor, c.guild_id, c.general, c.news, expect=[c.general, c.news])
    await say(c.alice, c.general, "from node a")
    await visitor.message("from node a")
    assert (await visitor_http.get(f"/channels/{c.general}/messages")).status_code == 200

    closed = await c.alice.patch(f"/channels/{c.general}", json={"flags": 0})
    assert closed.status_code == 200
    for n in range(5):
        await say(c.alice, c.general, f"after closing {n}")
    await say(c.alice, c.news, "marker")
    await visitor.message("marker")
    assert [p["d"]["id"] for p in visitor.dispatches("CHANNEL_DELETE")] == [c.general]
    assert contents(visitor) == ["from node a", "marker"]
    # Node B has applied the change: its API refuses the visitor too.
    refused = await visitor_http.get(f"/channels/{c.general}/messages")
    assert refused.status_code == 401
    await visitor.client.close()
    await visitor.close()


async def test_a_redis_that_lost_everything_starts_the_visitors_of_a_node_over(
    nodes: Nodes, apis: tuple[Api, httpx.AsyncClient]
) -> None:
    api_a, _visitor_http = apis
    c = await community(api_a)
    visitor = await anonymous(nodes.b)
    await follow(visitor, c.guild_id, c.general, expect=[c.general])
    nodes.redis.stop()
    closed = await c.alice.patch(f"/channels/{c.general}", json={"flags": 0})
    assert closed.status_code == 200, "writes never fail because the bus is down"
    assert (await say(c.alice, c.general, "while redis was down"))["content"]
    nodes.redis.start()
    # Node B cannot know what it missed: its visitor is told to reconnect, and is closed.
    await visitor.until(lambda r: r.closed_code is not None, timeout=30)
    assert any(p.get("op") == 7 for p in visitor.payloads)
    assert "while redis was down" not in contents(visitor)

    # Identifying again, the channel is not public any more: nothing is followed.
    again = await anonymous(nodes.b)
    await follow(again, c.guild_id, c.general, c.news, expect=[c.news])
    await say(c.alice, c.general, "still closed")
    await say(c.alice, c.news, "marker")
    await again.message("marker")
    assert contents(again) == ["marker"]
    await again.client.close()
    await again.close()
