"""The fast path: packets from a publisher's stream to the slots that forward it, rewritten.

An `InboundStream` is one mid a participant sends on (microphone, camera, screen, screen audio).
A `Slot` is one mid the SFU sends on to one participant: an audio slot, filled by whichever
speaker the listener's `SpeakerChoice` puts there, or a video slot bound to the stream the viewer
watches. A slot keeps its own SSRC (the one the answer announced), so switching what it carries
is invisible to the receiver except for the content: `SequenceRewriter` continues its sequence
numbers and timestamps across sources.

Per packet: one header read (`rtp.parse_rtp`), one payload slice shared by all targets, and per
target one header written, one SRTP protect and one `sendto` (`Slot.send`). No decoding, no
re-encoding. Header extensions are not copied (their ids and the mid they carry belong to the
publisher's negotiation); an audio slot writes the speaker's audio level with its own id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from townhall.media.backend import Source
from townhall.media.keyframes import KeyframeRequests, is_keyframe_start, keyframe_size
from townhall.media.reports import ReceptionStatistics
from townhall.media.retransmit import RetransmitCache
from townhall.media.rtp import RtpView, audio_level, audio_level_extension, build_rtp
from townhall.media.speakers import AudioLevel

AUDIO_FRAME_SECONDS = 0.02
"""The smallest timestamp step used when an audio slot switches speaker (one Opus frame)."""

SWITCH_GUARD_PACKETS = 16384
"""After a switch, packets of the new source older than its first one are dropped, for this many."""


def _delta16(a: int, b: int) -> int:
    """a - b on the 16-bit sequence-number circle, in -32768..32767."""
    return ((a - b + 0x8000) & 0xFFFF) - 0x8000


class SequenceRewriter:
    """Sequence numbers and timestamps of one outgoing SSRC, continuous whoever the source is.

    On the first packet after a switch the outgoing sequence number is the last one sent plus one,
    and the timestamp advances by the wall time since the last packet sent (at least `min_step`),
    so the receiver's jitter buffer sees one stream with a pause, not a new one. After that the
    offsets stay fixed, so gaps and reordering in the source remain visible (and NACKable).
    """

    def __init__(self, clock_rate: int, min_step: int, sequence: int, timestamp: int) -> None:
        self._clock_rate = clock_rate
        self._min_step = min_step
        self.last_sequence = sequence
        self.last_timestamp = timestamp
        self._last_sent_at: float | None = None
        self._sequence_offset = 0
        self._timestamp_offset = 0
        self._first_in: int | None = None
        self._first_out = sequence
        self._pending = True

    def switch(self) -> None:
        """The next packet comes from a new source."""
        self._pending = True

    def rewrite(self, sequence: int, timestamp: int, now: float) -> tuple[int, int, bool] | None:
        """The outgoing (sequence, timestamp, switched) of a packet; None to drop it."""
        switched = self._pending
        if switched:
            out_sequence = (self.last_sequence + 1) & 0xFFFF
            step = 0
            if self._last_sent_at is not None:
                elapsed = round((now - self._last_sent_at) * self._clock_rate)
                step = max(self._min_step, elapsed)
            out_timestamp = (self.last_timestamp + step) & 0xFFFFFFFF
            self._sequence_offset = (out_sequence - sequence) & 0xFFFF
            self._timestamp_offset = (out_timestamp - timestamp) & 0xFFFFFFFF
            self._first_in = sequence
            self._first_out = out_sequence
            self._pending = False
        elif self._first_in is not None:
            since_switch = _delta16(sequence, self._first_in)
            if since_switch < 0:
                return None
            if since_switch > SWITCH_GUARD_PACKETS:
                self._first_in = None
        out_sequence = (sequence + self._sequence_offset) & 0xFFFF
        out_timestamp = (timestamp + self._timestamp_offset) & 0xFFFFFFFF
        if switched or _delta16(out_sequence, self.last_sequence) > 0:
            self.last_sequence = out_sequence
            self.last_timestamp = out_timestamp
            self._last_sent_at = now
        return out_sequence, out_timestamp, switched

    def original_sequence(self, out_sequence: int) -> int | None:
        """The source's sequence number of a packet sent as `out_sequence` (for NACKs)."""
        if self._pending or _delta16(out_sequence, self._first_out) < 0:
            return None
        if _delta16(out_sequence, self.last_sequence) > 0:
            return None
        return (out_sequence - self._sequence_offset) & 0xFFFF

    def translate(self, sequence: int, timestamp: int) -> tuple[int, int]:
        """A source packet's outgoing numbers under the current offsets (for retransmissions)."""
        return (
            (sequence + self._sequence_offset) & 0xFFFF,
            (timestamp + self._timestamp_offset) & 0xFFFFFFFF,
        )


class PacketSink(Protocol):
    """Where a slot's packets go: its participant's connection (`peer.Peer`)."""

    @property
    def ready(self) -> bool:
        """Packets sent now would reach the participant (ICE and DTLS are up)."""

    def send_rtp(self, packet: bytes) -> None: ...


class InboundStream:
    """One mid a participant publishes on, and the slots that currently forward it."""

    def __init__(
        self,
        user_id: int,
        source: Source,
        kind: str,
        mid: str,
        codecs: Mapping[int, str],
        clock_rate: int,
        level_extension_id: int | None,
        request_keyframe: Callable[[InboundStream], None],
    ) -> None:
        self.user_id = user_id
        self.source = source
        self.kind = kind
        self.mid = mid
        self.codecs = dict(codecs)
        """Payload type -> codec key (`negotiation.codec_key`) as negotiated with the publisher."""
        self.level_extension_id = level_extension_id
        self.ssrc: int | None = None
        self.allowed = True
        """The publisher's rights allow this stream (speak for audio, video for video)."""
        self.targets: list[Slot] = []
        self.level = AudioLevel()
        self.cache = RetransmitCache() if kind == "video" else None
        self.keyframes = KeyframeRequests(lambda: request_keyframe(self))
        self.reception = ReceptionStatistics(clock_rate)
        self.packets = 0
        self.rid: str | None = None
        self.layers: list[InboundStream] = [self]
        """Simulcast: all layers of this publication, lowest first (the same list in each)."""
        self.size: tuple[int, int] | None = None
        """Simulcast layers: width and height of the latest keyframe."""
        self.bytes = 0
        self.bitrate = 0.0
        """Bits/s over the latest second (`measure`), for simulcast layer choice."""
        self.last_packet_at = float("-inf")

    def receive(self, data: bytes, view: RtpView, now: float) -> None:
        self.reception.add(view.sequence, view.timestamp, now)
        if not self.allowed:
            return
        self.packets += 1
        if self.kind == "audio":
            level = None
            if self.level_extension_id is not None:
                level = audio_level(data, view, self.level_extension_id)
            self.level.update(level, now)
            if self.targets:
                payload = data[view.payload_start :]
                for slot in self.targets:
                    slot.forward(view, payload, level, now, False)
            return
        payload = data[view.payload_start :]
        self.bytes += len(data)
        self.last_packet_at = now
        if len(self.layers) > 1 and payload and payload[0] & 0x10:
            size = keyframe_size(self.codecs.get(view.payload_type, ""), payload)
            if size is not None:
                self.size = size
        if self.cache is not None:
            self.cache.put(view, payload, now)
        keyframe = False
        for slot in self.targets:
            if slot.waiting_for_keyframe:
                keyframe = is_keyframe_start(self.codecs.get(view.payload_type, ""), payload)
                if not keyframe:
                    # The first request may have been lost, or sent before the publisher's
                    # connection was up: ask again (the limiter keeps it to one per interval).
                    self.keyframes.request()
                break
        for slot in self.targets:
            slot.forward(view, payload, None, now, keyframe)

    def measure(self, elapsed: float) -> None:
        """Turn the bytes since the last call into `bitrate`."""
        self.bitrate = self.bytes * 8 / elapsed if elapsed > 0 else 0.0
        self.bytes = 0

    def detach_all(self) -> None:
        """Nobody forwards this stream (or its other layers) any more: its publisher left, or
        may not send it."""
        for layer in self.layers:
            for slot in list(layer.targets):
                slot.attach(None)
            layer.keyframes.cancel()


class Slot:
    """One mid the SFU sends on to one participant, carrying one source at a time."""

    def __init__(
        self,
        kind: str,
        mid: str,
        ssrc: int,
        clock_rate: int,
        payload_types: Mapping[str, int],
        level_extension_id: int | None,
        sink: PacketSink,
        initial_sequence: int,
        initial_timestamp: int,
    ) -> None:
        self.kind = kind
        self.mid = mid
        self.ssrc = ssrc
        self.payload_types = dict(payload_types)
        """Codec key -> this receiver's payload type for it."""
        self.level_extension_id = level_extension_id
        self.sink = sink
        self.source: InboundStream | None = None
        self.waiting_for_keyframe = False
        self.packets = 0
        min_step = round(clock_rate * AUDIO_FRAME_SECONDS) if kind == "audio" else 1
        self._rewriter = SequenceRewriter(clock_rate, min_step, initial_sequence, initial_timestamp)
        self._payload_type_map: dict[int, int] = {}

    def attach(self, source: InboundStream | None) -> None:
        """Carry `source` from its next packet (video: from its next keyframe), or nothing."""
        if source is self.source:
            return
        if self.source is not None:
            self.source.targets.remove(self)
        self.source = source
        self.waiting_for_keyframe = False
        if source is None:
            return
        self._payload_type_map = {
            payload_type: self.payload_types[codec]
            for payload_type, codec in source.codecs.items()
            if codec in self.payload_types
        }
        source.targets.append(self)
        self._rewriter.switch()
        if self.kind == "video":
            self.waiting_for_keyframe = True
            source.keyframes.request()

    def forward(
        self, view: RtpView, payload: bytes, level: int | None, now: float, keyframe: bool
    ) -> None:
        payload_type = self._payload_type_map.get(view.payload_type)
        if payload_type is None:
            return
        if self.waiting_for_keyframe:
            # A keyframe sent before the viewer's connection is up would be lost, and every
            # frame after it undecodable: wait for one the viewer will get.
            if not keyframe or not self.sink.ready:
                return
            self.waiting_for_keyframe = False
        rewritten = self._rewriter.rewrite(view.sequence, view.timestamp, now)
        if rewritten is None:
            return
        sequence, timestamp, switched = rewritten
        extension = b""
        if level is not None and self.level_extension_id is not None:
            extension = audio_level_extension(self.level_extension_id, level)
        marker = view.marker or (switched and self.kind == "audio")
        self.packets += 1
        packet = build_rtp(
            marker, payload_type, sequence, timestamp, self.ssrc, view.padding, extension, payload
        )
        self.sink.send_rtp(packet)

    def retransmit(self, lost: list[int], now: float) -> int:
        """Resend what a NACK reports lost, from the source's cache; returns how many were sent."""
        source = self.source
        if source is None or source.cache is None:
            return 0
        sent = 0
        for out_sequence in lost:
            sequence = self._rewriter.original_sequence(out_sequence)
            cached = None if sequence is None else source.cache.get(sequence, now)
            if cached is None:
                continue
            view, payload = cached
            payload_type = self._payload_type_map.get(view.payload_type)
            if payload_type is None:
                continue
            out_sequence, timestamp = self._rewriter.translate(view.sequence, view.timestamp)
            self.sink.send_rtp(
                build_rtp(
                    view.marker,
                    payload_type,
                    out_sequence,
                    timestamp,
                    self.ssrc,
                    view.padding,
                    b"",
                    payload,
                )
            )
            sent += 1
        return sent
