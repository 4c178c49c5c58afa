"""What every action needs from the running server: database, bus, settings, ids, clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from townhall.actions.access_cache import AccessCache
from townhall.bus.base import Bus
from townhall.bus.events import Event
from townhall.config import Settings
from townhall.domain.snowflake import SnowflakeGenerator


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    bus: Bus
    ids: SnowflakeGenerator
    passwords: PasswordHasher = field(default_factory=PasswordHasher)
    cache: AccessCache = field(default_factory=AccessCache)
    _writer: asyncio.Lock | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # SQLite has one writer. A transaction that reads and then writes fails at once (no busy
        # wait) if another writer committed in between, so this process runs its writes one at a
        # time; reads stay concurrent. PostgreSQL takes concurrent writers.
        if self.engine.dialect.name == "sqlite":
            self._writer = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that may write: commits on success, rolls back on error."""
        if self._writer is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._writer, self.engine.begin() as conn:
            yield conn

    def now(self) -> datetime:
        return datetime.now(UTC)

    def now_ms(self) -> int:
        return int(self.now().timestamp() * 1000)

    async def publish(self, *events: Event) -> None:
        for event in events:
            await self.bus.publish(event)

    async def hash_password(self, password: str) -> str:
        # argon2id costs tens of milliseconds of CPU: never on the event loop.
        return await asyncio.to_thread(self.passwords.hash, password)

    async def verify_password(self, password_hash: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self.passwords.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(verify)


def password_hasher(settings: Settings) -> PasswordHasher:
    """argon2id at OWASP's minimum profile by default (19 MiB, t=2, p=1)."""
    return PasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost=settings.password_hash_memory_kib,
        parallelism=1,
    )
