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
from tests.media.clients import Client
from tests.server_process import Server, new_deployment
from townhall.media import Answer, AudioSlot, VideoSlot

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


async def identified(
    server: Server, account: Account, guild: dict[str, Any], channel_id: str
) -> tuple[Recorder, VoiceSocket, dict[str, Any]]:
    """In the voice channel with a voice connection past IDENTIFY: its session, socket, READY."""
    rec, update = await joined(server, account, guild, channel_id)
    socket = await open_voice(update["endpoint"])
    await socket.send(0, identify(account, rec, update))
    ready = await socket.receive()
    assert ready["op"] == 2, ready
    data: dict[str, Any] = ready["d"]
    return rec, socket, data


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


WAIT = 20.0


class Participant:
    """One person in a voice channel: their gateway session, voice socket and media peer."""

    def __init__(self, account: Account, rec: Recorder, socket: VoiceSocket, peer: Client) -> None:
        self.account, self.rec, self.socket, self.peer = account, rec, socket, peer
        self.frames: list[dict[str, Any]] = []
        self.closed_code: int | None = None
        self._arrived = asyncio.Condition()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                frame = await self.socket.receive(timeout=3600)
                async with self._arrived:
                    self.frames.append(frame)
                    self._arrived.notify_all()
        except websockets.ConnectionClosed as closed:
            async with self._arrived:
                self.closed_code = closed.rcvd.code if closed.rcvd else 1006
                self._arrived.notify_all()

    async def closed(self) -> int:
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: self.closed_code is not None), WAIT
            )
        assert self.closed_code is not None
        return self.closed_code

    async def frame(self, op: int, after: int = 0, **match: Any) -> dict[str, Any]:
        """The first frame with this op (and these fields in `d`) at or after index `after`."""

        def found() -> dict[str, Any] | None:
            for frame in self.frames[after:]:
                if frame["op"] == op and all(frame["d"].get(k) == v for k, v in match.items()):
                    return frame
            return None

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: found() is not None), WAIT)
        result = found()
        assert result is not None
        return result

    async def negotiate(self) -> dict[str, Any]:
        offer = await self.peer.offer()
        mark = len(self.frames)
        await self.socket.send(
            1, {"protocol": "webrtc", "data": offer.sdp, "sources": dict(offer.sources)}
        )
        described = (await self.frame(4, after=mark, connection=None))["d"]
        await self.peer.accept(Answer(described["sdp"], [_slot(s) for s in described["streams"]]))
        return described

    async def close(self) -> None:
        self._reader.cancel()
        await self.socket.ws.close()
        await self.rec.close()


def _slot(stream: dict[str, Any]) -> AudioSlot | VideoSlot:
    if stream["kind"] == "audio":
        return AudioSlot(stream["mid"], stream["slot"])
    return VideoSlot(stream["mid"], int(stream["user_id"]), stream["source"])


@pytest_asyncio.fixture(loop_scope="session")
async def participants() -> AsyncIterator[list[Participant]]:
    made: list[Participant] = []
    yield made
    for each in made:
        await each.close()
        await each.peer.close()
