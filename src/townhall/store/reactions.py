"""Reactions: one row per (message, emoji, user); counts are computed, never stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, case, delete, distinct, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import ReactionCount, User
from townhall.store.rows import user_from_row
from townhall.store.schema import reactions, users
from townhall.store.users import USER_COLUMNS


@dataclass(frozen=True, slots=True)
class ReactionState:
    """What adding one reaction needs to know about its message, read in one query."""

    distinct_emoji: int
    emoji_present: bool
    already_reacted: bool


async def reaction_state(
    conn: AsyncConnection, message_id: int, emoji: str, user_id: int
) -> ReactionState:
    is_emoji = reactions.c.emoji == emoji
    query = select(
        func.count(distinct(reactions.c.emoji)),
        func.max(case((is_emoji, 1), else_=0)),
        func.max(case((and_(is_emoji, reactions.c.user_id == user_id), 1), else_=0)),
    ).where(reactions.c.message_id == message_id)
    row = (await conn.execute(query)).one()
    return ReactionState(int(row[0] or 0), bool(row[1]), bool(row[2]))


async def add_reaction(
    conn: AsyncConnection, message_id: int, channel_id: int, emoji: str, user_id: int, seq: int
) -> bool:
    """False when the user had already reacted with this emoji (a concurrent double click)."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(reactions).values(
                    message_id=message_id,
                    channel_id=channel_id,
                    emoji=emoji,
                    user_id=user_id,
                    seq=seq,
                )
            )
    except IntegrityError:
        return False
    return True


async def remove_reaction(conn: AsyncConnection, message_id: int, emoji: str, user_id: int) -> bool:
    result = await conn.execute(
        delete(reactions).where(
            reactions.c.message_id == message_id,
            reactions.c.emoji == emoji,
            reactions.c.user_id == user_id,
        )
    )
    return bool(result.rowcount)


async def remove_all(conn: AsyncConnection, message_id: int, emoji: str | None = None) -> int:
    query = delete(reactions).where(reactions.c.message_id == message_id)
    if emoji is not None:
        query = query.where(reactions.c.emoji == emoji)
    return int((await conn.execute(query)).rowcount or 0)


async def reactors(
    conn: AsyncConnection, message_id: int, emoji: str, *, after: int, limit: int
) -> list[User]:
    """The users who reacted with `emoji`, by user id (Discord pages them with `after`)."""
    query = (
        select(*USER_COLUMNS)
        .select_from(reactions.join(users, users.c.id == reactions.c.user_id))
        .where(
            reactions.c.message_id == message_id,
            reactions.c.emoji == emoji,
            reactions.c.user_id > after,
        )
        .order_by(reactions.c.user_id)
        .limit(limit)
    )
    return [user_from_row(row) for row in (await conn.execute(query)).mappings()]


_FIRST_USE = func.min(reactions.c.seq)
_COUNTS = (
    select(
        reactions.c.message_id,
        reactions.c.emoji,
        func.count(),
        func.max(case((reactions.c.user_id == bindparam("viewer_id"), 1), else_=0)),
        _FIRST_USE,
    )
    .where(reactions.c.message_id.in_(bindparam("ids", expanding=True)))
    .group_by(reactions.c.message_id, reactions.c.emoji)
    .order_by(reactions.c.message_id, _FIRST_USE)
)
"""Built once: every history page runs it."""


async def counts(
    conn: AsyncConnection, message_ids: Collection[int], viewer_id: int | None
) -> dict[int, tuple[ReactionCount, ...]]:
    """Every listed message's reactions, in order of each emoji's first use, in one query."""
    if not message_ids:
        return {}
    parameters = {"ids": list(message_ids), "viewer_id": viewer_id or 0}
    found: dict[int, list[ReactionCount]] = defaultdict(list)
    for message_id, emoji, count, me, _first in (await conn.execute(_COUNTS, parameters)).all():
        found[message_id].append(ReactionCount(emoji=emoji, count=int(count), me=bool(me)))
    return {message_id: tuple(items) for message_id, items in found.items()}
