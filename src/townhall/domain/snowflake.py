"""Snowflake ids with Discord's epoch, so clients derive `created_at` from an id as on Discord.

Layout (64 bits): 42 bits of milliseconds since 2015-01-01T00:00:00Z, 10 bits node, 12 bits
increment (Discord's worker and process bits, together). Each running process leases its own node
id from the database at start (runtime/lease.py), so several nodes never mint the same id; a
generator whose lease ran out refuses to mint rather than risk a collision.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


NODE_IDS = range(1024)


class NodeIdExpired(RuntimeError):
    """This process's node lease ran out: minting could collide with the node that took it."""


class SnowflakeGenerator:
    """Mints strictly increasing ids for one process."""

    def __init__(self, node_id: int = 0) -> None:
        if node_id not in NODE_IDS:
            raise ValueError("node_id must be in 0..1023")
        self.node_id = node_id
        self._node_bits = node_id << 12
        self._last_ms = 0
        self._increment = 0
        self._lock = threading.Lock()
        self.valid_until = float("inf")
        """`time.monotonic()` after which the node lease may belong to someone else."""

    def rebase(self, node_id: int) -> None:
        """Mint with another node id from now on (the lease was lost and a new one taken)."""
        with self._lock:
            self.node_id = node_id
            self._node_bits = node_id << 12

    def next_id(self) -> int:
        if time.monotonic() > self.valid_until:
            raise NodeIdExpired("the node lease ran out; refusing to mint ids")
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
