"""Bans: ban (removing the member and, if asked, their recent messages), list, look up, lift.

A ban outlives membership: a banned user's invites are refused (actions/invites.py) until the ban
is lifted. Anyone can be banned by id, member or not, as on Discord.
"""

from __future__ import annotations

from datetime import timedelta

from townhall.actions import groups, voice
from townhall.actions.access import guild_access
from townhall.actions.guilds import member_removed
from townhall.actions.members import require_outranks
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.event_data import MessagesDeleted
from townhall.domain.models import Ban
from townhall.domain.permissions import Permission
from townhall.domain.snowflake import snowflake_at
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import members as member_store
from townhall.store import moderation as moderation_store
from townhall.store import users as user_store

MAX_DELETE_MESSAGE_SECONDS = 604800
"""Discord's limit: a ban may take at most the last 7 days of messages with it."""

REASON_MAX = 512


async def list_bans(
    s: Services, actor: Actor, guild_id: int, *, limit: int, before: int | None, after: int | None
) -> list[Ban]:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.BAN_MEMBERS)
        return await member_store.list_bans(conn, guild_id, before=before, after=after, limit=limit)


async def get_ban(s: Services, actor: Actor, guild_id: int, user_id: int) -> Ban:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.BAN_MEMBERS)
        ban = await member_store.get_ban(conn, guild_id, user_id)
    if ban is None:
        raise errors.UnknownBan()
    return ban


async def ban_user(
    s: Services,
    actor: Actor,
    guild_id: int,
    user_id: int,
    *,
    delete_message_seconds: int = 0,
    reason: str | None = None,
) -> None:
    """Ban, remove from the guild, and delete their messages of the last `delete_message_seconds`.

    The owner cannot be banned, nor a member at or above the actor in the role hierarchy.
    """
    if not 0 <= delete_message_seconds <= MAX_DELETE_MESSAGE_SECONDS:
        raise errors.InvalidFormBody.field(
            "delete_message_seconds",
            f"int value should be between 0 and {MAX_DELETE_MESSAGE_SECONDS}.",
            "NUMBER_TYPE_MAX",
        )
    now = s.now()
    deleted: dict[int, list[int]] = {}
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, now, s.cache)
        access.require(Permission.BAN_MEMBERS)
        user = await user_store.get_user(tx.conn, user_id)
        if user is None:
            raise errors.UnknownUser()
        if user_id == access.guild.owner_id:
            raise errors.MissingPermissions()
        target = await member_store.get_member(tx.conn, guild_id, user_id)
        if target is not None:
            require_outranks(access, target)
        newly = not await member_store.is_banned(tx.conn, guild_id, user_id)
        reason = reason[:REASON_MAX] if reason else None
        await member_store.insert_ban(tx.conn, guild_id, user_id, reason)
        if target is not None:
            await voice.leave_voice(tx, guild_id, user_id)
            await groups.leave_community(tx, guild_id, user_id)
            await member_store.delete_member(tx.conn, guild_id, user_id)
        if delete_message_seconds:
            since = snowflake_at(now - timedelta(seconds=delete_message_seconds))
            deleted = await moderation_store.delete_messages_of_author(
                tx.conn, guild_id, user_id, since_id=since
            )
        if newly:
            tx.emit(Event(catalog.GUILD_BAN_ADD, user, guild_id=guild_id))
        tx.emit(
            *(
                Event(
                    catalog.MESSAGE_DELETE_BULK,
                    MessagesDeleted(tuple(ids), channel_id, guild_id),
                    guild_id=guild_id,
                    channel_id=channel_id,
                )
                for channel_id, ids in deleted.items()
            )
        )
        if target is not None:
            tx.emit(*member_removed(guild_id, user))


async def remove_ban(s: Services, actor: Actor, guild_id: int, user_id: int) -> None:
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.BAN_MEMBERS)
        ban = await member_store.get_ban(tx.conn, guild_id, user_id)
        if ban is None:
            raise errors.UnknownBan()
        await member_store.delete_ban(tx.conn, guild_id, user_id)
        tx.emit(Event(catalog.GUILD_BAN_REMOVE, ban.user, guild_id=guild_id))
