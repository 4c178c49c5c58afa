"""Shutting background loops down: `aio.stop` ends a task even if one cancellation is lost."""

from __future__ import annotations

import asyncio

from townhall import aio


async def test_a_task_that_swallows_its_cancellation_is_stopped_all_the_same() -> None:
    cancelled = 0

    async def stubborn() -> None:  # as a loop around 3.11's wait_for can behave
        nonlocal cancelled
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled += 1
                if cancelled > 1:
                    raise

    task = asyncio.get_running_loop().create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(10):
        await aio.stop([task, None])
    assert task.done() and cancelled == 2
