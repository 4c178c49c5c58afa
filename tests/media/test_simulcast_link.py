"""Simulcast under a constrained link: a viewer's REMB caps the layer it gets, end to end.

A publisher sends its camera as three VP8 layers (rids q, h, f, as the web client does) to the
real embedded SFU; a viewer, an aiortc peer, decodes what reaches it. The viewer's link is
constrained by what it reports: it sends RTCP REMB (draft-alvestrand-rmcat-remb) through its
own SRTCP path, as a browser's congestion control does. aiortc's receiver would compute a REMB
of its own only from the abs-send-time header extension, which the SFU does not forward, so the
estimate here is the one the test states. (A real bottleneck with `tc` in a namespace would
move no estimate for the same reason.)

aiortc knows nothing of simulcast, so the publisher is an aiortc peer whose camera sender stays
silent: its offer gets `a=rid`/`a=simulcast:send` and the stream id extension added, and the test
sends the layers' RTP itself through the peer's DTLS transport (SRTP), each with its own SSRC
and the mid and rid extensions, encoded with aiortc's VP8 encoder at three sizes and bitrates.
Frames are a faint random grain, so the constant-bitrate encoder really spends its budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import os
import random
import time
from collections.abc import Callable

from aiortc import MediaStreamTrack, sdp
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPacket, RtcpPsfbPacket, pack_remb_fci
from av import VideoFrame
from av.frame import Frame

from tests.media.clients import TALKER, Client
from townhall.media import Answer, EmbeddedSfu, Offer, VideoSlot
from townhall.media.rtp import FMT_REMB, MID_URI, build_rtp
from townhall.media.simulcast import RID_URI, choose_layer

FPS = 15
LAYERS = (("q", 160, 90, 250_000), ("h", 320, 180, 600_000), ("f", 640, 360, 1_500_000))
"""Rid, width, height, target bits/s: lowest first, as the web client lists them."""
RID_EXTENSION_ID = 10
GRAIN = bytes(96 + (value & 15) for value in range(256))
"""Random bytes to a faint grain on grey: enough detail that the constant-bitrate encoder spends
its target (full-range noise would overshoot it several times over), cheap to make."""


class _SilentTrack(MediaStreamTrack):
    """The camera aiortc thinks it sends: never a frame (the test sends the layers itself)."""

    kind = "video"

    async def recv(self) -> Frame:
        await asyncio.get_running_loop().create_future()
        raise MediaStreamError


def _with_simulcast(offer_sdp: str, mid: str) -> str:
    """Offer the camera mid as three layers, as Chrome does: rids, simulcast, stream id."""
    head, *sections = offer_sdp.split("\r\nm=")
    out = [head]
    for section in sections:
        lines = section.rstrip("\r\n").split("\r\n")
        if f"a=mid:{mid}" in lines:
            lines = [line for line in lines if not line.startswith(("a=ssrc", "a=msid"))]
            lines.append(f"a=extmap:{RID_EXTENSION_ID} {RID_URI}")
            lines += [f"a=rid:{rid} send" for rid, *_ in LAYERS]
            lines.append("a=simulcast:send " + ";".join(rid for rid, *_ in LAYERS))
        out.append("\r\n".join(lines))
    return "\r\nm=".join(out) + "\r\n"


def _extensions(elements: list[tuple[int, bytes]]) -> bytes:
    """A one-byte-form header extension block (RFC 8285) holding `elements`."""
    body = b"".join(bytes([(i << 4) | (len(v) - 1)]) + v for i, v in elements)
    body += bytes(-len(body) % 4)
    return b"\xbe\xde" + (len(body) // 4).to_bytes(2, "big") + body


class SimulcastPublisher(Client):
    """A browser sending its camera in three sizes; answers PLIs with a keyframe of that layer."""

    def __init__(self, user_id: int) -> None:
        super().__init__(user_id, audio_slots=1)
        self.camera = self.pc.addTransceiver(_SilentTrack(), "sendonly")
        self.ssrcs = [random.getrandbits(32) for _ in LAYERS]
        self.keyframe_requests = [0 for _ in LAYERS]
        """PLIs received per layer (from the SFU, naming that layer's SSRC)."""
        self._wants_keyframe = [True for _ in LAYERS]
        self._sender: asyncio.Task[None] | None = None

    async def offer(self) -> Offer:
        offer = await super().offer()
        assert self.camera is not None and self.camera.mid is not None
        return Offer(sdp=_with_simulcast(offer.sdp, self.camera.mid), sources=offer.sources)

    async def accept(self, answer: Answer) -> None:
        await super().accept(answer)
        assert self.camera is not None and self.answer is not None
        mid = self.camera.mid
        if self._sender is not None or mid is None:
            return
        media = next(
            m for m in sdp.SessionDescription.parse(self.answer.sdp).media if m.rtp.muxId == mid
        )
        payload_type = next(c.payloadType for c in media.rtp.codecs if c.name == "VP8")
        assert payload_type is not None
        mid_id = next(e.id for e in media.rtp.headerExtensions if e.uri == MID_URI)
        assert RID_URI in {e.uri for e in media.rtp.headerExtensions}, "layers accepted"
        dtls = self.camera.sender.transport
        handle_rtcp = dtls._handle_rtcp_data

        async def feedback(data: bytes) -> None:
            for packet in RtcpPacket.parse(data):
                if (
                    isinstance(packet, RtcpPsfbPacket)
                    and packet.fmt == RTCP_PSFB_PLI
                    and packet.media_ssrc in self.ssrcs
                ):
                    layer = self.ssrcs.index(packet.media_ssrc)
                    self.keyframe_requests[layer] += 1
                    self._wants_keyframe[layer] = True
            await handle_rtcp(data)

        dtls._handle_rtcp_data = feedback  # type: ignore[method-assign]
        self._sender = asyncio.get_running_loop().create_task(
            self._send_layers(dtls, payload_type, mid_id, mid.encode())
        )

    async def _send_layers(
        self, dtls: RTCDtlsTransport, payload_type: int, mid_id: int, mid: bytes
    ) -> None:
        encoders = []
        for *_, bitrate in LAYERS:
            encoder = Vp8Encoder()
            encoder.target_bitrate = bitrate
            encoders.append(encoder)
        sequences = [random.getrandbits(16) for _ in LAYERS]
        start = time.monotonic()
        count = 0
        while True:
            count += 1
            await asyncio.sleep(max(0.0, start + count / FPS - time.monotonic()))
            for index, (rid, width, height, _) in enumerate(LAYERS):
                frame = VideoFrame(width=width, height=height, format="yuv420p")
                luma, *chroma = frame.planes
                luma.update(os.urandom(luma.buffer_size).translate(GRAIN))
                for plane in chroma:
                    plane.update(bytes([128]) * plane.buffer_size)
                frame.pts = count * (90000 // FPS)
                frame.time_base = fractions.Fraction(1, 90000)
                keyframe, self._wants_keyframe[index] = self._wants_keyframe[index], False
                payloads, timestamp = encoders[index].encode(frame, keyframe)
                extension = _extensions([(mid_id, mid), (RID_EXTENSION_ID, rid.encode())])
                for number, payload in enumerate(payloads):
                    sequences[index] = (sequences[index] + 1) & 0xFFFF
                    packet = build_rtp(
                        number == len(payloads) - 1,
                        payload_type,
                        sequences[index],
                        timestamp,
                        self.ssrcs[index],
                        False,
                        extension,
                        payload,
                    )
                    with contextlib.suppress(ConnectionError):
                        await dtls._send_rtp(packet)

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
        await super().close()


class ConstrainedViewer(Client):
    """A viewer whose receive estimate (REMB) is what `cap` says, reported twice a second."""

    def __init__(self, user_id: int) -> None:
        super().__init__(user_id, audio_slots=1)
        self.cap: int | None = None
        self._reporter: asyncio.Task[None] | None = None

    def start_reporting(self) -> None:
        self._reporter = asyncio.get_running_loop().create_task(self._report())

    async def _report(self) -> None:
        first = self.pc.getTransceivers()[0]
        dtls, own_ssrc = first.receiver.transport, first.sender._ssrc
        video = self.video_mids()
        ssrcs = [ssrc for ssrc, mid in self.mid_of_ssrc.items() if mid in video]
        while True:
            if self.cap is not None:
                remb = RtcpPsfbPacket(
                    fmt=FMT_REMB, ssrc=own_ssrc, media_ssrc=0, fci=pack_remb_fci(self.cap, ssrcs)
                )
                with contextlib.suppress(ConnectionError):
                    await dtls._send_rtp(bytes(remb))
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        if self._reporter is not None:
            self._reporter.cancel()
        await super().close()


def _delta16(a: int, b: int) -> int:
    return ((a - b + 0x8000) & 0xFFFF) - 0x8000


def test_an_upgrade_goes_as_far_as_there_is_room() -> None:
    """From the lowest layer, a budget the top layer just fits gives the middle one, which has
    room to spare (it used to keep the lowest: the headroom check gave up instead of stepping
    down)."""
    heights, active, rates = [90, 180, 360], [True, True, True], [250e3, 600e3, 1.19e6]
    assert choose_layer(0, heights, active, rates, None, 1.2e6) == 1
    assert choose_layer(1, heights, active, rates, None, 1.2e6) == 1
    assert choose_layer(2, heights, active, rates, None, 1.2e6) == 2  # it fits: no flapping down


async def test_the_layer_follows_the_viewers_bandwidth_estimate_down_and_up(
    sfu: EmbeddedSfu, room_id: int
) -> None:
    publisher = SimulcastPublisher(1)
    viewer = ConstrainedViewer(2)
    try:
        await publisher.join(sfu, room_id, TALKER)
        viewer.watch()
        answer = await viewer.join(sfu, room_id)
        (slot,) = [s for s in answer.streams if isinstance(s, VideoSlot)]
        assert (slot.user_id, slot.source) == (1, "camera")
        sizes = viewer.video_sizes.setdefault(slot.mid, [])
        viewer.start_reporting()

        def shows(width: int, height: int, frames: int = 5) -> Callable[[], bool]:
            return lambda: sizes[-frames:] == [(width, height)] * frames

        # No estimate yet: the full size.
        await viewer.until(shows(640, 360), "the full layer, with no estimate", 30)

        # A link of 450 kbit/s: only the quarter layer (250 kbit/s) fits, and it stays so.
        viewer.cap = 450_000
        requests = publisher.keyframe_requests[0]
        await viewer.until(shows(160, 90), "the quarter layer under a 450 kbit/s cap", 30)
        assert publisher.keyframe_requests[0] > requests, "a keyframe asked of the quarter layer"
        capped = len(sizes)
        await viewer.until(lambda: len(sizes) >= capped + 2 * FPS, "2 s more of frames")
        assert set(sizes[capped:]) == {(160, 90)}, "nothing larger while the cap holds"

        # 1.2 Mbit/s: the half layer (600 kbit/s) fits with room, the full one does not.
        viewer.cap = 1_200_000
        requests = publisher.keyframe_requests[1]
        await viewer.until(shows(320, 180), "the half layer under a 1.2 Mbit/s cap", 30)
        assert publisher.keyframe_requests[1] > requests, "a keyframe asked of the half layer"

        # The cap lifts to 4 Mbit/s: back to the full size, again from a fresh keyframe.
        viewer.cap = 4_000_000
        requests = publisher.keyframe_requests[2]
        await viewer.until(shows(640, 360), "the full layer once the cap lifts", 30)
        assert publisher.keyframe_requests[2] > requests, "a keyframe asked of the full layer"

        # One stream to the viewer across all switches: one SSRC, sequence numbers without a
        # gap, timestamps moving forward.
        packets = viewer.packets_on(slot.mid)
        assert len({p.ssrc for p in packets}) == 1
        newest = packets[0]
        for packet in packets[1:]:
            step = _delta16(packet.sequence, newest.sequence)
            if step <= 0:
                continue  # a retransmission the viewer asked for
            assert step == 1, f"a gap after sequence number {newest.sequence}"
            assert (packet.timestamp - newest.timestamp) & 0xFFFFFFFF < 90000, "time goes on"
            newest = packet
    finally:
        await viewer.close()
        await publisher.close()
