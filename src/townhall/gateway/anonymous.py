"""Anonymous gateway sessions: visitors without an account following public channels live.

A visitor identifies with no token and `"anonymous": true`:
`{"op": 2, "d": {"token": "", "anonymous": true, "intents": …, "properties": {…}}}`. READY comes
with `"user": null` and `"session_type": "anonymous"`, and no guild. The visitor then names the
channels it shows with Guild Subscriptions (op 14, or op 37 for several guilds; at most
`MAX_FOLLOWED` in all), as Discord's client does for the channel on screen. Each named channel that
is readable by anyone (`domain.channels.readable_by_anyone`, decided from this node's guild
replica) is followed, and the visitor gets CHANNEL_CREATE for it: "this channel is now yours to
see". Channels that are not public are ignored, as Discord ignores channels one cannot see.

From then on the visitor gets the followed channels' message and reaction events and their
CHANNEL_UPDATE. The moment a channel stops being public — its flag cleared, @everyone losing
VIEW_CHANNEL or READ_MESSAGE_HISTORY there, the channel or guild deleted — the visitor gets
CHANNEL_DELETE (or the CHANNEL_DELETE / GUILD_DELETE itself) and nothing more of it: the check
runs when the structural event is applied to the replica, in log order on every node, so an event
after it in the log can never reach the visitor. A node that loses events reconnects its visitors
as it does its members (`reconnect_guild`, `reconnect_all`).

The hot path stays as it is: an event is encoded once at its origin, its frame head built once
per node for all of a channel's visitors, who are found by one dictionary lookup; no database
query runs per receiver (the replica answers), and nothing blocks. Only loading a guild's replica
for a first visitor awaits, as it does for a first member.

Anonymous sessions cannot RESUME (nothing is lost: they re-identify and reload the page of
history) and keep no replay buffer. Op 3, 4 and 8 are ignored, as a refused voice join is.
They are capped per client address and in total on each node (the settings
`visitors_per_address` and `visitors_per_node`); past a cap the connection closes with 4008.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from townhall.domain import channels as rules
from townhall.domain.models import User
from townhall.events import catalog
from townhall.events.catalog import required_intent
from townhall.events.event import Envelope, EventType
from townhall.gateway.guild_state import GuildState
from townhall.gateway.protocol import Op
from townhall.gateway.session import Connection, Session, dispatch_head
from townhall.wire import payloads
from townhall.wire.intents import Intent

if TYPE_CHECKING:
    from townhall.gateway.hub import Hub

log = logging.getLogger("townhall.gateway")

MAX_FOLLOWED = 5
"""Public channels one anonymous session follows at a time, across guilds."""

VISITOR = User(id=0, username="visitor")
"""Who an anonymous session is, for the code that needs a user: no account has id 0."""

CHANNEL_EVENTS: frozenset[EventType[Any]] = frozenset(
    {
        catalog.MESSAGE_CREATE,
        catalog.MESSAGE_UPDATE,
        catalog.MESSAGE_DELETE,
        catalog.MESSAGE_DELETE_BULK,
        catalog.MESSAGE_REACTION_ADD,
        catalog.MESSAGE_REACTION_REMOVE,
        catalog.MESSAGE_REACTION_REMOVE_ALL,
        catalog.MESSAGE_REACTION_REMOVE_EMOJI,
        catalog.CHANNEL_PINS_UPDATE,
    }
)
"""What a visitor receives of a followed channel, besides its CHANNEL_UPDATE."""
RECHECKS: frozenset[EventType[Any]] = frozenset(
    {
        catalog.GUILD_UPDATE,
        catalog.GUILD_DELETE,
        catalog.GUILD_ROLE_CREATE,
        catalog.GUILD_ROLE_UPDATE,
        catalog.GUILD_ROLE_DELETE,
        catalog.CHANNEL_UPDATE,
        catalog.CHANNEL_DELETE,
    }
)
"""Events that may change whether a channel is public: after each, every followed channel of
its guild is checked again."""

Json = Mapping[str, Any]
RECONNECT_FRAME = orjson.dumps({"op": int(Op.RECONNECT), "d": None, "s": None, "t": None})


@dataclass(eq=False, slots=True)
class VisitorSession(Session):
    """A gateway session without an account; it follows up to MAX_FOLLOWED public channels."""

    address: str = ""
    following: dict[int, int] = field(default_factory=dict)
    """Followed channel -> its guild."""


def is_public(state: GuildState, channel_id: int) -> bool:
    """The replica's answer to `domain.channels.readable_by_anyone`."""
    entry = state.channels.get(channel_id)
    if entry is None:
        return False
    everyone = state.roles.get(state.guild_id)
    return rules.readable_by_anyone(
        state.guild_id,
        int(entry.payload["type"]),
        int(entry.payload.get("flags") or 0),
        everyone.permissions if everyone is not None else 0,
        entry.overwrites,
    )


class Visitors:
    """This node's anonymous sessions and the public channels they follow."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.sessions: set[VisitorSession] = set()
        self.by_address: Counter[str] = Counter()
        self.by_channel: dict[int, set[VisitorSession]] = {}
        self.by_guild: dict[int, set[int]] = {}
        """Followed channels, by guild: each guild here holds one `wanted` on its replica."""
        self.shown: dict[int, Json] = {}
        """Each followed channel as its visitors last saw it (for the CHANNEL_DELETE that ends
        it when its guild's replica is gone)."""

    # -- sessions ----------------------------------------------------------------------------

    def admits(self, address: str) -> bool:
        settings = self.hub.services.settings
        return (
            len(self.sessions) < settings.visitors_per_node
            and self.by_address[address] < settings.visitors_per_address
        )

    def open(
        self,
        *,
        address: str,
        intents: int,
        connection: Connection | None,
        resume_gateway_url: str,
    ) -> VisitorSession:
        """Register a new anonymous session and send its READY."""
        session = VisitorSession(
            id=secrets.token_hex(16),
            user=VISITOR,
            intents=intents,
            shard=None,
            large_threshold=50,
            max_events=0,
            max_age=0.0,
            content_intent=True,
            token_hash=b"",
            connection=connection,
            resumable=False,
            max_bytes=0,
            address=address,
        )
        session.opening = False
        self.sessions.add(session)
        self.by_address[address] += 1
        ready = payloads.ready(None, session.id, resume_gateway_url)
        session.dispatch(dispatch_head("READY", orjson.dumps(ready)))
        return session

    def end(self, session: VisitorSession) -> None:
        if session not in self.sessions:
            return
        self.sessions.discard(session)
        self.by_address[session.address] -= 1
        if self.by_address[session.address] <= 0:
            del self.by_address[session.address]
        for channel_id in list(session.following):
            self._unfollow(session, channel_id)
        session.connection = None

    def reconnect(self, session: VisitorSession) -> None:
        """Ask the visitor to reconnect (op 7) and identify afresh."""
        connection = session.connection
        if connection is not None:
            connection.send(RECONNECT_FRAME)
            connection.close(4000, "Reconnect")
        self.end(session)

    def reconnect_guild(self, guild_id: int) -> None:
        """This node missed an event of the guild: its visitors start over, as its members do."""
        for channel_id in list(self.by_guild.get(guild_id, ())):
            for session in list(self.by_channel.get(channel_id, ())):
                self.reconnect(session)

    def reconnect_all(self) -> None:
        for session in list(self.sessions):
            self.reconnect(session)

    # -- following (op 14 / op 37) ---------------------------------------------------------

    async def follow(
        self, session: VisitorSession, updates: Mapping[int, frozenset[int] | None]
    ) -> None:
        """Apply a guild subscriptions update: per guild, the channels named replace those
        followed there (`{}`: none); only public channels are followed, at most MAX_FOLLOWED."""
        for guild_id, channel_ids in updates.items():
            if channel_ids is None:
                continue
            for channel_id in [c for c, g in session.following.items() if g == guild_id]:
                if channel_id not in channel_ids:
                    self._unfollow(session, channel_id)
            wanted = [c for c in sorted(channel_ids) if c not in session.following]
            room = MAX_FOLLOWED - len(session.following)
            if wanted and room > 0:
                await self._follow_in(session, guild_id, wanted[:room])

    async def _follow_in(
        self, session: VisitorSession, guild_id: int, channel_ids: list[int]
    ) -> None:
        replicas = self.hub.replicas
        replicas.wanted[guild_id] += 1  # kept from being dropped while it loads
        try:
            states = await replicas.ensure([guild_id])
            state = states.get(guild_id)
            if state is None or session not in self.sessions:
                return
            # Nothing awaits from here on: the replica's answer holds for every event this
            # node delivers after it.
            for channel_id in channel_ids:
                if is_public(state, channel_id):
                    self._follow(session, guild_id, channel_id, state.channels[channel_id].payload)
        finally:
            replicas.wanted[guild_id] -= 1
            if guild_id not in self.by_guild:
                replicas.drop_if_unused(guild_id, bool(self.hub.guild_sessions.get(guild_id)))

    def _follow(self, session: VisitorSession, guild_id: int, channel_id: int, shown: Json) -> None:
        session.following[channel_id] = guild_id
        self.by_channel.setdefault(channel_id, set()).add(session)
        channels = self.by_guild.get(guild_id)
        if channels is None:
            channels = self.by_guild[guild_id] = set()
            self.hub.replicas.wanted[guild_id] += 1
        channels.add(channel_id)
        self.shown[channel_id] = shown
        session.dispatch(dispatch_head("CHANNEL_CREATE", orjson.dumps(shown)))

    def _unfollow(self, session: VisitorSession, channel_id: int) -> None:
        guild_id = session.following.pop(channel_id, None)
        followers = self.by_channel.get(channel_id)
        if followers is not None:
            followers.discard(session)
            if not followers:
                del self.by_channel[channel_id]
                self.shown.pop(channel_id, None)
                if guild_id is not None:
                    self._forget_channel(guild_id, channel_id)

    def _forget_channel(self, guild_id: int, channel_id: int) -> None:
        channels = self.by_guild.get(guild_id)
        if channels is None:
            return
        channels.discard(channel_id)
        if not channels:
            del self.by_guild[guild_id]
            replicas = self.hub.replicas
            replicas.wanted[guild_id] -= 1
            replicas.drop_if_unused(guild_id, bool(self.hub.guild_sessions.get(guild_id)))

    # -- fan-out -------------------------------------------------------------------------------

    def deliver(self, envelope: Envelope) -> None:
        """Called by `Hub.deliver` for every event, after the replica has applied it."""
        if not self.by_channel:
            return
        kind = envelope.kind
        if kind in RECHECKS:
            if envelope.guild_id in self.by_guild:
                self._recheck(envelope)
            return
        if kind not in CHANNEL_EVENTS or envelope.user_ids is not None:
            return  # a held message goes to its author only, never to a visitor
        followers = self.by_channel.get(envelope.channel_id or 0)
        if not followers:
            return
        intent = required_intent(kind, in_guild=True)
        head = dispatch_head(envelope.type, envelope.data)
        now = time.monotonic()
        for session in followers:
            if not intent or session.intents & intent:
                session.dispatch(head, now)

    def _recheck(self, envelope: Envelope) -> None:
        """After an event that may close channels: those no longer public end for their
        visitors (CHANNEL_DELETE), a followed channel's CHANNEL_UPDATE goes on to them."""
        guild_id = envelope.guild_id
        assert guild_id is not None
        state = self.hub.guilds.get(guild_id)
        kind = envelope.kind
        for channel_id in sorted(self.by_guild.get(guild_id, ())):
            followers = list(self.by_channel.get(channel_id, ()))
            if state is not None and is_public(state, channel_id):
                if kind is catalog.CHANNEL_UPDATE and envelope.channel_id == channel_id:
                    self.shown[channel_id] = state.channels[channel_id].payload
                    self._send(followers, dispatch_head("CHANNEL_UPDATE", envelope.data))
                continue
            if kind is catalog.CHANNEL_DELETE and envelope.channel_id == channel_id:
                head = dispatch_head("CHANNEL_DELETE", envelope.data)
            elif kind is catalog.GUILD_DELETE and envelope.user_ids is None:
                head = dispatch_head("GUILD_DELETE", envelope.data)
            else:
                entry = state.channels.get(channel_id) if state is not None else None
                shown = entry.payload if entry is not None else self.shown.get(channel_id)
                head = dispatch_head(
                    "CHANNEL_DELETE", orjson.dumps(shown or {"id": str(channel_id)})
                )
            self._send(followers, head)
            for session in followers:
                self._unfollow(session, channel_id)

    @staticmethod
    def _send(sessions: list[VisitorSession], head: bytes) -> None:
        now = time.monotonic()
        for session in sessions:
            if session.intents & Intent.GUILDS:
                session.dispatch(head, now)
