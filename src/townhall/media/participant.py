"""One person in a room: their connection, what they publish, and the slots they receive on.

A participant turns each negotiation (`apply`) into `InboundStream`s for the mids they send on
and `Slot`s for the mids the SFU sends on, keeping the ones a renegotiation does not change (so a
camera turned on does not interrupt the audio). Packets from the connection arrive in `on_rtp`
and `on_rtcp`; which slots forward what is decided by the room.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import Protocol

from townhall.media.backend import Rights, RoomListener, Source, StreamInfo
from townhall.media.forwarding import InboundStream, PacketSink, Slot
from townhall.media.negotiation import LinePlan, NegotiatedLine, Negotiation
from townhall.media.reports import receiver_report
from townhall.media.rtp import (
    AUDIO_LEVEL_URI,
    FMT_FIR,
    FMT_NACK,
    FMT_PLI,
    FMT_REMB,
    MID_URI,
    RTCP_PSFB,
    RTCP_RTPFB,
    RTCP_SR,
    RtpView,
    find_extension,
    fir_targets,
    iter_rtcp,
    nack_sequences,
    parse_rtp,
    picture_loss_indication,
    remb_bitrate,
)
from townhall.media.simulcast import RID_URI
from townhall.media.speakers import SpeakerChoice

logger = logging.getLogger(__name__)

PacketHandler = Callable[[bytes], None]


class MediaLink(PacketSink, Protocol):
    """A participant's connection: a WebRTC `peer.Peer`, or a bot's `bots.BotLink`."""

    names_slot_speakers: bool
    """Its far end learns who is on an SSRC from op 5 (Discord's UDP voice), not from the media."""

    def send_rtcp(self, packet: bytes) -> None: ...

    async def close(self) -> None: ...


LinkFactory = Callable[[PacketHandler, PacketHandler], MediaLink]
"""Makes a participant's link, given where its RTP and its RTCP go."""


class Participant:
    """A user's media connection in one room, and the forwarding state that belongs to it."""

    def __init__(
        self,
        user_id: int,
        rights: Rights,
        listener: RoomListener,
        link: LinkFactory,
    ) -> None:
        self.user_id = user_id
        self.rights = rights
        self.listener = listener
        self.link = link(self.on_rtp, self.on_rtcp)
        self.negotiating = asyncio.Lock()
        self.inbound: dict[str, InboundStream] = {}
        """Mid -> what this participant publishes there."""
        self.audio_slots: list[Slot] = []
        """Their audio slots, by slot number."""
        self.choice: SpeakerChoice[InboundStream] = SpeakerChoice(0)
        self.known_streams: list[StreamInfo] = []
        """The watchable streams they know of (see `Room.changing`)."""
        self.watching: list[tuple[Slot, StreamInfo]] = []
        """Their video slots and the stream each was given by the latest negotiation."""
        self._slots: dict[str, Slot] = {}
        self._by_ssrc: dict[int, InboundStream] = {}
        self._slots_by_ssrc: dict[int, Slot] = {}
        self._mid_extension_id: int | None = None
        self._rid_extension_id: int | None = None
        self._report_ssrc = 0
        self.video_heights: dict[tuple[int, Source], int] = {}
        """(user, source) -> how tall they show that video, in pixels (op 15 sizes)."""
        self.bandwidth: float | None = None
        """Their latest receive bandwidth estimate (REMB), bits/s."""

    def published(self, kind: str) -> list[InboundStream]:
        """What they publish of `kind` and their rights allow."""
        return [s for s in self.inbound.values() if s.kind == kind and s.allowed]

    def video_streams(self) -> list[StreamInfo]:
        return [StreamInfo(self.user_id, s.source) for s in self.published("video")]

    def apply(self, negotiation: Negotiation) -> None:
        """Take a finished negotiation: which mids carry what, with which codecs and SSRCs."""
        plans, negotiated, ssrcs = negotiation.plans, negotiation.lines, negotiation.ssrcs
        self._report_ssrc = next(iter(ssrcs.values()), 0)
        self._mid_extension_id = next(
            (p.extensions[MID_URI] for p in plans if MID_URI in p.extensions), None
        )
        self._rid_extension_id = next(
            (p.extensions[RID_URI] for p in plans if p.rids and RID_URI in p.extensions), None
        )
        inbound: dict[str, InboundStream] = {}
        slots: dict[str, Slot] = {}
        audio_slots: list[tuple[int, Slot]] = []
        self.watching = []
        for plan in plans:
            line = negotiated.get(plan.mid)
            if line is None:
                continue
            if plan.publishes is not None:
                inbound[plan.mid] = self._inbound_stream(plan, line, ssrcs[plan.mid])
            if plan.audio_slot is not None or plan.watches is not None:
                slot = self._slots.get(plan.mid) or self._new_slot(plan, line, ssrcs[plan.mid])
                slots[plan.mid] = slot
                if plan.audio_slot is not None:
                    audio_slots.append((plan.audio_slot, slot))
                if plan.watches is not None:
                    self.watching.append((slot, plan.watches))
        for mid, stream in self.inbound.items():
            if inbound.get(mid) is not stream:
                stream.detach_all()
        for mid, slot in self._slots.items():
            if mid not in slots:
                slot.attach(None)
        self.inbound = inbound
        self._slots = slots
        self._by_ssrc = {
            layer.ssrc: layer
            for stream in inbound.values()
            for layer in stream.layers
            if layer.ssrc is not None
        }
        self._slots_by_ssrc = {slot.ssrc: slot for slot in slots.values()}
        ordered = [slot for _, slot in sorted(audio_slots, key=lambda item: item[0])]
        if ordered != self.audio_slots:
            for slot in self.audio_slots:
                slot.attach(None)
            self.audio_slots = ordered
            self.choice = SpeakerChoice(len(ordered))
        self.set_rights(self.rights)

    def _inbound_stream(
        self, plan: LinePlan, line: NegotiatedLine, rtcp_ssrc: int
    ) -> InboundStream:
        """The stream of a publishing mid; with simulcast, its top layer (`layers` has all)."""
        assert plan.publishes is not None
        stream = self.inbound.get(plan.mid)
        rids = [layer.rid for layer in stream.layers] if stream is not None else []
        if stream is None or stream.source != plan.publishes or rids != list(plan.rids or [None]):
            layers = [
                InboundStream(
                    user_id=self.user_id,
                    source=plan.publishes,
                    kind=plan.kind,
                    mid=plan.mid,
                    codecs=line.codecs,
                    clock_rate=line.clock_rate,
                    level_extension_id=plan.extensions.get(AUDIO_LEVEL_URI),
                    request_keyframe=lambda stream: self._request_keyframe(stream, rtcp_ssrc),
                )
                for _ in plan.rids or [None]
            ]
            for layer, rid in zip(layers, plan.rids, strict=False):
                layer.rid = rid
                layer.layers = layers
            stream = layers[-1]
        else:
            for layer in stream.layers:
                layer.codecs = dict(line.codecs)
        if plan.ssrc is not None and not plan.rids:
            stream.ssrc = plan.ssrc
        return stream

    def _new_slot(self, plan: LinePlan, line: NegotiatedLine, ssrc: int) -> Slot:
        return Slot(
            kind=plan.kind,
            mid=plan.mid,
            ssrc=ssrc,
            clock_rate=line.clock_rate,
            payload_types=line.payload_types,
            level_extension_id=plan.extensions.get(AUDIO_LEVEL_URI),
            sink=self.link,
            initial_sequence=random.randrange(0x8000),
            initial_timestamp=random.randrange(1 << 32),
        )

    def _request_keyframe(self, stream: InboundStream, rtcp_ssrc: int) -> None:
        if stream.ssrc is not None:
            self.link.send_rtcp(picture_loss_indication(rtcp_ssrc, stream.ssrc))

    def set_rights(self, rights: Rights) -> None:
        """Apply rights to what they publish and receive; the room re-selects speakers after."""
        self.rights = rights
        for stream in self.inbound.values():
            allowed = rights.speak if stream.kind == "audio" else rights.video
            for layer in stream.layers:
                layer.allowed = allowed
            if not allowed:
                stream.detach_all()
        if not rights.hear:
            self.choice.clear()
            for slot in self.audio_slots:
                slot.attach(None)

    def on_rtp(self, data: bytes) -> None:
        view = parse_rtp(data)
        if view is None:
            return
        stream = self._by_ssrc.get(view.ssrc)
        if stream is None:
            stream = self._learn_ssrc(data, view)
            if stream is None:
                return
        stream.receive(data, view, time.monotonic())

    def _learn_ssrc(self, data: bytes, view: RtpView) -> InboundStream | None:
        """An SSRC the offer did not announce: the mid extension says which stream it is, and
        for simulcast the stream id extension which layer."""
        if self._mid_extension_id is None:
            return None
        mid = find_extension(data, view, self._mid_extension_id)
        stream = self.inbound.get(mid.decode("ascii", "replace")) if mid else None
        if stream is not None and len(stream.layers) > 1:
            rid_id = self._rid_extension_id
            rid = find_extension(data, view, rid_id) if rid_id is not None else None
            name = rid.decode("ascii", "replace") if rid else None
            stream = next((layer for layer in stream.layers if layer.rid == name), None)
        if stream is None or stream.ssrc is not None:
            return None
        stream.ssrc = view.ssrc
        self._by_ssrc[view.ssrc] = stream
        return stream

    def on_rtcp(self, data: bytes) -> None:
        """Feedback: viewers' NACKs answered here, PLI/FIR passed on; publishers' SRs kept."""
        now = time.monotonic()
        for view in iter_rtcp(data):
            if view.packet_type == RTCP_RTPFB and view.format == FMT_NACK:
                slot = self._slots_by_ssrc.get(view.media_ssrc)
                if slot is not None:
                    slot.retransmit(nack_sequences(data, view), now)
            elif view.packet_type == RTCP_PSFB and view.format == FMT_PLI:
                self._keyframe_wanted(view.media_ssrc)
            elif view.packet_type == RTCP_PSFB and view.format == FMT_FIR:
                for ssrc in fir_targets(data, view):
                    self._keyframe_wanted(ssrc)
            elif view.packet_type == RTCP_PSFB and view.format == FMT_REMB:
                # Other application-layer feedback shares the format: it leaves the estimate be.
                if (estimate := remb_bitrate(data, view)) is not None:
                    self.bandwidth = estimate
            elif view.packet_type == RTCP_SR and view.end >= view.fci_start + 8:
                stream = self._by_ssrc.get(view.sender_ssrc)
                if stream is not None:
                    ntp = int.from_bytes(data[view.fci_start : view.fci_start + 8], "big")
                    stream.reception.sender_report(ntp, now)

    def send_receiver_report(self, now: float) -> None:
        """Tell them what reached the SFU of each stream they publish (see `reports.py`)."""
        blocks = [
            block
            for stream in self.inbound.values()
            for layer in stream.layers
            if layer.ssrc is not None
            and (block := layer.reception.block(layer.ssrc, now)) is not None
        ]
        if blocks:
            self.link.send_rtcp(receiver_report(self._report_ssrc, blocks))

    def _keyframe_wanted(self, slot_ssrc: int) -> None:
        slot = self._slots_by_ssrc.get(slot_ssrc)
        if slot is not None and slot.kind == "video" and slot.source is not None:
            slot.source.keyframes.request()

    def detach(self) -> None:
        """Stop forwarding anything from or to them."""
        for stream in self.inbound.values():
            stream.detach_all()
        for slot in self._slots.values():
            slot.attach(None)
        self.choice.clear()

    async def close(self) -> None:
        self.detach()
        try:
            await self.link.close()
        except Exception:
            logger.exception("closing the media connection of user %d failed", self.user_id)
