"""The gateway node: every session on this process, and the fan-out of bus events to them.

The hot path is `deliver`: an envelope arrives once per node; its frame head is built once per
variant; each receiver costs a set lookup (can it view the channel?), an intent check, and one
socket write. Events that change who may see what (roles, overwrites, membership) update the cached
`GuildState` first, and the sessions whose visible channels changed get CHANNEL_CREATE/DELETE.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from townhall.actions import sessions as session_actions
from townhall.actions.services import Services
from townhall.api import payloads
from townhall.bus.events import Envelope, Event
from townhall.domain.event_data import Presence
from townhall.domain.models import Member
from townhall.gateway.encode import NO_CONTENT, presence_payload
from townhall.gateway.guild_state import GuildState
from townhall.gateway.limits import AddressSlots, PresenceGate
from townhall.gateway.protocol import Close, Intent, required_intent
from townhall.gateway.session import Session, dispatch_head
from townhall.gateway.visibility import VisibilityDiff

log = logging.getLogger("townhall.gateway")

STRUCTURAL = frozenset(
    {
        "GUILD_UPDATE",
        "GUILD_DELETE",
        "GUILD_ROLE_CREATE",
        "GUILD_ROLE_UPDATE",
        "GUILD_ROLE_DELETE",
        "CHANNEL_CREATE",
        "CHANNEL_UPDATE",
        "CHANNEL_DELETE",
        "GUILD_MEMBER_UPDATE",
        "GUILD_CREATE",
        "PRESENCE_UPDATE",
        "TOKENS_REVOKED",
    }
)


class Hub:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.sessions: dict[str, Session] = {}
        self.by_user: dict[int, set[Session]] = defaultdict(set)
        self.guild_sessions: dict[int, set[Session]] = defaultdict(set)
        self.guilds: dict[int, GuildState] = {}
        self.statuses: dict[int, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self.presence_gate = PresenceGate(
            self.set_presence,
            lambda uid: uid in self.by_user,
            services.settings.gateway_presence_window_seconds,
        )
        self.address_slots = AddressSlots(services.settings.gateway_connections_per_address)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self.services.bus.subscribe(self.deliver)
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sweep(self) -> None:
        """End sessions whose resume window passed; age out idle sessions' replay buffers."""
        while True:
            await asyncio.sleep(5)
            now = time.monotonic()
            horizon = now - self.services.settings.replay_buffer_seconds
            for session in list(self.sessions.values()):
                if session.detached_at and session.detached_at < horizon:
                    await self.end(session)
                else:
                    session.trim(now)

    # -- sessions --------------------------------------------------------------------------

    async def open(self, session: Session, ready: dict[str, Any]) -> None:
        """Send READY and one GUILD_CREATE per guild, then start delivering events."""
        guild_ids = [
            g
            for g in await session_actions.guild_ids(self.services, session.user)
            if session.wants_guild(g)
        ]
        ready["guilds"] = [{"id": str(g), "unavailable": True} for g in guild_ids]
        if not session.user.bot and session.gets_direct_messages:
            ready["private_channels"] = [
                payloads.channel(p.channel, p.recipients)
                for p in await session_actions.private_channels(self.services, session.user)
            ]
        self.sessions[session.id] = session
        self.by_user[session.user.id].add(session)
        first_session = len(self.by_user[session.user.id]) == 1
        session.dispatch(dispatch_head("READY", orjson.dumps(ready)))
        for guild_id in guild_ids:
            await self.join_guild(session, guild_id)
        if first_session:
            await self.set_presence(session.user.id, "online")

    def detach(self, session: Session) -> None:
        """The connection dropped without a clean close: keep buffering for a RESUME."""
        session.connection = None
        session.detached_at = time.monotonic()

    async def end(self, session: Session) -> None:
        """Forget a session for good (clean close, or its resume window passed)."""
        if self.sessions.pop(session.id, None) is None:
            return
        session.connection = None
        user_sessions = self.by_user.get(session.user.id, set())
        user_sessions.discard(session)
        for guild_id in session.guild_ids:
            self.guild_sessions[guild_id].discard(session)
            self._forget_if_unused(guild_id, session.user.id)
        if not user_sessions:
            self.by_user.pop(session.user.id, None)
            await self.set_presence(session.user.id, "offline", guild_ids=session.guild_ids)

    def _forget_if_unused(self, guild_id: int, user_id: int) -> None:
        sessions = self.guild_sessions.get(guild_id)
        state = self.guilds.get(guild_id)
        if state is not None and not any(s.user.id == user_id for s in sessions or ()):
            state.remove_member(user_id)
        if not sessions:
            self.guild_sessions.pop(guild_id, None)
            self.guilds.pop(guild_id, None)

    async def join_guild(self, session: Session, guild_id: int) -> None:
        """Load the guild for this session (or refresh the cached copy) and send GUILD_CREATE."""
        snapshot = await session_actions.guild_snapshot(
            self.services, session.user, guild_id, session.large_threshold
        )
        if snapshot is None or session.id not in self.sessions:
            return
        guild_json = payloads.guild(snapshot.guild, snapshot.roles)
        channel_json = [payloads.channel(c) for c in snapshot.channels]
        state = self.guilds.get(guild_id)
        if state is None:
            state = self.guilds[guild_id] = GuildState.from_json(guild_json, channel_json)
        state.put_member(session.user.id, snapshot.me.role_ids)
        visible = state.visible_channels(session.user.id)
        guild_json.update(
            channels=[c for c in channel_json if int(c["id"]) in visible],
            members=[payloads.member(m) for m in self._member_list(session, snapshot)],
            member_count=snapshot.member_count,
            large=snapshot.member_count > session.large_threshold,
            joined_at=payloads.timestamp(snapshot.me.joined_at),
            presences=self._presences(session, (m.user.id for m in snapshot.members), guild_id),
            threads=[],
            voice_states=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
            unavailable=False,
            lazy=True,
        )
        session.guild_ids.add(guild_id)
        self.guild_sessions[guild_id].add(session)
        if session.intents & Intent.GUILDS:
            session.dispatch(dispatch_head("GUILD_CREATE", orjson.dumps(guild_json)))

    @staticmethod
    def _member_list(session: Session, snapshot: session_actions.GuildSnapshot) -> list[Member]:
        """A bot without the privileged GUILD_MEMBERS intent sees only itself, as on Discord."""
        if session.user.bot and not session.intents & Intent.GUILD_MEMBERS:
            return [snapshot.me]
        return snapshot.members

    async def _join_and_announce(self, session: Session, guild_id: int) -> None:
        """A new member who is online shows up online to the guild they just joined."""
        await self.join_guild(session, guild_id)
        status = self.statuses.get(session.user.id, "offline")
        if guild_id in session.guild_ids and status != "offline":
            presence = Presence(session.user.id, status, (), (("web", status),))
            await self.services.publish(Event("PRESENCE_UPDATE", presence, guild_id=guild_id))

    def _presences(
        self, session: Session, user_ids: Iterable[int], guild_id: int
    ) -> list[dict[str, Any]]:
        if not session.intents & Intent.GUILD_PRESENCES and session.user.bot:
            return []
        return [
            presence_payload(Presence(uid, status), guild_id)
            for uid in user_ids
            if (status := self.statuses.get(uid, "offline")) != "offline"
        ]

    async def set_presence(
        self,
        user_id: int,
        status: str,
        activities: tuple[dict[str, object], ...] = (),
        guild_ids: set[int] | None = None,
    ) -> None:
        """Tell every member who shares a guild with the user (through the bus, to every node)."""
        last_seen = self.services.now() if status == "offline" else None
        client_status = (("web", status),) if status != "offline" else ()
        presence = Presence(user_id, status, activities, client_status, last_seen)
        if guild_ids is None:
            guild_ids = set()
            for session in self.by_user.get(user_id, ()):
                guild_ids |= session.guild_ids
        self.statuses[user_id] = status
        for guild_id in guild_ids:
            await self.services.publish(Event("PRESENCE_UPDATE", presence, guild_id=guild_id))

    # -- fan-out ---------------------------------------------------------------------------

    def deliver(self, envelope: Envelope) -> None:
        """Called once per event on this node, in order. Must not block."""
        if envelope.type in STRUCTURAL:
            self._structural(envelope)
            return
        self._fan_out(envelope, self._audience(envelope))

    def _audience(self, envelope: Envelope) -> Iterable[Session]:
        if envelope.user_ids is not None:
            by_user = self.by_user
            return [s for uid in envelope.user_ids for s in by_user.get(uid, ())]
        guild_id = envelope.guild_id
        if guild_id is None:
            return ()
        sessions = self.guild_sessions.get(guild_id)
        if not sessions:
            return ()
        channel_id = envelope.channel_id
        if channel_id is None:
            return sessions
        state = self.guilds[guild_id]
        return [s for s in sessions if state.can_view(s.user.id, channel_id)]

    def _fan_out(self, envelope: Envelope, audience: Iterable[Session]) -> None:
        in_guild = envelope.guild_id is not None
        intent = required_intent(envelope.type, in_guild=in_guild)
        head: bytes | None = None
        hidden_head: bytes | None = None
        hidden = envelope.variants.get(NO_CONTENT)
        now = time.monotonic()
        for session in audience:
            if intent and not session.intents & intent:
                continue
            if (
                hidden is not None
                and in_guild
                and not session.content_intent
                and not self._sees_content(session, envelope)
            ):
                if hidden_head is None:
                    hidden_head = dispatch_head(envelope.type, hidden)
                session.dispatch(hidden_head, now)
                continue
            if head is None:
                head = dispatch_head(envelope.type, envelope.data)
            session.dispatch(head, now)

    @staticmethod
    def _sees_content(session: Session, envelope: Envelope) -> bool:
        """A bot without MESSAGE_CONTENT still sees its own messages and those that mention it."""
        user_id = session.user.id
        meta = envelope.meta
        return meta.get("author_id") == user_id or user_id in meta.get("mention_ids", ())  # type: ignore[operator]

    # -- events that change who sees what ----------------------------------------------------

    def _structural(self, envelope: Envelope) -> None:
        handler: Callable[[Envelope], None] = getattr(self, "_on_" + envelope.type.lower())
        handler(envelope)

    def _on_guild_create(self, envelope: Envelope) -> None:
        guild_id = envelope.guild_id
        assert guild_id is not None
        for uid in envelope.user_ids or ():
            for session in list(self.by_user.get(uid, ())):
                if session.wants_guild(guild_id) and guild_id not in session.guild_ids:
                    self._spawn(self._join_and_announce(session, guild_id))

    def _on_guild_update(self, envelope: Envelope) -> None:
        state = self.guilds.get(envelope.guild_id or 0)
        if state is not None:
            data = orjson.loads(envelope.data)
            with self._visibility_diff(state):
                state.set_owner(int(data["owner_id"]))
                for role in data.get("roles", ()):
                    state.put_role(int(role["id"]), int(role["permissions"]))
        self._fan_out(envelope, self._audience(envelope))

    def _on_guild_delete(self, envelope: Envelope) -> None:
        guild_id = envelope.guild_id
        assert guild_id is not None
        if envelope.user_ids is None:
            targets = list(self.guild_sessions.get(guild_id, ()))
        else:
            targets = [s for s in self._audience(envelope) if guild_id in s.guild_ids]
        self._fan_out(envelope, targets)
        for session in targets:
            session.guild_ids.discard(guild_id)
            self.guild_sessions[guild_id].discard(session)
            self._forget_if_unused(guild_id, session.user.id)

    def _on_guild_role_create(self, envelope: Envelope) -> None:
        self._on_guild_role_update(envelope)

    def _on_guild_role_update(self, envelope: Envelope) -> None:
        state = self.guilds.get(envelope.guild_id or 0)
        if state is not None:
            role = orjson.loads(envelope.data)["role"]
            role_id, permissions = int(role["id"]), int(role["permissions"])
            # Reordering sends one update per moved role; positions never change what anyone sees.
            if state.role_permissions.get(role_id) != permissions:
                with self._visibility_diff(state):
                    state.put_role(role_id, permissions)
        self._fan_out(envelope, self._audience(envelope))

    def _on_guild_role_delete(self, envelope: Envelope) -> None:
        state = self.guilds.get(envelope.guild_id or 0)
        if state is not None:
            with self._visibility_diff(state):
                state.remove_role(int(orjson.loads(envelope.data)["role_id"]))
        self._fan_out(envelope, self._audience(envelope))

    def _on_guild_member_update(self, envelope: Envelope) -> None:
        guild_id = envelope.guild_id or 0
        state = self.guilds.get(guild_id)
        data = orjson.loads(envelope.data)
        user_id = int(data["user"]["id"])
        if state is not None and user_id in state.member_roles:
            with self._visibility_diff(state, only=user_id):
                state.put_member(user_id, (int(r) for r in data["roles"]))
        # A member always hears about their own update, whatever their intents.
        audience = list(self._audience(envelope))
        own = [s for s in audience if s.user.id == user_id]
        self._fan_out(envelope, [s for s in audience if s.user.id != user_id])
        if own:
            head = dispatch_head(envelope.type, envelope.data)
            for session in own:
                session.dispatch(head)

    def _on_channel_create(self, envelope: Envelope) -> None:
        state = self.guilds.get(envelope.guild_id or 0)
        if state is not None:
            state.put_channel(orjson.loads(envelope.data))
        self._fan_out(envelope, self._audience(envelope))

    def _on_channel_update(self, envelope: Envelope) -> None:
        state = self.guilds.get(envelope.guild_id or 0)
        if state is None:
            self._fan_out(envelope, self._audience(envelope))
            return
        channel_id = envelope.channel_id or 0
        could_see = {
            s
            for s in self.guild_sessions.get(state.guild_id, ())
            if state.can_view(s.user.id, channel_id)
        }
        # Only this channel's overwrites changed: who gains or loses it hears CHANNEL_CREATE or
        # CHANNEL_DELETE below instead of the update.
        state.put_channel(orjson.loads(envelope.data))
        can_see = [s for s in self._audience(envelope)]
        self._fan_out(envelope, [s for s in can_see if s in could_see])
        self._fan_out(
            _retyped(envelope, "CHANNEL_CREATE"), [s for s in can_see if s not in could_see]
        )
        now_sees = set(can_see)
        self._fan_out(
            _retyped(envelope, "CHANNEL_DELETE"), [s for s in could_see if s not in now_sees]
        )

    def _on_channel_delete(self, envelope: Envelope) -> None:
        audience = list(self._audience(envelope))
        state = self.guilds.get(envelope.guild_id or 0)
        if state is not None:
            state.remove_channel(envelope.channel_id or 0)
        self._fan_out(envelope, audience)

    def _on_presence_update(self, envelope: Envelope) -> None:
        data = orjson.loads(envelope.data)
        user_id = int(data["user"]["id"])
        self.statuses[user_id] = data["status"]
        if data["status"] == "offline":
            self.statuses.pop(user_id, None)
        self._fan_out(envelope, [s for s in self._audience(envelope) if s.user.id != user_id])

    def _on_tokens_revoked(self, envelope: Envelope) -> None:
        user_id = int(orjson.loads(envelope.data))
        sessions = list(self.by_user.get(user_id, ()))
        if sessions:
            self._spawn(self._end_revoked(sessions))

    async def _end_revoked(self, sessions: list[Session]) -> None:
        """Sessions opened with a token that no longer exists are closed (4004) and forgotten."""
        for session in sessions:
            if await session_actions.token_still_valid(self.services, session.token_hash):
                continue
            if session.connection is not None:
                session.connection.close(Close.AUTHENTICATION_FAILED, "Authentication failed")
            await self.end(session)

    def _visibility_diff(self, state: GuildState, *, only: int | None = None) -> VisibilityDiff:
        return VisibilityDiff(self.guild_sessions, state, only)


def _retyped(envelope: Envelope, event_type: str) -> Envelope:
    return Envelope(
        type=event_type,
        data=envelope.data,
        guild_id=envelope.guild_id,
        channel_id=envelope.channel_id,
        user_ids=envelope.user_ids,
    )
