"""Must-read announcements: acknowledging them, a person's list of them, and their receipts.

Sending one is `send_message` with the MUST_READ flag (actions/messages.py: MANAGE_MESSAGES in the
channel; the author counts as having acknowledged it). Receipts are computed, never stored: the
members who see the channel (domain/announcements.py: a few queries whatever the guild's size;
people only, bots are not asked to read), their read states (actions/read_states.py moves them)
and their acknowledgements. The channel's managers hear of every change as
ANNOUNCEMENT_RECEIPTS_UPDATE: after an acknowledgement, and after a read state that passed a
must-read message.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import ChannelAccess, channel_access, guild_access
from townhall.actions.messages import load_message, message_event
from townhall.actions.services import Services, Transaction
from townhall.domain import announcements as rules
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.announcements import PendingKind, Viewers
from townhall.domain.event_data import AnnouncementReceipts, MessageAcknowledged
from townhall.domain.models import Message, User
from townhall.domain.permissions import Permission, has
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import announcements as announcement_store
from townhall.store import channels as channel_store
from townhall.store import users as user_store

_READS = int(Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY)


def _not_must_read() -> errors.InvalidFormBody:
    return errors.InvalidFormBody.field(
        "message_id", "This message is not a must-read message.", "MESSAGE_NOT_MUST_READ"
    )


async def _must_read(
    conn: AsyncConnection, access: ChannelAccess, message_id: int, viewer_id: int
) -> Message:
    """The must-read message (404 10008 when unknown or not yet shown, 400 when not must-read)."""
    message = await load_message(conn, access, message_id)
    if message.held and message.author.id != viewer_id:
        raise errors.UnknownMessage()
    if access.guild is None or not rules.is_must_read(message.flags):
        raise _not_must_read()
    return message


async def acknowledge_message(s: Services, actor: Actor, channel_id: int, message_id: int) -> None:
    """ "Got it": once per person; again changes nothing."""
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        await _must_read(tx.conn, access, message_id, actor.id)
        guild_id = access.channel.guild_id
        assert guild_id is not None
        added = await announcement_store.acknowledge(
            tx.conn, message_id, actor.id, channel_id, guild_id, s.now_ms()
        )
        if not added:
            return
        done = MessageAcknowledged(channel_id, message_id, guild_id)
        tx.emit(Event(catalog.MESSAGE_ACKNOWLEDGE, done, user_ids=frozenset({actor.id})))
        await _emit_receipts(tx, access, [message_id])


async def list_must_read(s: Services, actor: Actor, guild_id: int) -> list[Message]:
    """The actor's unacknowledged must-read messages in the channels whose history they read,
    newest first."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        channels = await channel_store.channels_of_guild(conn, guild_id)
        readable = [
            c.id for c in channels if c.type.holds_messages and has(access.in_channel(c), _READS)
        ]
        return await announcement_store.unacknowledged(
            conn, guild_id, actor.id, readable, rules.MUST_READ_LIST_MAX
        )


async def get_receipts(
    s: Services, actor: Actor, channel_id: int, message_id: int
) -> AnnouncementReceipts:
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        access.require(Permission.MANAGE_MESSAGES)
        await _must_read(conn, access, message_id, actor.id)
        return await receipts(conn, access, message_id)


async def list_pending(
    s: Services,
    actor: Actor,
    channel_id: int,
    message_id: int,
    kind: PendingKind,
    *,
    after: int = 0,
    limit: int = rules.PENDING_DEFAULT,
) -> list[User]:
    """Who of the people who see the channel has not read (or not acknowledged) the message,
    by id (bots are left out)."""
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        access.require(Permission.MANAGE_MESSAGES)
        await _must_read(conn, access, message_id, actor.id)
        viewers = await _viewers(conn, access)
        unread = kind is PendingKind.UNREAD
        guild_id = access.channel.guild_id
        assert guild_id is not None
        if viewers.only is None:  # everyone but a few: ask the store, skip the few
            found = await announcement_store.members_without(
                conn,
                guild_id,
                channel_id=channel_id,
                message_id=message_id,
                read=unread,
                after=after,
                limit=limit + len(viewers.hidden),
            )
            ids = [u for u in found if u not in viewers.hidden][:limit]
        else:
            if unread:
                done = await announcement_store.readers(conn, channel_id, message_id)
            else:
                done = await announcement_store.acknowledgers(conn, message_id)
            ids = sorted(u for u in viewers.only - done if u > after)[:limit]
        users = await user_store.get_users(conn, ids)
    return [users[u] for u in ids if u in users]


# -- receipts ---------------------------------------------------------------------------------


async def _viewers(conn: AsyncConnection, access: ChannelAccess) -> Viewers:
    guild = access.guild
    assert guild is not None
    overwrites = access.channel.permission_overwrites
    scope = rules.viewer_scope(guild.guild, guild.roles, overwrites)
    role_sets = await announcement_store.role_sets(
        conn, guild.guild.id, scope.role_ids, scope.user_ids
    )
    seeing, hidden = rules.split_viewers(guild.guild, guild.roles, overwrites, role_sets)
    return rules.viewers(scope, seeing, hidden)


async def receipts(
    conn: AsyncConnection, access: ChannelAccess, message_id: int
) -> AnnouncementReceipts:
    """The counts of one must-read message of the access's channel, as they are now."""
    guild_id, channel_id = access.channel.guild_id, access.channel.id
    assert guild_id is not None
    viewers = await _viewers(conn, access)
    if viewers.only is None:
        hidden = viewers.hidden
        members = await announcement_store.count_people(conn, guild_id) - len(hidden)
        read = await announcement_store.count_read(conn, guild_id, channel_id, message_id)
        acknowledged = await announcement_store.count_acknowledged(conn, guild_id, message_id)
        if hidden:
            read -= len(await announcement_store.readers(conn, channel_id, message_id, hidden))
            acknowledged -= len(await announcement_store.acknowledgers(conn, message_id, hidden))
    else:
        seeing = viewers.only
        members = len(seeing)
        read = len(await announcement_store.readers(conn, channel_id, message_id) & seeing)
        acknowledged = len(await announcement_store.acknowledgers(conn, message_id) & seeing)
    return AnnouncementReceipts(guild_id, channel_id, message_id, members, read, acknowledged)


async def _emit_receipts(
    tx: Transaction, access: ChannelAccess, message_ids: Sequence[int]
) -> None:
    for message_id in message_ids:
        counts = await receipts(tx.conn, access, message_id)
        tx.emit(message_event(catalog.ANNOUNCEMENT_RECEIPTS_UPDATE, counts, access))


async def reads_crossing(
    tx: Transaction, access: ChannelAccess, user_id: int, message_id: int, *, manual: bool
) -> list[int]:
    """Before a read state moves to `message_id` (forward only, unless `manual`): the must-read
    messages it will pass, the newest few. actions/read_states.py asks, in its transaction."""
    guild_id = access.channel.guild_id
    if guild_id is None:
        return []
    crossed = await announcement_store.must_read_crossed(
        tx.conn, guild_id, access.channel.id, user_id, message_id, both_ways=manual
    )
    return crossed[: rules.CROSSED_MAX]


async def reads_moved(tx: Transaction, access: ChannelAccess, crossed: Sequence[int]) -> None:
    """After the read state moved: the managers hear the new counts of what it passed."""
    if crossed and access.guild is not None:
        await _emit_receipts(tx, access, crossed)
