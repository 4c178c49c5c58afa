"""The gateway node: every session on this process, and the fan-out of log events to them.

The hot path is `deliver`: an envelope arrives once per node; its frame head is built once per
variant; each receiver costs a set lookup (can it view the channel?), an intent check, and one
socket write. Events that change who may see what (roles, overwrites, membership) update the node's
guild replica first (`gateway/structure.py`), and the sessions whose visible channels changed get
CHANNEL_CREATE/DELETE.

Opening a session: the guild replicas it needs are loaded first (one batched read for those not yet
on this node); then READY and every GUILD_CREATE go out without an await in between, so no event can
fall between them, and each later event of a guild follows its GUILD_CREATE. Events addressed to the
user while the session was opening (a DM, a guild they just joined) wait in `Session.early`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Collection, Coroutine, Iterable, Mapping
from typing import Any

import orjson

from townhall.actions import sessions as session_actions
from townhall.actions import voice as voice_actions
from townhall.actions.services import Services
from townhall.config import Settings
from townhall.domain.event_data import Presence
from townhall.domain.guests import is_guest
from townhall.domain.permissions import has
from townhall.domain.voice import VoiceGrant
from townhall.events import catalog
from townhall.events.catalog import AUTHOR_VIEW, NO_CONTENT, required_intent
from townhall.events.event import Envelope, Event
from townhall.gateway.anonymous import Visitors
from townhall.gateway.groups import view_for
from townhall.gateway.guild_state import GuildState
from townhall.gateway.limits import VOICE_PATH, AddressSlots, PresenceGate
from townhall.gateway.limits import Presence as ChosenPresence
from townhall.gateway.protocol import Op
from townhall.gateway.replicas import Order, Replicas
from townhall.gateway.session import Session, dispatch_head
from townhall.gateway.structure import structural_handlers
from townhall.gateway.threads import follow_counts
from townhall.wire import payloads
from townhall.wire.intents import Intent

log = logging.getLogger("townhall.gateway")

RECONNECT_FRAME = orjson.dumps({"op": int(Op.RECONNECT), "d": None, "s": None, "t": None})


class Hub:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.sessions: dict[str, Session] = {}
        self.by_user: dict[int, set[Session]] = defaultdict(set)
        self.guild_sessions: dict[int, set[Session]] = defaultdict(set)
        self.joining: dict[int, set[Session]] = {}
        """Sessions waiting for a guild's replica before their GUILD_CREATE."""
        self.statuses: dict[int, str] = {}
        self.replicas = Replicas(self._load, self.deliver, self.resync_guild)
        self.handlers = structural_handlers(self)
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self.presence_gate = PresenceGate(
            self.set_presence,
            lambda uid: uid in self.by_user,
            services.settings.gateway_presence_window_seconds,
        )
        self.address_slots = AddressSlots(services.settings.gateway_connections_per_address)
        self.visitors = Visitors(self)
        """Anonymous sessions following public channels (gateway/anonymous.py)."""

    @property
    def guilds(self) -> dict[int, GuildState]:
        return self.replicas.states

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
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

    async def _load(self, guild_ids: Collection[int]) -> Mapping[int, GuildState]:
        snapshots = await session_actions.guild_snapshots(self.services, guild_ids)
        return {
            guild_id: GuildState.load(
                s.guild,
                s.version,
                s.roles,
                s.channels,
                s.members,
                s.voice_states,
                s.stages,
                scheduled_events=s.scheduled_events,
                threads=s.threads,
                thread_members=s.thread_members,
            )
            for guild_id, s in snapshots.items()
        }

    # -- sessions --------------------------------------------------------------------------

    async def open(
        self, session: Session, ready: dict[str, Any], presence: ChosenPresence | None = None
    ) -> None:
        """Send READY and one GUILD_CREATE per guild, then start delivering events. The person
        shows as `presence` says (IDENTIFY's), else online; invisible is offline to others."""
        user = session.user
        self.sessions[session.id] = session
        self.by_user[user.id].add(session)
        try:
            # Read after registering: what changes meanwhile (an ack from another device, a
            # guild joined) waits in `early`.
            opening = await session_actions.opening(
                self.services, user, direct_messages=session.gets_direct_messages
            )
            guild_ids = [g for g in opening.guild_ids if session.wants_guild(g)]
            self._expect(session, guild_ids)
            try:
                states = await self.replicas.ensure(guild_ids)
            finally:
                waiting = self._stop_expecting(session, guild_ids)
        except BaseException:
            await self.end(session, quiet=True)
            raise
        if session.id not in self.sessions:
            return  # ended while loading (the node resynchronised)
        # From here on nothing awaits until every GUILD_CREATE is out.
        member_of = [g for g in guild_ids if g in states and user.id in states[g].members]
        ready["guilds"] = [{"id": str(g), "unavailable": True} for g in member_of]
        ready["private_channels"] = [
            payloads.channel(p.channel, p.recipients) for p in opening.private_channels
        ]
        if opening.personal is not None:
            ready.update(payloads.ready_personal(opening.personal))
        first_session = len(self.by_user[user.id]) == 1
        session.dispatch(dispatch_head("READY", orjson.dumps(ready)))
        for guild_id in member_of:
            self._enter_guild(session, states[guild_id], waiting[guild_id])
        if session.intents & Intent.DIRECT_MESSAGES:
            for call in opening.calls:
                body = payloads.call(call.call, call.voice_states)
                session.dispatch(dispatch_head("CALL_CREATE", orjson.dumps(body)))
        session.opening = False
        early, session.early = session.early, []
        for envelope in early:
            self._deliver_early(session, envelope)
        if presence is not None and not first_session:
            self.presence_gate.submit(user.id, presence)  # as an op 3 from this session
        elif first_session and (presence or ("online",))[0] != "offline":
            status, activities = presence or ("online", ())
            self.set_presence(user.id, status, activities)

    def _expect(self, session: Session, guild_ids: Collection[int]) -> None:
        """Keep the guilds' events for the session until it enters them (`_enter_guild`)."""
        for guild_id in guild_ids:
            session.joining[guild_id] = []
            self.joining.setdefault(guild_id, set()).add(session)
            self.replicas.wanted[guild_id] += 1

    def _stop_expecting(
        self, session: Session, guild_ids: Collection[int]
    ) -> dict[int, list[Envelope]]:
        """The events kept for the session, by guild."""
        kept = {}
        for guild_id in guild_ids:
            self.replicas.wanted[guild_id] -= 1
            waiters = self.joining.get(guild_id)
            if waiters is not None:
                waiters.discard(session)
                if not waiters:
                    del self.joining[guild_id]
            kept[guild_id] = session.joining.pop(guild_id, [])
        return kept

    def _deliver_early(self, session: Session, envelope: Envelope) -> None:
        """An event for the user that arrived while their session opened."""
        kind, guild_id = envelope.kind, envelope.guild_id
        if kind is catalog.GUILD_CREATE and guild_id is not None:
            self.join_later(session, guild_id)
        elif kind is catalog.GUILD_DELETE and guild_id is not None:
            if guild_id in session.guild_ids:
                self.fan_out(envelope, [session])
                self.leave_guild(session, guild_id)
        elif kind.structural:
            return  # already reflected in READY (users' own updates, tokens)
        else:
            self.fan_out(envelope, self.audience(envelope, among=[session]))

    def join_later(self, session: Session, guild_id: int) -> None:
        """The user joined a guild while connected: load it, then send its GUILD_CREATE."""
        if guild_id in session.guild_ids or guild_id in session.joining:
            return
        if not session.wants_guild(guild_id):
            return
        self._expect(session, [guild_id])
        self.spawn(self._join(session, guild_id))

    async def _join(self, session: Session, guild_id: int) -> None:
        try:
            states = await self.replicas.ensure([guild_id])
        finally:
            waiting = self._stop_expecting(session, [guild_id])[guild_id]
        state = states.get(guild_id)
        if state is None or session.id not in self.sessions:
            return
        if session.user.id not in state.members:
            return  # left again before the guild loaded
        self._enter_guild(session, state, waiting)
        status = self.statuses.get(session.user.id, "offline")
        if status != "offline":
            presence = Presence(session.user.id, status, (), (("web", status),))
            self.services.announce(Event(catalog.PRESENCE_UPDATE, presence, guild_id=guild_id))

    def _enter_guild(self, session: Session, state: GuildState, waiting: list[Envelope]) -> None:
        """GUILD_CREATE from the replica, then what happened in the guild while it loaded, and
        from now on the guild's events."""
        session.guild_ids.add(state.guild_id)
        self.guild_sessions[state.guild_id].add(session)
        if session.intents & Intent.GUILDS:
            session.dispatch(dispatch_head("GUILD_CREATE", self._guild_create(session, state)))
        for envelope in waiting:
            # Versioned events are in the replica the GUILD_CREATE came from, or still to come.
            if envelope.version is None and not envelope.kind.structural:
                self.fan_out(envelope, self.audience(envelope, among=[session]))

    def _guild_create(self, session: Session, state: GuildState) -> bytes:
        user_id = session.user.id
        me = state.members[user_id]
        count = len(state.members)
        only_me = count > session.large_threshold or (
            session.user.bot and not session.intents & Intent.GUILD_MEMBERS
        )
        if only_me:
            listed = [user_id]
        elif is_guest(session.user):
            listed = state.members_seen_by_guest(user_id)
        else:
            listed = list(state.members)
        visible = state.visible_channels(user_id)
        body = payloads.guild_create(
            state.base,
            roles=[r.payload for r in state.roles.values()],
            channels=[
                view_for(state, session, c) for cid, c in state.channels.items() if cid in visible
            ],
            members=[state.members[uid].payload for uid in listed],
            member_count=count,
            large=count > session.large_threshold,
            joined_at=me.joined_at,
            presences=self._presences(session, listed, state.guild_id),
            voice_states=(
                state.voice_states_seen_by(user_id)
                if session.intents & Intent.GUILD_VOICE_STATES
                else []
            ),
            stage_instances=state.stages_seen_by(user_id),
            guild_scheduled_events=state.scheduled_events_seen_by(user_id),
            threads=[
                {**thread, "member": _own(member)} if member is not None else thread
                for thread, member in state.threads_seen_by(user_id)
            ],
        )
        return orjson.dumps(body)

    def _presences(
        self, session: Session, user_ids: Iterable[int], guild_id: int
    ) -> list[dict[str, Any]]:
        if not session.intents & Intent.GUILD_PRESENCES and session.user.bot:
            return []
        return [
            payloads.presence(Presence(uid, status), guild_id)
            for uid in user_ids
            if (status := self.statuses.get(uid, "offline")) != "offline"
        ]

    def leave_guild(self, session: Session, guild_id: int) -> None:
        session.guild_ids.discard(guild_id)
        if session.subscriptions:
            session.subscriptions.pop(guild_id, None)
        sessions = self.guild_sessions.get(guild_id)
        if sessions is not None:
            sessions.discard(session)
            if not sessions:
                del self.guild_sessions[guild_id]
        self.replicas.drop_if_unused(guild_id, bool(self.guild_sessions.get(guild_id)))

    def detach(self, session: Session) -> None:
        """The connection dropped without a clean close: keep buffering for a RESUME."""
        session.connection = None
        session.detached_at = time.monotonic()

    async def end(self, session: Session, *, quiet: bool = False) -> None:
        """Forget a session for good (clean close, or its resume window passed).

        `quiet`: the user does not go offline for the others (the node resynchronises)."""
        if self.sessions.pop(session.id, None) is None:
            return
        session.connection = None
        user_sessions = self.by_user.get(session.user.id, set())
        user_sessions.discard(session)
        guild_ids = set(session.guild_ids)
        for guild_id in guild_ids:
            self.leave_guild(session, guild_id)
        if not user_sessions:
            self.by_user.pop(session.user.id, None)
            if not quiet:
                self.set_presence(session.user.id, "offline", guild_ids=guild_ids)
        if session.voice:
            session.voice.clear()
            self.spawn(voice_actions.leave_voice_of_session(self.services, session.id))

    def voice_server_update(
        self, session: Session, guild_id: int | None, scope_id: int, channel_id: int
    ) -> None:
        """Tell a session that joined a voice channel or call where to connect, with a token for
        it. A call's has no guild but the channel, as Discord's."""
        grant = VoiceGrant(session.user.id, scope_id, channel_id, session.id)
        token = self.services.voice_tokens.issue(grant, time.time())
        body: dict[str, object] = {
            "token": token,
            "guild_id": str(guild_id) if guild_id is not None else None,
            "endpoint": voice_endpoint(self.services.settings, session.client_host, channel_id),
        }
        if guild_id is None:
            body["channel_id"] = str(channel_id)
        session.dispatch(dispatch_head("VOICE_SERVER_UPDATE", orjson.dumps(body)))

    def reconnect(self, session: Session) -> None:
        """Ask the client to reconnect (op 7) and identify afresh: its RESUME will fail."""
        session.resumable = False
        connection = session.connection
        if connection is not None:
            connection.send(RECONNECT_FRAME)
            connection.close(4000, "Reconnect")
        self.spawn(self.end(session, quiet=True))

    def resync_guild(self, guild_id: int) -> None:
        """This node missed an event of the guild: its sessions start over from the database."""
        for session in list(self.guild_sessions.get(guild_id, ())):
            self.reconnect(session)
        for session in list(self.joining.get(guild_id, ())):
            self.reconnect(session)
        self.visitors.reconnect_guild(guild_id)
        self.replicas.drop(guild_id)

    def resync(self) -> None:
        """The log has a gap: every session on this node starts over from the database."""
        for session in list(self.sessions.values()):
            self.reconnect(session)
        self.visitors.reconnect_all()
        self.replicas.clear()

    def set_presence(
        self,
        user_id: int,
        status: str,
        activities: tuple[dict[str, object], ...] = (),
        guild_ids: Collection[int] | None = None,
    ) -> None:
        """Tell every member who shares a guild with the user (through the log, to every node)."""
        last_seen = self.services.now() if status == "offline" else None
        client_status = (("web", status),) if status != "offline" else ()
        presence = Presence(user_id, status, activities, client_status, last_seen)
        if guild_ids is None:
            found: set[int] = set()
            for session in self.by_user.get(user_id, ()):
                found |= session.guild_ids
            guild_ids = found
        self.statuses[user_id] = status
        self.services.announce(
            *(Event(catalog.PRESENCE_UPDATE, presence, guild_id=g) for g in sorted(guild_ids))
        )

    def member_permissions(self, guild_id: int, channel_id: int, user_id: int) -> int | None:
        """A member's permissions in a channel of a guild replicated here (Services'
        `replica_permissions`: history pages ask it instead of reading the member); None when
        this node holds no replica of the guild or the person is not in it."""
        state = self.guilds.get(guild_id)
        if state is None or user_id not in state.members:
            return None
        return state.permissions_in(user_id, channel_id)

    # -- fan-out ---------------------------------------------------------------------------

    def deliver(self, envelope: Envelope) -> None:
        """Called once per event on this node, in log order. Must not block."""
        order = self.replicas.order(envelope)
        if order is Order.SEEN or order is Order.AHEAD or order is Order.LOADING:
            return
        guild_id = envelope.guild_id
        if guild_id is not None and (waiters := self.joining.get(guild_id)):
            for session in waiters:
                session.joining[guild_id].append(envelope)
        if envelope.user_ids is not None:
            for user_id in envelope.user_ids:
                for session in self.by_user.get(user_id, ()):
                    if session.opening:
                        session.early.append(envelope)
        handler = self.handlers.get(envelope.kind)
        if handler is not None:
            handler(envelope)
        else:
            if "thread_counts" in envelope.meta:  # a message came or went in a thread
                follow_counts(self.guilds.get(guild_id or 0), envelope)
            self.fan_out(envelope, self.audience(envelope))
        self.visitors.deliver(envelope)  # after the replica applied it: who may still see what
        if order is Order.NEXT:
            for ready in self.replicas.applied(envelope):
                self.deliver(ready)

    def audience(
        self, envelope: Envelope, among: Iterable[Session] | None = None
    ) -> Iterable[Session]:
        """The open sessions that may receive the envelope (of `among`, if given)."""
        left_out = envelope.except_user_id
        if left_out is not None:
            everyone = self._audience(envelope, among)
            return [s for s in everyone if s.user.id != left_out]
        return self._audience(envelope, among)

    def _audience(
        self, envelope: Envelope, among: Iterable[Session] | None = None
    ) -> Iterable[Session]:
        if envelope.user_ids is not None:
            if among is not None:
                return [s for s in among if s.user.id in envelope.user_ids and not s.opening]
            by_user = self.by_user
            return [s for uid in envelope.user_ids for s in by_user.get(uid, ()) if not s.opening]
        guild_id = envelope.guild_id
        if guild_id is None:
            return ()
        sessions = self.guild_sessions.get(guild_id)
        if not sessions:
            return ()
        if among is not None:
            sessions = {s for s in among if s in sessions}
        channel_id = envelope.channel_id
        if channel_id is None:
            if envelope.kind.permission:  # a guild-wide permission (group proposals' admins)
                return self._holding(guild_id, sessions, envelope.kind.permission)
            return sessions
        if envelope.kind.follows_subscriptions:
            sessions = {s for s in sessions if s.follows(guild_id, channel_id)}
        state = self.guilds.get(guild_id)
        if state is None:
            return ()
        viewers = state.viewers(channel_id)
        if len(viewers) < len(sessions):  # a group in a large community: walk the group
            by_user = self.by_user
            seeing = [s for uid in viewers for s in by_user.get(uid, ()) if s in sessions]
        else:
            seeing = [s for s in sessions if s.user.id in viewers]
        permission = envelope.kind.permission
        if permission:
            return [
                s for s in seeing if has(state.permissions_in(s.user.id, channel_id), permission)
            ]
        return seeing

    def _holding(
        self, guild_id: int, sessions: Iterable[Session], permission: int
    ) -> list[Session]:
        """The sessions whose person holds `permission` in the guild itself."""
        state = self.guilds.get(guild_id)
        if state is None:
            return []
        return [s for s in sessions if has(state.guild_permissions(s.user.id), permission)]

    def fan_out(self, envelope: Envelope, audience: Iterable[Session]) -> None:
        in_guild = envelope.guild_id is not None
        intent = required_intent(envelope.kind, in_guild=in_guild)
        head: bytes | None = None
        hidden_head: bytes | None = None
        hidden = envelope.variants.get(NO_CONTENT)
        own = envelope.variants.get(AUTHOR_VIEW)
        author_id = envelope.meta.get("author_id") if own is not None else None
        now = time.monotonic()
        for session in audience:
            if intent and not session.intents & intent:
                continue
            if own is not None and session.user.id == author_id:
                session.dispatch(dispatch_head(envelope.type, own), now)
                continue
            if (
                hidden is not None
                and in_guild
                and not session.content_intent
                and not _sees_content(session, envelope)
            ):
                if hidden_head is None:
                    hidden_head = dispatch_head(envelope.type, hidden)
                session.dispatch(hidden_head, now)
                continue
            if head is None:
                head = dispatch_head(envelope.type, envelope.data)
            session.dispatch(head, now)


def voice_endpoint(settings: Settings, client_host: str, room_id: int) -> str:
    """The voice gateway for a room, as Discord gives it (host and path, no scheme).

    A room's media must meet in one process. With several worker processes on one port, each
    room goes to one worker by its id, through that worker's own port (the one it also takes
    RESUMEs on); behind `TOWNHALL_PUBLIC_URL` the proxy in front must keep to one worker."""
    if settings.workers > 1 and not settings.public_url:
        host = client_host.rsplit(":", 1)[0] if ":" in client_host else client_host
        return f"{host}:{settings.port + 1 + room_id % settings.workers}{VOICE_PATH}"
    return f"{client_host}{VOICE_PATH}"


def _own(member: Mapping[str, Any]) -> dict[str, Any]:
    """A thread member as GUILD_CREATE's threads carry it: without the ids (Discord's)."""
    return {k: v for k, v in member.items() if k not in ("id", "user_id")}


def _sees_content(session: Session, envelope: Envelope) -> bool:
    """A bot without MESSAGE_CONTENT still sees its own messages and those that mention it."""
    user_id = session.user.id
    meta = envelope.meta
    return meta.get("author_id") == user_id or user_id in meta.get("mention_ids", ())
