"""Announcements of a community (docs/communities.md): must-read messages and their receipts.

A message sent with townhall's message flag MUST_READ stays in front of every member who can see
its channel until they acknowledge it; the channel's managers see how many read it (their read
state reached it) and how many acknowledged it.

`member_count` is "who can see the channel", which in a community of thousands must not cost a
permission evaluation per member on every acknowledgement. Only overwrites can take
VIEW_CHANNEL away from someone @everyone lets see (roles only add), and only roles and overwrites
can give it to someone @everyone does not let see. So `viewer_scope` names the few members whose
roles or own overwrite matter, the store loads just their role sets, and `split_viewers`
evaluates those through the permission engine: every other member is decided by @everyone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from townhall.domain.groups import COMMUNITY
from townhall.domain.models import Channel, ChannelType, Guild, Role
from townhall.domain.permissions import (
    MemberContext,
    Overwrite,
    OverwriteType,
    Permission,
    channel_permissions,
    has,
)

MUST_READ = 1 << 30
"""townhall's message flag: every member who sees the channel is asked to acknowledge it."""
SUPPRESS_NOTIFICATIONS = 1 << 12
MUST_READ_LIST_MAX = 100
"""At most this many unacknowledged must-read messages are listed for a person."""
PENDING_MAX, PENDING_DEFAULT = 1000, 100
"""`GET …/receipts/pending`'s `limit`."""
CROSSED_MAX = 10
"""A read that passes more must-read messages than this updates the receipts of the newest."""

_VIEW = int(Permission.VIEW_CHANNEL)
_NOBODY = 0
"""A user id no member has: stands for "a member without roles or an overwrite of their own"."""


class PendingKind(enum.Enum):
    UNREAD = "unread"
    UNACKNOWLEDGED = "unacknowledged"


def is_must_read(flags: int) -> bool:
    return bool(flags & MUST_READ)


def is_community_announcement(guild: Guild, channel: Channel) -> bool:
    """A community's announcement channel: the one it names, or any of its type 5 channels.
    Its messages are pushed to every member."""
    if COMMUNITY not in guild.features or channel.guild_id != guild.id:
        return False
    return (
        channel.id == guild.announcements_channel_id
        or channel.type is ChannelType.GUILD_ANNOUNCEMENT
    )


@dataclass(frozen=True, slots=True)
class ViewerScope:
    """Who can see a channel, as far as @everyone decides, and whom to look at one by one."""

    everyone_sees: bool
    """A member without roles or an overwrite of their own sees the channel."""
    role_ids: frozenset[int]
    """Members holding one of these roles are evaluated one by one."""
    user_ids: frozenset[int]
    """And these members (the owner, member overwrites)."""


def _context(
    guild: Guild, roles: Mapping[int, Role], user_id: int, role_ids: Iterable[int]
) -> MemberContext:
    everyone = roles.get(guild.id)
    return MemberContext(
        guild_id=guild.id,
        owner_id=guild.owner_id,
        user_id=user_id,
        everyone_permissions=everyone.permissions if everyone else 0,
        role_permissions={r: roles[r].permissions for r in role_ids if r in roles},
    )


def viewer_scope(
    guild: Guild, roles: Mapping[int, Role], overwrites: Iterable[Overwrite]
) -> ViewerScope:
    """Which members' roles or overwrites may differ from @everyone's answer for the channel."""
    overwrites = tuple(overwrites)
    everyone_sees = has(channel_permissions(_context(guild, roles, _NOBODY, ()), overwrites), _VIEW)
    by_role = {o.id: o for o in overwrites if o.type == OverwriteType.ROLE and o.id != guild.id}
    personal = [o for o in overwrites if o.type == OverwriteType.MEMBER]
    if everyone_sees:  # only a deny can hide it from someone
        role_ids = {rid for rid, o in by_role.items() if o.deny & _VIEW}
        user_ids = {o.id for o in personal if o.deny & _VIEW}
        return ViewerScope(True, frozenset(role_ids), frozenset(user_ids))
    everyone_denied = any(
        o.id == guild.id and o.type == OverwriteType.ROLE and o.deny & _VIEW for o in overwrites
    )
    role_ids = set()
    for role in roles.values():
        if role.id == guild.id:
            continue
        granted = role.permissions & int(Permission.ADMINISTRATOR) or (
            not everyone_denied and role.permissions & _VIEW
        )
        allowed = role.id in by_role and by_role[role.id].allow & _VIEW
        if granted or allowed:
            role_ids.add(role.id)
    user_ids = {o.id for o in personal if o.allow & _VIEW} | {guild.owner_id}
    return ViewerScope(False, frozenset(role_ids), frozenset(user_ids))


def split_viewers(
    guild: Guild,
    roles: Mapping[int, Role],
    overwrites: Iterable[Overwrite],
    role_sets: Mapping[int, frozenset[int]],
) -> tuple[frozenset[int], frozenset[int]]:
    """(who sees, who does not) among the members in `role_sets` (user id: their role ids).
    Members with the same roles and no overwrite of their own are evaluated once."""
    overwrites = tuple(overwrites)
    personal = {o.id for o in overwrites if o.type == OverwriteType.MEMBER} | {guild.owner_id}
    by_roles: dict[frozenset[int], bool] = {}
    seeing: set[int] = set()
    hidden: set[int] = set()
    for user_id, role_ids in role_sets.items():
        known = frozenset(r for r in role_ids if r in roles)
        if user_id in personal:
            sees = _sees(guild, roles, overwrites, user_id, known)
        else:
            found = by_roles.get(known)
            if found is None:
                found = by_roles[known] = _sees(guild, roles, overwrites, _NOBODY, known)
            sees = found
        (seeing if sees else hidden).add(user_id)
    return frozenset(seeing), frozenset(hidden)


def _sees(
    guild: Guild,
    roles: Mapping[int, Role],
    overwrites: tuple[Overwrite, ...],
    user_id: int,
    role_ids: frozenset[int],
) -> bool:
    permissions = channel_permissions(_context(guild, roles, user_id, role_ids), overwrites)
    return has(permissions, _VIEW)


@dataclass(frozen=True, slots=True)
class Viewers:
    """The members who see a channel: everyone but `hidden`, or exactly `only`."""

    hidden: frozenset[int] = frozenset()
    only: frozenset[int] | None = None

    def sees(self, user_id: int) -> bool:
        if self.only is not None:
            return user_id in self.only
        return user_id not in self.hidden


def viewers(scope: ViewerScope, seeing: frozenset[int], hidden: frozenset[int]) -> Viewers:
    if scope.everyone_sees:
        return Viewers(hidden=hidden)
    return Viewers(only=seeing)
