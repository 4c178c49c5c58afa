"""The SFU's RTP/RTCP reading and writing agrees with aiortc's own (an independent codec)."""

from __future__ import annotations

from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import (
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    HeaderExtensionsMap,
    RtcpPacket,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    RtcpSenderInfo,
    RtcpSrPacket,
    RtpPacket,
)

from townhall.media.rtp import (
    FMT_NACK,
    FMT_PLI,
    RTCP_PSFB,
    RTCP_RTPFB,
    RTCP_SR,
    audio_level,
    audio_level_extension,
    build_rtp,
    is_rtcp,
    iter_rtcp,
    nack_sequences,
    parse_rtp,
    picture_loss_indication,
)


def extensions_map(**ids: int) -> HeaderExtensionsMap:
    uris = {
        "mid": "urn:ietf:params:rtp-hdrext:sdes:mid",
        "audio_level": "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "abs_send_time": "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    }
    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=value, uri=uris[name])
                for name, value in ids.items()
            ]
        )
    )
    return extensions


def test_a_packet_with_a_mid_and_an_audio_level_is_read_as_aiortc_wrote_it() -> None:
    extensions = extensions_map(mid=4, audio_level=1, abs_send_time=3)
    packet = RtpPacket(payload_type=111, marker=1, sequence_number=65535, timestamp=4_000_000_000)
    packet.ssrc = 0xDEADBEEF
    packet.extensions.mid = "1"
    packet.extensions.audio_level = (True, 37)
    packet.extensions.abs_send_time = 0x123456
    packet.payload = b"opus frame"
    data = packet.serialize(extensions)

    view = parse_rtp(data)

    assert view is not None
    assert (view.marker, view.payload_type, view.sequence, view.timestamp, view.ssrc) == (
        True,
        111,
        65535,
        4_000_000_000,
        0xDEADBEEF,
    )
    assert data[view.payload_start :] == b"opus frame"
    assert audio_level(data, view, 1) == 37
    assert audio_level(data, view, 2) is None


def test_a_rewritten_packet_is_read_back_by_aiortc_with_the_new_numbers_and_level() -> None:
    data = build_rtp(
        marker=True,
        payload_type=96,
        sequence=7,
        timestamp=960,
        ssrc=42,
        padding=False,
        extension=audio_level_extension(5, 20),
        payload=b"\x01\x02\x03",
    )

    packet = RtpPacket.parse(data, extensions_map(audio_level=5))

    assert (packet.marker, packet.payload_type, packet.sequence_number) == (1, 96, 7)
    assert (packet.timestamp, packet.ssrc, packet.payload) == (960, 42, b"\x01\x02\x03")
    assert packet.extensions.audio_level == (False, 20)


def test_a_packet_without_extensions_has_its_payload_right_after_the_csrcs() -> None:
    packet = RtpPacket(payload_type=97, sequence_number=1, timestamp=2, ssrc=3)
    packet.csrc = [10, 11]
    packet.payload = b"vp8"
    data = packet.serialize()

    view = parse_rtp(data)

    assert view is not None
    assert data[view.payload_start :] == b"vp8"
    assert audio_level(data, view, 1) is None
    assert not is_rtcp(data)


def test_garbage_is_not_taken_for_rtp() -> None:
    assert parse_rtp(b"") is None
    assert parse_rtp(b"\x00" * 20) is None
    assert parse_rtp(bytes([0x90]) + b"\x00" * 11) is None  # says it has an extension, has none


def test_nacks_plis_and_reports_in_a_compound_packet_are_found() -> None:
    nack = RtcpRtpfbPacket(fmt=RTCP_RTPFB_NACK, ssrc=1, media_ssrc=2)
    nack.lost = [100, 101, 105, 116, 117, 500]
    pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=3)
    data = bytes(nack) + bytes(pli)
    assert is_rtcp(data)

    views = list(iter_rtcp(data))

    assert [(v.packet_type, v.format, v.media_ssrc) for v in views] == [
        (RTCP_RTPFB, FMT_NACK, 2),
        (RTCP_PSFB, FMT_PLI, 3),
    ]
    assert sorted(nack_sequences(data, views[0])) == [100, 101, 105, 116, 117, 500]


def test_the_sfus_pli_is_what_aiortc_reads_as_one() -> None:
    (packet,) = RtcpPacket.parse(picture_loss_indication(sender_ssrc=7, media_ssrc=9))

    assert isinstance(packet, RtcpPsfbPacket)
    assert (packet.fmt, packet.ssrc, packet.media_ssrc) == (RTCP_PSFB_PLI, 7, 9)


def test_a_sender_report_is_listed_with_its_sender() -> None:
    report = RtcpSrPacket(
        ssrc=55,
        sender_info=RtcpSenderInfo(ntp_timestamp=1, rtp_timestamp=2, packet_count=3, octet_count=4),
    )

    views = list(iter_rtcp(bytes(report)))

    assert [(v.packet_type, v.sender_ssrc) for v in views] == [(RTCP_SR, 55)]
