"""The moderation log: recording what moderators did, and reading it back.

A moderator's action writes its entry in its own transaction (`record`), so an entry exists
exactly when the change does; GUILD_AUDIT_LOG_ENTRY_CREATE goes to VIEW_AUDIT_LOG holders.
"""

from __future__ import annotations

from townhall.actions.access import ChannelAccess, guild_access
from townhall.actions.services import Services, Transaction
from townhall.domain import audit_log as rules
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.audit_log import AuditLogEntry, AuditLogEvent, AuditLogQuery
from townhall.domain.models import Message, User
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import audit_log as audit_store
from townhall.store import channels as channel_store
from townhall.store import users as user_store

USER_TARGETS = frozenset({AuditLogEvent.MESSAGE_DELETE})
"""Entries whose target is a user (listed in `users` beside the entries)."""


async def record(tx: Transaction, entry: AuditLogEntry) -> None:
    await audit_store.insert_entry(tx.conn, entry)
    tx.emit(Event(catalog.GUILD_AUDIT_LOG_ENTRY_CREATE, entry, guild_id=entry.guild_id))


async def message_deleted(
    tx: Transaction, s: Services, actor: Actor, access: ChannelAccess, message: Message
) -> None:
    """A moderator deleted someone else's message in a guild channel."""
    guild_id = access.channel.guild_id
    if guild_id is None or message.author.id == actor.id:
        return
    entry = rules.message_deleted(
        s.ids.next_id(),
        guild_id,
        actor.id,
        message.author.id,
        access.channel.id,
        message.id,
        actor.reason,
    )
    await record(tx, entry)


async def messages_bulk_deleted(
    tx: Transaction, s: Services, actor: Actor, access: ChannelAccess, count: int
) -> None:
    guild_id = access.channel.guild_id
    if guild_id is None or not count:
        return
    entry = rules.messages_bulk_deleted(
        s.ids.next_id(), guild_id, actor.id, access.channel.id, count, actor.reason
    )
    await record(tx, entry)


async def list_entries(
    s: Services, actor: Actor, guild_id: int, query: AuditLogQuery
) -> tuple[list[AuditLogEntry], list[User]]:
    """A page of the log and the users it names. VIEW_AUDIT_LOG reads it all; a channel's
    moderator (a group admin) only that channel's, asking with `channel_id`."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        in_channel = None
        if query.channel_id is not None:
            channel = await channel_store.get_channel(conn, query.channel_id)
            if channel is None or channel.guild_id != guild_id:
                raise errors.UnknownChannel()
            in_channel = access.in_channel(channel)
        rules.require_may_read(access.permissions, in_channel)
        entries = await audit_store.list_entries(conn, guild_id, query)
        named = {e.user_id for e in entries if e.user_id is not None}
        named |= {
            e.target_id
            for e in entries
            if e.target_id is not None and e.action_type in USER_TARGETS
        }
        found = await user_store.get_users(conn, named)
    return entries, [found[uid] for uid in sorted(found)]
