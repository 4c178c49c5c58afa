"""Video call participants: `bench.voice_clients` people who also send a camera (and a screen)
and watch everyone else's, as the web client does.

`python -m bench.voice_video_clients` reads the same configuration as `bench.voice_clients`; a
person may also have `"camera": true` and `"screen": true`. Everyone joins with audio first; when
all of a process have joined, each turns on what they publish (a new offer with a `sendonly`
video transceiver per source), and every op 15 that follows is answered as the web client does:
one more `recvonly` video transceiver per stream offered, a new offer, its answer applied. The
process reports ready once each person watches as many streams as their `watch` says
(everyone else's).

What a camera sends is encoded once at start by libvpx (PyAV, realtime, constant bit rate, one
keyframe per 3 s cycle) from a synthetic picture: smooth blobs panning 2 pixels a frame with
2 bits of sensor noise, so that keyframes are a few times the size of the frames between them,
as a real camera's are. Camera: 640x360, 15 fps, 500 kbit/s target; screen: 1280x720, 15 fps,
1.5 Mbit/s target (what libvpx made of them is what the load generator reports it sent). Each
frame is split into RTP payloads by aiortc's VP8 packetizer with its own picture id, and every
payload gets the 16-byte trailer (`bench.voice_media`) of stream number `100 + n` (camera) or
`200 + n` (screen), so listeners count video per stream exactly as audio. A PLI from the SFU
(which asks one when a viewer starts) makes the next frame the cycle's keyframe, as an encoder
would. Nobody decodes video.

Through a backend with video on connections of its own (READY's `video_transport: "separate"`,
Janus VideoRoom, docs/voice.md), the main connection stays audio only and op 15 asks for no
renegotiation: each person offers one more peer connection, `video_publisher`, with a `sendonly`
transceiver per source, and answers every op 4 `video_subscriber` offer the server makes on a
third (its `streams` are what they watch). Both gather their candidates on `address`, as the
main one; what arrives on the subscriber connection is counted below aiortc in an `Ear` of its
own (`video_foreign`: packets without a trailer), as on the main one.
"""

from __future__ import annotations

import asyncio
import fractions
import os
import random
import time
from typing import Any

import av
import orjson
import uvloop
from aiortc import (
    MediaStreamTrack,
    RTCPeerConnection,
    RTCRtpCodecParameters,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.rtcrtpsender import RTCEncodedFrame
from av.frame import Frame

from bench.server import raise_nofile
from bench.voice_clients import (
    TIMEOUT,
    Participant,
    Process,
    new_peer,
    run_process,
    take_media,
)
from bench.voice_media import Ear, Pacer, Window, bounded, read_config, stamped
from townhall.media.ice import gather_host_candidates

CAMERA, SCREEN = 100, 200
"""Stream numbers: camera of person n is 100 + n, their screen 200 + n."""
VIDEO = {"camera": (640, 360, 500_000), "screen": (1280, 720, 1_500_000)}
FPS = 15
CYCLE_FRAMES = 45
"""3 s of frames, sent round and round: one keyframe every 3 s."""
VIDEO_CLOCK = 90000
NOISE = bytes(i & 3 for i in range(256))


def vp8_frames(width: int, height: int, bit_rate: int, count: int = CYCLE_FRAMES) -> list[bytes]:
    """`count` VP8 frames, the first a keyframe, of a panning picture with sensor noise."""
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.bit_rate = width, height, bit_rate
    codec.pix_fmt = "yuv420p"
    codec.time_base = fractions.Fraction(1, FPS)
    codec.framerate = fractions.Fraction(FPS)
    codec.gop_size = count
    rate = str(bit_rate)
    codec.options = {
        "deadline": "realtime",
        "cpu-used": "8",
        "lag-in-frames": "0",
        "minrate": rate,
        "maxrate": rate,
        "bufsize": rate,
        "undershoot-pct": "100",
        "overshoot-pct": "15",
    }
    pan = 64
    rng = random.Random(width)
    blobs = av.VideoFrame((width + pan) // 16, (height + pan) // 16, "gray")
    blobs.planes[0].update(rng.randbytes(blobs.planes[0].buffer_size))
    picture = blobs.reformat(width + pan, height + pan, "gray", interpolation="BILINEAR")
    stride, pixels = picture.planes[0].line_size, bytes(picture.planes[0])
    frames: list[bytes] = []
    for number in range(count):
        frame = av.VideoFrame(width, height, "yuv420p")
        assert frame.planes[0].line_size == width
        shift = (2 * number) % pan
        luma = b"".join(
            pixels[(row + shift) * stride + shift : (row + shift) * stride + shift + width]
            for row in range(height)
        )
        noise = os.urandom(len(luma)).translate(NOISE)
        luma = (int.from_bytes(luma, "big") ^ int.from_bytes(noise, "big")).to_bytes(
            len(luma), "big"
        )
        frame.planes[0].update(luma)
        for chroma in frame.planes[1:]:
            chroma.update(b"\x80" * chroma.buffer_size)
        frame.pts = number
        frames.extend(bytes(packet) for packet in codec.encode(frame))
    frames.extend(bytes(packet) for packet in codec.encode(None))
    return frames[:count]


class StampedCamera(MediaStreamTrack):
    """A camera (or screen) whose frames are already encoded, handed to aiortc's sender."""

    kind = "video"

    def __init__(self, stream: int, frames: list[bytes], window: Window) -> None:
        super().__init__()
        self.stream, self.frames, self.window = stream, frames, window
        self.pacer = Pacer(1 / FPS)
        self.picture_id = random.randrange(1 << 15)
        self.next_frame = 0
        self.sender: RTCRtpSender | None = None
        self.sent = 0
        """RTP packets sent in the window."""
        self.bytes_sent = 0

    async def recv(self) -> Frame:
        raise AssertionError("the sender is given encoded frames")

    async def next_encoded_frame(self, codec: RTCRtpCodecParameters) -> RTCEncodedFrame:
        assert codec.mimeType.lower() == "video/vp8", codec.mimeType
        count = await self.pacer.tick()
        if self.sender is not None and self.sender._RTCRtpSender__force_keyframe:  # type: ignore[attr-defined]
            self.sender._RTCRtpSender__force_keyframe = False  # type: ignore[attr-defined]
            self.next_frame = 0  # a PLI: the keyframe now
        frame = self.frames[self.next_frame]
        self.next_frame = (self.next_frame + 1) % len(self.frames)
        sent_ns = time.time_ns()
        payloads = [
            stamped(payload, self.stream, sent_ns)
            for payload in Vp8Encoder._packetize(frame, self.picture_id)
        ]
        self.picture_id = (self.picture_id + 1) % (1 << 15)
        if self.window.contains(sent_ns):
            self.sent += len(payloads)
            self.bytes_sent += sum(map(len, payloads))
        # Video carries no audio level: aiortc writes the extension only when it is not None.
        return RTCEncodedFrame(payloads, count * (VIDEO_CLOCK // FPS), None)  # type: ignore[arg-type]


class VideoParticipant(Participant):
    """Publishes its camera (and screen) once asked, and watches every stream op 15 offers."""

    def __init__(self, person: dict[str, Any], config: dict[str, Any], process: Process) -> None:
        super().__init__(person, config, process)
        self.publishes = [s for s in ("camera", "screen") if person.get(s)]
        self.watch: int = person.get("watch", 0)
        """Streams they should end up watching: everyone else's."""
        self.cameras: list[StampedCamera] = []
        self._pending_sources: list[tuple[RTCRtpTransceiver, str]] = []
        self.offered = 0
        """How many streams the last op 15 offered this person (everyone's but their own)."""
        self.watching = 0
        """How many video streams the last answer gives them."""
        self.wanted = asyncio.Event()
        self.settled = asyncio.Event()
        self.publishing = False
        self.published = False
        """Separate connections: the publisher connection has its answer."""
        self.publisher: RTCPeerConnection | None = None
        self.subscriber: RTCPeerConnection | None = None
        self.publisher_answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.subscriber_offers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.video_ear = Ear(process.window, process.histogram)
        """What arrives on the subscriber connection."""

    @property
    def separate(self) -> bool:
        return self.ready.get("video_transport") == "separate"

    def on_description(self, description: dict[str, Any]) -> None:
        connection = description.get("connection")
        if connection == "video_publisher":
            self.publisher_answers.put_nowait(description)
        elif connection == "video_subscriber":
            self.subscriber_offers.put_nowait(description)
        else:
            super().on_description(description)

    def _add_sources(self, pc: RTCPeerConnection) -> list[tuple[RTCRtpTransceiver, str]]:
        """A `sendonly` transceiver sending a `StampedCamera` for each source they publish."""
        assert isinstance(self.process, VideoProcess)
        added = []
        for source in self.publishes:
            width, height, bit_rate = VIDEO[source]
            stream = (CAMERA if source == "camera" else SCREEN) + self.number
            frames = self.process.video_frames(width, height, bit_rate)
            camera = StampedCamera(stream, frames, self.process.window)
            transceiver = pc.addTransceiver(camera, direction="sendonly")
            camera.sender = transceiver.sender
            transceiver.sender._next_encoded_frame = camera.next_encoded_frame  # type: ignore[method-assign]
            self.cameras.append(camera)
            added.append((transceiver, source))
        return added

    def _check_settled(self) -> None:
        published = self.published if self.separate else self.publishing
        if published and self.watching >= self.watch:
            self.settled.set()

    async def _gather(self, pc: RTCPeerConnection) -> None:
        for transceiver in pc.getTransceivers():
            transport = transceiver.sender.transport or transceiver.receiver.transport
            if transport is not None:
                await gather_host_candidates(transport.transport.iceGatherer, [self.address])

    async def _send(self, selection: dict[str, Any]) -> None:
        message = {"op": 1, "d": {"protocol": "webrtc", **selection}}
        await self.voice_socket.send(orjson.dumps(message).decode())

    async def publish_separately(self) -> None:
        """The publisher connection: offered once with every source, its answer applied (a
        refusal or no answer is the process's failure)."""
        try:
            await self._publish_separately()
        except (RuntimeError, TimeoutError) as error:
            self.process.failures.append(f"{self.number}: {type(error).__name__} {error}")

    async def _publish_separately(self) -> None:
        pc = self.publisher = new_peer()
        added = self._add_sources(pc)
        await self._gather(pc)
        await pc.setLocalDescription(await pc.createOffer())
        sources = {t.mid: source for t, source in added}
        data = pc.localDescription.sdp
        await self._send({"connection": "video_publisher", "data": data, "sources": sources})
        answer = await asyncio.wait_for(self.publisher_answers.get(), TIMEOUT)
        if answer.get("sdp") is None:
            raise RuntimeError("the server refused the publisher connection")
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        self.published = True
        self._check_settled()

    async def watch_separately(self) -> None:
        """The subscriber connection: every offer the server makes answered as it comes."""
        pc = self.subscriber = new_peer()
        tapped: set[int] = set()
        while True:
            offer = await self.subscriber_offers.get()
            await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
            await self._gather(pc)
            await pc.setLocalDescription(await pc.createAnswer())
            for transceiver in pc.getTransceivers():
                dtls = transceiver.receiver.transport
                if dtls is not None and id(dtls) not in tapped:
                    tapped.add(id(dtls))
                    take_media(dtls, self.video_ear)
            await self._send({"connection": "video_subscriber", "data": pc.localDescription.sdp})
            self.watching = sum(s["kind"] == "video" for s in offer.get("streams", []))
            self._check_settled()

    def on_streams(self, streams: list[dict[str, Any]]) -> None:
        self.offered = sum(s["user_id"] != self.user_id for s in streams)
        self.wanted.set()

    def publish(self) -> None:
        self.publishing = True
        self.wanted.set()

    async def keep_negotiating(self) -> None:
        """One offer at a time, again whenever something changed meanwhile (as the web client)."""
        assert self.pc is not None
        while True:
            await self.wanted.wait()
            self.wanted.clear()
            if self.publishing and not self.cameras:
                self._pending_sources += self._add_sources(self.pc)
            receiving = [t for t in self.pc.getTransceivers() if t.direction == "recvonly"]
            for _ in range(self.offered - sum(t.kind == "video" for t in receiving)):
                self.pc.addTransceiver("video", direction="recvonly")
            await self.pc.setLocalDescription(await self.pc.createOffer())
            for transceiver, source in self._pending_sources:
                assert transceiver.mid is not None
                self.sources[transceiver.mid] = source
            self._pending_sources.clear()
            answer = await self.exchange()
            self.watching = sum(s["kind"] == "video" for s in answer.get("streams", []))
            self._check_settled()

    def report(self) -> dict[str, Any]:
        report = super().report()
        received: dict[str, int] = report["received"]
        for stream, count in self.video_ear.received.items():
            received[str(stream)] = received.get(str(stream), 0) + count
        return {
            **report,
            "bytes": report["bytes"] + self.video_ear.size,
            "video_foreign": self.video_ear.foreign,
            "watching": self.watching,
            "video_sent": {str(c.stream): c.sent for c in self.cameras},
            "video_bytes_sent": {str(c.stream): c.bytes_sent for c in self.cameras},
        }

    async def close(self) -> None:
        await super().close()
        for pc in (self.publisher, self.subscriber):
            if pc is not None:
                await bounded(pc.close(), 5)


class VideoProcess(Process):
    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config, VideoParticipant)
        self._video_frames: dict[tuple[int, int, int], list[bytes]] = {}

    def video_frames(self, width: int, height: int, bit_rate: int) -> list[bytes]:
        """Encoded once per process and size, shared by its senders."""
        key = (width, height, bit_rate)
        if key not in self._video_frames:
            self._video_frames[key] = vp8_frames(width, height, bit_rate)
        return self._video_frames[key]


SETTLE_TIMEOUT = 60.0


async def publish_and_watch(process: Process) -> None:
    """Everyone turns on their video, then watches everyone else's."""
    people = [p for p in process.participants if isinstance(p, VideoParticipant) and p.pc]
    for person in people:
        if isinstance(process, VideoProcess):
            for source in person.publishes:
                process.video_frames(*VIDEO[source])
        if person.separate:
            person.tasks.append(asyncio.create_task(person.watch_separately()))
        else:
            person.tasks.append(asyncio.create_task(person.keep_negotiating()))
    for person in people:
        if person.separate:
            person.tasks.append(asyncio.create_task(person.publish_separately()))
        else:
            person.publish()
    try:
        await asyncio.wait_for(asyncio.gather(*(p.settled.wait() for p in people)), SETTLE_TIMEOUT)
    except TimeoutError:
        late = [f"{p.number} watches {p.watching}" for p in people if not p.settled.is_set()]
        process.failures.append(f"video not settled in {SETTLE_TIMEOUT} s: {late}")


def main() -> None:
    raise_nofile()
    uvloop.run(run_process(VideoProcess(read_config()), publish_and_watch))


if __name__ == "__main__":
    main()
