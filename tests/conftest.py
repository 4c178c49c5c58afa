"""Shared fixtures: every API test runs once on SQLite and once on the PostgreSQL at 127.0.0.1:5432.

Each backend gets one application for the whole session; tests stay independent by registering their
own users and guilds (`api.account()` and `owner.guild()`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.documented_shapes import DocumentedShapes
from townhall.actions.services import Services
from townhall.api.app import create_app
from townhall.config import Settings
from townhall.events.event import Envelope

pytest_plugins = ["tests.clamd_process", "tests.s3_process"]
"""A real clamd and a real S3-compatible server, started once per run for the tests needing them."""

PG_ADMIN_DSN = os.environ.get("TOWNHALL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def test_settings(data_dir: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    """Fast password hashing (still argon2id) and no rate limits unless a test asks for them."""
    base = Settings(
        data_dir=data_dir,
        database_url=database_url,
        rate_limits=False,
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
        access_log=False,
    )
    return replace(base, **overrides)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    name = f"townhall_test_{uuid.uuid4().hex[:12]}"
    run_pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
    finally:
        run_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_pg_admin(sql: str) -> None:
    """Run one statement on the maintenance database, from sync or async context alike."""

    async def admin() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, admin()).result()


def database_url_for(backend: str, tmp: Path, request: pytest.FixtureRequest) -> str | None:
    if backend == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def app(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[FastAPI]:
    data_dir = tmp_path_factory.mktemp(f"data-{backend}")
    settings = test_settings(data_dir, database_url_for(backend, data_dir, request))
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@dataclass
class Account:
    """A signed-in user with an HTTP client that sends their token."""

    id: int
    username: str
    token: str
    http: httpx.AsyncClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token}

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)

    async def guild(self, name: str = "Test guild") -> dict[str, Any]:
        """Create a guild owned by this account; returns it with `channels` listed."""
        response = await self.post("/guilds", json={"name": name})
        assert response.status_code == 201, response.text
        guild: dict[str, Any] = response.json()
        channels = await self.get(f"/guilds/{guild['id']}/channels")
        guild["channels"] = channels.json() if channels.status_code == 200 else []
        return guild

    async def join(self, inviter: Account, channel_id: str) -> None:
        """Join the channel's guild through a fresh invite made by `inviter`."""
        invite = await inviter.post(f"/channels/{channel_id}/invites", json={"unique": True})
        assert invite.status_code == 200, invite.text
        joined = await self.post(f"/invites/{invite.json()['code']}")
        assert joined.status_code == 200, joined.text


_names = itertools.count()


class Api:
    """Makes accounts against one application."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def account(self, prefix: str = "user") -> Account:
        username = f"{prefix}{next(_names)}_{uuid.uuid4().hex[:6]}"[:32]
        response = await self.http.post(
            "/auth/register", json={"username": username, "password": "correct horse battery"}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return Account(int(body["user_id"]), username, body["token"], self.http)


@pytest_asyncio.fixture(loop_scope="session")
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://townhall.test/api/v10",
        event_hooks={"response": [DocumentedShapes(app.openapi())]},
    ) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def api(http: httpx.AsyncClient) -> Api:
    return Api(http)


def text_channel(guild: dict[str, Any]) -> dict[str, Any]:
    """The starter `general` text channel of a guild made by `Account.guild`."""
    return next(c for c in guild["channels"] if c["type"] == 0)


@asynccontextmanager
async def direct_write(services: Services) -> AsyncIterator[AsyncConnection]:
    """Set up state through the store, bypassing actions and events (test setup only).

    Nothing publishes an event for such a write, so the node's access cache forgets everything
    afterwards, as an operator's restart would after editing the database by hand.
    """
    async with services.engine.begin() as conn:
        yield conn
    services.cache.clear()


def error_code(response: httpx.Response) -> int:
    code: int = response.json()["code"]
    return code


@pytest_asyncio.fixture(loop_scope="session")
async def published(app: FastAPI) -> AsyncIterator[list[Envelope]]:
    """Every event the application publishes during the test, in order (type, guild, channel)."""
    seen: list[Envelope] = []
    log = app.state.runtime.log
    log.subscribe(seen.append)
    try:
        yield seen
    finally:
        log.unsubscribe(seen.append)


def event_types(seen: list[Envelope]) -> list[str]:
    return [envelope.type for envelope in seen]
