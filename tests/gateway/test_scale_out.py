"""Two `townhall serve` processes on one PostgreSQL and one Redis behave as one system."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Api
from tests.gateway.client import ALL_INTENTS, GatewayClient
from tests.server_process import Server, new_deployment


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Two nodes of one installation: one PostgreSQL database, one Redis channel."""
    with new_deployment("postgresql", tmp_path_factory.mktemp("scale-out") / "data") as deployment:
        shared = {
            "TOWNHALL_BUS_URL": "redis://127.0.0.1:6379/0",
            "TOWNHALL_BUS_CHANNEL": f"townhall-test-{uuid.uuid4().hex}",
            "TOWNHALL_HEARTBEAT_INTERVAL_MS": "5000",
        }
        yield (
            deployment.start(**shared),
            deployment.start(**shared),
        )


@pytest_asyncio.fixture(loop_scope="session")
async def node_apis(nodes: tuple[Server, Server]) -> AsyncIterator[tuple[Api, Api]]:
    async with (
        httpx.AsyncClient(base_url=nodes[0].api, timeout=20) as a,
        httpx.AsyncClient(base_url=nodes[1].api, timeout=20) as b,
    ):
        yield Api(a), Api(b)


async def test_client_on_one_node_hears_changes_made_through_the_other(
    nodes: tuple[Server, Server], node_apis: tuple[Api, Api]
) -> None:
    api_a, api_b = node_apis
    alice = await api_a.account()
    guild = await alice.guild()
    client = GatewayClient(nodes[0].gateway)
    await client.connect()
    await client.identify(alice.token, ALL_INTENTS)
    alice.http = api_b.http  # the same account, now talking to node B
    for n in range(20):
        response = await alice.patch(f"/guilds/{guild['id']}", json={"name": f"name {n}"})
        assert response.status_code == 200
    names = [(await client.wait_for("GUILD_UPDATE"))["name"] for _ in range(20)]
    assert names == [f"name {n}" for n in range(20)]
    await client.close()


async def test_member_joining_on_node_b_appears_to_a_session_on_node_a(
    nodes: tuple[Server, Server], node_apis: tuple[Api, Api]
) -> None:
    api_a, api_b = node_apis
    alice, bob = await api_a.account(), await api_b.account()
    guild = await alice.guild()
    alice_gw = GatewayClient(nodes[0].gateway)
    await alice_gw.connect()
    await alice_gw.identify(alice.token, ALL_INTENTS)
    bob_gw = GatewayClient(nodes[1].gateway)
    await bob_gw.connect()
    await bob_gw.identify(bob.token, ALL_INTENTS)
    invite = await alice.post(f"/channels/{guild['system_channel_id']}/invites", json={})
    assert (await bob.post(f"/invites/{invite.json()['code']}")).status_code == 200
    assert (await bob_gw.wait_for("GUILD_CREATE"))["id"] == guild["id"]
    added = await alice_gw.wait_for("GUILD_MEMBER_ADD")
    assert added["user"]["id"] == str(bob.id)
    presence = await alice_gw.wait_for("PRESENCE_UPDATE")
    assert presence["user"]["id"] == str(bob.id) and presence["status"] == "online"
    await alice_gw.close()
    await bob_gw.close()


async def test_ids_minted_on_two_nodes_never_collide(node_apis: tuple[Api, Api]) -> None:
    api_a, api_b = node_apis
    owners = [await api_a.account(), await api_b.account()]
    ids = set()
    for _ in range(10):
        for owner in owners:
            guild = await owner.post("/guilds", json={"name": "Collide?"})
            assert guild.status_code == 201
            ids.add(guild.json()["id"])
    assert len(ids) == 20


async def test_a_permission_taken_away_through_one_node_is_refused_at_once_by_the_other(
    nodes: tuple[Server, Server], node_apis: tuple[Api, Api]
) -> None:
    """Each node keeps permission inputs in memory; another node's change must clear them there
    too (not only after the entries' 30 s expiry)."""
    api_a, api_b = node_apis
    alice, bob = await api_a.account(), await api_b.account()
    guild = await alice.guild()
    channel = guild["system_channel_id"]
    invite = await alice.post(f"/channels/{channel}/invites", json={})
    assert (await bob.post(f"/invites/{invite.json()['code']}")).status_code == 200
    assert (await bob.get(f"/channels/{channel}/messages")).status_code == 200  # B remembers
    watcher = GatewayClient(nodes[1].gateway)  # Alice's session on node B
    await watcher.connect()
    await watcher.identify(alice.token, ALL_INTENTS)
    hidden = await alice.put(
        f"/channels/{channel}/permissions/{guild['id']}", json={"type": 0, "deny": "1024"}
    )
    assert hidden.status_code == 204, hidden.text
    await watcher.wait_for("CHANNEL_UPDATE")  # node B has applied the change
    refused = await bob.get(f"/channels/{channel}/messages")
    assert refused.status_code == 403 and refused.json()["code"] == 50001
    await watcher.close()
