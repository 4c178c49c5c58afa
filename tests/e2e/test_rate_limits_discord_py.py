"""discord.py's own rate limiter against a real server with limits on: it waits, it never fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import discord.http
from discord.http import HTTPClient, Route

from tests.e2e.conftest import Deployment, Server, register, unique


@contextmanager
def rest_base(server: Server) -> Iterator[None]:
    """What a bot author changes to point discord.py's REST client at townhall."""
    old = Route.BASE
    Route.BASE = server.api
    try:
        yield
    finally:
        Route.BASE = old


@asynccontextmanager
async def discord_http(token: str) -> AsyncIterator[HTTPClient]:
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
        yield http
    finally:
        await http.close()


async def test_two_discord_py_clients_overrunning_the_message_limit_both_finish(
    deployment: Deployment,
) -> None:
    server = deployment.start(TOWNHALL_RATE_LIMITS="true")
    alice = register(server, unique("alice"))
    with server.client(alice["token"]) as plain:
        channel_id = plain.post("/guilds", json={"name": "Busy"}).json()["system_channel_id"]

    def send(http: HTTPClient, n: int) -> asyncio.Future[object]:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        return asyncio.ensure_future(http.request(route, json={"content": f"message {n}"}))

    with rest_base(server):
        async with discord_http(alice["token"]) as one, discord_http(alice["token"]) as two:
            started = time.monotonic()
            # Two clients share one bucket on the server but each keeps its own count, so the
            # server answers 429 and discord.py must read retry_after (and find `Via`) to retry.
            sent = await asyncio.wait_for(
                asyncio.gather(*(send(one if n % 2 else two, n) for n in range(8))), 60
            )
            elapsed = time.monotonic() - started
    assert len({str(message["id"]) for message in sent}) == 8  # type: ignore[index]
    assert elapsed >= 4.0, "8 sends at 5 per 5 seconds cannot all be done at once"
