"""The load generator: gateway receivers in a process of their own, and its controller.

`python -m bench.loadgen` reads one JSON line of configuration on stdin, opens the connections
(for townhall: HELLO, IDENTIFY, READY, GUILD_CREATE), prints `{"event": "ready", ...}`, and then
records for every MESSAGE_CREATE whose content reads `bench <step> <sent_ns> ...` how long it took
from the send timestamp to receipt (same machine, same clock). On `report` it prints what it has
counted, per step; on `stop` it exits.

Receivers are plain asyncio protocols: `websockets` builds the opening handshake and the masked
client frames; the server's frames are read by a few lines here. A delivery costs a header parse
and a byte search, not a task, a queue, a frame-parser generator and a JSON parse, so that on two
cores the load generator measures the server rather than itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
import uvloop
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri
from websockets.utils import accept_key

from bench.server import ROOT, raise_nofile

BUCKET_NS = 100_000
"""Latency histogram resolution: 0.1 ms."""
MESSAGE_CREATE = b'{"op":0,"t":"MESSAGE_CREATE"'
CONTENT = b'"content":"bench '
GUILDS, GUILD_MESSAGES = 1 << 0, 1 << 9


Place = tuple[int, int]
"""(guild_id, channel_id)."""


class Itinerary:
    """Which channel a person has on screen, and when they switch: every 10 ± 5 s (the first
    switch within 10 s) to one of their channels at random.

    The actors (bench/actors.py) open each channel with a history page, and the person's gateway
    session here subscribes to it (op 37) as the web client does; both derive the same itinerary
    from the person's number and the step's start (`time.time()`), each in its own process."""

    def __init__(self, seed: int, places: Sequence[Place], start: float) -> None:
        self._random = random.Random(seed)
        self._places = list(places)
        self.place: Place = self._random.choice(self._places)
        self.next_at = start + self._random.uniform(0, 10)

    def catch_up(self, now: float) -> bool:
        """Follow the switches due by `now`; True if the channel on screen changed."""
        before = self.place
        while self.next_at <= now:
            self.place = self._random.choice(self._places)
            self.next_at += self._random.uniform(5, 15)
        return self.place != before


def guild_subscriptions(before: Place | None, now: Place) -> dict[str, Any]:
    """Op 37 as the web client sends it (web/src/gateway/client.ts): the channel on screen, and
    the guild shown before (if another) subscribed to nothing."""
    subscriptions: dict[str, Any] = {}
    if before is not None and before[0] != now[0]:
        subscriptions[str(before[0])] = {"channels": {}}
    subscriptions[str(now[0])] = {
        "typing": True,
        "threads": True,
        "activities": True,
        "channels": {str(now[1]): [[0, 99]]},
    }
    return {"op": 37, "d": {"subscriptions": subscriptions}}


@dataclass
class Step:
    histogram: dict[int, int] = field(default_factory=dict)
    count: int = 0
    bytes: int = 0


class Receivers:
    """Every connection of this process and what they received."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.urls: list[str] = config["urls"]
        self.tokens: list[str] = config.get("tokens") or []
        self.count: int = config["count"]
        self.offset: int = config.get("offset", 0)
        """This process's first connection number: tokens are shared out by connection number."""
        self.compress: str | None = config.get("compress")
        self.intents: int = config.get("intents", GUILDS | GUILD_MESSAGES)
        self.gate = asyncio.Semaphore(config.get("concurrency", 100))
        self.places: list[list[Place]] = [
            [(g, c) for g, c in places] for places in config.get("places") or []
        ]
        """Each person's channels (by connection number, as tokens): when given, each session
        follows its person's itinerary with op 37, as the web client does."""
        self.epoch: float = config.get("epoch", 0.0)
        self.reconnect: bool = config.get("reconnect", False)
        """Identify again when a ready connection is lost (the reconnect-storm benchmark)."""
        self.steps: dict[int, Step] = {}
        self.by_connection: dict[int, dict[int, int]] | None = (
            {} if config.get("count_by_connection") else None
        )
        """Deliveries per step and connection number, when asked for (bench/groups.py: who got a
        group's messages, to count leaks to non-members)."""
        self.ready = 0
        self.armed_at: float | None = None
        self.back = 0
        """Connections ready again since the storm was armed."""
        self.failed: list[str] = []
        self.lost = 0
        self.all_done = asyncio.get_running_loop().create_future()
        self.connections: list[Receiver] = []

    def settled(self) -> None:
        if self.ready + len(self.failed) >= self.count and not self.all_done.done():
            self.all_done.set_result(None)

    def record(self, step: int, latency_ns: int, size: int, number: int = -1) -> None:
        if self.by_connection is not None:
            counts = self.by_connection.setdefault(step, {})
            index = self.offset + number
            counts[index] = counts.get(index, 0) + 1
        entry = self.steps.get(step)
        if entry is None:
            entry = self.steps[step] = Step()
        bucket = latency_ns // BUCKET_NS
        histogram = entry.histogram
        histogram[bucket] = histogram.get(bucket, 0) + 1
        entry.count += 1
        entry.bytes += size

    def itinerary(self, number: int) -> Itinerary | None:
        if not self.places:
            return None
        index = self.offset + number
        return Itinerary(index, self.places[index % len(self.places)], self.epoch)

    def address(self, number: int) -> tuple[str, str | None]:
        index = self.offset + number
        url = self.urls[index % len(self.urls)]
        token = self.tokens[index % len(self.tokens)] if self.tokens else None
        if self.compress:
            url += f"&compress={self.compress}"
        return url, token

    async def open(self) -> None:
        loop = asyncio.get_running_loop()

        async def one(number: int) -> None:
            url, token = self.address(number)
            uri = parse_uri(url)
            await self.gate.acquire()
            receiver = Receiver(self, url, token, number)
            try:
                await loop.create_connection(lambda: receiver, uri.host, uri.port)
            except OSError as error:
                receiver.fail(f"connect: {error}")
                return
            self.connections.append(receiver)
            await receiver.settled

        await asyncio.gather(*(one(i) for i in range(self.count)))

    def arm(self) -> None:
        """Count connections from now: the next `reconnected` event says when all are back."""
        self.armed_at, self.back = time.monotonic(), 0

    def lost_one(self, number: int) -> None:
        if self.reconnect:
            asyncio.get_running_loop().create_task(self.come_back(number))

    async def come_back(self, number: int) -> None:
        """Reconnect and identify until it works, as a client does after a server restart."""
        loop = asyncio.get_running_loop()
        url, token = self.address(number)
        uri = parse_uri(url)
        await asyncio.sleep(random.uniform(0.0, 0.25))
        while True:
            receiver = Receiver(self, url, token, number, again=True)
            try:
                await loop.create_connection(lambda r=receiver: r, uri.host, uri.port)
            except OSError:
                await asyncio.sleep(0.25)
                continue
            await receiver.settled
            if receiver.is_ready:
                return
            await asyncio.sleep(0.25)

    def returned(self) -> None:
        self.back += 1
        if self.armed_at is not None and self.back == self.count:
            emit({"event": "reconnected", "seconds": round(time.monotonic() - self.armed_at, 3)})
            self.armed_at = None

    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "event": "report",
            "ready": self.ready,
            "lost": self.lost,
            "steps": {
                str(step): {"histogram": s.histogram, "count": s.count, "bytes": s.bytes}
                for step, s in self.steps.items()
            },
        }
        if self.by_connection is not None:
            report["by_connection"] = {
                str(step): {str(index): n for index, n in counts.items()}
                for step, counts in self.by_connection.items()
            }
        return report


class Receiver(asyncio.Protocol):
    """One gateway client. `websockets` makes the opening handshake and the (masked) client
    frames; server frames, unmasked and unfragmented, are read by `frames` below."""

    def __init__(
        self, owner: Receivers, url: str, token: str | None, number: int, again: bool = False
    ) -> None:
        self.owner = owner
        self.token = token
        self.number = number
        self.again = again
        self.request = ClientProtocol(parse_uri(url)).connect()
        self.accept = accept_key(self.request.headers["Sec-WebSocket-Key"]).encode()
        self.transport: asyncio.Transport | None = None
        self.inflate = zlib.decompressobj() if owner.compress == "zlib-stream" else None
        self.opened = False
        self.is_ready = False
        self.guilds_left = -1
        self.pending = b""
        self.settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.itinerary = owner.itinerary(number)

    # -- asyncio -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request.serialize())

    def data_received(self, data: bytes) -> None:
        now = time.time_ns()
        if self.pending:
            data = self.pending + data
            self.pending = b""
        if not self.opened:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.pending = data
                return
            head, data = data[:end], data[end + 4 :]
            if not head.startswith(b"HTTP/1.1 101") or self.accept not in head:
                self.fail(f"handshake: {head[:60]!r}")
                return
            self.opened = True
            if self.token is None:
                self.become_ready()
        self.frames(data, now)

    def frames(self, data: bytes, now: int) -> None:
        """Every whole server frame in `data`; a partial one waits for the next read."""
        at, size = 0, len(data)
        while size - at >= 2:
            opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                length, start = int.from_bytes(data[at + 2 : at + 4]), at + 4
            elif length == 127:
                length, start = int.from_bytes(data[at + 2 : at + 10]), at + 10
            if start > size or start + length > size:
                break
            at = start + length
            if opcode == 1 or opcode == 2:
                self.message(data[start:at], now)
            elif opcode == 8:
                self.write(Frame(Opcode.CLOSE, data[start:at]))
            elif opcode == 9:
                self.write(Frame(Opcode.PONG, data[start:at]))
        if at < size:
            self.pending = data[at:]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.is_ready:
            self.owner.lost += 1
            self.owner.lost_one(self.number)
        elif self.again:
            self.give_up_attempt()
        else:
            self.fail(f"closed before ready: {exc}")

    # -- gateway -------------------------------------------------------------------------

    def write(self, frame: Frame) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame.serialize(mask=True))

    def send(self, payload: dict[str, Any]) -> None:
        self.write(Frame(Opcode.TEXT, orjson.dumps(payload)))

    def message(self, payload: bytes, now: int) -> None:
        if self.inflate is not None:
            payload = self.inflate.decompress(payload)
        if self.is_ready:
            if payload.startswith(MESSAGE_CREATE):
                at = payload.find(CONTENT)
                if at >= 0:
                    start = at + len(CONTENT)
                    step, sent, _ = payload[start : start + 48].split(b" ", 2)
                    self.owner.record(int(step), now - int(sent), len(payload), self.number)
            return
        self.handshake(orjson.loads(payload))

    def handshake(self, message: dict[str, Any]) -> None:
        """HELLO → IDENTIFY → READY → one GUILD_CREATE per guild."""
        op, kind = message.get("op"), message.get("t")
        if op == 10:
            self.send(
                {
                    "op": 2,
                    "d": {
                        "token": self.token,
                        "intents": self.owner.intents,
                        "properties": {"os": "linux", "browser": "bench", "device": "bench"},
                    },
                }
            )
        elif op == 9:
            self.fail("invalid session")
        elif kind == "READY":
            self.guilds_left = len(message["d"]["guilds"])
            if self.guilds_left == 0:
                self.become_ready()
        elif kind == "GUILD_CREATE" and self.guilds_left > 0:
            self.guilds_left -= 1
            if self.guilds_left == 0:
                self.become_ready()

    def become_ready(self) -> None:
        if self.settled.done():
            return
        self.is_ready = True
        self.settled.set_result(None)
        self.follow(None)
        if self.again:
            self.owner.returned()
            return
        self.owner.ready += 1
        self.owner.gate.release()
        self.owner.settled()

    def follow(self, shown: Place | None) -> None:
        """Subscribe to the channel the person has on screen now, and again at each switch."""
        if self.itinerary is None or self.transport is None or self.transport.is_closing():
            return
        now = time.time()
        self.itinerary.catch_up(now)
        place = self.itinerary.place
        if place != shown:
            self.send(guild_subscriptions(shown, place))
        delay = max(0.0, self.itinerary.next_at - now)
        asyncio.get_running_loop().call_later(delay, self.follow, place)

    def give_up_attempt(self) -> None:
        """A reconnect attempt that failed before READY: the caller tries again."""
        if not self.settled.done():
            self.settled.set_result(None)

    def fail(self, reason: str) -> None:
        if self.again:
            self.give_up_attempt()
            if self.transport is not None:
                self.transport.abort()
            return
        if self.settled.done():
            return
        self.owner.failed.append(reason)
        self.owner.gate.release()
        self.settled.set_result(None)
        self.owner.settled()
        if self.transport is not None:
            self.transport.abort()


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def serve_commands(config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    receivers = Receivers(config)
    started = time.monotonic()
    opening = loop.create_task(receivers.open())
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(receivers.all_done, config.get("ready_timeout", 300))
    emit(
        {
            "event": "ready",
            "ready": receivers.ready,
            "failed": len(receivers.failed),
            "failures": receivers.failed[:5],
            "seconds": round(time.monotonic() - started, 2),
            "pid": os.getpid(),
        }
    )
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    deadline = started + config.get("lifetime", 1200)
    while True:
        try:
            line = await asyncio.wait_for(reader.readline(), deadline - time.monotonic())
        except TimeoutError:
            break
        command = line.strip().decode()
        if command == "report":
            emit(receivers.report())
        elif command == "arm":
            receivers.arm()
        elif command in ("stop", ""):
            break
    opening.cancel()
    for receiver in receivers.connections:
        if receiver.transport is not None:
            receiver.transport.abort()
    emit({"event": "stopped"})


def main() -> None:
    raise_nofile()
    config = json.loads(sys.stdin.readline())
    uvloop.run(serve_commands(config))


# -- the controller, used by the benchmarks ---------------------------------------------------


class LoadGenerator:
    """One load-generator process (`bench.loadgen`, or another `module` that speaks the same
    line protocol, such as `bench.actors`), driven over its stdin/stdout."""

    def __init__(self, config: dict[str, Any], module: str = "bench.loadgen") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            preexec_fn=raise_nofile,
        )
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._command(json.dumps(config))

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(json.loads(line))
        self._lines.put(None)

    def command(self, line: str) -> None:
        self._command(line)

    def _command(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def _expect(self, event: str, timeout: float) -> dict[str, Any]:
        message = self._lines.get(timeout=timeout)
        if message is None or message.get("event") != event:
            raise RuntimeError(f"load generator: expected {event}, got {message}")
        return message

    def wait_ready(self, timeout: float = 600) -> dict[str, Any]:
        return self._expect("ready", timeout)

    def arm(self) -> None:
        """Start timing a reconnect storm; `wait_reconnected` returns when all are back."""
        self._command("arm")

    def wait_reconnected(self, timeout: float = 300) -> dict[str, Any]:
        return self._expect("reconnected", timeout)

    def report(self, timeout: float = 60) -> dict[str, Any]:
        self._command("report")
        return self._expect("report", timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self._command("stop")
                self.process.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def split(
    total: int, processes: int, urls: Sequence[str], tokens: Sequence[str], **config: Any
) -> list[dict[str, Any]]:
    """Configurations for `processes` load generators sharing `total` connections evenly."""
    configs = []
    offset = 0
    for index in range(processes):
        count = total // processes + (1 if index < total % processes else 0)
        configs.append(
            {
                "urls": list(urls),
                "tokens": list(tokens),
                "count": count,
                "offset": offset,
                **config,
            }
        )
        offset += count
    return configs


def start_all(configs: Sequence[dict[str, Any]], timeout: float = 600) -> list[LoadGenerator]:
    """Start the load generators, wait until all their connections are ready (or failed)."""
    generators = [LoadGenerator(config) for config in configs]
    try:
        for generator in generators:
            ready = generator.wait_ready(timeout)
            if ready["failed"]:
                raise RuntimeError(f"{ready['failed']} connections failed: {ready['failures']}")
    except BaseException:
        for generator in generators:
            generator.stop()
        raise
    return generators


if __name__ == "__main__":
    main()
