"""Small asyncio helpers that every layer's background loops share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable


async def stop(tasks: Iterable[asyncio.Task[None] | None]) -> None:
    """Cancel background tasks and wait until each has ended; whatever they raise on the way out
    is theirs to have logged, not the caller's to fail on (this runs at shutdown).

    A task that lives on after its cancellation (Python 3.11's `asyncio.wait_for` can swallow a
    cancellation that arrives as its inner wait completes) is cancelled again, each second, until
    it ends: a shutdown never hangs on one lost cancellation."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        while not task.done():
            await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
            if not task.done():
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


RECANCEL_SECONDS = 1.0
