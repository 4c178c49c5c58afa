"""Read states: a person marks a channel read up to a message, and their other sessions follow.

As in Discord's client: `POST /channels/{id}/messages/{id}/ack`, `read_state` in READY (with the
mentions waiting after each read position), and `MESSAGE_ACK` to the person's other sessions.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import announcements
from townhall.actions.access import channel_access
from townhall.actions.messages import load_message
from townhall.actions.services import Services
from townhall.domain import notifications
from townhall.domain.actor import Actor
from townhall.domain.notifications import GuildSettings, ReadPosition, mentions_user
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import read_states as read_state_store
from townhall.store import user_settings as settings_store
from townhall.store.read_states import ReadState


async def ack_message(
    s: Services, actor: Actor, channel_id: int, message_id: int, *, manual: bool = False
) -> ReadPosition:
    """Mark the channel read up to the message. Only forward, unless `manual` (the person chose
    "mark unread" on an older message)."""
    version = s.now_ms()
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        await load_message(tx.conn, access, message_id)
        crossed = await announcements.reads_crossing(
            tx, access, actor.id, message_id, manual=manual
        )
        position = await read_state_store.mark_read(
            tx.conn, actor.id, channel_id, message_id, version, backwards=manual
        )
        read = ReadPosition(channel_id, position, version, 0, manual)
        tx.emit(Event(catalog.MESSAGE_ACK, read, user_ids=frozenset({actor.id})))
        await announcements.reads_moved(tx, access, crossed)  # must-read receipts it moved
    return read


def count_mentions(
    user_id: int,
    found: list[tuple[int, int | None, notifications.Mentions]],
    roles: dict[int, set[int]],
    settings: dict[int, GuildSettings],
) -> Counter[int]:
    counts: Counter[int] = Counter()
    for channel_id, guild_id, mentions in found:
        direct = guild_id is None
        member_roles = roles.get(guild_id, set()) if guild_id is not None else set()
        guild_settings = settings.get(guild_id) if guild_id is not None else None
        if mentions_user(mentions, user_id, member_roles, direct=direct, settings=guild_settings):
            counts[channel_id] += 1
    return counts


async def read_states_with_mentions(
    conn: AsyncConnection, user_id: int, settings: dict[int, GuildSettings]
) -> list[tuple[int, int, int]]:
    """(channel, last read message, mentions after it) for each channel the person has read and
    can still reach."""
    states: list[ReadState] = await read_state_store.read_states_of_user(conn, user_id)
    if not states:
        return []
    reachable = await read_state_store.readable_channel_ids(conn, user_id)
    states = [state for state in states if state.channel_id in reachable]
    found = await read_state_store.unread_mentions(conn, user_id, states)
    roles = await settings_store.role_ids_by_guild(conn, user_id) if found else {}
    counts = count_mentions(user_id, found, roles, settings)
    return [(st.channel_id, st.last_message_id, counts[st.channel_id]) for st in states]
