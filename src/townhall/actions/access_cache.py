"""Per-node memory of what permission checks read: tokens, channels, guild roles, members.

Every request used to spend most of its time loading these (a token lookup and six queries before
a message is even inserted). They change rarely and every change is published as an event, so each
node keeps them in memory and forgets an entry when an event says it changed: each event type
declares what it makes stale (`EventType.stale`), and the envelope carries those keys, so nothing
here parses event data. Two guards keep a stale entry from living on:
- a load that raced with an invalidation is not stored (the `version` counter);
- every entry expires after `TTL` seconds, for changes made outside this system's bus (for example
  `townhall admin reset-password` run as a separate process next to an embedded server).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from townhall.domain.models import Channel, Guild, Member, Role, User
from townhall.events.event import CacheKey, Envelope

TTL = 30.0
MAX_ENTRIES = 50_000
V = TypeVar("V")
K = TypeVar("K", bound=Hashable)


class _Expiring(Generic[K, V]):
    def __init__(self) -> None:
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + TTL, value)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def drop_where(self, keep: Callable[[K], bool]) -> None:
        """Drop every entry whose key fails `keep(key)`; for rare, wide invalidations."""
        self._entries = {k: v for k, v in self._entries.items() if keep(k)}

    def drop_values_where(self, drop: Callable[[V], bool]) -> None:
        """Drop every entry whose value passes `drop(value)`; for rare, wide invalidations."""
        self._entries = {k: v for k, v in self._entries.items() if not drop(v[1])}


class AccessCache:
    def __init__(self) -> None:
        self.version = 0
        self._tokens: _Expiring[bytes, User] = _Expiring()
        self._channels: _Expiring[int, Channel] = _Expiring()
        self._guilds: _Expiring[int, tuple[Guild, dict[int, Role]]] = _Expiring()
        self._members: _Expiring[tuple[int, int], Member] = _Expiring()

    # reads; `seen` is the version read before loading, so a racing invalidation wins.

    def user(self, token_hash: bytes) -> User | None:
        return self._tokens.get(token_hash)

    def put_user(self, token_hash: bytes, user: User, seen: int) -> None:
        if seen == self.version:
            self._tokens.put(token_hash, user)

    def channel(self, channel_id: int) -> Channel | None:
        return self._channels.get(channel_id)

    def put_channel(self, channel: Channel, seen: int) -> None:
        if seen == self.version:
            self._channels.put(channel.id, channel)

    def guild(self, guild_id: int) -> tuple[Guild, dict[int, Role]] | None:
        return self._guilds.get(guild_id)

    def put_guild(self, guild: Guild, roles: dict[int, Role], seen: int) -> None:
        if seen == self.version:
            self._guilds.put(guild.id, (guild, roles))

    def member(self, guild_id: int, user_id: int) -> Member | None:
        return self._members.get((guild_id, user_id))

    def put_member(self, member: Member, seen: int) -> None:
        if seen == self.version:
            self._members.put((member.guild_id, member.user.id), member)

    # invalidation, from every event this node publishes or hears

    def clear(self) -> None:
        """Forget everything: after the database was changed behind the system's back."""
        self.version += 1
        for entries in (self._tokens, self._channels, self._guilds, self._members):
            entries.drop_where(lambda _key: False)

    def on_envelope(self, envelope: Envelope) -> None:
        if envelope.stale:
            self.forget(envelope.stale)

    def forget(self, keys: Iterable[CacheKey]) -> None:
        self.version += 1
        for key in keys:
            kind = key[0]
            if kind == "guild":
                self._guilds.pop(key[1])
            elif kind == "member":
                self._members.pop((key[1], key[2]))
            elif kind == "channel":
                self._channels.pop(key[1])
            elif kind == "user":
                self._forget_user(key[1])
            elif kind == "guild_all":
                self._forget_guild(key[1])

    def _forget_user(self, user_id: int) -> None:
        self._tokens.drop_values_where(lambda user: user.id == user_id)

    def _forget_guild(self, guild_id: int) -> None:
        self._guilds.pop(guild_id)
        self._members.drop_where(lambda key: key[0] != guild_id)
        self._channels.drop_values_where(lambda channel: channel.guild_id == guild_id)
