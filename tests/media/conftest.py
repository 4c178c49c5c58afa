"""An embedded SFU on loopback, and clients that are closed after each test."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from tests.media.clients import Client
from townhall.media import EmbeddedSfu

_rooms = itertools.count(1000)


@pytest_asyncio.fixture
async def sfu() -> AsyncIterator[EmbeddedSfu]:
    backend = EmbeddedSfu(host_addresses=["127.0.0.1"])
    yield backend
    await backend.close()


@pytest.fixture
def room_id() -> int:
    return next(_rooms)


@pytest_asyncio.fixture
async def client() -> AsyncIterator[Callable[..., Client]]:
    """Make clients (`client(user_id, tone, ...)`); all are closed when the test ends."""
    made: list[Client] = []

    def make(*args: Any, **kwargs: Any) -> Client:
        made.append(Client(*args, **kwargs))
        return made[-1]

    yield make
    for each in made:
        await each.close()
