"""The ASGI application: routes, error handling, and a lifespan that starts the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles

from townhall import __version__
from townhall.api import access_log, body_limits, errors, ratelimit, web_client
from townhall.api.responses import JSON
from townhall.api.routes import (
    announcements,
    applications,
    audit_log,
    auth,
    calls,
    channels,
    commands,
    dms,
    gateway,
    groups,
    guests,
    guilds,
    interactions,
    invites,
    members,
    messages,
    pins,
    public,
    push,
    reactions,
    roles,
    scheduled_events,
    stage_instances,
    threads,
    uploads,
    users,
    voice,
    webhooks,
)
from townhall.api.routes import files as file_routes
from townhall.config import Settings
from townhall.gateway.connection import gateway_endpoint
from townhall.gateway.limits import VOICE_PATH
from townhall.runtime import Runtime
from townhall.voice.connection import voice_endpoint

API_PREFIX = "/api/v10"
ROUTERS = (
    # Matching walks routes in order: the busiest (sending and reading messages) come first,
    # after the visitors' reads, which only requests without a token match (routes/public.py).
    public.router,
    messages.router,
    reactions.router,
    pins.router,
    channels.router,
    threads.router,
    users.router,
    dms.router,
    guilds.router,
    roles.router,
    members.router,
    invites.router,
    guests.router,
    auth.router,
    applications.router,
    commands.router,
    interactions.router,
    gateway.router,
    uploads.router,
    voice.router,
    stage_instances.router,
    scheduled_events.router,
    calls.router,
    push.router,
    webhooks.router,
    announcements.router,
    groups.router,
    audit_log.router,
)


def mount_docs(app: FastAPI) -> None:
    """The interactive API reference, with Swagger UI served from this server (no CDN needed)."""
    static = Path(swagger_ui_bundle.swagger_ui_path)
    app.mount(f"{API_PREFIX}/docs/static", StaticFiles(directory=static), name="docs-static")

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API_PREFIX}/openapi.json",
            title="townhall API",
            swagger_js_url=f"{API_PREFIX}/docs/static/swagger-ui-bundle.js",
            swagger_css_url=f"{API_PREFIX}/docs/static/swagger-ui.css",
            swagger_favicon_url=f"{API_PREFIX}/docs/static/favicon-32x32.png",
        )


def documented_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """The HTTP routes the OpenAPI document lists, in the router's order, with their methods.

    Walking them also makes FastAPI prepare every included route, which it otherwise does at the
    first request that reaches a router (seconds for all of ours, with every connection waiting);
    the application does it as it starts."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path:
            found.append((context.path, route.methods or set()))
    return found


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        documented_routes(app)  # FastAPI prepares every route now, not at the first request
        runtime = app.state.runtime = Runtime(settings)
        app.state.services = await runtime.start()
        app.state.hub = runtime.hub
        app.state.voice = runtime.voice
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="townhall",
        version=__version__,
        description="A self-hosted community chat server with a Discord v10-shaped API.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        default_response_class=JSON,
    )
    errors.install(app)
    # Routes are matched in order: the gateway WebSocket (at the root as Discord's is, and at
    # /gateway) and the health check first, as they are cheap to tell apart and asked for often.
    app.add_api_websocket_route("/", gateway_endpoint)
    app.add_api_websocket_route("/gateway", gateway_endpoint)
    app.add_api_websocket_route(VOICE_PATH, voice_endpoint)
    app.add_api_websocket_route(VOICE_PATH + "/", voice_endpoint)  # discord.py adds the slash

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Any:
        return JSON({"status": "ok"})

    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(file_routes.router)  # where Discord's CDN has them, outside the API
    mount_docs(app)
    web_client.install(app)
    if settings.rate_limits:
        app.add_middleware(
            ratelimit.RateLimits, settings=settings, routes=lambda: documented_routes(app)
        )
    app.add_middleware(body_limits.BodyLimits, settings=settings)  # outside the rate limits
    if settings.access_log:
        app.add_middleware(access_log.AccessLog)
    return app
