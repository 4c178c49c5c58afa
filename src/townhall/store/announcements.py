"""Must-read messages: acknowledgements, and the reads and acknowledgements behind the receipts.

Must-read messages are found through a partial index of `messages` (schema.MUST_READ_WHERE), so
listing them never walks a channel's history. Counts join `members`: a person who left the guild
no longer counts, though their read state and acknowledgement stay. Bots are members but nobody
asks them to read: the viewers, counts and lists here are of people only (`users.bot` false).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Message, User
from townhall.store.messages import _message, _with_author, hydrate
from townhall.store.read_states import upsert
from townhall.store.schema import (
    member_roles,
    members,
    message_acknowledgements,
    messages,
    read_states,
    users,
)

CHUNK = 500
"""Ids per `IN (…)` list: far below both engines' limits on bound parameters."""

_MUST_READ = text("(messages.flags & 1073741824) != 0")
"""schema.MUST_READ_WHERE, qualified (`users` has `flags` too): the partial index still applies."""


_PEOPLE = members.join(users, and_(users.c.id == members.c.user_id, users.c.bot == false()))
"""The guild's members who are people, not bots."""


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


async def acknowledge(
    conn: AsyncConnection, message_id: int, user_id: int, channel_id: int, guild_id: int, at_ms: int
) -> bool:
    """Record the acknowledgement; False when the person had already acknowledged."""
    statement = (
        upsert(conn, message_acknowledgements)
        .values(
            message_id=message_id,
            user_id=user_id,
            channel_id=channel_id,
            guild_id=guild_id,
            acknowledged_at=at_ms,
        )
        .on_conflict_do_nothing(
            index_elements=[
                message_acknowledgements.c.message_id,
                message_acknowledgements.c.user_id,
            ]
        )
    )
    result = await conn.execute(statement)
    return bool(result.rowcount)


async def must_read_crossed(
    conn: AsyncConnection,
    guild_id: int,
    channel_id: int,
    user_id: int,
    to: int,
    *,
    both_ways: bool,
) -> list[int]:
    """Must-read messages that moving the person's read position to `to` passes, newest first:
    those after the position now, up to `to`, and (`both_ways`, a manual "mark unread") those
    after `to` up to the position now."""
    position = func.coalesce(
        select(read_states.c.last_message_id)
        .where(read_states.c.user_id == user_id, read_states.c.channel_id == channel_id)
        .scalar_subquery(),
        0,
    )
    passed = and_(messages.c.id <= to, messages.c.id > position)
    if both_ways:
        passed = or_(passed, and_(messages.c.id > to, messages.c.id <= position))
    query = (
        select(messages.c.id)
        .where(
            messages.c.guild_id == guild_id,
            messages.c.channel_id == channel_id,
            _MUST_READ,
            messages.c.held == false(),
            passed,
        )
        .order_by(messages.c.id.desc())
    )
    return list((await conn.execute(query)).scalars())


async def unacknowledged(
    conn: AsyncConnection, guild_id: int, user_id: int, channel_ids: Collection[int], limit: int
) -> list[Message]:
    """The person's unacknowledged must-read messages in these channels, newest first."""
    if not channel_ids:
        return []
    acknowledged = exists().where(
        message_acknowledgements.c.message_id == messages.c.id,
        message_acknowledgements.c.user_id == user_id,
    )
    query = (
        _with_author()
        .where(
            messages.c.guild_id == guild_id,
            messages.c.channel_id.in_(sorted(channel_ids)),
            _MUST_READ,
            messages.c.held == false(),
            ~acknowledged,
        )
        .order_by(messages.c.id.desc())
        .limit(limit)
    )
    authors: dict[int, User] = {}
    page = [_message(row, authors=authors) for row in (await conn.execute(query)).mappings()]
    return await hydrate(conn, page, user_id)


async def role_sets(
    conn: AsyncConnection, guild_id: int, role_ids: Collection[int], user_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """The role ids of each person (not bot) who holds one of `role_ids` or is one of
    `user_ids`."""
    if not role_ids and not user_ids:
        return {}
    wanted = []
    if user_ids:
        wanted.append(members.c.user_id.in_(sorted(user_ids)))
    if role_ids:
        holders = select(member_roles.c.user_id).where(
            member_roles.c.guild_id == guild_id, member_roles.c.role_id.in_(sorted(role_ids))
        )
        wanted.append(members.c.user_id.in_(holders))
    query = (
        select(members.c.user_id, member_roles.c.role_id)
        .select_from(
            _PEOPLE.outerjoin(
                member_roles,
                and_(
                    member_roles.c.guild_id == members.c.guild_id,
                    member_roles.c.user_id == members.c.user_id,
                ),
            )
        )
        .where(members.c.guild_id == guild_id, or_(*wanted))
    )
    found: dict[int, set[int]] = {}
    for user_id, role_id in await conn.execute(query):
        roles = found.setdefault(user_id, set())
        if role_id is not None:
            roles.add(role_id)
    return {user_id: frozenset(roles) for user_id, roles in found.items()}


async def count_people(conn: AsyncConnection, guild_id: int) -> int:
    """The guild's members who are people."""
    query = select(func.count()).select_from(_PEOPLE).where(members.c.guild_id == guild_id)
    return int((await conn.execute(query)).scalar_one())


async def count_read(conn: AsyncConnection, guild_id: int, channel_id: int, message_id: int) -> int:
    """Members (people) whose read state in the channel reached the message."""
    query = (
        select(func.count())
        .select_from(
            read_states.join(
                _PEOPLE,
                and_(members.c.user_id == read_states.c.user_id, members.c.guild_id == guild_id),
            )
        )
        .where(read_states.c.channel_id == channel_id, read_states.c.last_message_id >= message_id)
    )
    return int((await conn.execute(query)).scalar_one())


async def count_acknowledged(conn: AsyncConnection, guild_id: int, message_id: int) -> int:
    """Members (people) who acknowledged the message."""
    query = (
        select(func.count())
        .select_from(
            message_acknowledgements.join(
                _PEOPLE,
                and_(
                    members.c.user_id == message_acknowledgements.c.user_id,
                    members.c.guild_id == guild_id,
                ),
            )
        )
        .where(message_acknowledgements.c.message_id == message_id)
    )
    return int((await conn.execute(query)).scalar_one())


async def readers(
    conn: AsyncConnection, channel_id: int, message_id: int, among: Collection[int] | None = None
) -> set[int]:
    """Who read the channel up to the message (of `among`, when given)."""
    base = select(read_states.c.user_id).where(
        read_states.c.channel_id == channel_id, read_states.c.last_message_id >= message_id
    )
    return await _ids(conn, base, read_states.c.user_id, among)


async def acknowledgers(
    conn: AsyncConnection, message_id: int, among: Collection[int] | None = None
) -> set[int]:
    """Who acknowledged the message (of `among`, when given)."""
    base = select(message_acknowledgements.c.user_id).where(
        message_acknowledgements.c.message_id == message_id
    )
    return await _ids(conn, base, message_acknowledgements.c.user_id, among)


async def _ids(
    conn: AsyncConnection,
    base: Select[int],
    column: ColumnElement[int],
    among: Collection[int] | None,
) -> set[int]:
    if among is None:
        return set((await conn.execute(base)).scalars())
    found: set[int] = set()
    for chunk in _chunks(among):
        found.update((await conn.execute(base.where(column.in_(chunk)))).scalars())
    return found


async def members_without(
    conn: AsyncConnection,
    guild_id: int,
    *,
    channel_id: int,
    message_id: int,
    read: bool,
    after: int,
    limit: int,
) -> list[int]:
    """Members (people), by id after `after`, who have not read (`read`) or not acknowledged
    the message."""
    if read:
        done = exists().where(
            read_states.c.user_id == members.c.user_id,
            read_states.c.channel_id == channel_id,
            read_states.c.last_message_id >= message_id,
        )
    else:
        done = exists().where(
            message_acknowledgements.c.user_id == members.c.user_id,
            message_acknowledgements.c.message_id == message_id,
        )
    query = (
        select(members.c.user_id)
        .select_from(_PEOPLE)
        .where(members.c.guild_id == guild_id, members.c.user_id > after, ~done)
        .order_by(members.c.user_id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())
