"""Waiting for something outside the test's own sessions: a row in the database, a Redis stream."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(condition: Callable[[], bool], timeout: float, what: str = "") -> None:
    """Check `condition` (in a thread: it may block on I/O) until it holds, or fail after
    `timeout` seconds. For states a test cannot subscribe to; events are awaited directly."""
    await eventually_async(lambda: asyncio.to_thread(condition), timeout, what or str(condition))


async def eventually_async(
    condition: Callable[[], Awaitable[bool]], timeout: float, what: str = ""
) -> None:
    """`eventually` for a check that is a coroutine (a query on the test's own engine)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError(f"not true within {timeout} s: {what or condition}")
        await asyncio.sleep(0.1)
