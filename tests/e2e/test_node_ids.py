"""Snowflake ids stay unique without configuration: every process leases a node id at start."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import register, unique
from tests.server_process import Deployment, new_deployment
from townhall.domain.snowflake import NODE_IDS

SENDERS_PER_NODE = 4
SENDS_PER_SENDER = 150


async def test_two_nodes_with_the_same_settings_never_mint_the_same_id(tmp_path: Path) -> None:
    with new_deployment("postgresql", tmp_path / "data") as deployment:
        same = {
            "TOWNHALL_BUS_URL": "redis://127.0.0.1:6379/0",
            "TOWNHALL_BUS_CHANNEL": unique("ids"),
        }
        nodes = [deployment.start(**same), deployment.start(**same)]
        owner = register(nodes[0], unique("owner"))
        with nodes[0].client(owner["token"]) as http:
            channel_id = http.post("/guilds", json={"name": "ids"}).json()["system_channel_id"]
        statuses: list[int] = []
        ids: list[str] = []

        async def sender(node_url: str) -> None:
            async with httpx.AsyncClient(
                base_url=node_url, headers={"Authorization": owner["token"]}, timeout=30
            ) as http:
                for n in range(SENDS_PER_SENDER):
                    sent = await http.post(
                        f"/channels/{channel_id}/messages", json={"content": str(n)}
                    )
                    statuses.append(sent.status_code)
                    if sent.status_code == 200:
                        ids.append(sent.json()["id"])

        await asyncio.gather(*(sender(node.api) for node in nodes for _ in range(SENDERS_PER_NODE)))
        total = 2 * SENDERS_PER_NODE * SENDS_PER_SENDER
        assert statuses == [200] * total
        assert len(set(ids)) == total
        leases = deployment.sql("SELECT node_id FROM node_leases ORDER BY node_id")
        assert len(leases) == 2 and leases[0] != leases[1]
        node_bits = {(int(i) >> 12) & 0x3FF for i in ids}
        assert node_bits == {row[0] for row in leases}


def test_a_node_that_finds_every_id_leased_refuses_to_start_and_says_why(
    deployment: Deployment,
) -> None:
    deployment.start().stop()  # creates the schema
    far = int(time.time() * 1000) + 3_600_000
    values = ", ".join(f"({n}, 'someone-else', {far})" for n in NODE_IDS)
    deployment.sql("DELETE FROM node_leases")
    deployment.sql(f"INSERT INTO node_leases (node_id, holder, expires_at) VALUES {values}")
    try:
        deployment.start()
    except RuntimeError as refused:
        assert "node ids are leased" in str(refused)
    else:
        raise AssertionError("a node without a node id started")
