"""Snowflake ids with Discord's epoch, so clients derive `created_at` from an id as on Discord.

Layout (64 bits): 42 bits of milliseconds since 2015-01-01T00:00:00Z, 5 bits worker, 5 bits
process, 12 bits increment. Each server process gets its own (worker, process) pair from
configuration, so that several nodes never mint the same id.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeGenerator:
    """Mints strictly increasing ids for one process."""

    def __init__(self, worker_id: int = 0, process_id: int = 0) -> None:
        if not (0 <= worker_id < 32 and 0 <= process_id < 32):
            raise ValueError("worker_id and process_id must be in 0..31")
        self._node_bits = (worker_id << 17) | (process_id << 12)
        self._last_ms = 0
        self._increment = 0
        self._lock = threading.Lock()

    def next_id(self) -> int:
        with self._lock:
            now = int(time.time() * 1000)
            if now <= self._last_ms:
                # Same millisecond (or the clock stepped back): keep counting on the last one.
                now = self._last_ms
                self._increment = (self._increment + 1) & 0xFFF
                if self._increment == 0:
                    now += 1
            else:
                self._increment = 0
            self._last_ms = now
            return ((now - DISCORD_EPOCH_MS) << 22) | self._node_bits | self._increment


def snowflake_time(snowflake: int) -> datetime:
    """The moment a snowflake was minted."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def snowflake_at(moment: datetime, *, high: bool = False) -> int:
    """The smallest (or largest) snowflake minted at `moment`: bounds for time-ranged queries."""
    ms = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | ((1 << 22) - 1 if high else 0)
