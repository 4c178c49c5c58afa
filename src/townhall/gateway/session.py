"""One gateway session: who it is, what it asked for, its sequence and its replay buffer.

A session outlives its connection for a while, so that a client that drops can RESUME: events keep
arriving into the replay buffer (bounded by count and by age) while no connection is attached.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from townhall.domain.models import User
from townhall.events.event import Envelope
from townhall.gateway.transport import Compressor, Frames


@dataclass(slots=True)
class Connection:
    """The socket a session currently writes to."""

    frames: Frames
    compress: Compressor

    def send(self, payload: bytes) -> bool:
        compress = self.compress
        return self.frames.send(compress(payload), compress.binary)

    def send_event(self, head: bytes, seq: int) -> bool:
        compress = self.compress
        return self.frames.send(compress.event(head, seq), compress.binary)

    def close(self, code: int, reason: str) -> None:
        self.frames.close(code, reason)


@dataclass(eq=False, slots=True)
class Session:
    id: str
    user: User
    intents: int
    shard: tuple[int, int] | None
    large_threshold: int
    max_events: int
    max_age: float
    content_intent: bool
    """False only for bots without MESSAGE_CONTENT: they get messages without their text."""
    token_hash: bytes
    """Which token opened the session: revoking that token ends it."""
    guild_ids: set[int] = field(default_factory=set)
    connection: Connection | None = None
    seq: int = 0
    replay: deque[tuple[int, bytes, float]] = field(default_factory=deque)
    """(seq, frame head, when): a frame is `head + str(seq) + b"}"`; heads are shared between
    sessions."""
    detached_at: float | None = None
    opening: bool = True
    """Until READY and its GUILD_CREATEs are out; events for the user meanwhile wait in `early`."""
    early: list[Envelope] = field(default_factory=list)
    joining: dict[int, list[Envelope]] = field(default_factory=dict)
    """Guilds being loaded for this session, with the events that arrived for them meanwhile."""
    resumable: bool = True
    """False after this node lost events it should have delivered: a RESUME must not succeed."""
    max_bytes: int = 2 * 1024 * 1024
    """The replay buffer's bound in bytes of frames, besides its bound in events and age: a
    RESUME writes the whole buffer at once, and it must fit the socket's write buffer."""
    replay_bytes: int = 0
    client_host: str = ""
    """Where this session's client reached the server (`host:port`): its voice endpoint's base."""
    voice: dict[int, int] = field(default_factory=dict)
    """The voice channel this session is connected to, by scope (guild, or a call's DM)."""
    subscriptions: dict[int, frozenset[int]] | None = None
    """The channels its client shows, by guild (gateway op 14/37, `gateway/subscriptions.py`);
    None until it sends one, and then events that follow subscriptions (typing, reactions) come
    only from these channels."""

    def dispatch(self, head: bytes, now: float | None = None) -> None:
        """Number, remember and send one event whose frame starts with `head`.

        Fan-out passes `now` (read once per event) to spare a clock read per receiver."""
        self.seq = seq = self.seq + 1
        if now is None:
            now = time.monotonic()
        replay = self.replay
        replay.append((seq, head, now))
        self.replay_bytes += len(head)
        while len(replay) > self.max_events or self.replay_bytes > self.max_bytes:
            self.replay_bytes -= len(replay.popleft()[1])
        self.trim(now)
        connection = self.connection
        if connection is not None and not connection.send_event(head, seq):
            self.connection = None
            self.detached_at = now

    def trim(self, now: float) -> None:
        """Drop buffered events older than the age bound (also run for idle sessions)."""
        replay, horizon = self.replay, now - self.max_age
        while replay and replay[0][2] < horizon:
            self.replay_bytes -= len(replay.popleft()[1])

    def can_resume_from(self, seq: int) -> bool:
        """True when every event after `seq` is still in the buffer."""
        if not self.resumable:
            return False
        if seq > self.seq:
            return False
        if seq == self.seq:
            return True
        return bool(self.replay) and self.replay[0][0] <= seq + 1

    def replay_after(self, seq: int) -> list[bytes]:
        return [head + str(s).encode() + b"}" for s, head, _ in self.replay if s > seq]

    def subscribe(self, updates: Mapping[int, frozenset[int] | None]) -> None:
        """Apply a guild subscriptions update: a guild's channels replace what it had (an empty set
        unsubscribes it), None leaves them. Guilds the session is not in are ignored."""
        subscriptions = self.subscriptions if self.subscriptions is not None else {}
        for guild_id, channels in updates.items():
            if channels is None:
                continue
            if channels and (guild_id in self.guild_ids or guild_id in self.joining):
                subscriptions[guild_id] = channels
            else:
                subscriptions.pop(guild_id, None)
        self.subscriptions = subscriptions

    def follows(self, guild_id: int, channel_id: int) -> bool:
        """Whether events that follow subscriptions reach this session from the channel."""
        subscriptions = self.subscriptions
        return subscriptions is None or channel_id in subscriptions.get(guild_id, ())

    def wants_guild(self, guild_id: int) -> bool:
        """Sharding as Discord does it: a guild belongs to shard (guild_id >> 22) % shard_count."""
        if self.shard is None:
            return True
        shard_id, shard_count = self.shard
        return (guild_id >> 22) % shard_count == shard_id

    @property
    def gets_direct_messages(self) -> bool:
        return self.shard is None or self.shard[0] == 0


def dispatch_head(event_type: str, data: bytes) -> bytes:
    """The frame of a dispatch up to its sequence number: built once, shared by every receiver."""
    return b'{"op":0,"t":"' + event_type.encode() + b'","d":' + data + b',"s":'
