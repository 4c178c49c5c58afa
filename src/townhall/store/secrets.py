"""Keys every node of one system shares, made by whichever node starts first."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.schema import server_secrets


async def get_or_create(conn: AsyncConnection, name: str, fresh: bytes) -> bytes:
    """The stored key `name`; `fresh` is stored (and returned) when there is none yet."""
    query = select(server_secrets.c.value).where(server_secrets.c.name == name)
    found = (await conn.execute(query)).scalar_one_or_none()
    if found is not None:
        return bytes(found)
    try:
        async with conn.begin_nested():
            await conn.execute(insert(server_secrets).values(name=name, value=fresh))
    except IntegrityError:  # another node made it first
        return bytes((await conn.execute(query)).scalar_one())
    return fresh
