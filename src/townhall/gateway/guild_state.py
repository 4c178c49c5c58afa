"""A node's cached view of one guild's permission structure, for filtering events per receiver.

It holds roles, channel overwrites, and the roles of the members who have a session on this node,
built from the same Discord-shaped JSON that events carry (so a node fed through Redis keeps it
correct the same way). `visible_channels(user_id)` is computed once per member and reused for every
event until a role, overwrite or membership change invalidates it: fan-out never asks the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from townhall.domain.permissions import (
    MemberContext,
    Overwrite,
    OverwriteType,
    Permission,
    channel_permissions,
)

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
class ChannelEntry:
    overwrites: tuple[Overwrite, ...]
    payload: Json
    """The channel as clients see it, for CHANNEL_CREATE when it becomes visible to someone."""


@dataclass(slots=True)
class GuildState:
    guild_id: int
    owner_id: int
    role_permissions: dict[int, int] = field(default_factory=dict)
    channels: dict[int, ChannelEntry] = field(default_factory=dict)
    member_roles: dict[int, frozenset[int]] = field(default_factory=dict)
    """Roles of members with a session on this node only."""
    _visible: dict[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, guild: Json, channels: Iterable[Json]) -> GuildState:
        state = cls(guild_id=int(guild["id"]), owner_id=int(guild["owner_id"]))
        for role in guild["roles"]:
            state.role_permissions[int(role["id"])] = int(role["permissions"])
        for channel in channels:
            state.put_channel(channel)
        return state

    def put_channel(self, channel: Json) -> None:
        overwrites = overwrites_from_json(channel.get("permission_overwrites") or ())
        self.channels[int(channel["id"])] = ChannelEntry(overwrites, channel)
        self._visible.clear()

    def remove_channel(self, channel_id: int) -> None:
        self.channels.pop(channel_id, None)
        self._visible.clear()

    def put_role(self, role_id: int, permissions: int) -> None:
        self.role_permissions[role_id] = permissions
        self._visible.clear()

    def remove_role(self, role_id: int) -> None:
        self.role_permissions.pop(role_id, None)
        for user_id, roles in self.member_roles.items():
            if role_id in roles:
                self.member_roles[user_id] = roles - {role_id}
        self._visible.clear()

    def set_owner(self, owner_id: int) -> None:
        self.owner_id = owner_id
        self._visible.clear()

    def put_member(self, user_id: int, role_ids: Iterable[int]) -> None:
        self.member_roles[user_id] = frozenset(role_ids)
        self._visible.pop(user_id, None)

    def remove_member(self, user_id: int) -> None:
        self.member_roles.pop(user_id, None)
        self._visible.pop(user_id, None)

    def permissions_in(self, user_id: int, channel_id: int) -> int:
        entry = self.channels.get(channel_id)
        if entry is None or user_id not in self.member_roles:
            return 0
        return channel_permissions(self._context(user_id), entry.overwrites)

    def can_view(self, user_id: int, channel_id: int) -> bool:
        visible = self._visible.get(user_id)
        if visible is None:
            visible = self.visible_channels(user_id)
        return channel_id in visible

    def visible_channels(self, user_id: int) -> frozenset[int]:
        visible = self._visible.get(user_id)
        if visible is None:
            if user_id not in self.member_roles:
                return frozenset()
            context = self._context(user_id)
            view = Permission.VIEW_CHANNEL
            visible = frozenset(
                channel_id
                for channel_id, entry in self.channels.items()
                if channel_permissions(context, entry.overwrites) & view
            )
            self._visible[user_id] = visible
        return visible

    def _context(self, user_id: int) -> MemberContext:
        # Timeouts never hide a channel (a timed-out member keeps VIEW_CHANNEL), so they are left
        # out.
        roles = self.member_roles.get(user_id, frozenset())
        return MemberContext(
            guild_id=self.guild_id,
            owner_id=self.owner_id,
            user_id=user_id,
            everyone_permissions=self.role_permissions.get(self.guild_id, 0),
            role_permissions={
                r: self.role_permissions[r] for r in roles if r in self.role_permissions
            },
        )
