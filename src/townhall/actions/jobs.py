"""Background work as use cases: each kind of job is declared once, with the action that runs it.

An action schedules a job inside its write transaction (`tx.schedule(...)`), so the job exists
exactly when the change that asked for it committed. The runner (`runtime/jobs.py`) claims due jobs
on one node at a time, runs them, and retries a failure later with backoff. A job may run again
after a crash in the middle of it, so every handler is written to be safe to repeat.
See docs/decisions/0005-durable-jobs-on-our-own-tables.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from townhall.actions.services import Services

Payload = dict[str, Any]
Run = Callable[["Services", Payload], Awaitable[None]]


@dataclass(frozen=True, eq=False)
class JobType:
    name: str
    run: Run
    max_attempts: int = 5
    every_seconds: float | None = None
    """Recurring: the runner schedules the next run itself (see `ensure_recurring`)."""


JOBS: dict[str, JobType] = {}


def job(
    name: str, *, max_attempts: int = 5, every_seconds: float | None = None
) -> Callable[[Run], JobType]:
    """Declare a kind of job; the decorated function runs it."""

    def declare(run: Run) -> JobType:
        if name in JOBS:
            raise ValueError(f"job {name} is declared twice")
        kind = JOBS[name] = JobType(name, run, max_attempts, every_seconds)
        return kind

    return declare


def recurring() -> list[JobType]:
    return [kind for kind in JOBS.values() if kind.every_seconds is not None]
