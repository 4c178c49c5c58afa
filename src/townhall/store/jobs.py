"""Durable background jobs: rows that say what to run, when, and who is running it now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import RowMapping, and_, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.schema import jobs, node_leases


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    payload: str
    run_at: int
    attempts: int
    max_attempts: int
    every_ms: int | None


def _job(row: RowMapping) -> Job:
    return Job(**{key: row[key] for key in Job.__dataclass_fields__})


async def insert_job(
    conn: AsyncConnection,
    job_id: int,
    kind: str,
    payload: str,
    run_at: int,
    *,
    unique_key: str | None = None,
    max_attempts: int = 5,
    every_ms: int | None = None,
) -> bool:
    """Schedule a job; False when a pending job with the same `unique_key` already exists."""
    values = {
        "id": job_id,
        "kind": kind,
        "payload": payload,
        "run_at": run_at,
        "unique_key": unique_key,
        "max_attempts": max_attempts,
        "every_ms": every_ms,
    }
    if unique_key is None:
        await conn.execute(insert(jobs).values(**values))
        return True
    try:
        async with conn.begin_nested():
            await conn.execute(insert(jobs).values(**values))
    except IntegrityError:
        return False
    return True


async def claim_due(
    conn: AsyncConnection, holder: str, now_ms: int, lease_ms: int, *, limit: int
) -> list[Job]:
    """Take up to `limit` due jobs nobody holds: never claimed, their claim ran out, or the node
    that claimed them is gone (its node lease, renewed every few seconds while it runs, was given
    back at a clean stop or has expired after a kill -9), so a crash mid-job costs seconds.

    The claim is one UPDATE guarded by the same condition, so two nodes never take the same job:
    on PostgreSQL the candidates are locked with SKIP LOCKED, on SQLite writers are serialised.
    """
    holder_alive = exists(
        select(node_leases.c.node_id).where(
            node_leases.c.holder == jobs.c.locked_by, node_leases.c.expires_at >= now_ms
        )
    )
    claimable = and_(
        jobs.c.finished_at.is_(None),
        jobs.c.run_at <= now_ms,
        or_(jobs.c.locked_until.is_(None), jobs.c.locked_until < now_ms, ~holder_alive),
    )
    candidates = select(jobs.c.id).where(claimable).order_by(jobs.c.run_at).limit(limit)
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = [row.id for row in await conn.execute(candidates)]
    if not ids:
        return []
    result = await conn.execute(
        update(jobs)
        .where(jobs.c.id.in_(ids), claimable)
        .values(locked_by=holder, locked_until=now_ms + lease_ms, attempts=jobs.c.attempts + 1)
        .returning(*jobs.c)
    )
    return sorted((_job(row) for row in result.mappings()), key=lambda job: job.run_at)


async def finish(conn: AsyncConnection, job: Job, holder: str, now_ms: int) -> None:
    """Done: a recurring job is due again after its period; any other stays a while for
    operators, with its unique key freed."""
    mine = update(jobs).where(jobs.c.id == job.id, jobs.c.locked_by == holder)
    if job.every_ms is not None:
        await conn.execute(mine.values(run_at=now_ms + job.every_ms, attempts=0, locked_until=None))
        return
    await conn.execute(mine.values(finished_at=now_ms, locked_until=None, unique_key=None))


async def retry_later(
    conn: AsyncConnection, job_id: int, holder: str, run_at: int, error: str, *, give_up: bool
) -> None:
    values: dict[str, object] = {"locked_until": None, "last_error": error[:2000]}
    if give_up:
        values.update(finished_at=run_at, failed=True, unique_key=None)
    else:
        values["run_at"] = run_at
    await conn.execute(
        update(jobs).where(jobs.c.id == job_id, jobs.c.locked_by == holder).values(**values)
    )


async def next_due(conn: AsyncConnection) -> int | None:
    """When the earliest pending job is due (milliseconds), if any."""
    query = select(jobs.c.run_at).where(jobs.c.finished_at.is_(None)).order_by(jobs.c.run_at)
    return (await conn.execute(query.limit(1))).scalar()


async def is_pending(conn: AsyncConnection, unique_key: str) -> bool:
    """Whether the job with this key is still to run (or running)."""
    query = select(jobs.c.id).where(jobs.c.unique_key == unique_key, jobs.c.finished_at.is_(None))
    return (await conn.execute(query.limit(1))).first() is not None


async def prune_finished(conn: AsyncConnection, before_ms: int) -> int:
    result = await conn.execute(
        delete(jobs).where(jobs.c.finished_at.is_not(None), jobs.c.finished_at < before_ms)
    )
    return result.rowcount
