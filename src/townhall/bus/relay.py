"""Moving committed events from the outbox onto the log, in order, without ever failing a request.

A write transaction stores its events in the outbox table together with the change (when the log
is not in-process), commits, and hands the same envelopes to `committed` while still in commit
order. From there:
- this node's caches hear them at once (`immediate` handlers), so its next request sees the change;
- an in-process log delivers them right away; a Redis log gets them from a publisher task, which
  keeps them (and retries with backoff) while Redis is down; the request has already been answered;
- once on the log, their outbox rows are deleted in batches.
Rows a process could not relay (it died, or it is `townhall admin` next to an embedded server) are
adopted: every node periodically publishes rows whose writer no longer holds its node lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence

from townhall import aio
from townhall.bus.log import EventLog, LocalLog, LogUnavailable
from townhall.events import codec
from townhall.events.event import Envelope, Handler
from townhall.store import outbox as outbox_store
from townhall.store.database import Database

log = logging.getLogger("townhall.bus")

PUBLISH_BATCH = 500
DELETE_EVERY = 0.2
ADOPT_EVERY = 2.0
MAX_EPHEMERAL = 10_000
"""Typing and presence waiting for a Redis that is down; older ones are dropped first."""

Clock = Callable[[], int]


class Relay:
    def __init__(self, log_: EventLog | None, db: Database, owner: str, clock: Clock) -> None:
        self.log = log_
        self.db = db
        self.owner = owner
        """This process's lease holder token: outbox rows it writes carry it."""
        self.clock = clock
        self.immediate: list[Handler] = []
        self._pending: deque[Envelope] = deque()
        self._ephemeral: deque[Envelope] = deque(maxlen=MAX_EPHEMERAL)
        self._relayed: list[int] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def durable(self) -> bool:
        """Whether write transactions store their events in the outbox.

        An in-process log delivers at commit, inside the same process as every session that could
        receive the event; only a log between processes (or none, for the CLI) needs the outbox."""
        return not isinstance(self.log, LocalLog)

    # -- from write transactions (synchronous, in commit order) ------------------------------

    def committed(self, envelopes: Sequence[Envelope]) -> None:
        if not envelopes:
            return
        for handler in self.immediate:
            for envelope in envelopes:
                try:
                    handler(envelope)
                except Exception:
                    log.exception("immediate handler failed", extra={"event": envelope.type})
        if isinstance(self.log, LocalLog):
            self.log.deliver(envelopes)
        elif self.log is not None:
            self._pending.extend(envelopes)
            self._wake.set()

    def announce(self, envelope: Envelope) -> None:
        """An ephemeral event (typing, presence): never stored, dropped if it cannot go out."""
        if isinstance(self.log, LocalLog):
            self.log.deliver((envelope,))
        elif self.log is not None:
            self._ephemeral.append(envelope)
            self._wake.set()

    # -- background work -------------------------------------------------------------------

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._adopt_forever())]
        if self.log is not None and not isinstance(self.log, LocalLog):
            self._tasks += [
                loop.create_task(self._publish_forever()),
                loop.create_task(self._delete_forever()),
            ]

    async def close(self) -> None:
        """Publish what is pending if the log takes it; what is left stays in the outbox."""
        await aio.stop(self._tasks)
        if self.log is not None and not isinstance(self.log, LocalLog):
            try:
                await asyncio.wait_for(self._publish_pending(), 2.0)
            except (LogUnavailable, TimeoutError):
                log.warning("%d events stay in the outbox for another node", len(self._pending))
            await self._delete_relayed()

    async def _publish_forever(self) -> None:
        backoff = 0.05
        while True:
            if not self._pending and not self._ephemeral:
                self._wake.clear()
                await self._wake.wait()
            try:
                await self._publish_pending()
                backoff = 0.05
            except LogUnavailable as error:
                log.warning("event log unavailable (%s); %d events wait", error, len(self._pending))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _publish_pending(self) -> None:
        assert self.log is not None
        while self._pending or self._ephemeral:
            batch: list[Envelope] = []
            while self._ephemeral and len(batch) < PUBLISH_BATCH:
                batch.append(self._ephemeral.popleft())
            durable_from = len(batch)
            while self._pending and len(batch) < PUBLISH_BATCH:
                batch.append(self._pending[0])
                self._pending.popleft()
            try:
                await self.log.append(batch)
            except LogUnavailable:
                # Put them back in front, in order; ephemeral ones are not worth keeping.
                self._pending.extendleft(reversed(batch[durable_from:]))
                raise
            self._relayed.extend(e.id for e in batch[durable_from:])

    async def _delete_forever(self) -> None:
        while True:
            await asyncio.sleep(DELETE_EVERY)
            try:
                await self._delete_relayed()
            except Exception:
                log.exception("could not delete relayed outbox rows; retrying")

    async def _delete_relayed(self) -> None:
        if not self._relayed:
            return
        ids, self._relayed = self._relayed, []
        try:
            async with self.db.write() as conn:
                await outbox_store.delete_events(conn, ids)
        except Exception:
            self._relayed.extend(ids)
            raise

    async def _adopt_forever(self) -> None:
        while True:
            await asyncio.sleep(ADOPT_EVERY)
            try:
                await self.adopt_orphans()
            except LogUnavailable:
                continue
            except Exception:
                log.exception("adopting outbox rows failed; retrying")

    async def adopt_orphans(self) -> int:
        """Publish rows whose writer is gone (crashed, or a CLI run); returns how many."""
        if self.log is None:
            return 0
        async with self.db.engine.connect() as conn:
            rows = await outbox_store.orphaned_events(conn, self.clock(), limit=PUBLISH_BATCH)
        if not rows:
            return 0
        envelopes = []
        for _row_id, body in rows:
            try:
                envelopes.append(codec.unpack(body))
            except ValueError:
                log.exception("unreadable outbox row")
        log.info("adopting %d events left in the outbox", len(envelopes))
        for handler in self.immediate:
            for envelope in envelopes:
                handler(envelope)
        await self.log.append(envelopes)
        async with self.db.write() as conn:
            await outbox_store.delete_events(conn, [row_id for row_id, _ in rows])
        return len(rows)
