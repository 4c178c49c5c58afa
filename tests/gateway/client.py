"""A small gateway client for tests: connect, identify, and wait for dispatches."""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import orjson
import websockets
import zstandard

from tests.conftest import Account
from tests.server_process import Server

ALL_UNPRIVILEGED = (
    (1 << 0)
    | (1 << 2)
    | (1 << 6)
    | (1 << 9)
    | (1 << 10)
    | (1 << 11)
    | (1 << 12)
    | (1 << 13)
    | (1 << 14)
)
ALL_INTENTS = ALL_UNPRIVILEGED | (1 << 1) | (1 << 8) | (1 << 15)


class GatewayClient:
    def __init__(
        self, url: str, compress: str | None = "zlib-stream", heartbeat: bool = True
    ) -> None:
        self.heartbeat = heartbeat
        self._heartbeat_task: asyncio.Task[None] | None = None
        query = "?v=10&encoding=json" + (f"&compress={compress}" if compress else "")
        self.url = url.rstrip("/") + "/" + query
        self.compress = compress
        self.ws: Any = None
        self.seq: int | None = None
        self.session_id: str | None = None
        self.ready: dict[str, Any] = {}
        self.guild_creates: list[dict[str, Any]] = []
        self._inflate: Any = None

    async def connect(self) -> dict[str, Any]:
        self.ws = await websockets.connect(self.url, max_size=None)
        if self.compress == "zlib-stream":
            self._inflate = zlib.decompressobj()
        elif self.compress == "zstd-stream":
            self._inflate = zstandard.ZstdDecompressor().decompressobj()
        hello = await self.receive()
        assert hello["op"] == 10, hello
        if self.heartbeat:
            interval = hello["d"]["heartbeat_interval"] / 1000 * 0.7
            self._heartbeat_task = asyncio.get_running_loop().create_task(self._beat(interval))
        return hello

    async def _beat(self, interval: float) -> None:
        """Heartbeat like a real client, so that long tests are not closed with 4009."""
        try:
            while True:
                await asyncio.sleep(interval)
                await self.send(1, self.seq)
        except (asyncio.CancelledError, websockets.ConnectionClosed):
            pass

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        if self._inflate is not None:
            raw = self._inflate.decompress(raw)
        payload: dict[str, Any] = orjson.loads(raw)
        if payload.get("s") is not None:
            self.seq = payload["s"]
        return payload

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send(orjson.dumps({"op": op, "d": data}).decode())

    async def identify(
        self, token: str, intents: int = ALL_UNPRIVILEGED, **extra: Any
    ) -> dict[str, Any]:
        await self.send(
            2, {"token": token, "intents": intents, "properties": {"os": "linux"}, **extra}
        )
        ready = await self.wait_for("READY")
        self.session_id = ready["session_id"]
        self.ready = ready
        for _ in ready["guilds"]:
            self.guild_creates.append(await self.wait_for("GUILD_CREATE"))
        return ready

    async def wait_for(
        self, event_type: str, timeout: float = 10.0, **match: Any
    ) -> dict[str, Any]:
        """The next dispatch of this type (whose data has these fields); others are skipped."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no {event_type} within {timeout}s")
            payload = await self.receive(remaining)
            if payload.get("t") == event_type and all(
                payload["d"].get(k) == v for k, v in match.items()
            ):
                data: dict[str, Any] = payload["d"]
                return data

    async def collect_until(
        self, event_type: str, timeout: float = 10.0, **match: Any
    ) -> list[dict[str, Any]]:
        """Every payload up to and including the next dispatch of this type (with these fields):
        what the session received before an event it awaited."""
        found: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no {event_type} within {timeout}s")
            payload = await self.receive(remaining)
            found.append(payload)
            if payload.get("t") == event_type and all(
                payload["d"].get(k) == v for k, v in match.items()
            ):
                return found

    async def collect(self, seconds: float) -> list[dict[str, Any]]:
        """Every payload that arrives within `seconds`."""
        found: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + seconds
        while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                found.append(await self.receive(remaining))
            except TimeoutError:
                break
        return found

    async def close(self, code: int = 1000) -> None:
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
        if self.ws is not None:
            await self.ws.close(code)

    async def closed_with(self, timeout: float = 10.0) -> int:
        """Wait until the server closes the connection; its close code."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006


async def connected(server: Server, account: Account, intents: int = ALL_INTENTS) -> GatewayClient:
    """A gateway session of `account` on `server`, identified and past its GUILD_CREATEs."""
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.identify(account.token, intents)
    return client


class Recorder:
    """A session that keeps every payload it receives, read by a task of its own.

    Tests wait for what they expect (`until`) instead of sleeping, and then look at the whole
    record: what came, in which order, and what did not come before a later marker.
    """

    def __init__(self, client: GatewayClient) -> None:
        self.client = client
        self.payloads: list[dict[str, Any]] = [
            {"op": 0, "t": "READY", "d": client.ready},
            *({"op": 0, "t": "GUILD_CREATE", "d": g} for g in client.guild_creates),
        ]
        self.closed_code: int | None = None
        self._changed = asyncio.Condition()
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                payload = await self.client.receive(timeout=3600)
                async with self._changed:
                    self.payloads.append(payload)
                    self._changed.notify_all()
        except websockets.ConnectionClosed as closed:
            async with self._changed:
                self.closed_code = closed.rcvd.code if closed.rcvd else 1006
                self._changed.notify_all()

    def dispatches(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [
            p
            for p in self.payloads
            if p.get("op") == 0 and (event_type is None or p.get("t") == event_type)
        ]

    async def until(self, done: Any, timeout: float = 20.0) -> None:
        """Wait until `done(self)` is true."""

        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: done(self))

        await asyncio.wait_for(check(), timeout)

    async def message(self, content: str, timeout: float = 20.0) -> dict[str, Any]:
        """Wait for the MESSAGE_CREATE with this content; its data."""

        def found(recorder: Recorder) -> bool:
            return any(
                p["d"].get("content") == content for p in recorder.dispatches("MESSAGE_CREATE")
            )

        await self.until(found, timeout)
        return next(
            p["d"] for p in self.dispatches("MESSAGE_CREATE") if p["d"].get("content") == content
        )

    async def close(self) -> None:
        self._task.cancel()
        await self.client.close()


async def recording(server: Server, account: Account, intents: int = ALL_INTENTS) -> Recorder:
    """A new identified session of `account`, recording from READY on."""
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.identify(account.token, intents)
    return Recorder(client)
