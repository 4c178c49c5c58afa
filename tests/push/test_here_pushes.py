"""@here pushes only to people who are online, as Discord notifies only online members for @here:
someone with a live gateway session on either of two nodes (one PostgreSQL, one Redis) and a
status other than invisible; the others, at "all messages", hear of it as of any message.
@everyone pushes to everyone as before.

Absence is proven by order (tests/push/test_delivery.py): a person's first push being a later
message's means the earlier one pushed nothing to them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Account
from tests.gateway.client import ALL_INTENTS, Recorder, recording
from tests.push.conftest import Person, guild_with
from tests.push.push_service import PushService
from tests.server_process import Server, new_deployment


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    with new_deployment("postgresql", tmp_path_factory.mktemp("here") / "data") as deployment:
        shared = {
            "TOWNHALL_BUS_URL": "redis://127.0.0.1:6379/0",
            "TOWNHALL_BUS_CHANNEL": f"townhall-test-{uuid.uuid4().hex}",
            "TOWNHALL_PUSH_ALLOW_LOOPBACK": "true",
        }
        yield deployment.start(**shared), deployment.start(**shared)


@pytest_asyncio.fixture(loop_scope="session")
async def clients() -> AsyncIterator[list[httpx.AsyncClient]]:
    made: list[httpx.AsyncClient] = []
    try:
        yield made
    finally:
        for http in made:
            await http.aclose()


async def person(server: Server, clients: list[httpx.AsyncClient], prefix: str) -> Person:
    username = f"{prefix}_{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=server.api, timeout=30) as anonymous:
        made = await anonymous.post(
            "/auth/register", json={"username": username, "password": "correct horse battery"}
        )
    assert made.status_code == 201, made.text
    body = made.json()
    http = httpx.AsyncClient(
        base_url=server.api, headers={"Authorization": body["token"]}, timeout=30
    )
    clients.append(http)
    return Person(str(body["user_id"]), username, http)


def account(someone: Person) -> Account:
    return Account(int(someone.id), someone.name, someone.http.headers["Authorization"], None)  # type: ignore[arg-type]


def status_of(watcher: Recorder, someone: Person, status: str) -> bool:
    return any(
        p["d"]["user"]["id"] == someone.id and p["d"]["status"] == status
        for p in watcher.dispatches("PRESENCE_UPDATE")
    )


async def test_here_pushes_to_those_online_on_any_node_and_everyone_to_all(
    nodes: tuple[Server, Server], clients: list[httpx.AsyncClient], push_service: PushService
) -> None:
    node_a, node_b = nodes
    ada = await person(node_a, clients, "ada")
    bob = await person(node_b, clients, "bob")  # online, on the other node
    cid = await person(node_a, clients, "cid")  # online on this node, then invisible
    dot = await person(node_a, clients, "dot")  # no session at all
    _guild_id, general = await guild_with(ada, bob, cid, dot)
    phones = {p.name: await p.subscribe(push_service) for p in (bob, cid, dot)}

    on_a = await recording(node_a, account(ada), ALL_INTENTS)
    on_b = await recording(node_b, account(bob), ALL_INTENTS)
    cids = await recording(node_a, account(cid), ALL_INTENTS)
    try:
        # Each node has heard of the other's people (the PRESENCE_UPDATE its sessions got).
        await on_a.until(lambda r: status_of(r, bob, "online"))
        await on_b.until(lambda r: status_of(r, cid, "online"))
        await cids.client.send(3, {"status": "invisible", "since": None, "afk": False})
        await on_b.until(lambda r: status_of(r, cid, "offline"))
        await on_a.until(lambda r: status_of(r, cid, "offline"))

        here = await ada.post(general, "@here the boat leaves in five minutes")
        arrived = await phones[bob.name].next_push()
        assert arrived.body["message_id"] == here["id"]
        assert arrived.body["reason"] == "everyone"

        everyone = await ada.post(general, "@everyone the boat has left")
        for someone in (cid, dot):
            first = await phones[someone.name].next_push()
            assert first.body["message_id"] == everyone["id"], (
                f"{someone.name} is not online: the @here pushed nothing to them"
            )
            assert first.body["reason"] == "everyone"
            # At "all messages" (the guild's default) they still hear of the @here, as of any
            # message: in its channel's window, not as a ping.
            later = await phones[someone.name].next_push(after=1)
            assert later.body["message_id"] == here["id"]
            assert later.body["reason"] == "message"
        assert (await phones[bob.name].next_push(after=1)).body["message_id"] == everyone["id"]
    finally:
        for recorder in (on_a, on_b, cids):
            await recorder.close()
