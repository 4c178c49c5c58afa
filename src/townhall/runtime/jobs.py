"""Running durable jobs: claim what is due, run it, mark it done or try again later.

Every node runs a runner; a claim holds a job for `LEASE` seconds, so exactly one node runs it at a
time, and a node that dies mid-job leaves it to be claimed again once that lease has run out.
Failures retry with exponential backoff until the job's `max_attempts`, then stay as failed rows
with their last error for an operator to read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import orjson

from townhall import aio
from townhall.actions.jobs import JOBS
from townhall.actions.services import Services
from townhall.store import jobs as job_store
from townhall.store.jobs import Job

log = logging.getLogger("townhall.jobs")

LEASE = 300.0
"""Seconds a claimed job is held before another node may take it (longer than any job runs)."""
POLL = 1.0
BATCH = 20
BACKOFF_BASE, BACKOFF_MAX = 5.0, 3600.0


class JobRunner:
    def __init__(self, services: Services, holder: str, *, poll: float = POLL) -> None:
        self.services = services
        self.holder = holder
        self.poll = poll
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._forever())

    async def close(self) -> None:
        await aio.stop([self._task])

    def wake(self) -> None:
        """Look for due jobs now (a job was just scheduled for right away)."""
        self._wake.set()

    async def _forever(self) -> None:
        while True:
            try:
                ran = await self.run_due()
            except Exception:
                log.exception("claiming jobs failed; retrying")
                ran = 0
            if ran:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):  # not wait_for: it can swallow a cancel
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()

    async def run_due(self) -> int:
        """Claim and run the due jobs; how many ran."""
        s = self.services
        now = s.now_ms()
        async with s.db.write() as conn:
            claimed = await job_store.claim_due(
                conn, self.holder, now, int(LEASE * 1000), limit=BATCH
            )
        for job in claimed:
            await self._run(job)
        return len(claimed)

    async def _run(self, job: Job) -> None:
        s = self.services
        kind = JOBS.get(job.kind)
        started = time.monotonic()
        try:
            if kind is None:
                raise LookupError(f"no job kind {job.kind!r} on this node")
            await asyncio.wait_for(kind.run(s, orjson.loads(job.payload)), LEASE / 2)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            give_up = job.attempts >= job.max_attempts
            delay = min(BACKOFF_BASE * 2 ** (job.attempts - 1), BACKOFF_MAX)
            log.warning(
                "job %s (%d) failed on attempt %d%s",
                job.kind,
                job.id,
                job.attempts,
                "; giving up" if give_up else f"; retrying in {delay:.0f} s",
                exc_info=error,
            )
            async with s.db.write() as conn:
                await job_store.retry_later(
                    conn,
                    job.id,
                    self.holder,
                    s.now_ms() + int(delay * 1000),
                    f"{type(error).__name__}: {error}",
                    give_up=give_up,
                )
            return
        async with s.db.write() as conn:
            await job_store.finish(conn, job, self.holder, s.now_ms())
        log.info(
            "job %s (%d) done in %.1f ms", job.kind, job.id, (time.monotonic() - started) * 1000
        )
