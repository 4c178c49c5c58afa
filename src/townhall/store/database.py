"""Engines and start-up migrations for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Pick the async driver for a plain `sqlite:///` or `postgresql://` URL."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
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


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest version; runs at every start and is a no-op when current."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def run_migrations_blocking(url: str) -> None:
    """Migrate from synchronous code (the CLI)."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
