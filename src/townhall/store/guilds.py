"""Guilds (communities) and their roles."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import RowMapping, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Guild, Role
from townhall.store.schema import guilds, members, roles


def _guild(row: RowMapping) -> Guild:
    return Guild(**{key: row[key] for key in Guild.__dataclass_fields__})


def _role(row: RowMapping) -> Role:
    return Role(**{key: row[key] for key in Role.__dataclass_fields__})


async def insert_guild(conn: AsyncConnection, guild: Guild) -> None:
    await conn.execute(
        insert(guilds).values(**{k: getattr(guild, k) for k in Guild.__dataclass_fields__})
    )


async def get_guild(conn: AsyncConnection, guild_id: int) -> Guild | None:
    row = (await conn.execute(select(guilds).where(guilds.c.id == guild_id))).mappings().first()
    return _guild(row) if row else None


async def update_guild(conn: AsyncConnection, guild_id: int, changes: Mapping[str, object]) -> None:
    if changes:
        await conn.execute(update(guilds).where(guilds.c.id == guild_id).values(**changes))


async def bump_version(conn: AsyncConnection, guild_id: int, by: int) -> int | None:
    """Count `by` more snapshot changes of the guild; its new version (None: the guild is gone).

    On PostgreSQL the row stays locked until commit, so a guild's versions follow commit order."""
    result = await conn.execute(
        update(guilds)
        .where(guilds.c.id == guild_id)
        .values(version=guilds.c.version + by)
        .returning(guilds.c.version)
    )
    row = result.first()
    return None if row is None else int(row[0])


async def delete_guild(conn: AsyncConnection, guild_id: int) -> None:
    await conn.execute(delete(guilds).where(guilds.c.id == guild_id))


async def guilds_of_user(
    conn: AsyncConnection,
    user_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 200,
) -> list[Guild]:
    query = (
        select(guilds)
        .select_from(guilds.join(members, members.c.guild_id == guilds.c.id))
        .where(members.c.user_id == user_id)
    )
    if before is not None:
        query = query.where(guilds.c.id < before)
    if after is not None:
        query = query.where(guilds.c.id > after)
    result = await conn.execute(query.order_by(guilds.c.id).limit(limit))
    return [_guild(row) for row in result.mappings()]


async def roles_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, dict[int, Role]]:
    """Roles of several guilds in one query: guild id -> role id -> role."""
    found: dict[int, dict[int, Role]] = {guild_id: {} for guild_id in guild_ids}
    if guild_ids:
        query = select(roles).where(roles.c.guild_id.in_(list(guild_ids)))
        for row in (await conn.execute(query)).mappings():
            found[row["guild_id"]][row["id"]] = _role(row)
    return found


async def guilds_with_versions(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> list[tuple[Guild, int]]:
    """Several guilds, each with the version of its snapshot (see `bump_version`)."""
    if not guild_ids:
        return []
    result = await conn.execute(select(guilds).where(guilds.c.id.in_(list(guild_ids))))
    return [(_guild(row), int(row["version"])) for row in result.mappings()]


_MEMBERSHIPS_OF_USER = select(members.c.guild_id, members.c.dms_restricted).where(
    members.c.user_id == bindparam("user_id")
)


async def memberships_of_user(conn: AsyncConnection, user_id: int) -> list[tuple[int, bool]]:
    """(guild, whether its members may not DM the user) for each guild the user is in."""
    result = await conn.execute(_MEMBERSHIPS_OF_USER, {"user_id": user_id})
    return [(guild_id, bool(restricted)) for guild_id, restricted in result]


async def guild_ids_of_user(conn: AsyncConnection, user_id: int) -> list[int]:
    return [guild_id for guild_id, _restricted in await memberships_of_user(conn, user_id)]


async def count_guilds_owned(conn: AsyncConnection, user_id: int) -> int:
    query = select(func.count()).select_from(guilds).where(guilds.c.owner_id == user_id)
    return int((await conn.execute(query)).scalar_one())


async def insert_role(conn: AsyncConnection, role: Role) -> None:
    await conn.execute(
        insert(roles).values(**{k: getattr(role, k) for k in Role.__dataclass_fields__})
    )


async def get_role(conn: AsyncConnection, guild_id: int, role_id: int) -> Role | None:
    query = select(roles).where(roles.c.id == role_id, roles.c.guild_id == guild_id)
    row = (await conn.execute(query)).mappings().first()
    return _role(row) if row else None


async def roles_of_guild(conn: AsyncConnection, guild_id: int) -> list[Role]:
    query = select(roles).where(roles.c.guild_id == guild_id).order_by(roles.c.position, roles.c.id)
    return [_role(row) for row in (await conn.execute(query)).mappings()]


async def update_role(conn: AsyncConnection, role_id: int, changes: Mapping[str, object]) -> None:
    if changes:
        await conn.execute(update(roles).where(roles.c.id == role_id).values(**changes))


async def make_room_for_role(conn: AsyncConnection, guild_id: int, position: int) -> None:
    """Move every role at or above `position` (not @everyone) one step up, to make room."""
    await conn.execute(
        update(roles)
        .where(roles.c.guild_id == guild_id, roles.c.id != guild_id, roles.c.position >= position)
        .values(position=roles.c.position + 1)
    )


async def set_role_positions(conn: AsyncConnection, positions: Sequence[tuple[int, int]]) -> None:
    """Set (role_id, position) pairs."""
    for role_id, position in positions:
        await conn.execute(update(roles).where(roles.c.id == role_id).values(position=position))


async def delete_role(conn: AsyncConnection, role_id: int) -> None:
    await conn.execute(delete(roles).where(roles.c.id == role_id))


async def count_roles(conn: AsyncConnection, guild_id: int) -> int:
    query = select(func.count()).select_from(roles).where(roles.c.guild_id == guild_id)
    return int((await conn.execute(query)).scalar_one())
