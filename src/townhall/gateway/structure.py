"""How the hub handles the events that change its replicas or its sessions (`structural` events).

Each handler updates the guild replica from the event's JSON (the same JSON clients get), then fans
the event out; changes to who may see what go through `VisibilityDiff`, so members who gain or lose
a channel get CHANNEL_CREATE or CHANNEL_DELETE. `structural_handlers` checks that every event the
catalog declares structural has exactly one handler here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from townhall.actions import sessions as session_actions
from townhall.domain.guests import is_guest
from townhall.events import catalog
from townhall.events.event import Envelope, EventType
from townhall.gateway import groups, threads
from townhall.gateway.guild_state import GuildState
from townhall.gateway.protocol import Close
from townhall.gateway.session import Session, dispatch_head
from townhall.gateway.visibility import VisibilityDiff
from townhall.wire.intents import Intent

if TYPE_CHECKING:
    from townhall.gateway.hub import Hub

Handler = Callable[[Envelope], None]


def structural_handlers(hub: Hub) -> dict[EventType[Any], Handler]:
    handlers = _Handlers(hub)
    table: dict[EventType[Any], Handler] = {
        catalog.GUILD_CREATE: handlers.guild_create,
        catalog.GUILD_UPDATE: handlers.guild_update,
        catalog.GUILD_DELETE: handlers.guild_delete,
        catalog.GUILD_ROLE_CREATE: handlers.role_update,
        catalog.GUILD_ROLE_UPDATE: handlers.role_update,
        catalog.GUILD_ROLE_DELETE: handlers.role_delete,
        catalog.CHANNEL_CREATE: handlers.channel_create,
        catalog.CHANNEL_UPDATE: handlers.channel_update,
        catalog.CHANNEL_DELETE: handlers.channel_delete,
        catalog.GUILD_MEMBER_ADD: handlers.member_add,
        catalog.GUILD_MEMBER_UPDATE: handlers.member_update,
        catalog.GUILD_MEMBER_REMOVE: handlers.member_remove,
        catalog.PRESENCE_UPDATE: handlers.presence_update,
        catalog.TOKENS_REVOKED: handlers.tokens_revoked,
        catalog.VOICE_STATE_UPDATE: handlers.voice_state_update,
        catalog.STAGE_INSTANCE_CREATE: handlers.stage_update,
        catalog.STAGE_INSTANCE_UPDATE: handlers.stage_update,
        catalog.STAGE_INSTANCE_DELETE: handlers.stage_update,
        catalog.GUILD_SCHEDULED_EVENT_CREATE: handlers.scheduled_event_update,
        catalog.GUILD_SCHEDULED_EVENT_UPDATE: handlers.scheduled_event_update,
        catalog.GUILD_SCHEDULED_EVENT_DELETE: handlers.scheduled_event_update,
        catalog.GUILD_SCHEDULED_EVENT_USER_ADD: handlers.scheduled_event_interest,
        catalog.GUILD_SCHEDULED_EVENT_USER_REMOVE: handlers.scheduled_event_interest,
        catalog.THREAD_CREATE: handlers.thread_update,
        catalog.THREAD_UPDATE: handlers.thread_update,
        catalog.THREAD_DELETE: handlers.thread_delete,
        catalog.THREAD_MEMBERS_UPDATE: handlers.thread_members_update,
    }
    declared = {kind for kind in catalog.REGISTRY.values() if kind.structural}
    if declared != set(table):
        missing = sorted(k.name for k in declared - set(table))
        extra = sorted(k.name for k in set(table) - declared)
        raise RuntimeError(f"structural handlers out of step: missing {missing}, extra {extra}")
    return table


class _Handlers:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def _state_and_diff(self, envelope: Envelope, only: int | None = None) -> Any:
        state = self.hub.guilds.get(envelope.guild_id or 0)
        if state is None:
            return None, None
        return state, VisibilityDiff(self.hub.guild_sessions, state, only)

    def guild_create(self, envelope: Envelope) -> None:
        guild_id = envelope.guild_id
        assert guild_id is not None
        for user_id in envelope.user_ids or ():
            for session in list(self.hub.by_user.get(user_id, ())):
                if not session.opening:
                    self.hub.join_later(session, guild_id)

    def guild_update(self, envelope: Envelope) -> None:
        state, diff = self._state_and_diff(envelope)
        if state is not None:
            with diff:
                state.set_guild(orjson.loads(envelope.data))
        self.hub.fan_out(envelope, self.hub.audience(envelope))

    def guild_delete(self, envelope: Envelope) -> None:
        hub, guild_id = self.hub, envelope.guild_id
        assert guild_id is not None
        if envelope.user_ids is None:
            targets = list(hub.guild_sessions.get(guild_id, ()))
        else:
            targets = [s for s in hub.audience(envelope) if guild_id in s.guild_ids]
        hub.fan_out(envelope, targets)
        for session in targets:
            hub.leave_guild(session, guild_id)
        for session in list(hub.joining.get(guild_id, ())):
            if envelope.user_ids is None or session.user.id in envelope.user_ids:
                session.joining.pop(guild_id, None)
        if envelope.user_ids is None:
            hub.replicas.drop(guild_id)

    def role_update(self, envelope: Envelope) -> None:
        state, diff = self._state_and_diff(envelope)
        if state is not None:
            role = orjson.loads(envelope.data)["role"]
            before = state.roles.get(int(role["id"]))
            if before is None or before.permissions != int(role["permissions"]):
                with diff:
                    state.put_role(role)
            else:
                state.put_role(role)  # a move or a rename: nobody's view changes
        self.hub.fan_out(envelope, self.hub.audience(envelope))

    def role_delete(self, envelope: Envelope) -> None:
        state, diff = self._state_and_diff(envelope)
        if state is not None:
            with diff:
                state.remove_role(int(orjson.loads(envelope.data)["role_id"]))
        self.hub.fan_out(envelope, self.hub.audience(envelope))

    def channel_create(self, envelope: Envelope) -> None:
        state = self.hub.guilds.get(envelope.guild_id or 0)
        if state is not None:
            channel = orjson.loads(envelope.data)
            state.put_channel(channel)
            groups.tell_directory(self._sessions(state), None, channel)
        self.hub.fan_out(envelope, self.hub.audience(envelope))

    def _sessions(self, state: GuildState) -> Iterable[Session]:
        return self.hub.guild_sessions.get(state.guild_id, ())

    def channel_update(self, envelope: Envelope) -> None:
        hub = self.hub
        state = hub.guilds.get(envelope.guild_id or 0)
        if state is None:
            hub.fan_out(envelope, hub.audience(envelope))
            return
        channel_id = envelope.channel_id or 0
        could_see = {
            s
            for s in hub.guild_sessions.get(state.guild_id, ())
            if state.can_view(s.user.id, channel_id)
        }
        before = state.channels.get(channel_id)
        group = groups.is_group_channel(before.payload if before else None)
        whole_before = (
            {s for s in could_see if groups.sees_whole(state, s, channel_id)} if group else set()
        )
        # Only this channel's overwrites changed: who gains or loses it hears CHANNEL_CREATE or
        # CHANNEL_DELETE instead of the update.
        state.put_channel(orjson.loads(envelope.data))
        can_see = list(hub.audience(envelope))
        after = state.channels[channel_id]
        groups.tell_directory(
            self._sessions(state), before.payload if before else None, after.payload
        )
        if group or groups.is_group_channel(after.payload):
            groups.fan_out_update(state, before, after, could_see, whole_before, can_see)
        else:
            now_sees = set(can_see)
            hub.fan_out(envelope, [s for s in can_see if s in could_see])
            hub.fan_out(
                _retyped(envelope, catalog.CHANNEL_CREATE),
                [s for s in can_see if s not in could_see],
            )
            hub.fan_out(
                _retyped(envelope, catalog.CHANNEL_DELETE),
                [s for s in could_see if s not in now_sees],
            )
        if state.threads:  # who gained the channel hears of its active threads (docs/threads.md)
            for session in can_see:
                if session not in could_see and session.intents & Intent.GUILDS:
                    threads.send_list_sync([session], state, session.user.id, [channel_id])

    def channel_delete(self, envelope: Envelope) -> None:
        audience = list(self.hub.audience(envelope))
        state = self.hub.guilds.get(envelope.guild_id or 0)
        if state is not None:
            before = state.channels.get(envelope.channel_id or 0)
            state.remove_channel(envelope.channel_id or 0)
            if before is not None:
                groups.tell_directory(self._sessions(state), before.payload, None)
        self.hub.fan_out(envelope, audience)

    def member_add(self, envelope: Envelope) -> None:
        state = self.hub.guilds.get(envelope.guild_id or 0)
        data = orjson.loads(envelope.data)
        if state is not None:
            state.put_member(data)
        audience = self.hub.audience(envelope)
        self.hub.fan_out(envelope, _guests_see_theirs(audience, state, int(data["user"]["id"])))

    def member_update(self, envelope: Envelope) -> None:
        hub = self.hub
        data = orjson.loads(envelope.data)
        user_id = int(data["user"]["id"])
        state, diff = self._state_and_diff(envelope, only=user_id)
        if state is not None:
            with diff:
                state.put_member(data)
        # A member always hears about their own update, whatever their intents.
        audience = _guests_see_theirs(hub.audience(envelope), state, user_id)
        hub.fan_out(envelope, [s for s in audience if s.user.id != user_id])
        own = [s for s in audience if s.user.id == user_id]
        if own:
            head = dispatch_head(envelope.type, envelope.data)
            for session in own:
                session.dispatch(head)

    def member_remove(self, envelope: Envelope) -> None:
        state = self.hub.guilds.get(envelope.guild_id or 0)
        user_id = int(orjson.loads(envelope.data)["user"]["id"])
        audience = _guests_see_theirs(self.hub.audience(envelope), state, user_id)  # before: the
        if state is not None:  # channels they saw decide which guests knew them
            state.remove_member(user_id)
        self.hub.fan_out(envelope, audience)

    def presence_update(self, envelope: Envelope) -> None:
        hub = self.hub
        data = orjson.loads(envelope.data)
        user_id = int(data["user"]["id"])
        if data["status"] == "offline":
            hub.statuses.pop(user_id, None)
        else:
            hub.statuses[user_id] = data["status"]
        state = hub.guilds.get(envelope.guild_id or 0)
        audience = _guests_see_theirs(hub.audience(envelope), state, user_id)
        hub.fan_out(envelope, [s for s in audience if s.user.id != user_id])

    def voice_state_update(self, envelope: Envelope) -> None:
        """Who sees the channel hears of it; who saw only the channel left hears they left; the
        joining session learns where its voice gateway is. In a call: its recipients."""
        hub, meta = self.hub, envelope.meta
        user_id, session_id = int(meta["user_id"]), str(meta["session_id"])
        scope_id = int(meta["scope_id"])
        channel_id, previous = meta["channel_id"], meta["previous_channel_id"]
        guild_id = envelope.guild_id
        state = hub.guilds.get(guild_id) if guild_id is not None else None
        if guild_id is None:
            hub.fan_out(envelope, hub.audience(envelope))
        elif state is not None:
            state.put_voice_state(orjson.loads(envelope.data))
            sees, saw = [], []
            for session in hub.guild_sessions.get(guild_id, ()):
                viewer = session.user.id
                if viewer == user_id or (
                    channel_id is not None and state.can_view(viewer, channel_id)
                ):
                    sees.append(session)
                elif previous is not None and state.can_view(viewer, previous):
                    saw.append(session)
            hub.fan_out(envelope, sees)
            if saw:
                # A leave is already a leave; a move is one for those who cannot follow it.
                left = envelope.variants.get(catalog.LEFT_VIEW)
                hub.fan_out(envelope if left is None else _with_data(envelope, left), saw)
        for session in hub.by_user.get(user_id, ()):
            if session.id == session_id and channel_id is not None:
                if session.voice.get(scope_id) != channel_id:
                    session.voice[scope_id] = channel_id
                    hub.voice_server_update(session, guild_id, scope_id, channel_id)
            else:
                session.voice.pop(scope_id, None)

    def stage_update(self, envelope: Envelope) -> None:
        state = self.hub.guilds.get(envelope.guild_id or 0)
        if state is not None:
            live = envelope.kind is not catalog.STAGE_INSTANCE_DELETE
            state.put_stage(orjson.loads(envelope.data), live=live)
        self.hub.fan_out(envelope, self.hub.audience(envelope))

    def scheduled_event_update(self, envelope: Envelope) -> None:
        state = self.hub.guilds.get(envelope.guild_id or 0)
        if state is not None:
            event = orjson.loads(envelope.data)
            if envelope.kind is catalog.GUILD_SCHEDULED_EVENT_DELETE:
                state.remove_scheduled_event(int(event["id"]))
            else:
                state.put_scheduled_event(event)
        self.hub.fan_out(envelope, self.hub.audience(envelope))

    def scheduled_event_interest(self, envelope: Envelope) -> None:
        state = self.hub.guilds.get(envelope.guild_id or 0)
        if state is not None:
            event_id = int(orjson.loads(envelope.data)["guild_scheduled_event_id"])
            added = envelope.kind is catalog.GUILD_SCHEDULED_EVENT_USER_ADD
            state.count_interest(event_id, 1 if added else -1)
        self.hub.fan_out(envelope, self.hub.audience(envelope))

    # -- threads (docs/threads.md) ---------------------------------------------------------

    def thread_update(self, envelope: Envelope) -> None:
        """THREAD_CREATE (with the first members in `meta`) and THREAD_UPDATE: the replica
        first, then who sees the thread hears of it; when it reopened, its members then get
        THREAD_MEMBER_UPDATE."""
        hub = self.hub
        state = hub.guilds.get(envelope.guild_id or 0)
        reopened = False
        if state is not None:
            members = envelope.meta.get("members") if envelope.meta else None
            thread = orjson.loads(envelope.data)
            before = state.threads.get(int(thread["id"]))
            reopened = before is not None and before.archived
            state.put_thread(thread, members)
        hub.fan_out(envelope, hub.audience(envelope))
        if reopened and state is not None:  # its members hear of their membership again
            sessions = hub.guild_sessions.get(state.guild_id, set())
            threads.send_member_updates(state, envelope.channel_id or 0, hub.by_user, sessions)

    def thread_delete(self, envelope: Envelope) -> None:
        audience = list(self.hub.audience(envelope))
        state = self.hub.guilds.get(envelope.guild_id or 0)
        if state is not None:
            state.remove_thread(envelope.channel_id or 0)
        self.hub.fan_out(envelope, audience)

    def thread_members_update(self, envelope: Envelope) -> None:
        """Those added or removed hear of it (an added one first gets THREAD_CREATE with their
        membership, as Discord sends, so a private thread appears); everyone else who sees the
        thread only with the GUILD_MEMBERS intent."""
        hub = self.hub
        state = hub.guilds.get(envelope.guild_id or 0)
        if state is None:
            return
        data = orjson.loads(envelope.data)
        thread_id = int(data["id"])
        sessions = hub.guild_sessions.get(state.guild_id, set())
        before = {s for s in sessions if state.sees_thread(s.user.id, thread_id)}
        removed = [int(uid) for uid in data["removed_member_ids"]]
        state.change_thread_members(
            thread_id, data["added_members"], removed, int(data["member_count"])
        )
        after = {s for s in sessions if state.sees_thread(s.user.id, thread_id)}
        added = {int(m["user_id"]) for m in data["added_members"]}
        entry = state.threads.get(thread_id)
        if entry is not None:
            for session in after:
                if session.user.id in added:
                    member = entry.members.get(session.user.id)
                    threads.send_created(session, entry.payload, member)
        touched = added | set(removed)
        hub.fan_out(
            envelope,
            [s for s in before | after if s.user.id in touched or s.intents & Intent.GUILD_MEMBERS],
        )

    def tokens_revoked(self, envelope: Envelope) -> None:
        user_id = int(orjson.loads(envelope.data))
        sessions = list(self.hub.by_user.get(user_id, ()))
        if sessions:
            self.hub.spawn(self._end_revoked(sessions))

    async def _end_revoked(self, sessions: list[Session]) -> None:
        """Sessions opened with a token that no longer exists are closed (4004) and forgotten."""
        hub = self.hub
        for session in sessions:
            if await session_actions.token_still_valid(hub.services, session.token_hash):
                continue
            if session.connection is not None:
                session.connection.close(Close.AUTHENTICATION_FAILED, "Authentication failed")
            await hub.end(session)


def _with_data(envelope: Envelope, data: bytes) -> Envelope:
    return Envelope(id=envelope.id, kind=envelope.kind, data=data, guild_id=envelope.guild_id)


def _retyped(envelope: Envelope, kind: EventType[Any]) -> Envelope:
    return Envelope(
        id=envelope.id,
        kind=kind,
        data=envelope.data,
        guild_id=envelope.guild_id,
        channel_id=envelope.channel_id,
        user_ids=envelope.user_ids,
    )


def _guests_see_theirs(
    sessions: Iterable[Session], state: GuildState | None, member_id: int
) -> list[Session]:
    """A guest hears of a member only when they share a channel (domain/guests.py), as their
    member list shows; everyone else hears of every member."""
    sessions = list(sessions)
    if state is None or not any(is_guest(s.user) for s in sessions):
        return sessions
    theirs = state.visible_channels(member_id)
    return [
        s
        for s in sessions
        if not is_guest(s.user)
        or s.user.id == member_id
        or not theirs.isdisjoint(state.visible_channels(s.user.id))
    ]
