"""RTP and RTCP as bytes: read the few fields forwarding needs, write rewritten headers.

This is the per-packet code, so it works on `bytes` with `struct` and slicing and allocates little:
one small tuple per packet read, one `bytes` per packet written. Payloads are never looked into
here (see `keyframes.py` for the one look a video payload gets). RFC 3550 (RTP, RTCP), RFC 8285
(header extensions), RFC 6464 (audio level), RFC 4585 (NACK, PLI), RFC 5104 (FIR).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

_FIXED = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")
_RTCP_HEADER = struct.Struct("!BBHI")
_FEEDBACK = struct.Struct("!BBHII")
_NACK_ITEM = struct.Struct("!HH")

ONE_BYTE_PROFILE = 0xBEDE
TWO_BYTE_PROFILE_MASK = 0xFFF0
TWO_BYTE_PROFILE = 0x1000

RTCP_SR = 200
RTCP_RR = 201
RTCP_RTPFB = 205
RTCP_PSFB = 206
FMT_NACK = 1
FMT_PLI = 1
FMT_FIR = 4
FMT_REMB = 15

AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"


class RtpView(NamedTuple):
    """Where things are in one RTP packet; the bytes themselves stay where they are."""

    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    padding: bool
    extension_profile: int
    extension_start: int
    extension_end: int
    payload_start: int


def is_rtcp(data: bytes) -> bool:
    """RTP and RTCP share the port (rtcp-mux); RFC 5761 tells them apart by the second byte."""
    return len(data) >= 2 and 192 <= data[1] <= 223


def parse_rtp(data: bytes) -> RtpView | None:
    """Read an RTP header, or None if it is not one we can forward."""
    if len(data) < 12:
        return None
    first, second, sequence, timestamp, ssrc = _FIXED.unpack_from(data)
    if first >> 6 != 2:
        return None
    offset = 12 + 4 * (first & 0x0F)
    profile = start = end = 0
    if first & 0x10:
        if len(data) < offset + 4:
            return None
        profile, words = _EXTENSION_HEADER.unpack_from(data, offset)
        start = offset + 4
        end = start + 4 * words
        offset = end
    if len(data) < offset:
        return None
    return RtpView(
        bool(second & 0x80),
        second & 0x7F,
        sequence,
        timestamp,
        ssrc,
        bool(first & 0x20),
        profile,
        start,
        end,
        offset,
    )


def find_extension(data: bytes, view: RtpView, extension_id: int) -> bytes | None:
    """The value of one header extension element (one-byte or two-byte form), if present."""
    position, end = view.extension_start, view.extension_end
    if view.extension_profile == ONE_BYTE_PROFILE:
        while position < end:
            head = data[position]
            if head == 0:
                position += 1
                continue
            element_id, length = head >> 4, (head & 0x0F) + 1
            if element_id == 15:
                return None
            if element_id == extension_id:
                return data[position + 1 : position + 1 + length]
            position += 1 + length
    elif view.extension_profile & TWO_BYTE_PROFILE_MASK == TWO_BYTE_PROFILE:
        while position + 1 < end:
            element_id = data[position]
            if element_id == 0:
                position += 1
                continue
            length = data[position + 1]
            if element_id == extension_id:
                return data[position + 2 : position + 2 + length]
            position += 2 + length
    return None


def audio_level(data: bytes, view: RtpView, extension_id: int) -> int | None:
    """RFC 6464 level in -dBov (0 is the loudest, 127 silence), or None if the packet has none."""
    value = find_extension(data, view, extension_id)
    if not value:
        return None
    return value[0] & 0x7F


def audio_level_extension(extension_id: int, level: int) -> bytes:
    """A one-byte-form extension block holding only an audio level (voice-activity bit clear)."""
    return bytes((0xBE, 0xDE, 0, 1, extension_id << 4, level & 0x7F, 0, 0))


def build_rtp(
    marker: bool,
    payload_type: int,
    sequence: int,
    timestamp: int,
    ssrc: int,
    padding: bool,
    extension: bytes,
    payload: bytes,
) -> bytes:
    """A packet with a fresh 12-byte header, an optional extension block, and the payload as is.

    CSRCs are not carried over: nothing here mixes. `payload` includes the padding of the original
    packet, so the padding bit is copied with it.
    """
    first = 0x80 | (0x20 if padding else 0) | (0x10 if extension else 0)
    second = (0x80 if marker else 0) | payload_type
    return _FIXED.pack(first, second, sequence, timestamp, ssrc) + extension + payload


class RtcpView(NamedTuple):
    """One packet of a compound RTCP packet: its type, format and the SSRCs it names."""

    packet_type: int
    format: int
    sender_ssrc: int
    media_ssrc: int
    fci_start: int
    end: int


def iter_rtcp(data: bytes) -> Iterator[RtcpView]:
    """The packets of a compound RTCP packet; stops at the first malformed one."""
    position = 0
    while position + 8 <= len(data):
        first, packet_type, words, sender_ssrc = _RTCP_HEADER.unpack_from(data, position)
        end = position + 4 * (words + 1)
        if first >> 6 != 2 or end > len(data):
            return
        media_ssrc = 0
        fci_start = position + 8
        if packet_type in (RTCP_RTPFB, RTCP_PSFB) and position + 12 <= end:
            media_ssrc = int.from_bytes(data[position + 8 : position + 12], "big")
            fci_start = position + 12
        yield RtcpView(packet_type, first & 0x1F, sender_ssrc, media_ssrc, fci_start, end)
        position = end


def nack_sequences(data: bytes, view: RtcpView) -> list[int]:
    """The sequence numbers a generic NACK (RFC 4585 6.2.1) reports lost."""
    lost: list[int] = []
    for position in range(view.fci_start, view.end - 3, 4):
        first, bitmask = _NACK_ITEM.unpack_from(data, position)
        lost.append(first)
        for bit in range(16):
            if bitmask & (1 << bit):
                lost.append((first + bit + 1) & 0xFFFF)
    return lost


def fir_targets(data: bytes, view: RtcpView) -> list[int]:
    """The media SSRCs a FIR (RFC 5104 4.3.1) asks a keyframe of; each entry is 8 bytes."""
    return [
        int.from_bytes(data[position : position + 4], "big")
        for position in range(view.fci_start, view.end - 7, 8)
    ]


def remb_bitrate(data: bytes, view: RtcpView) -> float | None:
    """The bits/s of a REMB (draft-alvestrand-rmcat-remb: PSFB 15, "REMB", exponent, mantissa)."""
    start = view.fci_start
    if view.end < start + 8 or data[start : start + 4] != b"REMB":
        return None
    exponent = data[start + 5] >> 2
    mantissa = int.from_bytes(data[start + 5 : start + 8], "big") & 0x3FFFF
    return float(mantissa << exponent)


def picture_loss_indication(sender_ssrc: int, media_ssrc: int) -> bytes:
    """A PLI (RFC 4585 6.3.1): please send a keyframe of `media_ssrc`."""
    return _FEEDBACK.pack(0x80 | FMT_PLI, RTCP_PSFB, 2, sender_ssrc, media_ssrc)
