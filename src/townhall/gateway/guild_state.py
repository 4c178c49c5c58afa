"""A node's replica of one guild: what GUILD_CREATE shows and what filtering events needs.

It holds the guild, its roles, its channels with their overwrites, and every member with their
roles, as the Discord JSON that events carry, so a node fed through Redis keeps it correct the same
way a client does. Loaded once per node when the first local session needs the guild, then kept
current by the guild's versioned events (`version` is the last one applied). Sessions that join
later get GUILD_CREATE rendered from here: no database query per identify. `visible_channels` is
computed once per member and reused for every event until a role, overwrite or membership change;
`viewers` once per channel, so that a group's message costs what the group has members, not what
the community has. A change to one channel, or to who is listed in it, updates only what it can
change: a member joining a group of a thousand never makes the node re-evaluate everyone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from townhall.domain.models import Channel, Guild, Member, Role, StageInstance, VoiceState
from townhall.domain.permissions import (
    MemberContext,
    Overwrite,
    OverwriteIndex,
    OverwriteType,
    Permission,
    base_permissions,
    channel_permissions,
    thread_permissions,
)
from townhall.domain.scheduled_events import ScheduledEvent
from townhall.domain.threads import ThreadMember
from townhall.wire import payloads

Json = Mapping[str, Any]


def overwrites_from_json(items: Iterable[Json]) -> tuple[Overwrite, ...]:
    return tuple(
        Overwrite(
            id=int(o["id"]),
            type=OverwriteType(int(o["type"])),
            allow=int(o["allow"]),
            deny=int(o["deny"]),
        )
        for o in items
    )


@dataclass(slots=True)
class RoleEntry:
    permissions: int
    payload: Json


@dataclass(slots=True)
class ChannelEntry:
    overwrites: tuple[Overwrite, ...]
    index: OverwriteIndex
    payload: Json
    """The channel as clients see it, for GUILD_CREATE and for CHANNEL_CREATE when it becomes
    visible to someone."""
    _parts: tuple[list[Json], dict[str, Json]] | None = None

    def seen_by_member(self, user_id: int) -> Json:
        """The channel with the role overwrites and this member's own only: how a group's
        ordinary members receive it (gateway/groups.py), without a walk over its member list."""
        roles, _members = self.parts()
        own = self.own_overwrite(user_id)
        return {**self.payload, "permission_overwrites": roles if own is None else [*roles, own]}

    def own_overwrite(self, user_id: int) -> Json | None:
        return self.parts()[1].get(str(user_id))

    def parts(self) -> tuple[list[Json], dict[str, Json]]:
        """The role overwrites, and the member overwrites by member id (made once)."""
        if self._parts is None:
            roles: list[Json] = []
            members: dict[str, Json] = {}
            for o in self.payload.get("permission_overwrites") or ():
                if int(o["type"]) == 0:
                    roles.append(o)
                else:
                    members[str(o["id"])] = o
            self._parts = (roles, members)
        return self._parts


@dataclass(slots=True)
class MemberEntry:
    role_ids: frozenset[int]
    encoded: bytes
    """The member object with its user, as JSON (compact: a guild may have thousands)."""
    joined_at: str

    @property
    def payload(self) -> orjson.Fragment:
        return orjson.Fragment(self.encoded)

    def without_role(self, role_id: int) -> MemberEntry:
        member = orjson.loads(self.encoded)
        member["roles"] = [r for r in member["roles"] if int(r) != role_id]
        return member_entry(member)


def member_entry(payload: dict[str, Any]) -> MemberEntry:
    payload.pop("guild_id", None)
    return MemberEntry(
        role_ids=frozenset(int(r) for r in payload.get("roles", ())),
        encoded=orjson.dumps(payload),
        joined_at=str(payload.get("joined_at")),
    )


@dataclass(slots=True)
class VoiceEntry:
    channel_id: int
    session_id: str
    payload: Json
    """The voice state as GUILD_CREATE lists it (without the member)."""


def voice_entry(payload: dict[str, Any]) -> VoiceEntry:
    payload.pop("member", None)
    return VoiceEntry(int(payload["channel_id"]), str(payload["session_id"]), payload)


@dataclass(slots=True)
class ThreadEntry:
    """A thread of the guild (docs/threads.md): who sees it follows from its parent channel's
    viewers, and for a private thread from `members` too."""

    parent_id: int
    private: bool
    payload: dict[str, Any]
    """The thread as clients see it (without anyone's `member`)."""
    members: dict[int, Json] = field(default_factory=dict)
    """Thread member objects (with ids), by user."""

    @property
    def archived(self) -> bool:
        return bool(self.payload["thread_metadata"]["archived"])


def thread_entry(payload: dict[str, Any], members: Iterable[Json] = ()) -> ThreadEntry:
    payload.pop("newly_created", None)
    payload.pop("member", None)
    return ThreadEntry(
        int(payload["parent_id"]),
        int(payload["type"]) == 12,
        payload,
        {int(m["user_id"]): m for m in members},
    )


@dataclass(slots=True)
class GuildState:
    guild_id: int
    owner_id: int
    version: int
    base: dict[str, Any]
    """The guild object without roles and channels."""
    roles: dict[int, RoleEntry] = field(default_factory=dict)
    channels: dict[int, ChannelEntry] = field(default_factory=dict)
    members: dict[int, MemberEntry] = field(default_factory=dict)
    voice: dict[int, VoiceEntry] = field(default_factory=dict)
    """Who is connected to which voice channel, by user."""
    stages: dict[int, Json] = field(default_factory=dict)
    """Live stage instances, by channel."""
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    """SCHEDULED and ACTIVE scheduled events, by id, with their `user_count`."""
    _visible: dict[int, frozenset[int]] = field(default_factory=dict)
    """Channels each member can see, by user (filled as asked)."""
    _viewers: dict[int, frozenset[int]] = field(default_factory=dict)
    """Members who can see each channel, by channel (filled as asked)."""
    threads: dict[int, ThreadEntry] = field(default_factory=dict)
    """Every thread of the guild, active or archived, by id."""
    _private_viewers: dict[int, frozenset[int]] = field(default_factory=dict)
    """Who sees each private thread (filled as asked; forgotten whenever anyone's view may
    have changed: private threads are few, a recount costs their channel's viewers)."""

    @classmethod
    def load(
        cls,
        guild: Guild,
        version: int,
        roles: Iterable[Role],
        channels: Iterable[Channel],
        members: Iterable[Member],
        voice_states: Iterable[VoiceState] = (),
        stages: Iterable[StageInstance] = (),
        scheduled_events: Iterable[ScheduledEvent] = (),
        threads: Iterable[Channel] = (),
        thread_members: Iterable[ThreadMember] = (),
    ) -> GuildState:
        roles = list(roles)
        by_user = {m.user.id: m for m in members}
        state = cls(guild.id, guild.owner_id, version, {})
        state.set_guild(payloads.guild(guild, roles))
        for channel in channels:
            state.put_channel(payloads.channel(channel))
        for member in by_user.values():
            state.members[member.user.id] = member_entry(payloads.member(member))
        for voice in voice_states:
            if (found := by_user.get(voice.user_id)) is not None:
                payload = payloads.voice_state(voice, found)
                state.voice[voice.user_id] = voice_entry(payload)
        for stage in stages:
            state.stages[stage.channel_id] = payloads.stage_instance(stage)
        for event in scheduled_events:
            state.scheduled_events[event.id] = payloads.scheduled_event(event)
        for thread in threads:
            state.threads[thread.id] = thread_entry(payloads.thread(thread))
        for joined in thread_members:
            if (entry := state.threads.get(joined.thread_id)) is not None:
                entry.members[joined.user_id] = payloads.thread_member(joined)
        return state

    # -- changes, from the JSON of events ----------------------------------------------------

    def set_guild(self, guild: Json) -> None:
        """GUILD_UPDATE carries the whole guild with every role."""
        self.base = {k: v for k, v in guild.items() if k not in ("roles", "channels")}
        self.owner_id = int(guild["owner_id"])
        self.roles = {
            int(role["id"]): RoleEntry(int(role["permissions"]), role) for role in guild["roles"]
        }
        self._forget_all()

    def put_role(self, role: Json) -> bool:
        """True when the role's permissions changed (positions never change what anyone sees)."""
        role_id, permissions = int(role["id"]), int(role["permissions"])
        before = self.roles.get(role_id)
        self.roles[role_id] = RoleEntry(permissions, role)
        changed = before is None or before.permissions != permissions
        if changed:
            self._forget_all()
        return changed

    def remove_role(self, role_id: int) -> None:
        """A deleted role leaves every member who had it, as clients apply GUILD_ROLE_DELETE."""
        self.roles.pop(role_id, None)
        for user_id, entry in self.members.items():
            if role_id in entry.role_ids:
                self.members[user_id] = entry.without_role(role_id)
        self._forget_all()

    def put_channel(self, channel: Json) -> None:
        channel_id = int(channel["id"])
        overwrites = overwrites_from_json(channel.get("permission_overwrites") or ())
        entry = ChannelEntry(overwrites, OverwriteIndex.of(self.guild_id, overwrites), channel)
        before = self.channels.get(channel_id)
        self.channels[channel_id] = entry
        if before is not None and before.index.without_members() == entry.index.without_members():
            old, new = before.index.members, entry.index.members
            self._reconsider(
                channel_id, [u for u in old.keys() | new.keys() if old.get(u) != new.get(u)]
            )
        else:
            self._reconsider(channel_id, None)

    def remove_channel(self, channel_id: int) -> None:
        self.channels.pop(channel_id, None)
        self.stages.pop(channel_id, None)
        for thread_id in [t for t, e in self.threads.items() if e.parent_id == channel_id]:
            del self.threads[thread_id]  # deleted with their channel
        for event_id, event in list(self.scheduled_events.items()):
            if event.get("channel_id") == str(channel_id):  # deleted with its channel
                del self.scheduled_events[event_id]
        self._reconsider(channel_id, None)

    def put_member(self, member: dict[str, Any]) -> int:
        entry = member_entry(member)
        user_id = int(member["user"]["id"])
        self.members[user_id] = entry
        self._forget_member(user_id)
        return user_id

    def remove_member(self, user_id: int) -> None:
        self.members.pop(user_id, None)
        self.voice.pop(user_id, None)
        self._forget_member(user_id)

    def _forget_all(self) -> None:
        """A role or the guild changed: anyone may see anything differently."""
        self._visible.clear()
        self._viewers.clear()
        self._private_viewers.clear()

    def _forget_member(self, user_id: int) -> None:
        """One member's roles changed, or they came or went: only their answers change."""
        self._visible.pop(user_id, None)
        self._private_viewers.clear()
        for channel_id, viewers in self._viewers.items():
            sees = self._sees(user_id, channel_id)
            if sees != (user_id in viewers):
                self._viewers[channel_id] = viewers | {user_id} if sees else viewers - {user_id}

    def _reconsider(self, channel_id: int, users: Iterable[int] | None) -> None:
        """One channel changed (for `users` only, when just their member overwrites did): update
        the cached answers for that channel alone."""
        self._private_viewers.clear()
        if users is None:
            self._viewers.pop(channel_id, None)
            users = list(self._visible)
        else:
            viewers = self._viewers.get(channel_id)
            if viewers is not None:
                users = list(users)
                gained = {u for u in users if self._sees(u, channel_id)}
                self._viewers[channel_id] = (viewers - set(users)) | gained
        for user_id in users:
            visible = self._visible.get(user_id)
            if visible is None:
                continue
            sees = self._sees(user_id, channel_id)
            if sees != (channel_id in visible):
                self._visible[user_id] = visible | {channel_id} if sees else visible - {channel_id}

    def _sees(self, user_id: int, channel_id: int) -> bool:
        return bool(self.permissions_in(user_id, channel_id) & Permission.VIEW_CHANNEL)

    def put_voice_state(self, payload: dict[str, Any]) -> None:
        """VOICE_STATE_UPDATE: a channel id joins or moves, none leaves."""
        user_id = int(payload["user_id"])
        if payload.get("channel_id") is None:
            self.voice.pop(user_id, None)
        else:
            self.voice[user_id] = voice_entry(payload)

    def put_stage(self, stage: Json, *, live: bool) -> None:
        channel_id = int(stage["channel_id"])
        if live:
            self.stages[channel_id] = stage
        else:
            self.stages.pop(channel_id, None)

    def put_scheduled_event(self, event: dict[str, Any]) -> None:
        """CREATE/UPDATE carry the whole event; a finished one leaves the snapshot."""
        event_id = int(event["id"])
        if event["status"] in (1, 2):
            self.scheduled_events[event_id] = event
        else:
            self.scheduled_events.pop(event_id, None)

    def remove_scheduled_event(self, event_id: int) -> None:
        self.scheduled_events.pop(event_id, None)

    def count_interest(self, event_id: int, change: int) -> None:
        """USER_ADD (+1) and USER_REMOVE (-1) keep `user_count` as the events left it."""
        event = self.scheduled_events.get(event_id)
        if event is not None:
            event["user_count"] = max(0, int(event.get("user_count", 0)) + change)

    def scheduled_events_seen_by(self, user_id: int) -> list[Json]:
        """External events, and those in a channel the member can see."""
        visible = self.visible_channels(user_id)
        return [
            event
            for event in self.scheduled_events.values()
            if event.get("channel_id") is None or int(event["channel_id"]) in visible
        ]

    def stages_seen_by(self, user_id: int) -> list[Json]:
        visible = self.visible_channels(user_id)
        return [stage for channel_id, stage in self.stages.items() if channel_id in visible]

    def voice_states_seen_by(self, user_id: int) -> list[Json]:
        visible = self.visible_channels(user_id)
        return [v.payload for v in self.voice.values() if v.channel_id in visible]

    # -- questions -------------------------------------------------------------------------

    def permissions_in(self, user_id: int, channel_id: int) -> int:
        entry = self.channels.get(channel_id)
        if entry is None:
            thread = self.threads.get(channel_id)
            if thread is not None:
                return self._in_thread(user_id, thread)
        if entry is None or user_id not in self.members:
            return 0
        return channel_permissions(self._context(user_id), entry.index)

    def guild_permissions(self, user_id: int) -> int:
        """The member's permissions in the guild itself (no channel's overwrites)."""
        if user_id not in self.members:
            return 0
        return base_permissions(self._context(user_id))

    def viewers(self, channel_id: int) -> frozenset[int]:
        """The members who can see the channel (or thread)."""
        viewers = self._viewers.get(channel_id)
        if viewers is None:
            entry = self.channels.get(channel_id)
            if entry is None:
                thread = self.threads.get(channel_id)
                return self._thread_viewers(channel_id, thread) if thread else frozenset()
            view = Permission.VIEW_CHANNEL
            index = entry.index
            viewers = frozenset(
                uid for uid in self.members if channel_permissions(self._context(uid), index) & view
            )
            self._viewers[channel_id] = viewers
        return viewers

    def can_view(self, user_id: int, channel_id: int) -> bool:
        thread = self.threads.get(channel_id)
        if thread is not None:
            return self.sees_thread(user_id, channel_id)
        visible = self._visible.get(user_id)
        if visible is None:
            visible = self.visible_channels(user_id)
        return channel_id in visible

    def members_seen_by_guest(self, guest_id: int) -> list[int]:
        """A guest's member list: whoever can see a channel the guest can see (domain/guests.py)."""
        mine = self.visible_channels(guest_id)
        return [uid for uid in self.members if not mine.isdisjoint(self.visible_channels(uid))]

    def visible_channels(self, user_id: int) -> frozenset[int]:
        visible = self._visible.get(user_id)
        if visible is None:
            if user_id not in self.members:
                return frozenset()
            context = self._context(user_id)
            view = Permission.VIEW_CHANNEL
            visible = frozenset(
                channel_id
                for channel_id, entry in self.channels.items()
                if channel_permissions(context, entry.index) & view
            )
            self._visible[user_id] = visible
        return visible

    def _context(self, user_id: int) -> MemberContext:
        # Timeouts never hide a channel (a timed-out member keeps VIEW_CHANNEL), so they are left
        # out.
        member = self.members.get(user_id)
        roles = member.role_ids if member is not None else frozenset()
        everyone = self.roles.get(self.guild_id)
        return MemberContext(
            guild_id=self.guild_id,
            owner_id=self.owner_id,
            user_id=user_id,
            everyone_permissions=everyone.permissions if everyone else 0,
            role_permissions={r: self.roles[r].permissions for r in roles if r in self.roles},
        )

    # -- threads (docs/threads.md) ---------------------------------------------------------

    def put_thread(self, payload: dict[str, Any], members: Iterable[Json] | None = None) -> None:
        """THREAD_CREATE (with its first members) or THREAD_UPDATE: the members stay."""
        thread_id = int(payload["id"])
        before = self.threads.get(thread_id)
        entry = thread_entry(payload, members or ())
        if before is not None and members is None:
            entry.members = before.members
        self.threads[thread_id] = entry
        self._private_viewers.pop(thread_id, None)

    def remove_thread(self, thread_id: int) -> None:
        self.threads.pop(thread_id, None)
        self._private_viewers.pop(thread_id, None)

    def change_thread_members(
        self, thread_id: int, added: Iterable[Json], removed: Iterable[int], member_count: int
    ) -> None:
        """THREAD_MEMBERS_UPDATE."""
        entry = self.threads.get(thread_id)
        if entry is None:
            return
        for joined in added:
            kept = {k: v for k, v in joined.items() if k not in ("member", "presence")}
            entry.members[int(joined["user_id"])] = kept
        for user_id in removed:
            entry.members.pop(user_id, None)
        entry.payload = {**entry.payload, "member_count": member_count}
        self._private_viewers.pop(thread_id, None)

    def count_messages(
        self,
        thread_id: int,
        message_count: int,
        total_message_sent: int,
        last_message_id: int | None = None,
    ) -> None:
        """A message came or went in the thread: its counters after it, and a new message's id
        (gateway/threads.py). A late event never moves `last_message_id` back."""
        entry = self.threads.get(thread_id)
        if entry is None:
            return
        changed: dict[str, object] = {
            "message_count": message_count,
            "total_message_sent": total_message_sent,
        }
        known = entry.payload.get("last_message_id")
        if last_message_id is not None and (known is None or int(known) < last_message_id):
            changed["last_message_id"] = str(last_message_id)
        entry.payload = {**entry.payload, **changed}

    def sees_thread(self, user_id: int, thread_id: int) -> bool:
        """Who sees the parent channel sees a public thread; a private one, its members and
        MANAGE_THREADS holders among them."""
        entry = self.threads.get(thread_id)
        if entry is None or not self.can_view(user_id, entry.parent_id):
            return False
        if not entry.private or user_id in entry.members:
            return True
        return bool(self.permissions_in(user_id, entry.parent_id) & Permission.MANAGE_THREADS)

    def threads_seen_by(
        self, user_id: int, parent_ids: Collection[int] | None = None
    ) -> list[tuple[Json, Json | None]]:
        """The active threads the member sees (of these channels), each with their own thread
        membership: GUILD_CREATE's `threads`, THREAD_LIST_SYNC."""
        seen: list[tuple[Json, Json | None]] = []
        for thread_id, entry in self.threads.items():
            if entry.archived or (parent_ids is not None and entry.parent_id not in parent_ids):
                continue
            if self.sees_thread(user_id, thread_id):
                seen.append((entry.payload, entry.members.get(user_id)))
        return seen

    def _thread_viewers(self, thread_id: int, entry: ThreadEntry) -> frozenset[int]:
        parent_viewers = self.viewers(entry.parent_id)
        if not entry.private:
            return parent_viewers
        viewers = self._private_viewers.get(thread_id)
        if viewers is None:
            manage = Permission.MANAGE_THREADS
            viewers = frozenset(
                uid
                for uid in parent_viewers
                if uid in entry.members or self.permissions_in(uid, entry.parent_id) & manage
            )
            self._private_viewers[thread_id] = viewers
        return viewers

    def _in_thread(self, user_id: int, entry: ThreadEntry) -> int:
        parent = self.channels.get(entry.parent_id)
        if parent is None or user_id not in self.members:
            return 0
        return thread_permissions(
            self._context(user_id),
            parent.index,
            private=entry.private,
            joined=user_id in entry.members,
        )
