"""The floor for voice: a bare SRTP relay that does the least any SFU must do per packet.

Per packet from a speaker: one SRTP unprotect; then per listener one SRTP protect (each listener
has its own keys, as over DTLS-SRTP) and one `sendto`. Nothing else: no ICE, no DTLS (the keys are
derived from the participant numbers on both sides), no RTCP, no header rewriting, no speaker
selection, no signalling. It runs on uvloop in a process of its own, as `townhall serve` does,
with the same SRTP profile aiortc peers agree on (AEAD_AES_256_GCM) and the same packets (the
stamped Opus frames of `bench.voice_media`, with an audio-level extension).

Its speakers and listeners are plain UDP sockets in load-generator processes of their own; a
listener decrypts and counts exactly as the townhall clients' do. So the floor's figures are the
cost of the packets themselves on this machine: townhall's SFU next to it shows what ICE, aiortc's
connection machinery, the rewriting and the loudest-speaker choice add.

`python -m bench.voice_floor` reads one JSON line of configuration (`role`: `relay`, `listen`
or `talk`), prints `{"event": "ready", ...}` and follows `bench.voice_media.command_loop`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import struct
import time
from typing import Any

import pylibsrtp
import uvloop
from pylibsrtp import Policy, Session

from bench.server import raise_nofile
from bench.voice_media import (
    FRAME_SAMPLES,
    Ear,
    Pacer,
    Window,
    command_loop,
    emit,
    opus_frames,
    read_config,
    stamped,
)

PROFILE = Policy.SRTP_PROFILE_AEAD_AES_256_GCM
KEY_AND_SALT_BYTES = 32 + 12
RTP_HEADER = struct.Struct("!BBHII")
OPUS_PAYLOAD_TYPE = 111
Address = tuple[str, int]


def srtp_session(number: int, outbound: bool) -> Session:
    """The SRTP context of participant `number`, the same on both ends."""
    key = hashlib.sha512(b"townhall voice floor %d" % number).digest()[:KEY_AND_SALT_BYTES]
    policy = Policy(
        key=key,
        ssrc_type=Policy.SSRC_ANY_OUTBOUND if outbound else Policy.SSRC_ANY_INBOUND,
        srtp_profile=PROFILE,
    )
    policy.allow_repeat_tx = True
    policy.window_size = 1024
    return Session(policy)


class Relay(asyncio.DatagramProtocol):
    """`LISTEN n` and `TALK n` register an address (answered `OK`); SRTP from a speaker is
    decrypted once and encrypted and sent to every listener."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.listeners: dict[Address, Session] = {}
        self.speakers: dict[Address, Session] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Address) -> None:
        assert self.transport is not None
        inbound = self.speakers.get(addr)
        if inbound is not None:
            try:
                packet = inbound.unprotect(data)
            except pylibsrtp.Error:
                return
            send = self.transport.sendto
            for address, outbound in self.listeners.items():
                send(outbound.protect(packet), address)
            return
        word, _, number = data.partition(b" ")
        if word == b"LISTEN" and addr not in self.listeners:
            self.listeners[addr] = srtp_session(int(number), outbound=True)
        elif word == b"TALK" and addr not in self.speakers:
            self.speakers[addr] = srtp_session(int(number), outbound=False)
        self.transport.sendto(b"OK", addr)


class Endpoint(asyncio.DatagramProtocol):
    """A floor participant's UDP socket: registers with the relay, then counts what it gets."""

    def __init__(self, number: int, ear: Ear | None) -> None:
        self.number, self.ear = number, ear
        self.session = srtp_session(number, outbound=False)
        self.registered = asyncio.Event()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if data == b"OK":
            self.registered.set()
            return
        if self.ear is None:
            return
        try:
            packet = self.session.unprotect(data)
        except pylibsrtp.Error:
            self.ear.foreign += 1
            return
        self.ear.hear(packet, time.time_ns())

    async def register(self, word: bytes) -> None:
        assert self.transport is not None
        for _attempt in range(50):
            self.transport.sendto(word + b" %d" % self.number)
            try:
                await asyncio.wait_for(self.registered.wait(), 0.2)
                return
            except TimeoutError:
                continue
        raise RuntimeError(f"the relay did not answer {self.number}")


def level_extension(level: int) -> bytes:
    """RFC 8285 one-byte form with only an RFC 6464 audio level (id 1), as townhall writes it."""
    return bytes((0xBE, 0xDE, 0, 1, 1 << 4, level & 0x7F, 0, 0))


class Speaker:
    def __init__(self, number: int, level: int, frames: list[bytes], window: Window) -> None:
        self.number, self.level, self.frames, self.window = number, level, frames, window
        self.sent = 0

    async def talk(self, endpoint: Endpoint) -> None:
        assert endpoint.transport is not None
        outbound = srtp_session(self.number, outbound=True)
        extension = level_extension(self.level)
        sequence, origin, pacer = random.randrange(1 << 16), random.randrange(1 << 32), Pacer()
        while True:
            count = await pacer.tick()
            sent_ns = time.time_ns()
            if self.window.contains(sent_ns):
                self.sent += 1
            header = RTP_HEADER.pack(
                0x90,
                OPUS_PAYLOAD_TYPE,
                (sequence + count) & 0xFFFF,
                (origin + count * FRAME_SAMPLES) & 0xFFFFFFFF,
                self.number,
            )
            payload = stamped(self.frames[count % len(self.frames)], self.number, sent_ns)
            endpoint.transport.sendto(outbound.protect(header + extension + payload))


async def serve(config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    window, histogram = Window(), dict[int, int]()
    role = config["role"]
    if role == "relay":
        relay = Relay()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: relay, local_addr=("127.0.0.1", 0)
        )
        port = transport.get_extra_info("sockname")[1]
        emit({"event": "ready", "port": port, "pid": os.getpid(), "failed": 0})
        await command_loop(
            window, lambda: {"listeners": len(relay.listeners), "people": [], "histogram": {}}
        )
        emit({"event": "stopped"})
        return
    relay_address = ("127.0.0.1", config["relay_port"])
    frames = opus_frames()
    people: list[tuple[dict[str, Any], Ear, Speaker | None]] = []
    tasks: list[asyncio.Task[None]] = []
    for person in config["people"]:
        ear = Ear(window, histogram)
        level = person.get("level")
        speaker = Speaker(person["number"], level, frames, window) if level is not None else None
        endpoint = Endpoint(person["number"], ear)
        await loop.create_datagram_endpoint(lambda e=endpoint: e, remote_addr=relay_address)  # type: ignore[misc]
        await endpoint.register(b"TALK" if speaker is not None else b"LISTEN")
        if speaker is not None:
            tasks.append(loop.create_task(speaker.talk(endpoint)))
        people.append((person, ear, speaker))

    def report() -> dict[str, Any]:
        return {
            "histogram": {str(k): v for k, v in histogram.items()},
            "people": [
                {
                    "number": person["number"],
                    "level": person.get("level"),
                    "join_ms": None,
                    "sent": speaker.sent if speaker is not None else 0,
                    **ear.report(),
                }
                for person, ear, speaker in people
            ],
            "failures": [],
        }

    emit({"event": "ready", "ready": len(people), "failed": 0, "pid": os.getpid()})
    await command_loop(window, report)
    for task in tasks:
        task.cancel()
    emit({"event": "stopped"})


def main() -> None:
    raise_nofile()
    uvloop.run(serve(read_config()))


if __name__ == "__main__":
    main()
