"""A voice client for tests: a real aiortc peer connection shaped like the browser's.

It offers what `townhall.media.backend` describes (a sendrecv microphone playing a known tone,
more recvonly audio slots, optionally a camera and video slots to watch), answers to the SFU on
loopback, decodes what it receives, and records every RTP header that reaches it.

Loopback ICE: aioice never gathers 127.0.0.1, and aiortc asks a public STUN server by default.
The client is given `RTCConfiguration(iceServers=[])` and its candidates are gathered on
127.0.0.1 with the SFU's own `gather_host_candidates` (the SFU is built with
`host_addresses=["127.0.0.1"]`; against Janus, which never offers loopback, on `address`, our end
of the veth pair towards Janus's namespace: `janus_process.py`). A client given TURN servers
(`relay=`) gathers nothing itself but lets aioice allocate on the TURN server, with
`iceTransportPolicy` relay: only relayed candidates, as for a browser whose UDP is blocked but
for its TURN server (tests/voice/test_turn.py). Headers are recorded by wrapping the client's
DTLS transport's `_handle_rtp_data`/`_handle_rtcp_data` (the same seam the SFU uses) and then
calling aiortc's.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import math
import struct
import time
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
    sdp,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPacket, RtcpPsfbPacket, RtcpRrPacket, RtpPacket
from av import AudioFrame, VideoFrame

from townhall.media import Answer, AudioSlot, MediaBackend, Offer, Rights, Source, VideoSlot
from townhall.media.ice import gather_host_candidates

SAMPLE_RATE = 48000
FRAME_SAMPLES = 960
ANALYSED_SAMPLES = 240
"""Samples per decoded frame looked at for its tone: 5 ms resolve tones 300 Hz apart."""

TONES = (400, 700, 1000, 1300, 1600, 1900, 2200)
"""Multiples of 50 Hz, so each 20 ms frame holds whole periods and repeats seamlessly."""

ALL_RIGHTS = Rights(speak=True, video=True, hear=True)
TALKER = Rights(speak=True, video=True, hear=False)
"""A talker who hears nothing costs the test machine no decoding."""

WAIT = 20.0


def tone_pcm(frequency: int | None, amplitude: float) -> bytes:
    """One 20 ms mono s16 frame of a sine (silence for None)."""
    if frequency is None:
        return bytes(FRAME_SAMPLES * 2)
    peak = amplitude * 32767
    return struct.pack(
        f"<{FRAME_SAMPLES}h",
        *(
            round(peak * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE))
            for n in range(FRAME_SAMPLES)
        ),
    )


class ToneTrack(MediaStreamTrack):
    """A microphone playing one tone at one loudness, paced in real time."""

    kind = "audio"

    def __init__(self, frequency: int | None, amplitude: float) -> None:
        super().__init__()
        self._pcm = tone_pcm(frequency, amplitude)
        self._start: float | None = None
        self._pts = 0

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += FRAME_SAMPLES
            await asyncio.sleep(self._start + self._pts / SAMPLE_RATE - time.monotonic())
        frame = AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(self._pcm)
        frame.pts = self._pts
        frame.sample_rate = SAMPLE_RATE
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        return frame


class PatternTrack(MediaStreamTrack):
    """A small camera: 160x120 frames at 15 fps whose brightness changes."""

    kind = "video"
    FPS = 15

    def __init__(self) -> None:
        super().__init__()
        self._start: float | None = None
        self._count = 0

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._count += 1
            await asyncio.sleep(self._start + self._count / self.FPS - time.monotonic())
        frame = VideoFrame(width=160, height=120, format="yuv420p")
        for plane in frame.planes:
            plane.update(bytes([(self._count * 8) % 256]) * plane.buffer_size)
        frame.pts = self._count * (90000 // self.FPS)
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


def tone_power(samples: array[int], frequency: int) -> float:
    """Goertzel: the energy of `samples` at `frequency` (no numpy on this machine)."""
    k = 2 * math.cos(2 * math.pi * frequency / SAMPLE_RATE)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def dominant_tone(stereo_pcm: bytes, candidates: tuple[int, ...] = TONES) -> int | None:
    """The candidate tone that clearly dominates a decoded frame, or None (silence, a mix)."""
    left = array("h", stereo_pcm[: ANALYSED_SAMPLES * 4])[0::2]
    if max(map(abs, left), default=0) < 300:
        return None
    powers = sorted(((tone_power(left, f), f) for f in candidates), reverse=True)
    best, runner_up = powers[0], powers[1]
    return best[1] if best[0] > 10 * runner_up[0] else None


def tones_present(stereo_pcm: bytes, candidates: tuple[int, ...] = TONES) -> set[int]:
    """Every candidate tone clearly in a decoded frame: a mixer's output holds several at once."""
    left = array("h", stereo_pcm)[0::2]
    if max(map(abs, left), default=0) < 300:
        return set()
    powers = {f: tone_power(left, f) for f in candidates}
    strongest = max(powers.values())
    return {f for f, power in powers.items() if power > strongest / 10}


@dataclass(frozen=True)
class Received:
    ssrc: int
    sequence: int
    timestamp: int
    marker: bool
    payload_type: int


class RecordingListener:
    """The signalling layer's side, as a test sees it."""

    def __init__(self, on_event: Callable[[], None]) -> None:
        self.speaking_events: list[tuple[int, bool]] = []
        self.streams_changes = 0
        self.slot_speakers: dict[int, int] = {}
        """SSRC -> whose voice it carries now, as bots are told (op 5)."""
        self._on_event = on_event

    def speaking(self, user_id: int, speaking: bool) -> None:
        self.speaking_events.append((user_id, speaking))
        self._on_event()

    def streams_changed(self) -> None:
        self.streams_changes += 1
        self._on_event()

    def slot_speaker(self, ssrc: int, user_id: int) -> None:
        self.slot_speakers[ssrc] = user_id
        self._on_event()

    def is_speaking(self, user_id: int) -> bool:
        states = [state for user, state in self.speaking_events if user == user_id]
        return bool(states) and states[-1]


class Client:
    """One participant's browser, played by aiortc."""

    def __init__(
        self,
        user_id: int,
        tone: int | None = None,
        *,
        amplitude: float = 0.3,
        audio_slots: int = 3,
        camera: bool = False,
        address: str = "127.0.0.1",
        relay: list[RTCIceServer] | None = None,
    ) -> None:
        self.user_id = user_id
        self.address = address
        """Where ICE candidates are gathered (Janus's tests: the veth address towards Janus)."""
        self.relay = relay
        """TURN servers that all media must go through (no host candidates at all), or None."""
        self.tone = tone
        self.pc = RTCPeerConnection(
            RTCConfiguration(
                iceServers=relay or [],
                iceTransportPolicy=(
                    RTCIceTransportPolicy.RELAY if relay else RTCIceTransportPolicy.ALL
                ),
                bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
            )
        )
        self._progress = asyncio.Event()
        self.listener = RecordingListener(self._progress.set)
        self.pc.addTransceiver(ToneTrack(tone, amplitude), direction="sendrecv")
        for _ in range(audio_slots - 1):
            self.pc.addTransceiver("audio", direction="recvonly")
        self.camera = self.pc.addTransceiver(PatternTrack(), "sendonly") if camera else None
        self.answer: Answer | None = None
        self.received: list[Received] = []
        self.mid_of_ssrc: dict[int, str] = {}
        self.frames: dict[str, deque[bytes]] = {}
        """Mid -> the latest decoded audio frames (stereo s16) received on it."""
        self.frame_counts: dict[str, int] = {}
        self.video_sizes: dict[str, list[tuple[int, int]]] = {}
        self.picture_loss_indications = 0
        self.receiver_reports: list[RtcpRrPacket] = []
        self.drop_video_packet: int | None = None
        """Drop the n-th video packet that arrives, once (to make the client NACK it)."""
        self.dropped_sequence: int | None = None
        self._video_packets = 0
        self._consumers: list[asyncio.Task[None]] = []
        self._consumed: set[str] = set()
        self._recording = False

    def watch(self) -> RTCRtpTransceiver:
        """One more recvonly video transceiver (for the next offer)."""
        return self.pc.addTransceiver("video", direction="recvonly")

    async def offer(self) -> Offer:
        if self.relay is None:
            first = self.pc.getTransceivers()[0]
            gatherer = first.receiver.transport.transport.iceGatherer
            await gather_host_candidates(gatherer, [self.address])
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sources: dict[str, Source] = {}
        for transceiver in self.pc.getTransceivers():
            assert transceiver.mid is not None
            if transceiver.direction == "sendrecv" and transceiver.kind == "audio":
                sources[transceiver.mid] = "microphone"
            elif transceiver is self.camera:
                sources[transceiver.mid] = "camera"
        return Offer(sdp=self.pc.localDescription.sdp, sources=sources)

    async def accept(self, answer: Answer) -> None:
        self.answer = answer
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type="answer"))
        for media in sdp.SessionDescription.parse(answer.sdp).media:
            for ssrc in media.ssrc:
                self.mid_of_ssrc[ssrc.ssrc] = media.rtp.muxId
        self._record()
        for transceiver in self.pc.getTransceivers():
            mid = transceiver.mid
            if mid is None or mid in self._consumed or transceiver.receiver.track is None:
                continue
            self._consumed.add(mid)
            consume = self._consume_audio if transceiver.kind == "audio" else self._consume_video
            track = transceiver.receiver.track
            self._consumers.append(asyncio.get_running_loop().create_task(consume(mid, track)))

    async def join(self, sfu: MediaBackend, room_id: int, rights: Rights = ALL_RIGHTS) -> Answer:
        answer = await sfu.connect(room_id, self.user_id, await self.offer(), rights, self.listener)
        await self.accept(answer)
        return answer

    async def renegotiate(self, sfu: MediaBackend, room_id: int) -> Answer:
        answer = await sfu.renegotiate(room_id, self.user_id, await self.offer())
        await self.accept(answer)
        return answer

    def audio_mids(self) -> list[str]:
        assert self.answer is not None
        return [s.mid for s in self.answer.streams if isinstance(s, AudioSlot)]

    def video_mids(self) -> list[str]:
        assert self.answer is not None
        return [s.mid for s in self.answer.streams if isinstance(s, VideoSlot)]

    def tone_in(self, mid: str, frames: int = 3) -> int | None:
        """The tone of the latest `frames` decoded frames on `mid`, if they all agree."""
        latest = list(self.frames.get(mid, ()))[-frames:]
        tones = {dominant_tone(frame) for frame in latest}
        return tones.pop() if len(latest) == frames and len(tones) == 1 else None

    def tones_heard(self) -> set[int | None]:
        return {self.tone_in(mid) for mid in self.audio_mids()}

    def all_tones_kept(self) -> set[int]:
        """Every tone found in any decoded frame still kept."""
        return {
            tone
            for frames in self.frames.values()
            for frame in frames
            if (tone := dominant_tone(frame)) is not None
        }

    def packets_on(self, mid: str) -> list[Received]:
        return [p for p in self.received if self.mid_of_ssrc.get(p.ssrc) == mid]

    async def until(self, condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        """Wait for `condition`, re-checked whenever something arrives."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"user {self.user_id}: not within {timeout} s: {what}")
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), min(remaining, 0.5))

    def _record(self) -> None:
        """Record what reaches this client, below aiortc's receivers (RTP) and senders (RTCP)."""
        if self._recording:
            return
        self._recording = True
        dtls = self.pc.getTransceivers()[0].receiver.transport
        handle_rtp, handle_rtcp = dtls._handle_rtp_data, dtls._handle_rtcp_data

        async def recording_rtp(data: bytes, arrival_time_ms: int) -> None:
            packet = RtpPacket.parse(data)
            self.received.append(
                Received(
                    packet.ssrc,
                    packet.sequence_number,
                    packet.timestamp,
                    bool(packet.marker),
                    packet.payload_type,
                )
            )
            self._progress.set()
            await handle_rtp(data, arrival_time_ms)

        async def recording_rtcp(data: bytes) -> None:
            for packet in RtcpPacket.parse(data):
                if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_PLI:
                    self.picture_loss_indications += 1
                    self._progress.set()
                elif isinstance(packet, RtcpRrPacket):
                    self.receiver_reports.append(packet)
                    self._progress.set()
            await handle_rtcp(data)

        dtls._handle_rtp_data = recording_rtp  # type: ignore[method-assign]
        dtls._handle_rtcp_data = recording_rtcp  # type: ignore[method-assign]

        # Loss is made below SRTP, as on a real network: a packet SRTP has already seen would
        # be refused as a replay when it is resent.
        ice = dtls.transport
        receive = ice._recv

        async def lossy_receive() -> bytes:
            while True:
                data = await receive()
                if self._is_video_rtp(data):
                    self._video_packets += 1
                    if self._video_packets == self.drop_video_packet:
                        self.dropped_sequence = int.from_bytes(data[2:4], "big")
                        continue
                return data

        ice._recv = lossy_receive  # type: ignore[method-assign]

    def _is_video_rtp(self, data: bytes) -> bool:
        """An SRTP packet (its header is in the clear) on one of the video mids."""
        if len(data) < 12 or not 128 <= data[0] < 192 or 192 <= data[1] <= 223:
            return False
        return self.mid_of_ssrc.get(int.from_bytes(data[8:12], "big")) in self.video_mids()

    async def _consume_audio(self, mid: str, track: MediaStreamTrack) -> None:
        kept: deque[bytes] = self.frames.setdefault(mid, deque(maxlen=60))
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, AudioFrame)
            kept.append(bytes(frame.planes[0]))
            self.frame_counts[mid] = self.frame_counts.get(mid, 0) + 1
            self._progress.set()

    async def _consume_video(self, mid: str, track: MediaStreamTrack) -> None:
        sizes = self.video_sizes.setdefault(mid, [])
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, VideoFrame)
            sizes.append((frame.width, frame.height))
            self._progress.set()

    async def close(self) -> None:
        for task in self._consumers:
            task.cancel()
        await self.pc.close()
