"""Push tests: a real `townhall serve` (SQLite and PostgreSQL) that may push to loopback, the
local push service of `push_service.py`, and people who talk to the server over HTTP."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.push.push_service import Device, PushService
from tests.server_process import Deployment, Server, new_deployment

_names = itertools.count()


@pytest.fixture(scope="module")
def push_deployment(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Deployment, Server]]:
    with new_deployment(backend, tmp_path_factory.mktemp("push") / "data") as deployment:
        server = deployment.start(TOWNHALL_PUSH_ALLOW_LOOPBACK="true")
        yield deployment, server


@pytest_asyncio.fixture(loop_scope="session")
async def push_service() -> AsyncIterator[PushService]:
    service = PushService()
    await service.start()
    try:
        yield service
    finally:
        await service.close()
        assert not service.refused, f"the push service refused pushes: {service.refused}"


@dataclass
class Person:
    id: str
    name: str
    http: httpx.AsyncClient

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.call(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.status_code != 204 else None

    async def subscribe(self, service: PushService) -> Device:
        """What the web client does: fetch the VAPID key, subscribe, register the subscription."""
        key = (await self.ok("GET", "/users/@me/push-subscriptions/vapid-key"))["public_key"]
        device = service.device(key)
        await self.ok("POST", "/users/@me/push-subscriptions", json=device.subscription_json())
        return device

    async def post(self, channel_id: str, content: str, **body: Any) -> dict[str, Any]:
        found: dict[str, Any] = await self.ok(
            "POST", f"/channels/{channel_id}/messages", json={"content": content, **body}
        )
        return found

    async def dm(self, other: Person) -> str:
        channel = await self.ok("POST", "/users/@me/channels", json={"recipient_id": other.id})
        return str(channel["id"])


@pytest_asyncio.fixture(loop_scope="session")
async def people(push_deployment: tuple[Deployment, Server]) -> AsyncIterator[Any]:
    """Makes signed-in people on the server; their clients close with the test."""
    _deployment, server = push_deployment
    made: list[httpx.AsyncClient] = []

    async def person(prefix: str = "p") -> Person:
        username = f"{prefix}{next(_names)}_{uuid.uuid4().hex[:6]}"
        async with httpx.AsyncClient(base_url=server.api, timeout=30) as anonymous:
            response = await anonymous.post(
                "/auth/register", json={"username": username, "password": "correct horse battery"}
            )
        assert response.status_code == 201, response.text
        body = response.json()
        http = httpx.AsyncClient(
            base_url=server.api, headers={"Authorization": body["token"]}, timeout=30
        )
        made.append(http)
        return Person(str(body["user_id"]), username, http)

    try:
        yield person
    finally:
        for http in made:
            await http.aclose()


async def guild_with(owner: Person, *members: Person, name: str = "Club") -> tuple[str, str]:
    """A guild of `owner` with `members` joined; its id and its general channel's id."""
    guild = await owner.ok("POST", "/guilds", json={"name": name})
    channels = await owner.ok("GET", f"/guilds/{guild['id']}/channels")
    general = next(c for c in channels if c["type"] == 0)
    for member in members:
        invite = await owner.ok("POST", f"/channels/{general['id']}/invites", json={})
        await member.ok("POST", f"/invites/{invite['code']}")
    return str(guild["id"]), str(general["id"])
