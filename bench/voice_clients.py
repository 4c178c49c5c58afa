"""Voice participants in a load-generator process of their own, shaped like the web client.

`python -m bench.voice_clients` reads one JSON line of configuration on stdin (the main gateway's
URL, the guild and voice channel, and the people: user id, token, and the audio level they speak
at, or none for a listener), and for each person, a few at a time:

1. opens the main gateway (HELLO, IDENTIFY with GUILDS only, READY, GUILD_CREATE) and sends op 4
   to join the channel; waits for VOICE_SERVER_UPDATE;
2. opens the voice gateway (`ws://{endpoint}?v=8`): HELLO, IDENTIFY with that token, READY, then
   op 1 with an SDP offer and applies the answer of op 4; heartbeats every interval;
3. runs a real aiortc peer connection offering what the browser offers: a sendrecv microphone and
   two more recvonly audio slots, ICE candidates on the configured `address` only (`127.0.0.1`;
   Janus's side of a veth pair for Janus), through `townhall.media.ice` as tests/media/clients.py
   does.

A speaker's microphone sends a pre-encoded, stamped Opus frame every 20 ms with the RFC 6464
audio level it was configured with (`bench.voice_media`); aiortc's sender packs, encrypts and
sends it, with no encoder. A listener's microphone is a track that never yields, as a muted
browser microphone sends nothing. A speaker configured with `"hold": true` stays silent until the
controller says `talk <number>` (a speaker change). Received media is taken below aiortc, as the
SFU does it (`townhall.media.peer`): each SRTP datagram is decrypted as aioice hands it over,
counted by its trailer, and dropped; aiortc's receivers and decoders never run. Then it prints
`{"event": "ready", ...}` and follows `bench.voice_media.command_loop`.

After the first answer, a reader routes the voice gateway's frames: op 4 to `on_description`
(here the answer the negotiation waits for; `bench.voice_video_clients` also takes the separate
video connections' there), op 15 to `on_streams` (nothing here; `bench.voice_video_clients`
renegotiates to watch).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import orjson
import pylibsrtp
import uvloop
import websockets
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpCodecParameters,
    RTCSessionDescription,
)
from aiortc.rtcrtpsender import RTCEncodedFrame
from av.frame import Frame

from bench.server import raise_nofile
from bench.voice_media import (
    FRAME_SAMPLES,
    Ear,
    Pacer,
    Window,
    bounded,
    command_loop,
    emit,
    opus_frames,
    read_config,
    stamped,
)
from townhall.media.ice import gather_host_candidates

GUILDS = 1 << 0
TIMEOUT = 60.0


class SilentMicrophone(MediaStreamTrack):
    """A muted microphone: the sender waits on it and sends no media."""

    kind = "audio"

    async def recv(self) -> Frame:
        await asyncio.get_running_loop().create_future()
        raise AssertionError("unreachable")


class StampedVoice(MediaStreamTrack):
    """A talking microphone whose frames are already encoded: handed to aiortc's sender as
    encoded frames (`RTCRtpSender._next_encoded_frame`), with a fixed audio level."""

    kind = "audio"

    def __init__(
        self, number: int, level: int, frames: list[bytes], window: Window, hold: bool = False
    ) -> None:
        super().__init__()
        self.number, self.level, self.frames, self.window = number, level, frames, window
        self.pacer = Pacer()
        self.sent = 0
        self.talking = asyncio.Event()
        """Set: it sends. Held speakers wait for `talk` (their microphone sends nothing)."""
        if not hold:
            self.talking.set()
        self.first_sent_ns: int | None = None

    async def recv(self) -> Frame:
        raise AssertionError("the sender is given encoded frames")

    async def next_encoded_frame(self, codec: RTCRtpCodecParameters) -> RTCEncodedFrame:
        await self.talking.wait()
        count = await self.pacer.tick()
        sent_ns = time.time_ns()
        if self.first_sent_ns is None:
            self.first_sent_ns = sent_ns
        if self.window.contains(sent_ns):
            self.sent += 1
        payload = stamped(self.frames[count % len(self.frames)], self.number, sent_ns)
        # aiortc writes -audio_level into the RFC 6464 extension: level 20 is "-20 dBov".
        return RTCEncodedFrame([payload], count * FRAME_SAMPLES, -self.level)


async def next_op(ws: Any, op: int, on_streams: Any = None) -> dict[str, Any]:
    """The next voice gateway frame with this op; op 15 to `on_streams`, others (SPEAKING,
    CLIENTS_CONNECT) skipped."""
    while True:
        frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if frame["op"] == op:
            return frame
        if frame["op"] == 15 and on_streams is not None:
            on_streams(frame["d"]["streams"])


def new_peer() -> RTCPeerConnection:
    """A peer connection as the web client makes one: no STUN server, everything bundled."""
    return RTCPeerConnection(
        RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )


def take_media(dtls: Any, ear: Ear) -> None:
    """Decrypt and count each SRTP datagram of a peer connection's (bundled) DTLS transport as
    aioice hands it over; aiortc never sees it."""
    ice = dtls.transport._connection
    queue_datagram = ice.data_received

    def data_received(data: bytes, component: int) -> None:
        srtp = dtls._rx_srtp
        if srtp is None or len(data) < 2 or not 127 < data[0] < 192 or 192 <= data[1] <= 223:
            queue_datagram(data, component)  # ICE, DTLS and RTCP: aiortc's as before
            return
        try:
            packet = srtp.unprotect(data)
        except pylibsrtp.Error:
            ear.foreign += 1
            return
        ear.hear(packet, time.time_ns())

    ice.data_received = data_received


class Participant:
    def __init__(self, person: dict[str, Any], config: dict[str, Any], process: Process) -> None:
        self.number: int = person["number"]
        self.user_id: str = str(person["user_id"])
        self.token: str = person["token"]
        self.level: int | None = person.get("level")
        self.hold: bool = person.get("hold", False)
        self.address: str = config.get("address", "127.0.0.1")
        self.config, self.process = config, process
        self.ear = Ear(process.window, process.histogram)
        self.voice: StampedVoice | None = None
        self.pc: RTCPeerConnection | None = None
        self.sockets: list[Any] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.joined_ns = 0
        self.negotiated_ns = 0
        self.voice_socket: Any = None
        self.answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sources: dict[str, str] = {}
        """Mid -> what the offer says it sends (`microphone`, and `camera`, `screen` for video)."""
        self.ready: dict[str, Any] = {}
        """The voice gateway's READY (`video_transport: "separate"`: video on connections of
        its own, `bench.voice_video_clients`)."""

    async def join(self) -> None:
        gateway = await websockets.connect(self.config["gateway"], max_size=None, compression=None)
        self.sockets.append(gateway)
        await gateway.recv()  # HELLO
        await gateway.send(
            orjson.dumps(
                {
                    "op": 2,
                    "d": {
                        "token": self.token,
                        "intents": GUILDS,
                        "properties": {"os": "linux", "browser": "bench", "device": "bench"},
                    },
                }
            ).decode()
        )
        session_id = ""
        while True:
            message = orjson.loads(await asyncio.wait_for(gateway.recv(), TIMEOUT))
            if message.get("t") == "READY":
                session_id = message["d"]["session_id"]
            elif message.get("t") == "GUILD_CREATE":
                break
            elif message.get("op") == 9:
                raise RuntimeError("invalid session")
        update: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.tasks.append(asyncio.create_task(self._read_gateway(gateway, update)))
        self.joined_ns = time.time_ns()
        await gateway.send(
            orjson.dumps(
                {
                    "op": 4,
                    "d": {
                        "guild_id": self.config["guild_id"],
                        "channel_id": self.config["channel_id"],
                        "self_mute": False,
                        "self_deaf": False,
                    },
                }
            ).decode()
        )
        server = await asyncio.wait_for(update, TIMEOUT)
        await self._connect_voice(server, session_id)

    async def _read_gateway(self, ws: Any, update: asyncio.Future[dict[str, Any]]) -> None:
        try:
            async for message in ws:
                if '"t":"VOICE_SERVER_UPDATE"' in message and not update.done():
                    update.set_result(orjson.loads(message)["d"])
        except websockets.ConnectionClosed:
            pass

    async def _connect_voice(self, server: dict[str, Any], session_id: str) -> None:
        voice = self.voice_socket = await websockets.connect(
            f"ws://{server['endpoint']}?v=8", max_size=None, compression=None
        )
        self.sockets.append(voice)
        hello = await next_op(voice, 8)
        await voice.send(
            orjson.dumps(
                {
                    "op": 0,
                    "d": {
                        "server_id": server["guild_id"],
                        "user_id": self.user_id,
                        "session_id": session_id,
                        "token": server["token"],
                    },
                }
            ).decode()
        )
        self.ready = (await next_op(voice, 2))["d"]
        pc = self.pc = new_peer()
        track: MediaStreamTrack = SilentMicrophone()
        if self.level is not None:
            frames, window = self.process.frames, self.process.window
            track = self.voice = StampedVoice(self.number, self.level, frames, window, self.hold)
        microphone = pc.addTransceiver(track, direction="sendrecv")
        if self.voice is not None:
            microphone.sender._next_encoded_frame = self.voice.next_encoded_frame  # type: ignore[method-assign]
        for _ in range(self.config.get("audio_slots", 3) - 1):
            pc.addTransceiver("audio", direction="recvonly")
        await gather_host_candidates(
            microphone.receiver.transport.transport.iceGatherer, [self.address]
        )
        await pc.setLocalDescription(await pc.createOffer())
        assert microphone.mid is not None
        self.sources[microphone.mid] = "microphone"
        await self._send_offer()
        answer = await next_op(voice, 4, self.on_streams)
        await self._accept(answer["d"])
        take_media(microphone.receiver.transport, self.ear)
        self.negotiated_ns = time.time_ns()
        interval = hello["d"]["heartbeat_interval"] / 1000
        self.tasks.append(asyncio.create_task(self._keep_voice(voice, interval)))

    async def _send_offer(self) -> None:
        assert self.pc is not None and self.voice_socket is not None
        offer = {
            "protocol": "webrtc",
            "data": self.pc.localDescription.sdp,
            "sources": self.sources,
        }
        await self.voice_socket.send(orjson.dumps({"op": 1, "d": offer}).decode())

    async def _accept(self, answer: dict[str, Any]) -> None:
        assert self.pc is not None
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))

    async def exchange(self) -> dict[str, Any]:
        """Send the local offer (set, its `sources` named); the answer of op 4, applied."""
        await self._send_offer()
        answer = await asyncio.wait_for(self.answers.get(), TIMEOUT)
        await self._accept(answer)
        return answer

    def on_streams(self, streams: list[dict[str, Any]]) -> None:
        """Op 15: the video one may watch changed. An audio participant watches nothing."""

    def on_description(self, description: dict[str, Any]) -> None:
        """Op 4 after the first: the answer the negotiation waits for."""
        self.answers.put_nowait(description)

    async def _keep_voice(self, ws: Any, interval: float) -> None:
        """Heartbeats (the voice gateway closes a silent connection) and a reader that routes
        answers (op 4) and streams (op 15) and drops the rest (SPEAKING, CLIENTS_CONNECT)."""

        async def route() -> None:
            async for message in ws:
                if '"op":4' not in message and '"op":15' not in message:
                    continue
                frame = orjson.loads(message)
                if frame["op"] == 4:
                    self.on_description(frame["d"])
                elif frame["op"] == 15:
                    self.on_streams(frame["d"]["streams"])

        reader = asyncio.create_task(route())
        try:
            while not reader.done():
                await asyncio.sleep(interval)
                await ws.send(orjson.dumps({"op": 3, "d": {"t": time.time_ns()}}).decode())
        except websockets.ConnectionClosed:
            pass
        finally:
            reader.cancel()

    def report(self) -> dict[str, Any]:
        first = self.ear.first_ns
        return {
            "number": self.number,
            "level": self.level,
            "join_ms": None if first is None else round((first - self.joined_ns) / 1e6, 1),
            "negotiated_ms": round((self.negotiated_ns - self.joined_ns) / 1e6, 1)
            if self.negotiated_ns
            else None,
            "sent": self.voice.sent if self.voice is not None else 0,
            "first_sent_ns": self.voice.first_sent_ns if self.voice is not None else None,
            **self.ear.report(),
        }

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.pc is not None:
            await bounded(self.pc.close(), 5)
        for ws in self.sockets:
            await bounded(ws.close(), 2)


class Process:
    """Everyone this load generator plays, and what they share."""

    def __init__(
        self, config: dict[str, Any], participant: type[Participant] = Participant
    ) -> None:
        self.window = Window()
        self.histogram: dict[int, int] = {}
        self.frames = opus_frames()
        self.participants = [participant(p, config, self) for p in config["people"]]
        self.failures: list[str] = []
        self.gate = asyncio.Semaphore(config.get("concurrency", 4))

    def talk(self, words: list[str]) -> None:
        """`talk <number>`: a held speaker starts."""
        for participant in self.participants:
            if participant.number == int(words[0]) and participant.voice is not None:
                participant.voice.talking.set()

    async def join_all(self) -> None:
        async def one(participant: Participant) -> None:
            async with self.gate:
                try:
                    await participant.join()
                except Exception as error:
                    self.failures.append(f"{participant.number}: {type(error).__name__} {error}")

        await asyncio.gather(*(one(p) for p in self.participants))

    def report(self) -> dict[str, Any]:
        return {
            "histogram": {str(k): v for k, v in self.histogram.items()},
            "people": [p.report() for p in self.participants],
            "failures": self.failures,
        }


async def serve(config: dict[str, Any]) -> None:
    await run_process(Process(config))


async def run_process(process: Process, settle: Any = None) -> None:
    """Join everyone, `settle` (a coroutine function, e.g. publishing video), report ready,
    then follow the controller's commands until `stop`."""
    started = time.monotonic()
    await process.join_all()
    if settle is not None:
        await settle(process)
    emit(
        {
            "event": "ready",
            "ready": len(process.participants) - len(process.failures),
            "failed": len(process.failures),
            "failures": process.failures[:5],
            "seconds": round(time.monotonic() - started, 2),
            "pid": os.getpid(),
        }
    )
    await command_loop(process.window, process.report, commands={"talk": process.talk})
    await bounded(asyncio.gather(*(p.close() for p in process.participants)), 10)
    emit({"event": "stopped"})


def main() -> None:
    raise_nofile()
    uvloop.run(serve(read_config()))


if __name__ == "__main__":
    main()
