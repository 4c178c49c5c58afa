"""The video connections of a client of the Janus backend, played by aiortc (`clients.py` has
the audio one): a publisher connection that offers a camera, and a subscriber connection that
answers the offers the backend relays (`VideoListener.video_offer`) and decodes what it gets.

Both gather their ICE candidates on `address`, our end of the veth pair towards Janus
(`janus_process.py`), and ask no STUN server."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    sdp,
)
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from tests.media.clients import WAIT, PatternTrack, RecordingListener
from townhall.media import Answer, Offer, Source, VideoSlot
from townhall.media.backend import VideoOffer
from townhall.media.ice import gather_host_candidates


def _peer() -> RTCPeerConnection:
    return RTCPeerConnection(
        RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )


async def _gather(pc: RTCPeerConnection, address: str) -> None:
    for transceiver in pc.getTransceivers():
        transport = transceiver.sender.transport or transceiver.receiver.transport
        if transport is not None:
            await gather_host_candidates(transport.transport.iceGatherer, [address])


class VideoRecordingListener(RecordingListener):
    """A listener that also takes the backend's subscriber offers (a `VideoListener`)."""

    def __init__(self, on_event: Callable[[], None]) -> None:
        super().__init__(on_event)
        self.video_offers: list[VideoOffer] = []
        self.unpublished = 0

    def video_offer(self, offer: VideoOffer) -> None:
        self.video_offers.append(offer)
        self._on_event()

    def video_unpublished(self) -> None:
        self.unpublished += 1
        self._on_event()


class Publisher:
    """A publisher connection with a camera, or other video sources (160x120 at 15 fps)."""

    def __init__(self, address: str, sources: tuple[Source, ...] = ("camera",)) -> None:
        self.address = address
        self.pc = _peer()
        self.sending = [(s, self.pc.addTransceiver(PatternTrack(), "sendonly")) for s in sources]

    async def offer(self) -> Offer:
        await _gather(self.pc, self.address)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sources = {t.mid: source for source, t in self.sending if t.mid is not None}
        return Offer(self.pc.localDescription.sdp, sources)

    async def accept(self, answer: Answer) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))

    async def close(self) -> None:
        await self.pc.close()


class Subscriber:
    """A subscriber connection: answers each offer and counts the frames decoded per mid."""

    def __init__(self, address: str, progress: asyncio.Event) -> None:
        self.address = address
        self.pc = _peer()
        self.streams: list[VideoSlot] = []
        self.frames: dict[str, int] = {}
        self.sizes: set[tuple[int, int]] = set()
        self._progress = progress
        self._consumed: set[str] = set()
        self._consumers: list[asyncio.Task[None]] = []

    async def answer(self, offer: VideoOffer) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        await _gather(self.pc, self.address)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        self._route_new_ssrcs(offer.sdp)
        self.streams = offer.streams
        for transceiver in self.pc.getTransceivers():
            mid = transceiver.mid
            if mid is None or mid in self._consumed or transceiver.kind != "video":
                continue
            self._consumed.add(mid)
            track = transceiver.receiver.track
            consumer = asyncio.get_running_loop().create_task(self._consume(mid, track))
            self._consumers.append(consumer)
        return str(self.pc.localDescription.sdp)

    def _route_new_ssrcs(self, offer: str) -> None:
        """aiortc binds a receiver to the SSRCs of the description it started with and routes
        other packets by payload type only when one receiver has it; Janus gives an m-line it
        reuses new SSRCs (as browsers take from each description). Bind them here."""
        receivers = {t.mid: t.receiver for t in self.pc.getTransceivers()}
        for media in sdp.SessionDescription.parse(offer).media:
            receiver = receivers.get(media.rtp.muxId)
            if receiver is None or not receiver.transport:
                continue
            router = receiver.transport._rtp_router
            for group in media.ssrc_group:
                if group.semantic == "FID" and len(group.items) == 2:
                    primary, rtx = (int(item) for item in group.items)
                    vars(receiver)["_RTCRtpReceiver__rtx_ssrc"][rtx] = primary
            for ssrc in media.ssrc:
                router.ssrc_table[ssrc.ssrc] = receiver

    def frames_of(self, user_id: int) -> int:
        return sum(self.frames.get(s.mid, 0) for s in self.streams if s.user_id == user_id)

    async def _consume(self, mid: str, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, VideoFrame)
            self.frames[mid] = self.frames.get(mid, 0) + 1
            self.sizes.add((frame.width, frame.height))
            self._progress.set()

    async def close(self) -> None:
        for task in self._consumers:
            task.cancel()
        await self.pc.close()


async def until(
    progress: asyncio.Event, condition: Callable[[], bool], what: str, timeout: float = WAIT
) -> None:
    """Wait for `condition`, re-checked whenever `progress` is set (or every half second)."""
    deadline = time.monotonic() + timeout
    while not condition():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"not within {timeout} s: {what}")
        progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(progress.wait(), min(remaining, 0.5))
