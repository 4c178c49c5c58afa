"""Slots rewrite packets so that each outgoing stream stays one continuous stream."""

from __future__ import annotations

from aiortc.rtp import RtpPacket

from townhall.media.forwarding import InboundStream, SequenceRewriter, Slot
from townhall.media.rtp import parse_rtp


class Collected:
    """Where a slot's packets go in these tests: a list, and a switch for "connected"."""

    def __init__(self) -> None:
        self.ready = True
        self.packets: list[RtpPacket] = []

    def send_rtp(self, packet: bytes) -> None:
        self.packets.append(RtpPacket.parse(packet))


def rtp(sequence: int, timestamp: int, payload: bytes = b"x", payload_type: int = 111) -> bytes:
    packet = RtpPacket(payload_type=payload_type, sequence_number=sequence, timestamp=timestamp)
    packet.ssrc = 1234
    packet.payload = payload
    return packet.serialize()


KEYFRAME_REQUESTS: list[InboundStream] = []
"""The streams the SFU asked a keyframe of, in order (each test looks at its own stream's)."""


def stream(
    kind: str = "audio", user_id: int = 1, codecs: dict[int, str] | None = None
) -> InboundStream:
    return InboundStream(
        user_id=user_id,
        source="microphone" if kind == "audio" else "camera",
        kind=kind,
        mid="0",
        codecs=codecs or {111: "audio/opus"},
        clock_rate=48000 if kind == "audio" else 90000,
        level_extension_id=None,
        request_keyframe=KEYFRAME_REQUESTS.append,
    )


def slot(sink: Collected, kind: str = "audio", payload_types: dict[str, int] | None = None) -> Slot:
    return Slot(
        kind=kind,
        mid="1",
        ssrc=999,
        clock_rate=48000 if kind == "audio" else 90000,
        payload_types=payload_types or {"audio/opus": 96},
        level_extension_id=None,
        sink=sink,
        initial_sequence=65530,
        initial_timestamp=2**32 - 1000,
    )


def feed(source: InboundStream, data: bytes, now: float) -> None:
    view = parse_rtp(data)
    assert view is not None
    source.receive(data, view, now)


def test_a_switch_continues_the_sequence_and_the_timeline_and_wraps_around() -> None:
    rewriter = SequenceRewriter(48000, 960, sequence=65534, timestamp=2**32 - 960)
    first = [rewriter.rewrite(100 + i, 5000 + 960 * i, now=i * 0.02) for i in range(3)]
    rewriter.switch()
    second = [rewriter.rewrite(40_000 + i, 777 + 960 * i, now=1.0 + i * 0.02) for i in range(2)]

    assert [r[0] for r in first + second if r] == [65535, 0, 1, 2, 3]
    timestamps = [r[1] for r in first + second if r]
    assert timestamps[:3] == [2**32 - 960, 0, 960]
    # 0.96 s passed between the last packet of the first speaker and the first of the second.
    assert timestamps[3] == 960 + round(0.96 * 48000)
    assert timestamps[4] == timestamps[3] + 960
    assert [r[2] for r in first + second if r] == [True, False, False, True, False]


def test_packets_older_than_the_switch_are_dropped_and_later_gaps_are_kept() -> None:
    rewriter = SequenceRewriter(48000, 960, sequence=10, timestamp=0)
    assert rewriter.rewrite(500, 0, now=0.0) == (11, 0, True)

    assert rewriter.rewrite(499, 0, now=0.01) is None
    assert rewriter.rewrite(503, 2880, now=0.06) == (14, 2880, False)
    assert rewriter.rewrite(501, 960, now=0.07) == (12, 960, False)
    assert rewriter.last_sequence == 14


def test_a_nack_is_mapped_back_to_the_source_only_for_what_the_current_source_sent() -> None:
    rewriter = SequenceRewriter(90000, 1, sequence=0, timestamp=0)
    for i in range(5):
        rewriter.rewrite(1000 + i, 0, now=0.0)
    rewriter.switch()
    for i in range(5):
        rewriter.rewrite(7000 + i, 0, now=0.1)

    assert rewriter.original_sequence(3) is None, "sent for the previous source"
    assert rewriter.original_sequence(6) == 7000
    assert rewriter.original_sequence(10) == 7004
    assert rewriter.original_sequence(11) is None, "not sent yet"


def test_an_audio_slot_marks_the_switch_and_rewrites_ssrc_and_payload_type() -> None:
    sink = Collected()
    alice, bob = stream(user_id=1), stream(user_id=2)
    carrying = slot(sink)

    carrying.attach(alice)
    feed(alice, rtp(10, 100, b"a1"), 0.0)
    feed(bob, rtp(80, 5, b"b0"), 0.01)
    feed(alice, rtp(11, 1060, b"a2"), 0.02)
    carrying.attach(bob)
    feed(alice, rtp(12, 2020, b"a3"), 0.04)
    feed(bob, rtp(82, 1925, b"b2"), 0.05)

    assert [p.payload for p in sink.packets] == [b"a1", b"a2", b"b2"]
    assert {(p.ssrc, p.payload_type) for p in sink.packets} == {(999, 96)}
    assert [p.sequence_number for p in sink.packets] == [65531, 65532, 65533]
    assert [p.marker for p in sink.packets] == [1, 0, 1]
    assert alice.targets == [] and bob.targets == [carrying]


async def test_a_video_slot_starts_at_a_keyframe_its_viewer_can_receive() -> None:
    sink = Collected()
    camera = stream("video", codecs={97: "video/vp8"})
    watching = slot(sink, "video", {"video/vp8": 100})
    keyframe = bytes([0x90, 0x80, 0x81, 0x23, 0x10])  # S=1, PID 0, picture id, P=0
    delta = bytes([0x90, 0x80, 0x81, 0x24, 0x11])  # P=1

    sink.ready = False
    watching.attach(camera)
    feed(camera, rtp(1, 0, keyframe, 97), 0.0)
    sink.ready = True
    feed(camera, rtp(2, 3000, delta, 97), 0.033)
    feed(camera, rtp(3, 6000, keyframe, 97), 0.066)
    feed(camera, rtp(4, 9000, delta, 97), 0.1)

    assert [p.payload for p in sink.packets] == [keyframe, delta]
    assert {p.payload_type for p in sink.packets} == {100}
    assert KEYFRAME_REQUESTS.count(camera) == 1, "asked once; the second ask waits its interval"


async def test_a_nacked_video_packet_is_resent_from_the_cache_with_the_same_numbers() -> None:
    sink = Collected()
    camera = stream("video", codecs={97: "video/vp8"})
    watching = slot(sink, "video", {"video/vp8": 100})
    keyframe = bytes([0x10, 0x10])
    watching.attach(camera)
    for i in range(4):
        feed(camera, rtp(300 + i, 90 * i, keyframe + bytes([i]), 97), 0.01 * i)
    lost = sink.packets[2]

    assert watching.retransmit([lost.sequence_number, 12345], now=0.2) == 1
    again = sink.packets[-1]
    assert (again.sequence_number, again.timestamp, again.payload) == (
        lost.sequence_number,
        lost.timestamp,
        lost.payload,
    )
    assert watching.retransmit([lost.sequence_number], now=5.0) == 0, "too old for the cache"
