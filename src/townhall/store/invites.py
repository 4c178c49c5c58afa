"""Invite codes."""

from __future__ import annotations

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Invite
from townhall.store.rows import from_millis_required, to_millis
from townhall.store.schema import invites


def _invite(row: RowMapping) -> Invite:
    return Invite(
        code=row["code"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        inviter_id=row["inviter_id"],
        created_at=from_millis_required(row["created_at"]),
        max_age=row["max_age"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        temporary=row["temporary"],
        flags=row["flags"],
    )


async def insert_invite(conn: AsyncConnection, invite: Invite) -> None:
    await conn.execute(
        insert(invites).values(
            code=invite.code,
            guild_id=invite.guild_id,
            channel_id=invite.channel_id,
            inviter_id=invite.inviter_id,
            created_at=to_millis(invite.created_at),
            max_age=invite.max_age,
            max_uses=invite.max_uses,
            uses=invite.uses,
            temporary=invite.temporary,
            flags=invite.flags,
        )
    )


async def get_invite(conn: AsyncConnection, code: str) -> Invite | None:
    row = (await conn.execute(select(invites).where(invites.c.code == code))).mappings().first()
    return _invite(row) if row else None


async def find_reusable(
    conn: AsyncConnection,
    channel_id: int,
    inviter_id: int,
    max_age: int,
    max_uses: int,
    temporary: bool,
    flags: int = 0,
) -> list[Invite]:
    """Invites with the same settings by the same inviter: reused unless `unique` is asked for."""
    query = select(invites).where(
        invites.c.channel_id == channel_id,
        invites.c.inviter_id == inviter_id,
        invites.c.max_age == max_age,
        invites.c.max_uses == max_uses,
        invites.c.temporary == temporary,
        invites.c.flags == flags,
    )
    return [_invite(row) for row in (await conn.execute(query)).mappings()]


async def invites_of_guild(conn: AsyncConnection, guild_id: int) -> list[Invite]:
    query = select(invites).where(invites.c.guild_id == guild_id).order_by(invites.c.created_at)
    return [_invite(row) for row in (await conn.execute(query)).mappings()]


async def invites_of_channel(conn: AsyncConnection, channel_id: int) -> list[Invite]:
    query = select(invites).where(invites.c.channel_id == channel_id).order_by(invites.c.created_at)
    return [_invite(row) for row in (await conn.execute(query)).mappings()]


async def use_invite(conn: AsyncConnection, code: str) -> bool:
    """Count one use, atomically refusing a code whose uses ran out (two racing joins, one seat)."""
    query = (
        update(invites)
        .where(
            invites.c.code == code,
            (invites.c.max_uses == 0) | (invites.c.uses < invites.c.max_uses),
        )
        .values(uses=invites.c.uses + 1)
    )
    return bool((await conn.execute(query)).rowcount)


async def delete_invite(conn: AsyncConnection, code: str) -> None:
    await conn.execute(delete(invites).where(invites.c.code == code))


async def invites_of_inviter(conn: AsyncConnection, inviter_id: int) -> list[Invite]:
    query = select(invites).where(invites.c.inviter_id == inviter_id)
    return [_invite(row) for row in (await conn.execute(query)).mappings()]
