"""Engines and start-up migrations for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from townhall.store import sqlite_driver  # noqa: F401 (registers sqlite+townhall)

MIGRATIONS = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Pick the async driver for a plain `sqlite:///` or `postgresql://` URL."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"):
        parsed = parsed.set(drivername="sqlite+townhall")  # aiosqlite, one trip per statement
    elif parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL keeps readers and the writer apart; synchronous=NORMAL is durable against a process crash
    # (kill -9), which is what a server process faces; busy_timeout waits rather than failing.
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=10000",
        "cache_size=-65536",
        "temp_store=MEMORY",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_size=5, max_overflow=5)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=False)


class Database:
    """An engine, and the rule for writing to it.

    SQLite has one writer. A transaction that reads and then writes fails at once (no busy wait)
    if another writer committed in between, so each process runs its SQLite writes one at a time;
    reads stay concurrent. PostgreSQL takes concurrent writers.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that may write: commits on success, rolls back on error."""
        if self.writer is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self.writer, self.engine.begin() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncConnection]:
        """Several reads that see one consistent state of the database.

        PostgreSQL: a repeatable-read transaction. SQLite: this process's writes wait meanwhile
        (its reads outside a transaction each see the latest commit)."""
        if self.writer is None:
            async with self.engine.connect() as conn:
                await conn.execution_options(isolation_level="REPEATABLE READ")
                async with conn.begin():
                    yield conn
            return
        async with self.writer, self.engine.connect() as conn:
            yield conn


def _upgrade(connection: Connection) -> None:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


MIGRATION_LOCK = 0x7068_616C_6C00
"""PostgreSQL advisory lock key held while migrating ("thall")."""


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest version; runs at every start and is a no-op when current.

    Processes starting together (several workers, several nodes) take turns: on PostgreSQL
    through an advisory lock, on SQLite through a lock file beside the database."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            await connection.run_sync(_upgrade)
        return
    path = make_url(engine.url).database
    lock_path = Path(f"{path}.migrate-lock") if path and path != ":memory:" else None
    with _file_lock(lock_path):
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # brief: only while another process migrates
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
