"""An application of a test's own, for settings the session's shared one does not have (scanning,
S3, quotas): its API client, and every event it publishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
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


@dataclass
class OwnApp:
    app: FastAPI
    api: Api
    http: httpx.AsyncClient
    published: list[Envelope]


@asynccontextmanager
async def own_app(data_dir: Path, **settings: Any) -> AsyncIterator[OwnApp]:
    app = create_app(conftest.test_settings(data_dir, **settings))
    async with app.router.lifespan_context(app):
        seen: list[Envelope] = []
        app.state.runtime.log.subscribe(seen.append)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://townhall.test/api/v10",
            event_hooks={"response": [DocumentedShapes(app.openapi())]},
        ) as http:
            yield OwnApp(app, Api(http), http, seen)
