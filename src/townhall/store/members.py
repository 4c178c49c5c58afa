"""Guild membership: members, their roles, and bans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import RowMapping, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Ban, Member
from townhall.store.rows import from_millis, from_millis_required, to_millis, user_from_row
from townhall.store.schema import bans, member_roles, members, users
from townhall.store.users import USER_COLUMNS

_MEMBER_COLUMNS = (
    members.c.guild_id,
    members.c.nick,
    members.c.joined_at,
    members.c.communication_disabled_until,
    members.c.deaf,
    members.c.mute,
    members.c.flags.label("member_flags"),
    # Labelled: `users.flags` is selected beside it, and the two are different flags.
)


def _member(row: RowMapping, role_ids: Sequence[int]) -> Member:
    return Member(
        guild_id=row["guild_id"],
        user=user_from_row(row),
        joined_at=from_millis_required(row["joined_at"]),
        role_ids=tuple(role_ids),
        nick=row["nick"],
        communication_disabled_until=from_millis(row["communication_disabled_until"]),
        deaf=row["deaf"],
        mute=row["mute"],
        flags=row["member_flags"],
    )


async def _role_ids(
    conn: AsyncConnection, guild_id: int, user_ids: Collection[int]
) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if user_ids:
        query = select(member_roles.c.user_id, member_roles.c.role_id).where(
            member_roles.c.guild_id == guild_id, member_roles.c.user_id.in_(list(user_ids))
        )
        for user_id, role_id in (await conn.execute(query)).all():
            found[user_id].append(role_id)
    return found


async def insert_member(
    conn: AsyncConnection,
    guild_id: int,
    user_id: int,
    joined_at_ms: int,
    *,
    temporary: bool = False,
) -> bool:
    """Add a member; False when they already were one."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(members).values(
                    guild_id=guild_id,
                    user_id=user_id,
                    joined_at=joined_at_ms,
                    temporary=temporary,
                    # Discord's `default_guilds_restricted`: a new guild restricts DMs if so set.
                    dms_restricted=select(users.c.default_guilds_restricted)
                    .where(users.c.id == user_id)
                    .scalar_subquery(),
                )
            )
    except IntegrityError:
        return False
    return True


async def get_member(conn: AsyncConnection, guild_id: int, user_id: int) -> Member | None:
    query = (
        select(*USER_COLUMNS, *_MEMBER_COLUMNS)
        .select_from(members.join(users, users.c.id == members.c.user_id))
        .where(members.c.guild_id == guild_id, members.c.user_id == user_id)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return _member(row, (await _role_ids(conn, guild_id, [user_id]))[user_id])


async def is_member(conn: AsyncConnection, guild_id: int, user_id: int) -> bool:
    query = select(members.c.user_id).where(
        members.c.guild_id == guild_id, members.c.user_id == user_id
    )
    return (await conn.execute(query)).first() is not None


async def list_members(
    conn: AsyncConnection,
    guild_id: int,
    *,
    after: int = 0,
    limit: int = 1000,
    user_ids: Collection[int] | None = None,
    username_prefix: str | None = None,
) -> list[Member]:
    query = (
        select(*USER_COLUMNS, *_MEMBER_COLUMNS)
        .select_from(members.join(users, users.c.id == members.c.user_id))
        .where(members.c.guild_id == guild_id, members.c.user_id > after)
    )
    if user_ids is not None:
        query = query.where(members.c.user_id.in_(list(user_ids)))
    if username_prefix:
        pattern = _prefix_pattern(username_prefix)
        query = query.where(users.c.username_key.like(pattern, escape="\\"))
    rows = list((await conn.execute(query.order_by(members.c.user_id).limit(limit))).mappings())
    roles = await _role_ids(conn, guild_id, [row["id"] for row in rows])
    return [_member(row, roles[row["id"]]) for row in rows]


async def search_members(
    conn: AsyncConnection, guild_id: int, query: str, *, limit: int
) -> list[Member]:
    """Members whose username or nickname starts with `query`, without regard to case."""
    pattern = _prefix_pattern(query)
    found = (
        select(*USER_COLUMNS, *_MEMBER_COLUMNS)
        .select_from(members.join(users, users.c.id == members.c.user_id))
        .where(
            members.c.guild_id == guild_id,
            or_(
                users.c.username_key.like(pattern, escape="\\"),
                func.lower(members.c.nick).like(pattern, escape="\\"),
            ),
        )
        .order_by(members.c.user_id)
        .limit(limit)
    )
    rows = list((await conn.execute(found)).mappings())
    roles = await _role_ids(conn, guild_id, [row["id"] for row in rows])
    return [_member(row, roles[row["id"]]) for row in rows]


def _prefix_pattern(prefix: str) -> str:
    escaped = prefix.casefold().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"{escaped}%"


async def memberships_of_user(
    conn: AsyncConnection, user_id: int, guild_ids: Collection[int]
) -> dict[int, Member]:
    """One user's membership in each of several guilds, in two queries."""
    if not guild_ids:
        return {}
    query = (
        select(*USER_COLUMNS, *_MEMBER_COLUMNS)
        .select_from(members.join(users, users.c.id == members.c.user_id))
        .where(members.c.user_id == user_id, members.c.guild_id.in_(list(guild_ids)))
    )
    rows = list((await conn.execute(query)).mappings())
    role_query = select(member_roles.c.guild_id, member_roles.c.role_id).where(
        member_roles.c.user_id == user_id, member_roles.c.guild_id.in_(list(guild_ids))
    )
    role_ids: dict[int, list[int]] = defaultdict(list)
    for guild_id, role_id in (await conn.execute(role_query)).all():
        role_ids[guild_id].append(role_id)
    return {row["guild_id"]: _member(row, role_ids[row["guild_id"]]) for row in rows}


async def members_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, list[Member]]:
    """Every member of several guilds, with their roles, in two queries."""
    found: dict[int, list[Member]] = {guild_id: [] for guild_id in guild_ids}
    if not guild_ids:
        return found
    ids = list(guild_ids)
    query = (
        select(*USER_COLUMNS, *_MEMBER_COLUMNS)
        .select_from(members.join(users, users.c.id == members.c.user_id))
        .where(members.c.guild_id.in_(ids))
        .order_by(members.c.guild_id, members.c.user_id)
    )
    rows = list((await conn.execute(query)).mappings())
    role_query = select(member_roles.c.guild_id, member_roles.c.user_id, member_roles.c.role_id)
    role_ids: dict[tuple[int, int], list[int]] = defaultdict(list)
    for guild_id, user_id, role_id in (
        await conn.execute(role_query.where(member_roles.c.guild_id.in_(ids)))
    ).all():
        role_ids[(guild_id, user_id)].append(role_id)
    for row in rows:
        found[row["guild_id"]].append(_member(row, role_ids[(row["guild_id"], row["id"])]))
    return found


async def count_members_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, int]:
    query = (
        select(members.c.guild_id, func.count())
        .where(members.c.guild_id.in_(list(guild_ids)))
        .group_by(members.c.guild_id)
    )
    return {guild_id: int(count) for guild_id, count in (await conn.execute(query)).all()}


async def member_ids(conn: AsyncConnection, guild_id: int) -> list[int]:
    query = select(members.c.user_id).where(members.c.guild_id == guild_id)
    return list((await conn.execute(query)).scalars())


async def count_members(conn: AsyncConnection, guild_id: int) -> int:
    query = select(func.count()).select_from(members).where(members.c.guild_id == guild_id)
    return int((await conn.execute(query)).scalar_one())


async def update_member(
    conn: AsyncConnection, guild_id: int, user_id: int, changes: Mapping[str, object]
) -> None:
    """Change member columns; moments (`communication_disabled_until`) may be given as datetimes."""
    changes = {k: to_millis(v) if isinstance(v, datetime) else v for k, v in changes.items()}
    if changes:
        await conn.execute(
            update(members)
            .where(members.c.guild_id == guild_id, members.c.user_id == user_id)
            .values(**changes)
        )


async def delete_member(conn: AsyncConnection, guild_id: int, user_id: int) -> bool:
    await conn.execute(
        delete(member_roles).where(
            member_roles.c.guild_id == guild_id, member_roles.c.user_id == user_id
        )
    )
    result = await conn.execute(
        delete(members).where(members.c.guild_id == guild_id, members.c.user_id == user_id)
    )
    return bool(result.rowcount)


async def set_member_roles(
    conn: AsyncConnection, guild_id: int, user_id: int, role_ids: Collection[int]
) -> None:
    await conn.execute(
        delete(member_roles).where(
            member_roles.c.guild_id == guild_id, member_roles.c.user_id == user_id
        )
    )
    if role_ids:
        await conn.execute(
            insert(member_roles),
            [{"guild_id": guild_id, "user_id": user_id, "role_id": r} for r in set(role_ids)],
        )


async def add_member_role(conn: AsyncConnection, guild_id: int, user_id: int, role_id: int) -> bool:
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(member_roles).values(guild_id=guild_id, user_id=user_id, role_id=role_id)
            )
    except IntegrityError:
        return False
    return True


async def remove_member_role(
    conn: AsyncConnection, guild_id: int, user_id: int, role_id: int
) -> bool:
    result = await conn.execute(
        delete(member_roles).where(
            member_roles.c.guild_id == guild_id,
            member_roles.c.user_id == user_id,
            member_roles.c.role_id == role_id,
        )
    )
    return bool(result.rowcount)


async def insert_ban(
    conn: AsyncConnection, guild_id: int, user_id: int, reason: str | None
) -> None:
    await conn.execute(delete(bans).where(bans.c.guild_id == guild_id, bans.c.user_id == user_id))
    await conn.execute(insert(bans).values(guild_id=guild_id, user_id=user_id, reason=reason))


async def is_banned(conn: AsyncConnection, guild_id: int, user_id: int) -> bool:
    query = select(bans.c.user_id).where(bans.c.guild_id == guild_id, bans.c.user_id == user_id)
    return (await conn.execute(query)).first() is not None


async def get_ban(conn: AsyncConnection, guild_id: int, user_id: int) -> Ban | None:
    bans_list = await list_bans(conn, guild_id, user_ids=[user_id])
    return bans_list[0] if bans_list else None


async def list_bans(
    conn: AsyncConnection,
    guild_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 1000,
    user_ids: Collection[int] | None = None,
) -> list[Ban]:
    query = (
        select(*USER_COLUMNS, bans.c.reason)
        .select_from(bans.join(users, users.c.id == bans.c.user_id))
        .where(bans.c.guild_id == guild_id)
    )
    if user_ids is not None:
        query = query.where(bans.c.user_id.in_(list(user_ids)))
    if before is not None:
        query = query.where(bans.c.user_id < before).order_by(bans.c.user_id.desc())
    else:
        query = query.where(bans.c.user_id > (after or 0)).order_by(bans.c.user_id)
    rows = (await conn.execute(query.limit(limit))).mappings()
    result = [Ban(guild_id=guild_id, user=user_from_row(row), reason=row["reason"]) for row in rows]
    return sorted(result, key=lambda ban: ban.user.id)


async def delete_ban(conn: AsyncConnection, guild_id: int, user_id: int) -> bool:
    result = await conn.execute(
        delete(bans).where(bans.c.guild_id == guild_id, bans.c.user_id == user_id)
    )
    return bool(result.rowcount)
