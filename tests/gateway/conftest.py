"""Gateway tests run against a real server process per backend (SQLite, and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.conftest import BACKENDS, Account, Api
from tests.server_process import ServerProcess, drop_pg_database, fresh_pg_database


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data_dir: Path = tmp_path_factory.mktemp("gateway-server")
    env: dict[str, str] = {
        "TOWNHALL_HEARTBEAT_INTERVAL_MS": "2000",
        "TOWNHALL_REPLAY_BUFFER_SECONDS": "30",
    }
    database = fresh_pg_database() if request.param == "postgresql" else None
    if database:
        env["TOWNHALL_DATABASE_URL"] = database
    process = ServerProcess(data_dir, env).start()
    try:
        yield process
    finally:
        process.stop()
        if database:
            drop_pg_database(database)


@pytest_asyncio.fixture(loop_scope="session")
async def remote(server: ServerProcess) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
        yield Api(http)


__all__ = ["Account"]
