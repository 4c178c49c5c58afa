"""Loading what a permission decision needs, then asking `domain.permissions` for the answer.

Two failures look different to a client, as on Discord: something that does not exist is 404
(Unknown Guild/Channel), something the actor may not see is 403 Missing Access (50001), and
something they see but may not do is 403 Missing Permissions (50013).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access_cache import AccessCache
from townhall.domain import errors
from townhall.domain.models import Channel, ChannelType, Guild, Member, Role, User
from townhall.domain.permissions import (
    MemberContext,
    Permission,
    base_permissions,
    channel_permissions,
    has,
    thread_permissions,
)
from townhall.domain.private_channels import RECIPIENT_PERMISSIONS
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store
from townhall.store import threads as thread_store


@dataclass(frozen=True, slots=True)
class GuildAccess:
    """One member's standing in one guild."""

    guild: Guild
    member: Member
    roles: dict[int, Role]
    context: MemberContext

    @property
    def permissions(self) -> int:
        return base_permissions(self.context)

    @property
    def is_owner(self) -> bool:
        return self.guild.owner_id == self.member.user.id

    @property
    def highest_position(self) -> int:
        """The position of the member's highest role (0 for @everyone only)."""
        return max(
            (self.roles[r].position for r in self.member.role_ids if r in self.roles), default=0
        )

    def in_channel(self, channel: Channel) -> int:
        return channel_permissions(self.context, channel.permission_overwrites)

    def require(self, permission: int) -> None:
        if not has(self.permissions, permission):
            raise errors.MissingPermissions()

    def outranks(self, position: int) -> bool:
        """May manage something at `position` in the role hierarchy (owner always may)."""
        return self.is_owner or self.highest_position > position


@dataclass(frozen=True, slots=True)
class ChannelAccess:
    """The actor's permissions in one channel; `guild` is None for DMs."""

    channel: Channel
    permissions: int
    guild: GuildAccess | None = None

    def require(self, permission: int) -> None:
        if not has(self.permissions, permission):
            raise errors.MissingPermissions()

    @property
    def guild_id(self) -> int | None:
        return self.channel.guild_id


def member_context(
    guild: Guild, member: Member, roles: dict[int, Role], now: datetime
) -> MemberContext:
    everyone = roles.get(guild.id)
    return MemberContext(
        guild_id=guild.id,
        owner_id=guild.owner_id,
        user_id=member.user.id,
        everyone_permissions=everyone.permissions if everyone else 0,
        role_permissions={r: roles[r].permissions for r in member.role_ids if r in roles},
        timed_out=member.timed_out(now),
    )


async def guild_access(
    conn: AsyncConnection,
    actor: User,
    guild_id: int,
    now: datetime,
    cache: AccessCache | None = None,
) -> GuildAccess:
    cache = cache or _NO_CACHE
    seen = cache.version
    structure = cache.guild(guild_id)
    if structure is None:
        guild = await guild_store.get_guild(conn, guild_id)
        if guild is None:
            raise errors.UnknownGuild()
        roles = {role.id: role for role in await guild_store.roles_of_guild(conn, guild_id)}
        cache.put_guild(guild, roles, seen)
    else:
        guild, roles = structure
    member = cache.member(guild_id, actor.id)
    if member is None:
        member = await member_store.get_member(conn, guild_id, actor.id)
        if member is None:
            raise errors.MissingAccess()
        cache.put_member(member, seen)
    return GuildAccess(guild, member, roles, member_context(guild, member, roles, now))


async def channel_access(
    conn: AsyncConnection,
    actor: User,
    channel_id: int,
    now: datetime,
    cache: AccessCache | None = None,
) -> ChannelAccess:
    """The channel and the actor's permissions there; raises unless the actor can view it.

    With a cache, `channel` may lag in fields no permission depends on (`last_message_id`):
    render a channel from a fresh read, not from here.
    """
    cache = cache or _NO_CACHE
    seen = cache.version
    channel = cache.channel(channel_id)
    if channel is None:
        channel = await channel_store.get_channel(conn, channel_id)
        if channel is None:
            raise errors.UnknownChannel()
        cache.put_channel(channel, seen)
    if channel.guild_id is None:
        if actor.id not in channel.recipient_ids:
            raise errors.MissingAccess()
        return ChannelAccess(channel, RECIPIENT_PERMISSIONS)
    access = await guild_access(conn, actor, channel.guild_id, now, cache)
    if channel.type.is_thread:
        permissions = await _in_thread(conn, access, channel, cache)
    else:
        permissions = access.in_channel(channel)
    if not has(permissions, Permission.VIEW_CHANNEL):
        raise errors.MissingAccess()
    return ChannelAccess(channel, permissions, access)


async def _in_thread(
    conn: AsyncConnection, access: GuildAccess, thread: Channel, cache: AccessCache
) -> int:
    return await _thread_permissions(conn, access.context, access.member.user.id, thread, cache)


async def permissions_in(
    conn: AsyncConnection,
    context: MemberContext,
    channel: Channel,
    cache: AccessCache | None = None,
) -> int:
    """Someone else's permissions in a channel of the guild `context` belongs to (a bot's, a
    mentioned member's): a thread's come from its parent, as the actor's do."""
    if channel.type.is_thread:
        return await _thread_permissions(
            conn, context, context.user_id, channel, cache or _NO_CACHE
        )
    return channel_permissions(context, channel.permission_overwrites)


async def _thread_permissions(
    conn: AsyncConnection,
    context: MemberContext,
    user_id: int,
    thread: Channel,
    cache: AccessCache,
) -> int:
    """A thread's permissions come from its parent channel (docs/threads.md); only a private
    thread's members and MANAGE_THREADS holders see it (one lookup, for the others)."""
    parent = cache.channel(thread.parent_id or 0) if thread.parent_id else None
    if parent is None and thread.parent_id is not None:
        seen = cache.version
        parent = await channel_store.get_channel(conn, thread.parent_id)
        if parent is not None:
            cache.put_channel(parent, seen)
    if parent is None:
        return 0
    private = thread.type is ChannelType.PRIVATE_THREAD
    overwrites = parent.permission_overwrites
    permissions = thread_permissions(context, overwrites, private=False, joined=True)
    if private and not has(permissions, Permission.MANAGE_THREADS):
        joined = await thread_store.is_member(conn, thread.id, user_id)
        permissions = thread_permissions(context, overwrites, private=True, joined=joined)
    return permissions


class _NoCache(AccessCache):
    """Stores nothing: for callers that must read the database (the CLI, some tests)."""

    def put_user(self, token_hash: bytes, user: User, seen: int) -> None:
        return None

    def put_channel(self, channel: Channel, seen: int) -> None:
        return None

    def put_guild(self, guild: Guild, roles: dict[int, Role], seen: int) -> None:
        return None

    def put_member(self, member: Member, seen: int) -> None:
        return None


_NO_CACHE = _NoCache()
