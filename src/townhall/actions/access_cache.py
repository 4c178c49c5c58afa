"""Per-node memory of what permission checks read: tokens, channels, guild roles, members.

Every request used to spend most of its time loading these (a token lookup and six queries before
a message is even inserted). They change rarely and every change is published as an event, so each
node keeps them in memory and forgets an entry when an event says it changed. Two guards keep a
stale
entry from living on:
- a load that raced with an invalidation is not stored (the `version` counter);
- every entry expires after `TTL` seconds, for changes made outside this system's bus (for example
  `townhall admin reset-password` run as a separate process next to an embedded server).
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

import orjson

from townhall.bus.events import Envelope
from townhall.domain.models import Channel, Guild, Member, Role, User

TTL = 30.0
MAX_ENTRIES = 50_000
V = TypeVar("V")
K = TypeVar("K", bound=Hashable)

_GUILD_EVENTS = frozenset(
    {"GUILD_UPDATE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE"}
)
_MEMBER_EVENTS = frozenset({"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"})
_CHANNEL_EVENTS = frozenset(
    {"CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "CHANNEL_PINS_UPDATE"}
)
_USER_EVENTS = frozenset({"USER_UPDATE", "TOKENS_REVOKED"})


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

    def drop_where(self, keep: object) -> None:
        """Drop every entry whose key fails `keep(key)`; for rare, wide invalidations."""
        self._entries = {k: v for k, v in self._entries.items() if keep(k)}  # type: ignore[operator]


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
        kind = envelope.type
        if kind.startswith(("MESSAGE_", "TYPING_", "PRESENCE_")):
            return  # the hot path: nothing cached here changes
        self.version += 1
        guild_id = envelope.guild_id
        if kind in _GUILD_EVENTS and guild_id is not None:
            self._guilds.pop(guild_id)
        elif kind in _MEMBER_EVENTS and guild_id is not None:
            user = orjson.loads(envelope.data).get("user") or {}
            self._members.pop((guild_id, int(user.get("id", 0))))
        elif kind in _CHANNEL_EVENTS:
            data = orjson.loads(envelope.data)
            self._channels.pop(int(data.get("id") or data.get("channel_id") or 0))
            if envelope.channel_id is not None:
                self._channels.pop(envelope.channel_id)
        elif kind == "GUILD_DELETE" and guild_id is not None:
            if envelope.user_ids is not None:
                for user_id in envelope.user_ids:
                    self._members.pop((guild_id, user_id))
            else:
                self._guilds.pop(guild_id)
                self._members.drop_where(lambda key: key[0] != guild_id)
                self._channels.drop_where(lambda _key: False)
        elif kind in _USER_EVENTS:
            self._tokens.drop_where(lambda _key: False)
