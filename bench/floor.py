"""The floor: a bare `websockets` broadcast server, driven exactly like townhall's fan-out.

`python -m bench.floor` measures it alone; `python -m bench.fanout` measures it in the same run
as townhall and reports the ratio. The server (`python -m bench.floor serve PORT`) runs the
`websockets` asyncio server on uvloop: one connection at `/send` carries the sender's messages;
each message becomes a MESSAGE_CREATE-shaped JSON frame (encoded once, with the fields townhall
sends) and goes to every other connection through `websockets.broadcast()`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import uvloop
import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench import loadgen, rates, report
from bench.server import ROOT, free_port, raise_nofile

RECEIVERS = 200

_USER: dict[str, object] = {
    "id": "1574398837152321536",
    "username": "owner_c9c1ae718f",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": False,
    "system": False,
    "public_flags": 0,
    "flags": 0,
    "banner": None,
    "accent_color": None,
    "avatar_decoration_data": None,
}
_MEMBER: dict[str, object] = {
    "nick": None,
    "avatar": None,
    "banner": None,
    "roles": [],
    "joined_at": "2026-11-23T12:18:53.736000+00:00",
    "premium_since": None,
    "deaf": False,
    "mute": False,
    "flags": 0,
    "pending": False,
    "communication_disabled_until": None,
}


def message_create(seq: int, content: str) -> bytes:
    """The same fields, in the same order, as townhall's MESSAGE_CREATE for a guild message."""
    data: dict[str, object] = {
        "id": str(1574398838951677952 + seq),
        "channel_id": "1574398837273956355",
        "author": _USER,
        "content": content,
        "timestamp": datetime.now(UTC).isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
        "guild_id": "1574398837273956352",
        "member": _MEMBER,
    }
    return orjson.dumps({"op": 0, "t": "MESSAGE_CREATE", "d": data, "s": seq})


async def serve_floor(port: int) -> None:
    receivers: set[ServerConnection] = set()
    sequence = 0

    async def handler(connection: ServerConnection) -> None:
        nonlocal sequence
        if connection.request is not None and connection.request.path.startswith("/send"):
            async for content in connection:
                sequence += 1
                broadcast(receivers, message_create(sequence, str(content)), text=True)
            return
        receivers.add(connection)
        try:
            await connection.wait_closed()
        finally:
            receivers.discard(connection)

    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        ping_interval=None,
        max_size=None,
        backlog=4096,
    ):
        await asyncio.Future()


class WebSocketSender:
    """The floor's sender: one WebSocket connection; a send is one text message."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connection: Any = None

    async def open(self) -> None:
        self.connection = await websockets.connect(self.url, compression=None, ping_interval=None)

    async def send(self, content: str) -> bool:
        await self.connection.send(content)
        return True

    async def close(self) -> None:
        await self.connection.close()


def start_server(port: int, timeout: float = 20) -> subprocess.Popen[bytes]:
    """The floor server in a process of its own, once it listens."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.floor", "serve", str(port)], cwd=ROOT, preexec_fn=raise_nofile
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("floor server did not start")


async def measure(receivers: int = RECEIVERS, processes: int = 1) -> dict[str, Any]:
    """The floor's rate ladder with `receivers` clients in `processes` load generators."""
    port = free_port()
    server = start_server(port)
    generators: list[loadgen.LoadGenerator] = []
    try:
        generators = await asyncio.to_thread(
            loadgen.start_all,
            loadgen.split(receivers, processes, [f"ws://127.0.0.1:{port}/?v=10"], []),
        )
        sender = WebSocketSender(f"ws://127.0.0.1:{port}/send")
        await sender.open()
        print(f"  floor: websockets.broadcast(), {receivers} receivers", flush=True)
        result = await rates.climb(
            sender,
            generators,
            receivers,
            {"server": server.pid, "loadgen": [g.pid for g in generators], "sender": os.getpid()},
            per_sender=100_000,
            profile=rates.profile_directory("floor"),
            server_pid=server.pid,
        )
        await sender.close()
    finally:
        for generator in generators:
            generator.stop()
        server.terminate()
        server.wait(10)
    return {"receivers": receivers, "load_generators": processes, **result}


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        raise_nofile()
        uvloop.run(serve_floor(int(sys.argv[2])))
        return
    report.machine()
    result = uvloop.run(measure())
    path = report.write("floor", {"floor": result})
    print(f"floor: {result['max_sustained_deliveries_per_s']} deliveries/s with p99 < 100 ms")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
