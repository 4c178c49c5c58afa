"""A real server whose voice media stays on loopback, and a small voice gateway client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
import websockets

from tests.conftest import Account, Api
from tests.gateway.client import ALL_INTENTS, Recorder, recording
from tests.server_process import Server, new_deployment

INTENTS = ALL_INTENTS | (1 << 7)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("voice") / "data"
    with new_deployment("sqlite", data_dir) as deployment:
        yield deployment.start(TOWNHALL_VOICE_ADDRESSES="127.0.0.1")


@pytest_asyncio.fixture(loop_scope="session")
async def remote(server: Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
        yield Api(http)


class VoiceSocket:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send(orjson.dumps({"op": op, "d": data}).decode())

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        payload: dict[str, Any] = orjson.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        return payload

    async def closed_with(self, timeout: float = 10.0) -> int:
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006


async def open_voice(endpoint: str) -> VoiceSocket:
    ws = await websockets.connect(f"ws://{endpoint}?v=8", max_size=None)
    socket = VoiceSocket(ws)
    hello = await socket.receive()
    assert hello["op"] == 8 and hello["d"]["heartbeat_interval"] > 0
    return socket


async def joined(
    server: Server, account: Account, guild: dict[str, Any], channel_id: str
) -> tuple[Recorder, dict[str, Any]]:
    """A gateway session of `account` in the voice channel; its VOICE_SERVER_UPDATE."""
    rec = await recording(server, account, INTENTS)
    await rec.client.send(
        4,
        {"guild_id": guild["id"], "channel_id": channel_id, "self_mute": False, "self_deaf": False},
    )
    await rec.until(lambda r: bool(r.dispatches("VOICE_SERVER_UPDATE")))
    return rec, rec.dispatches("VOICE_SERVER_UPDATE")[-1]["d"]


def identify(
    account: Account, rec: Recorder, update: dict[str, Any], **changes: str
) -> dict[str, str]:
    return {
        "server_id": update["guild_id"],
        "user_id": str(account.id),
        "session_id": str(rec.client.session_id),
        "token": update["token"],
    } | changes


def voice_channel(guild: dict[str, Any]) -> str:
    return next(str(c["id"]) for c in guild["channels"] if c["type"] == 2)
