"""An application of a test's own, for settings the session's shared one does not have (scanning,
S3, quotas): its API client, and every event it publishes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests import conftest
from tests.conftest import Api
from tests.documented_shapes import DocumentedShapes
from townhall.api.app import create_app
from townhall.events.event import Envelope


class Published(list[Envelope]):
    """Every event the application published so far, and a way to await the next ones."""

    def __init__(self) -> None:
        super().__init__()
        self._more = asyncio.Event()

    def append(self, envelope: Envelope) -> None:
        super().append(envelope)
        self._more.set()

    async def first(self, wanted: Callable[[Envelope], bool], timeout: float = 30.0) -> Envelope:
        """The first event that matches, already published or awaited as it comes."""
        async with asyncio.timeout(timeout):
            while True:
                self._more.clear()
                found = next((envelope for envelope in self if wanted(envelope)), None)
                if found is not None:
                    return found
                await self._more.wait()


@dataclass
class OwnApp:
    app: FastAPI
    api: Api
    http: httpx.AsyncClient
    published: Published


@asynccontextmanager
async def own_app(data_dir: Path, **settings: Any) -> AsyncIterator[OwnApp]:
    app = create_app(conftest.test_settings(data_dir, **settings))
    async with app.router.lifespan_context(app):
        seen = Published()
        app.state.runtime.log.subscribe(seen.append)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://townhall.test/api/v10",
            event_hooks={"response": [DocumentedShapes(app.openapi())]},
        ) as http:
            yield OwnApp(app, Api(http), http, seen)
