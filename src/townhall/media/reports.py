"""RTCP receiver reports to publishers, about what reached the SFU from them.

A browser's congestion control and its RTT estimate read receiver reports (RFC 3550 6.4.2): with
none, it cannot learn that the path is clean and keeps its starting bitrate. aiortc's receivers
would report, but they never see a packet here, so the SFU keeps the statistics itself (RFC
3550 A.3 and A.8: extended highest sequence number, loss, interarrival jitter, LSR/DLSR) and each
participant gets one compound RR a second (`REPORT_INTERVAL`) covering all their streams.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from townhall.media.rtp import RTCP_RR

REPORT_INTERVAL = 1.0
_BLOCK = struct.Struct("!IBBHIIII")
_HEADER = struct.Struct("!BBHI")
MAX_BLOCKS = 31


class ReceptionStatistics:
    """What arrived of one publisher's stream, for its receiver report block."""

    __slots__ = (
        "_base",
        "_clock_rate",
        "_cycles",
        "_expected_prior",
        "_jitter",
        "_last_report",
        "_last_report_at",
        "_max",
        "_received",
        "_received_prior",
        "_transit",
    )

    def __init__(self, clock_rate: int) -> None:
        self._clock_rate = clock_rate
        self._base: int | None = None
        self._max = 0
        self._cycles = 0
        self._received = 0
        self._expected_prior = 0
        self._received_prior = 0
        self._transit: float | None = None
        self._jitter = 0.0
        self._last_report = 0
        self._last_report_at = 0.0

    def add(self, sequence: int, timestamp: int, now: float) -> None:
        """One packet arrived at `now` (seconds)."""
        self._received += 1
        if self._base is None:
            self._base = self._max = sequence
        elif 0 < (sequence - self._max) & 0xFFFF < 0x8000:
            if sequence < self._max:
                self._cycles += 1 << 16
            self._max = sequence
        transit = now * self._clock_rate - timestamp
        if self._transit is not None:
            difference = abs(transit - self._transit)
            if difference < self._clock_rate * 10:  # not a timestamp jump (a switch, a wrap)
                self._jitter += (difference - self._jitter) / 16
        self._transit = transit

    def sender_report(self, ntp_timestamp: int, now: float) -> None:
        """The publisher's SR for this stream arrived: kept to echo as LSR, for their RTT."""
        self._last_report = (ntp_timestamp >> 16) & 0xFFFFFFFF
        self._last_report_at = now

    def block(self, ssrc: int, now: float) -> bytes | None:
        """This stream's report block since the previous one (None before any packet)."""
        if self._base is None:
            return None
        extended_max = self._cycles + self._max
        expected = extended_max - self._base + 1
        lost = max(min(expected - self._received, 0x7FFFFF), -0x800000)
        expected_interval = expected - self._expected_prior
        received_interval = self._received - self._received_prior
        self._expected_prior, self._received_prior = expected, self._received
        lost_interval = expected_interval - received_interval
        fraction = 0
        if expected_interval > 0 and lost_interval > 0:
            fraction = min(255, (lost_interval << 8) // expected_interval)
        delay = 0
        if self._last_report:
            delay = int((now - self._last_report_at) * 65536) & 0xFFFFFFFF
        lost_field = lost & 0xFFFFFF
        return _BLOCK.pack(
            ssrc,
            fraction,
            lost_field >> 16,
            lost_field & 0xFFFF,
            extended_max & 0xFFFFFFFF,
            int(self._jitter),
            self._last_report,
            delay,
        )


def receiver_report(sender_ssrc: int, blocks: Sequence[bytes]) -> bytes:
    """A receiver report packet (several if there are more than 31 blocks, back to back)."""
    packets: list[bytes] = []
    for start in range(0, len(blocks), MAX_BLOCKS):
        chunk = blocks[start : start + MAX_BLOCKS]
        header = _HEADER.pack(0x80 | len(chunk), RTCP_RR, 1 + 6 * len(chunk), sender_ssrc)
        packets.append(header + b"".join(chunk))
    return b"".join(packets)
