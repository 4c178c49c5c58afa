"""The last second of a video stream, so that viewers' NACKs are answered by the SFU.

Each publisher's video stream keeps its last `CACHE_PACKETS` packets (at most `CACHE_SECONDS`
old) by sequence number in a fixed ring, so a NACK from any viewer is a lookup, and the
publisher is never asked twice for what several viewers lost on their own links.
"""

from __future__ import annotations

from townhall.media.rtp import RtpView

CACHE_PACKETS = 512
CACHE_SECONDS = 1.0


class RetransmitCache:
    """Recent packets of one stream by their original sequence number."""

    def __init__(self, size: int = CACHE_PACKETS, max_age: float = CACHE_SECONDS) -> None:
        self._size = size
        self._max_age = max_age
        self._sequences: list[int] = [-1] * size
        self._arrivals: list[float] = [0.0] * size
        self._packets: list[tuple[RtpView, bytes] | None] = [None] * size

    def put(self, view: RtpView, payload: bytes, now: float) -> None:
        index = view.sequence % self._size
        self._sequences[index] = view.sequence
        self._arrivals[index] = now
        self._packets[index] = (view, payload)

    def get(self, sequence: int, now: float) -> tuple[RtpView, bytes] | None:
        index = sequence % self._size
        if self._sequences[index] != sequence or now - self._arrivals[index] > self._max_age:
            return None
        return self._packets[index]

    def clear(self) -> None:
        self._sequences = [-1] * self._size
        self._packets = [None] * self._size
