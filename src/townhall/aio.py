"""Small asyncio helpers that every layer's background loops share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable


async def stop(tasks: Iterable[asyncio.Task[None] | None]) -> None:
    """Cancel background tasks and wait until each has ended; whatever they raise on the way out
    is theirs to have logged, not the caller's to fail on (this runs at shutdown)."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
