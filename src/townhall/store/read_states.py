"""Read states: how far each person has read each channel, and the mentions waiting after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.notifications import Mentions
from townhall.store.rows import split_ids
from townhall.store.schema import channel_recipients, channels, members, messages, read_states

MENTION_SCAN_LIMIT = 2000
"""At most this many unread messages that mention someone are looked at for a person's counts."""


@dataclass(frozen=True, slots=True)
class ReadState:
    channel_id: int
    last_message_id: int
    version: int


def upsert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """INSERT … ON CONFLICT for the engine in use (both spell it the same)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_READ_STATES_OF_USER = select(
    read_states.c.channel_id, read_states.c.last_message_id, read_states.c.version
).where(read_states.c.user_id == bindparam("user_id"))
_READABLE_CHANNEL_IDS = (
    select(channels.c.id)
    .join(
        members,
        and_(members.c.guild_id == channels.c.guild_id, members.c.user_id == bindparam("user_id")),
    )
    .union(
        select(channel_recipients.c.channel_id).where(
            channel_recipients.c.user_id == bindparam("user_id")
        )
    )
)
"""Both run at every IDENTIFY: prebuilt."""


async def read_states_of_user(conn: AsyncConnection, user_id: int) -> list[ReadState]:
    rows = await conn.execute(_READ_STATES_OF_USER, {"user_id": user_id})
    return [ReadState(r.channel_id, r.last_message_id, r.version) for r in rows]


async def mark_read(
    conn: AsyncConnection,
    user_id: int,
    channel_id: int,
    message_id: int,
    version: int,
    *,
    backwards: bool,
) -> int:
    """Move the read position to `message_id` (forward only, unless `backwards`); returns where
    it now is."""
    await move_read(conn, user_id, channel_id, message_id, version, backwards=backwards)
    found = await conn.execute(
        select(read_states.c.last_message_id).where(
            read_states.c.user_id == user_id, read_states.c.channel_id == channel_id
        )
    )
    position: int = found.scalar_one()
    return position


async def move_read(
    conn: AsyncConnection,
    user_id: int,
    channel_id: int,
    message_id: int,
    version: int,
    *,
    backwards: bool = False,
) -> None:
    """The read position at `message_id` (forward only, unless `backwards`): one statement, as
    a person's own message moves it in the send transaction."""
    statement = upsert(conn, read_states).values(
        user_id=user_id, channel_id=channel_id, last_message_id=message_id, version=version
    )
    excluded = statement.excluded
    where = None if backwards else read_states.c.last_message_id < excluded.last_message_id
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[read_states.c.user_id, read_states.c.channel_id],
            set_={"last_message_id": excluded.last_message_id, "version": excluded.version},
            where=where,
        )
    )


async def unread_mentions(
    conn: AsyncConnection, user_id: int, states: Sequence[ReadState]
) -> list[tuple[int, int | None, Mentions]]:
    """(channel, guild, what it mentions) of unread messages that mention anyone, or that were
    written to the person in a DM, after each of their read positions."""
    if not states:
        return []
    positions = [
        and_(messages.c.channel_id == s.channel_id, messages.c.id > s.last_message_id)
        for s in states
    ]
    is_dm = messages.c.guild_id.is_(None)
    query = (
        select(
            messages.c.channel_id,
            messages.c.guild_id,
            messages.c.author_id,
            messages.c.mention_everyone,
            messages.c.mention_ids,
            messages.c.mention_role_ids,
        )
        .where(or_(*positions))
        .where(messages.c.author_id != user_id)
        .where(
            or_(
                is_dm,
                messages.c.mention_everyone.is_(True),
                messages.c.mention_ids.is_not(None),
                messages.c.mention_role_ids.is_not(None),
            )
        )
        .limit(MENTION_SCAN_LIMIT)
    )
    return [
        (
            row.channel_id,
            row.guild_id,
            Mentions(
                row.author_id,
                bool(row.mention_everyone),
                split_ids(row.mention_ids),
                split_ids(row.mention_role_ids),
            ),
        )
        for row in await conn.execute(query)
    ]


async def readable_channel_ids(conn: AsyncConnection, user_id: int) -> set[int]:
    """Channels of the person's guilds and DMs (read states of others are dropped)."""
    rows = await conn.execute(_READABLE_CHANNEL_IDS, {"user_id": user_id})
    return {row[0] for row in rows}
