"""Fixtures for end-to-end tests: installations and servers from `tests.server_process`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Api
from tests.server_process import Deployment, Server, new_deployment


@pytest.fixture
def deployment(backend: str, tmp_path: Path) -> Iterator[Deployment]:
    """An installation of this test's own, for tests that restart servers or change settings."""
    with new_deployment(backend, tmp_path / "data") as fresh:
        yield fresh


@pytest.fixture(scope="module")
def shared_deployment(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """One installation for a test module and backend: tests in it keep apart by unique names."""
    with new_deployment(backend, tmp_path_factory.mktemp("e2e") / "data") as shared:
        yield shared


@pytest.fixture(scope="module")
def server(shared_deployment: Deployment) -> Server:
    """A running server on the module's installation: `server.url` and `server.process`."""
    return shared_deployment.start()


def register(server: Server, username: str, **extra: Any) -> dict[str, Any]:
    """Sign up over HTTP; returns `{"token", "user_id"}`."""
    with server.client() as http:
        response = http.post(
            "/auth/register",
            json={"username": username, "password": "correct horse battery", **extra},
        )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One embedded-default server for a module whose tests need only one backend."""
    with new_deployment("sqlite", tmp_path_factory.mktemp("e2e-sqlite") / "data") as deployment:
        yield deployment.start()


@pytest_asyncio.fixture(loop_scope="session")
async def remote(sqlite_server: Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=sqlite_server.api, timeout=20) as http:
        yield Api(http)


@pytest.fixture
def pointed_at(sqlite_server: Server) -> Iterator[None]:
    """discord.py's REST base and gateway pointed at the module's server."""
    from tests.e2e.bots import discord_py_pointed_at

    with discord_py_pointed_at(sqlite_server.api, sqlite_server.gateway + "/"):
        yield
