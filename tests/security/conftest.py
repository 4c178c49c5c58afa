"""The probe's cases. API cases run in-process on SQLite and PostgreSQL (the root conftest's `api`);
cases that need sockets, headers or the gateway run against real `townhall serve` processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Api
from tests.server_process import Server, new_deployment

GATEWAY_SETTINGS = {
    "TOWNHALL_HEARTBEAT_INTERVAL_MS": "2000",
    "TOWNHALL_REPLAY_BUFFER_SECONDS": "30",
    "TOWNHALL_GATEWAY_PRESENCE_WINDOW_SECONDS": "2",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One embedded-default server per module (the gateway is the same code on both backends)."""
    with new_deployment("sqlite", tmp_path_factory.mktemp("security") / "data") as deployment:
        yield deployment.start(**GATEWAY_SETTINGS)


@pytest_asyncio.fixture(loop_scope="session")
async def remote(server: Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
        yield Api(http)
