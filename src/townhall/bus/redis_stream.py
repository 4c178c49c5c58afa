"""Scale-out log: one Redis stream that every node appends to and reads from its own position.

Why a stream and not pub/sub: pub/sub forgets a message a node was not connected for. A stream keeps
entries for `retention` seconds, so a node whose connection dropped reads on from its last entry id
and misses nothing. A node knows it may have missed something when the stream dropped entries after
its position, or when Redis itself restarted (a new `run_id`; Redis here keeps nothing on disk); it
then tells its gap handlers and continues from the end. Trimming only ever removes the oldest
entries, so entries after a node's position are gone exactly when fewer entries remain in the stream
than were added after that position (`entries-added` counts every entry ever added; the node counts
the ones it has read). Needs Redis 7.
See docs/decisions/0004-outbox-and-redis-streams.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any, cast

import redis.asyncio as redis
from redis.exceptions import RedisError, ResponseError

from townhall import aio
from townhall.bus.log import LogUnavailable, Subscribers
from townhall.events import codec
from townhall.events.event import Envelope

log = logging.getLogger("townhall.bus")

FIELD = b"e"
READ_BATCH = 1000
BLOCK_MS = 2000
CHECK_EVERY = 1.0
"""Seconds between continuity checks while entries keep arriving."""
TRIM_EVERY = 10.0
"""Seconds between trims (at most: half the retention when that is shorter)."""


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


class RedisStreamLog(Subscribers):
    synchronous = False

    def __init__(
        self,
        url: str,
        key: str,
        *,
        retention_seconds: float = 300.0,
        max_length: int = 1_000_000,
    ) -> None:
        super().__init__()
        self.key = key
        self.retention_seconds = retention_seconds
        self.max_length = max_length
        # One connection each: appends keep their order; the reader may block.
        self._writer = redis.Redis.from_url(
            url, single_connection_client=True, socket_timeout=5, socket_connect_timeout=2
        )
        self._reader = redis.Redis.from_url(
            url,
            single_connection_client=True,
            socket_timeout=BLOCK_MS / 1000 + 3,
            socket_connect_timeout=2,
        )
        self._position: bytes | None = None
        self._read_count = 0
        """How many entries were ever added up to and including `_position`."""
        self._run_id: str | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()
        """Set while the reader is connected and caught up enough to block on new entries."""

    # -- the EventLog interface --------------------------------------------------------------

    async def append(self, envelopes: Sequence[Envelope]) -> None:
        try:
            async with self._writer.pipeline(transaction=False) as pipe:
                for envelope in envelopes:
                    pipe.xadd(
                        self.key,
                        {FIELD: codec.pack(envelope)},
                        maxlen=self.max_length,
                        approximate=True,
                    )
                await pipe.execute()
        except (RedisError, OSError) as error:
            raise LogUnavailable(str(error)) from error

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await self._start_position()
        except (RedisError, OSError):
            log.warning("Redis is not reachable at start; events will flow once it is")
        self._tasks = [loop.create_task(self._read()), loop.create_task(self._trim())]

    async def close(self) -> None:
        await aio.stop(self._tasks)
        await self._writer.aclose()
        await self._reader.aclose()

    # -- reading -----------------------------------------------------------------------------

    async def _start_position(self) -> None:
        """Begin at the stream's current end: a new node has nothing to catch up on."""
        self._run_id = await self._server_run_id()
        info = await self._stream_info()
        if info is None:
            self._position, self._read_count = b"0-0", 0
        else:
            self._position = _as_bytes(info["last-generated-id"])
            self._read_count = int(info["entries-added"])

    async def _stream_info(self) -> dict[str, Any] | None:
        try:
            info: dict[str, Any] = await self._reader.xinfo_stream(self.key)
        except ResponseError:  # no such key: nothing was ever appended (or Redis lost it)
            return None
        return info

    async def _server_run_id(self) -> str:
        info: dict[str, Any] = await self._reader.info("server")
        return str(info.get("run_id", ""))

    async def _continuous(self, read_count: int) -> bool:
        """False when entries after the `read_count`-th may be gone (trimmed, or Redis lost)."""
        if await self._server_run_id() != self._run_id:
            return False
        info = await self._stream_info()
        if info is None:
            return read_count == 0
        added_after = int(info["entries-added"]) - read_count
        return added_after >= 0 and int(info["length"]) >= added_after

    async def _read(self) -> None:
        """Read on from this node's position; check continuity after reconnecting and, while
        entries keep coming, once a second, before handing a batch on."""
        backoff = 0.05
        check = True
        last_check = 0.0
        while True:
            try:
                if self._position is None:
                    await self._start_position()
                    self._delivery.gap()
                    check = False
                before, count_before = self._position, self._read_count
                assert before is not None
                self.connected.set()
                reply = cast(
                    list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]],
                    await self._reader.xread({self.key: before}, count=READ_BATCH, block=BLOCK_MS),
                )
                if check or (reply and time.monotonic() - last_check > CHECK_EVERY):
                    continuous = await self._continuous(count_before)
                    check, last_check = False, time.monotonic()
                    if not continuous:
                        await self._start_position()
                        self._delivery.gap()
                        continue
                backoff = 0.05
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                if self.connected.is_set():
                    log.warning("lost the Redis stream (%s); reconnecting", error)
                self.connected.clear()
                check = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            for _stream, entries in reply or ():
                for entry_id, fields in entries:
                    self._position = entry_id
                    self._read_count += 1
                    try:
                        envelope = codec.unpack(fields[FIELD])
                    except (KeyError, ValueError):
                        log.exception("unreadable stream entry %s", entry_id)
                        continue
                    self._delivery.deliver(envelope)

    async def _trim(self) -> None:
        """Drop entries older than the retention window (every node does it; it is idempotent).

        Exact, not `~`: approximate trimming keeps whole blocks of old entries, so "older than the
        retention" would not be what a lagging node's continuity check relies on."""
        every = min(TRIM_EVERY, self.retention_seconds / 2)
        while True:
            await asyncio.sleep(every)
            horizon = int((time.time() - self.retention_seconds) * 1000)
            try:
                await self._writer.xtrim(self.key, minid=f"{horizon}-0", approximate=False)
            except (RedisError, OSError):
                continue
