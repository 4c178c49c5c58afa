"""Keyframes: spotting where one starts, and asking a publisher for one without flooding it.

A viewer can only start decoding at a keyframe, so a video slot that starts (or switches to) a
stream waits for the first packet of one, and the publisher is asked for one with a PLI. Viewers'
own PLI/FIR go back to the publisher through the same limiter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

KEYFRAME_REQUEST_INTERVAL = 0.5
"""Seconds between PLIs to one publisher's stream; one asked inside it is sent at its end."""

VP8 = "video/vp8"
H264_PREFIX = "video/h264"


def is_keyframe_start(codec: str, payload: bytes) -> bool:
    """Whether this RTP payload is the first packet of a keyframe, for VP8 and H.264."""
    if codec == VP8:
        return _vp8_keyframe_start(payload)
    if codec.startswith(H264_PREFIX):
        return _h264_keyframe_start(payload)
    return False


def _vp8_header_start(payload: bytes) -> int | None:
    """RFC 7741: where the VP8 frame begins, in a packet that starts partition 0 (S=1, PID=0)."""
    if not payload:
        return None
    descriptor = payload[0]
    if not descriptor & 0x10 or descriptor & 0x07:
        return None
    position = 1
    if descriptor & 0x80:
        if len(payload) <= position:
            return None
        extension = payload[position]
        position += 1
        if extension & 0x80:  # I: picture id, one or two bytes
            if len(payload) <= position:
                return None
            position += 2 if payload[position] & 0x80 else 1
        if extension & 0x40:  # L: TL0PICIDX
            position += 1
        if extension & 0x30:  # T or K: TID/KEYIDX byte
            position += 1
    return position if len(payload) > position else None


def _vp8_keyframe_start(payload: bytes) -> bool:
    """The start of partition 0 whose VP8 header has the P (inter) bit clear."""
    position = _vp8_header_start(payload)
    return position is not None and not payload[position] & 0x01


def keyframe_size(codec: str, payload: bytes) -> tuple[int, int] | None:
    """Width and height of a VP8 keyframe from its first packet (RFC 6386 9.1); None otherwise.

    (H.264 keeps its size in the SPS, which is not parsed: its layers are ranked by their order.)
    """
    if codec != VP8:
        return None
    position = _vp8_header_start(payload)
    if position is None or payload[position] & 0x01 or len(payload) < position + 10:
        return None
    if payload[position + 3 : position + 6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(payload[position + 6 : position + 8], "little") & 0x3FFF
    height = int.from_bytes(payload[position + 8 : position + 10], "little") & 0x3FFF
    return width, height


def _h264_keyframe_start(payload: bytes) -> bool:
    """RFC 6184: a packet carrying an SPS (alone or in a STAP-A), which precedes each IDR.

    Starting at the IDR itself would leave the decoder without the SPS/PPS it needs; browsers'
    encoders send them ahead of every IDR.
    """
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type == 7:
        return True
    if nal_type == 24:  # STAP-A: 16-bit sizes, each followed by a NAL unit
        position = 1
        while position + 2 < len(payload):
            size = int.from_bytes(payload[position : position + 2], "big")
            if payload[position + 2] & 0x1F == 7:
                return True
            position += 2 + size
    return False


class KeyframeRequests:
    """Sends PLIs for one publisher stream, at most one per interval, never dropping a request.

    A request inside the interval is not dropped but sent when the interval ends: a viewer that
    joined just after a keyframe went out must still get one.
    """

    def __init__(
        self, send_request: Callable[[], None], interval: float = KEYFRAME_REQUEST_INTERVAL
    ) -> None:
        self._send_request = send_request
        self._interval = interval
        self._last_sent = -interval
        self._deferred: asyncio.TimerHandle | None = None
        self.sent = 0

    def request(self) -> None:
        if self._deferred is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self._last_sent + self._interval - loop.time()
        if wait <= 0:
            self._send()
        else:
            self._deferred = loop.call_later(wait, self._send)

    def cancel(self) -> None:
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None

    def _send(self) -> None:
        self._deferred = None
        self._last_sent = asyncio.get_running_loop().time()
        self.sent += 1
        self._send_request()
