"""The outbox: events stored in the transaction of the change they describe, until relayed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.schema import node_leases, outbox

OutboxRow = tuple[int, str, int, bytes]
"""(event id, owner, created_at ms, packed envelope)."""


async def insert_events(conn: AsyncConnection, rows: Sequence[OutboxRow]) -> None:
    await conn.execute(
        insert(outbox),
        [{"id": i, "owner": owner, "created_at": at, "body": body} for i, owner, at, body in rows],
    )


async def delete_events(conn: AsyncConnection, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 500):
        await conn.execute(delete(outbox).where(outbox.c.id.in_(ids[start : start + 500])))


async def orphaned_events(
    conn: AsyncConnection, now_ms: int, *, limit: int
) -> list[tuple[int, bytes]]:
    """Rows whose writer holds no live lease any more, oldest first."""
    live = select(node_leases.c.holder).where(node_leases.c.expires_at > now_ms)
    result = await conn.execute(
        select(outbox.c.id, outbox.c.body)
        .where(outbox.c.owner.not_in(live))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [(row.id, bytes(row.body)) for row in result]
