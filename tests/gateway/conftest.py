"""Gateway tests run against a real server process per backend (SQLite, and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from tests.conftest import BACKENDS, Api
from tests.server_process import Server, new_deployment

GATEWAY_SETTINGS = {
    "TOWNHALL_HEARTBEAT_INTERVAL_MS": "2000",
    "TOWNHALL_REPLAY_BUFFER_SECONDS": "30",
}


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("gateway") / "data"
    with new_deployment(request.param, data_dir) as deployment:
        yield deployment.start(**GATEWAY_SETTINGS)


@pytest_asyncio.fixture(loop_scope="session")
async def remote(server: Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
        yield Api(http)
