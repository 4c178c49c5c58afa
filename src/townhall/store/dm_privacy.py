"""Who may DM whom: each membership's `dms_restricted` flag and each user's default for new ones.

Discord's user settings name these `restricted_guilds` (the guilds whose members may not DM you)
and `default_guilds_restricted` (whether a guild you join goes on that list).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from townhall.store.schema import members, users


async def restricted_guild_ids(conn: AsyncConnection, user_id: int) -> list[int]:
    query = (
        select(members.c.guild_id)
        .where(members.c.user_id == user_id, members.c.dms_restricted.is_(True))
        .order_by(members.c.guild_id)
    )
    return [row[0] for row in await conn.execute(query)]


_DEFAULT_GUILDS_RESTRICTED = select(users.c.default_guilds_restricted).where(
    users.c.id == bindparam("user_id")
)


async def default_guilds_restricted(conn: AsyncConnection, user_id: int) -> bool:
    found = await conn.execute(_DEFAULT_GUILDS_RESTRICTED, {"user_id": user_id})
    return bool(found.scalar_one_or_none())


async def set_default_guilds_restricted(conn: AsyncConnection, user_id: int, value: bool) -> None:
    await conn.execute(
        update(users).where(users.c.id == user_id).values(default_guilds_restricted=value)
    )


async def set_restricted_guilds(
    conn: AsyncConnection, user_id: int, guild_ids: Collection[int]
) -> None:
    """Exactly these of the user's guilds restrict DMs (ids of other guilds are ignored)."""
    mine = members.c.user_id == user_id
    await conn.execute(
        update(members).where(mine).values(dms_restricted=members.c.guild_id.in_(list(guild_ids)))
    )


async def shares_an_open_guild(conn: AsyncConnection, sender_id: int, recipient_id: int) -> bool:
    """Sender and recipient are members of a guild whose members the recipient accepts DMs from."""
    recipient, sender = aliased(members), aliased(members)
    query = select(
        exists().where(
            and_(
                recipient.c.user_id == recipient_id,
                recipient.c.dms_restricted.is_(False),
                sender.c.guild_id == recipient.c.guild_id,
                sender.c.user_id == sender_id,
            )
        )
    )
    return bool((await conn.execute(query)).scalar())
