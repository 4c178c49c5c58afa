"""What the voice benchmarks send and how their listeners count it, shared by the townhall clients
(`bench.voice_clients`) and the floor (`bench.voice_floor`).

A speaker sends one pre-encoded Opus frame every 20 ms (a 440 Hz tone encoded once at start, 32
kbit/s, as a voice would be) with a 16-byte trailer: a marker, the speaker's number and the wall
time it was sent (`time.time_ns`, the same clock in every process of the machine). Nobody decodes
audio: a listener reads the trailer of each decrypted RTP packet, so it knows whose packet it is
and how long it took, and drops it. The trailer makes the payload an invalid Opus frame for a real
decoder; the SFU never looks into payloads, so what it forwards costs it the same.

Counting is by send time: a listener counts the packets *sent* within the measurement window, the
speakers count what they sent in it, so the window's edges cost no packets. What arrives after the
report is asked for (the window's end plus a grace period) counts as lost.

A mixer (Janus's AudioBridge) decodes and sends a mix of its own, without any trailer: those
packets are counted as `mixed`, by their arrival time in the window, 50 a second expected.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import math
import struct
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import av

MAGIC = b"THvb"
TRAILER = struct.Struct("!4sIQ")
"""Marker, speaker number, send time in ns: the last 16 bytes of every benchmark payload."""
FRAME_SECONDS = 0.02
SAMPLE_RATE = 48000
FRAME_SAMPLES = 960
BUCKET_NS = 100_000
"""Latency histogram resolution: 0.1 ms."""


def opus_frames(count: int = 50, frequency: int = 440, bit_rate: int = 32000) -> list[bytes]:
    """`count` consecutive 20 ms Opus frames of a mono tone, encoded once by libopus."""
    codec = av.CodecContext.create("libopus", "w")
    codec.bit_rate = bit_rate
    codec.format = "s16"
    codec.layout = "mono"
    codec.sample_rate = SAMPLE_RATE
    codec.time_base = fractions.Fraction(1, SAMPLE_RATE)
    codec.options = {"application": "voip"}
    frames: list[bytes] = []
    number = 0
    while len(frames) < count:
        samples = [
            round(9000 * math.sin(2 * math.pi * frequency * (number * FRAME_SAMPLES + n) / 48000))
            for n in range(FRAME_SAMPLES)
        ]
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(struct.pack(f"<{FRAME_SAMPLES}h", *samples))
        frame.pts = number * FRAME_SAMPLES
        frame.sample_rate = SAMPLE_RATE
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        frames.extend(bytes(packet) for packet in codec.encode(frame))
        number += 1
    return frames[:count]


def stamped(frame: bytes, speaker: int, sent_ns: int) -> bytes:
    return frame + TRAILER.pack(MAGIC, speaker, sent_ns)


@dataclass
class Window:
    """The send times counted, [start_ns, end_ns); empty until the controller sets it."""

    start_ns: int = 0
    end_ns: int = 0

    def contains(self, ns: int) -> bool:
        return self.start_ns <= ns < self.end_ns


@dataclass
class Ear:
    """One listener's count of what reached it: packets per speaker, bytes, first arrival."""

    window: Window
    histogram: dict[int, int]
    """Shared by the listeners of one process: one-way latency in BUCKET_NS buckets."""
    received: dict[int, int] = field(default_factory=dict)
    size: int = 0
    """Bytes of the packets counted (RTP header and payload)."""
    first_ns: int | None = None
    """When the first packet arrived, stamped or mixed (join time)."""
    first_from: dict[int, int] = field(default_factory=dict)
    """Speaker -> when their first stamped packet arrived, window or not (speaker change)."""
    foreign: int = 0
    """Decrypted RTP packets without the trailer: a mixer's (Janus); none from an SFU."""
    mixed: int = 0
    """Of those, the ones that arrived inside the window."""

    def hear(self, packet: bytes, now_ns: int) -> None:
        """A decrypted RTP packet (header and payload) that reached this listener."""
        if self.first_ns is None:
            self.first_ns = now_ns
        if len(packet) < 12 + TRAILER.size or packet[-16:-12] != MAGIC:
            self.foreign += 1
            if self.window.contains(now_ns):
                self.mixed += 1
            return
        _, speaker, sent_ns = TRAILER.unpack_from(packet, len(packet) - TRAILER.size)
        if speaker not in self.first_from:
            self.first_from[speaker] = now_ns
        if self.window.contains(sent_ns):
            self.received[speaker] = self.received.get(speaker, 0) + 1
            self.size += len(packet)
            bucket = (now_ns - sent_ns) // BUCKET_NS
            self.histogram[bucket] = self.histogram.get(bucket, 0) + 1

    def report(self) -> dict[str, Any]:
        return {
            "received": {str(k): v for k, v in self.received.items()},
            "bytes": self.size,
            "first_ns": self.first_ns,
            "first_from": {str(k): v for k, v in self.first_from.items()},
            "foreign": self.foreign,
            "mixed": self.mixed,
        }


class Pacer:
    """Real-time pacing of one sender: `tick` returns at start + n * interval (late, not early):
    20 ms for audio frames, 1/fps for video."""

    def __init__(self, interval: float = FRAME_SECONDS) -> None:
        self.interval = interval
        self.count = -1
        self._start = 0.0

    async def tick(self) -> int:
        self.count += 1
        if self.count == 0:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(self._start + self.count * self.interval - time.monotonic())
        return self.count


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def command_loop(
    window: Window,
    report: Callable[[], dict[str, Any]],
    lifetime: float = 900.0,
    commands: Mapping[str, Callable[[list[str]], None]] | None = None,
) -> None:
    """The controller's lines on stdin: `window <start_ns> <end_ns>`, `report`, `stop`, and
    the `commands` a load generator adds (`talk <number>`), given the line's other words."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    deadline = time.monotonic() + lifetime
    while True:
        try:
            line = await asyncio.wait_for(reader.readline(), deadline - time.monotonic())
        except TimeoutError:
            return
        words = line.decode().split()
        if not words or words[0] == "stop":
            return
        if words[0] == "window":
            window.start_ns, window.end_ns = int(words[1]), int(words[2])
        elif words[0] == "report":
            emit({"event": "report", **report()})
        elif commands and words[0] in commands:
            commands[words[0]](words[1:])


def read_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(sys.stdin.readline())
    return config


async def bounded(awaitable: Any, seconds: float) -> None:
    """Await a clean-up step, but not for ever: a benchmark must end."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(awaitable, seconds)
