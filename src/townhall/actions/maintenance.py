"""Housekeeping that runs by itself: recurring jobs that keep tables small.

`schedule_recurring` runs at every start; each recurring job exists once in the jobs table (its
name is its unique key) and the runner moves it forward after each run, on one node at a time.
"""

from __future__ import annotations

from datetime import timedelta

from townhall.actions.jobs import Payload, job, recurring
from townhall.actions.messages import NONCE_WINDOW
from townhall.actions.services import Services
from townhall.store import jobs as job_store
from townhall.store import messages as message_store
from townhall.store import nodes as node_store

FINISHED_JOBS_KEPT = timedelta(days=7)


@job("maintenance.prune", every_seconds=600)
async def prune(s: Services, _payload: Payload) -> None:
    """Forget finished jobs after a week, stale nonce claims, and leases long run out."""
    now = s.now_ms()
    async with s.db.write() as conn:
        await job_store.prune_finished(conn, now - int(FINISHED_JOBS_KEPT.total_seconds() * 1000))
        await message_store.prune_nonces(conn, now - int(NONCE_WINDOW.total_seconds() * 1000))
        await node_store.prune_expired(conn, now - 3_600_000)


async def schedule_recurring(s: Services) -> None:
    """Make sure every recurring job is scheduled (a no-op for those already are)."""
    now = s.now_ms()
    async with s.write() as tx:
        for kind in recurring():
            assert kind.every_seconds is not None
            at = now + int(kind.every_seconds * 1000)
            await tx.schedule(kind, {}, at_ms=at, unique_key=kind.name)
