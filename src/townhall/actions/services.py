"""What every action needs from the running server: database, events, ids, settings, clock.

Actions change state in `async with s.write() as tx:` and emit the events that describe the change
with `tx.emit(...)` inside that block: the events are encoded once, numbered (guild versions), and
stored in the outbox in the same transaction, so a change and its events commit together or not at
all. After the commit they go to the relay, which never raises: a request whose write committed is
answered, whatever the bus is doing. Ephemeral events (typing, presence) go out with `announce`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from townhall.actions.access_cache import AccessCache
from townhall.actions.jobs import JobType
from townhall.bus.relay import Relay
from townhall.config import Settings
from townhall.domain.snowflake import SnowflakeGenerator
from townhall.domain.voice import VoiceTokens
from townhall.events import codec
from townhall.events.event import Envelope, Event, envelope_of
from townhall.files.storage import Storage
from townhall.store import guilds as guild_store
from townhall.store import jobs as job_store
from townhall.store import outbox as outbox_store
from townhall.store.database import Database


class Transaction:
    """One write transaction: its connection, and the events it will publish if it commits."""

    def __init__(self, conn: AsyncConnection, services: Services) -> None:
        self.conn = conn
        self._services = services
        self.envelopes: list[Envelope] = []

    def emit(self, *events: Event[Any]) -> None:
        ids = self._services.ids
        for event in events:
            if not event.type.durable:
                raise ValueError(f"{event.type.name} is ephemeral: announce it instead")
            self.envelopes.append(envelope_of(event, ids.next_id()))

    async def schedule(
        self,
        kind: JobType,
        payload: dict[str, Any],
        *,
        at_ms: int,
        unique_key: str | None = None,
    ) -> bool:
        """Run `kind` at `at_ms` if this transaction commits; False when `unique_key` is taken."""
        every = kind.every_seconds
        return await job_store.insert_job(
            self.conn,
            self._services.ids.next_id(),
            kind.name,
            orjson.dumps(payload).decode(),
            at_ms,
            unique_key=unique_key,
            max_attempts=kind.max_attempts,
            every_ms=int(every * 1000) if every is not None else None,
        )

    async def flush(self) -> None:
        """Number versioned events and store them in the outbox (still inside the transaction)."""
        if not self.envelopes:
            return
        counts = Counter(
            e.guild_id for e in self.envelopes if e.kind.versioned and e.guild_id is not None
        )
        if counts:
            last = {
                guild_id: await guild_store.bump_version(self.conn, guild_id, n)
                for guild_id, n in counts.items()
            }
            numbered: list[Envelope] = []
            for envelope in reversed(self.envelopes):  # the last event gets the last number
                guild_id = envelope.guild_id
                version = last.get(guild_id) if envelope.kind.versioned and guild_id else None
                if version is not None and guild_id is not None:
                    numbered.append(replace(envelope, version=version))
                    last[guild_id] = version - 1
                else:
                    numbered.append(envelope)
            self.envelopes = numbered[::-1]
        relay = self._services.relay
        if relay.durable:
            now = self._services.now_ms()
            rows = [(e.id, relay.owner, now, codec.pack(e)) for e in self.envelopes]
            await outbox_store.insert_events(self.conn, rows)


@dataclass
class Services:
    settings: Settings
    db: Database
    relay: Relay
    ids: SnowflakeGenerator
    passwords: PasswordHasher = field(default_factory=PasswordHasher)
    cache: AccessCache = field(default_factory=AccessCache)
    renew_lease: Callable[[], Awaitable[None]] | None = None
    """Renews the node lease behind `ids` now (runtime/lease.py); see `keep_lease`."""
    storage: Storage | None = None
    """Where attachment bytes live (files/storage.py); set by the runtime."""
    voice_tokens: VoiceTokens = field(default_factory=lambda: VoiceTokens(b""))
    """Signs the tokens of the voice gateway (domain/voice.py); the runtime sets the shared key."""
    online: Callable[[int], bool] = field(default=lambda _user_id: False)
    """Whether a person has a live gateway session on some node and does not show as offline
    or invisible: the gateway hub's statuses, kept from every node's PRESENCE_UPDATE on the log
    (the runtime sets it; without a gateway nobody is). Read from memory, never the database."""
    replica_permissions: Callable[[int, int, int], int | None] = field(
        default=lambda _guild_id, _channel_id, _user_id: None
    )
    """A member's permissions in a guild channel, `(guild_id, channel_id, user_id)`, from this
    node's gateway replica of the guild (what fan-out trusts, kept by the log with no expiry);
    None when the node holds no replica of the guild or the person is not its member. The runtime
    sets it when the log is in-process, where the replica changes with each commit."""

    @property
    def file_store(self) -> Storage:
        if self.storage is None:
            raise RuntimeError("no file store: the runtime sets one up at start")
        return self.storage

    @property
    def engine(self) -> AsyncEngine:
        return self.db.engine

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        """A transaction that may write and emit events: commits on success, rolls back on error.

        The events are handed to the relay right after the commit, before SQLite's writer lock
        is released, so they reach the log in commit order."""
        await self.keep_lease()
        writer = self.db.writer
        if writer is None:
            async with self.engine.begin() as conn:
                tx = Transaction(conn, self)
                yield tx
                await tx.flush()
            self.relay.committed(tx.envelopes)
            return
        async with writer:
            async with self.engine.begin() as conn:
                tx = Transaction(conn, self)
                yield tx
                await tx.flush()
            self.relay.committed(tx.envelopes)

    async def keep_lease(self) -> None:
        """Renew the node lease now if it ran out (the process was paused past it), so that ids
        can be minted again: each request and each write begins with this."""
        if self.renew_lease is not None and time.monotonic() > self.ids.valid_until:
            await self.renew_lease()

    def announce(self, *events: Event[Any]) -> None:
        """Send ephemeral events (typing, presence): not stored, not retried."""
        for event in events:
            self.relay.announce(envelope_of(event, self.ids.next_id()))

    def now(self) -> datetime:
        return datetime.now(UTC)

    def now_ms(self) -> int:
        return int(self.now().timestamp() * 1000)

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
