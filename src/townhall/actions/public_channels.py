"""Channels readable by anyone with the link: turning it on and off, and what a visitor reads.

A visitor has no account and no token. Everything here only reads, and only from a channel that
`domain.channels.readable_by_anyone` says is public: flagged WEB_PUBLIC, a text or announcement
channel, and readable by @everyone (a visitor never sees more than a member with no role). Any
other channel, and any channel that does not exist, answers 401 Unauthorized, exactly what the
same request gets without a token today, so a visitor cannot even learn which ids exist.

The gateway's side (anonymous sessions following public channels) is `gateway/anonymous.py`;
it decides from the node's guild replica with the same rule. See docs/public-channels.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import GuildAccess
from townhall.actions.services import Services
from townhall.domain import channels as rules
from townhall.domain import errors
from townhall.domain.models import Channel, ChannelType, Guild, Message, Role, User
from townhall.domain.permissions import Overwrite, Permission
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store
from townhall.store import messages as message_store


@dataclass(frozen=True, slots=True)
class GuildPreview:
    """What anyone may know of a guild with a public channel (Discord's Guild Preview)."""

    guild: Guild
    member_count: int


# -- turning it on and off (PATCH /channels/{id} with `flags`) ---------------------------------


def flag_changes(
    access: GuildAccess,
    channel: Channel,
    flags: int | None,
    kind: ChannelType,
    overwrites: Sequence[Overwrite],
) -> dict[str, object]:
    """The `flags` column a Modify Channel body sets, checked.

    Opening a channel to the world is the community's decision: turning WEB_PUBLIC on needs
    MANAGE_GUILD besides the MANAGE_CHANNELS every channel change needs, and every member must
    already be able to read the channel (`overwrites` are those after the same patch). Turning it
    off needs only MANAGE_CHANNELS: closing is always allowed."""
    value = rules.channel_flags(flags or 0, kind)
    turned_on = bool(value & rules.ChannelFlag.WEB_PUBLIC) and not (
        channel.flags & rules.ChannelFlag.WEB_PUBLIC
    )
    if turned_on:
        access.require(Permission.MANAGE_GUILD)
        guild_id = access.guild.id
        if not rules.readable_by_anyone(
            guild_id, kind, value, _everyone(access.roles, guild_id), overwrites
        ):
            raise errors.InvalidFormBody.field(
                "flags",
                "Only a channel every member can read can be readable by anyone.",
                "CHANNEL_NOT_READABLE_BY_EVERYONE",
            )
    return {"flags": value} if value != channel.flags else {}


# -- what a visitor reads -----------------------------------------------------------------------


async def get_public_channel(s: Services, channel_id: int) -> Channel:
    async with s.engine.connect() as conn:
        return await _public_channel(conn, channel_id)


async def list_public_messages(
    s: Services,
    channel_id: int,
    *,
    limit: int = 50,
    before: int | None = None,
    after: int | None = None,
    around: int | None = None,
) -> list[Message]:
    """A page of a public channel's history, as a member with no role reads it (held messages,
    whose files are still being scanned, are left out: they are their author's only)."""
    async with s.engine.connect() as conn:
        await _public_channel(conn, channel_id)
        return await message_store.history(
            conn,
            channel_id,
            viewer_id=None,
            limit=limit,
            before=before,
            after=after,
            around=around,
        )


async def get_public_message(s: Services, channel_id: int, message_id: int) -> Message:
    async with s.engine.connect() as conn:
        await _public_channel(conn, channel_id)
        message = await message_store.get_message(conn, channel_id, message_id, None)
    if message is None:
        raise errors.UnknownMessage()
    return message


async def guild_preview(s: Services, viewer: User | None, guild_id: int) -> GuildPreview:
    """Discord's Guild Preview: for members, and for anyone when the guild has a public channel
    (Discord's "discoverable"). A visitor is told 401 otherwise, a signed-in stranger 10004."""
    async with s.engine.connect() as conn:
        guild, roles = await _guild(conn, guild_id, viewer)
        member = None
        if viewer is not None:
            member = await member_store.get_member(conn, guild_id, viewer.id)
        if member is None:
            channels = await channel_store.channels_of_guild(conn, guild_id)
            if not any(_is_public(c, roles) for c in channels):
                raise errors.Unauthorized() if viewer is None else errors.UnknownGuild()
        count = await member_store.count_members(conn, guild_id)
    return GuildPreview(guild, count)


async def _guild(
    conn: AsyncConnection, guild_id: int, viewer: User | None
) -> tuple[Guild, dict[int, Role]]:
    guild = await guild_store.get_guild(conn, guild_id)
    if guild is None:
        raise errors.Unauthorized() if viewer is None else errors.UnknownGuild()
    roles = {role.id: role for role in await guild_store.roles_of_guild(conn, guild_id)}
    return guild, roles


async def _public_channel(conn: AsyncConnection, channel_id: int) -> Channel:
    """The channel, when it is public; 401 for anything else (as without a public channel).

    Read from the database, not the node's access cache: another node's cache forgets the
    channel only once the change's event reaches it over the bus, and a visitor must lose a
    closed channel at once, on every node. (Visitors' reads are rate-limited per address; two
    small queries more.)"""
    channel = await channel_store.get_channel(conn, channel_id)
    if channel is None or channel.guild_id is None:
        raise errors.Unauthorized()
    if not channel.flags & rules.ChannelFlag.WEB_PUBLIC:
        raise errors.Unauthorized()
    _, roles = await _guild(conn, channel.guild_id, None)
    if not _is_public(channel, roles):
        raise errors.Unauthorized()
    return channel


def _is_public(channel: Channel, roles: dict[int, Role]) -> bool:
    guild_id = channel.guild_id
    assert guild_id is not None
    return rules.readable_by_anyone(
        guild_id,
        int(channel.type),
        channel.flags,
        _everyone(roles, guild_id),
        channel.permission_overwrites,
    )


def _everyone(roles: dict[int, Role], guild_id: int) -> int:
    everyone = roles.get(guild_id)
    return everyone.permissions if everyone is not None else 0
