"""Node leases: which process holds which node id, and until when."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.schema import node_leases


async def claim_node_id(
    conn: AsyncConnection, holder: str, now_ms: int, until_ms: int, node_ids: range
) -> int | None:
    """Take the lowest node id nobody holds (or whose lease ran out); None when all are taken.

    Each attempt is one statement that succeeds for exactly one claimant, so two processes
    starting at once never get the same id.
    """
    taken = {
        row.node_id: row.expires_at
        for row in await conn.execute(select(node_leases.c.node_id, node_leases.c.expires_at))
    }
    for node_id in node_ids:
        expires_at = taken.get(node_id)
        if expires_at is None:
            try:
                async with conn.begin_nested():
                    await conn.execute(
                        insert(node_leases).values(
                            node_id=node_id, holder=holder, expires_at=until_ms
                        )
                    )
                return node_id
            except IntegrityError:
                continue
        elif expires_at <= now_ms:
            result = await conn.execute(
                update(node_leases)
                .where(node_leases.c.node_id == node_id, node_leases.c.expires_at <= now_ms)
                .values(holder=holder, expires_at=until_ms)
            )
            if result.rowcount == 1:
                return node_id
    return None


async def renew(conn: AsyncConnection, node_id: int, holder: str, until_ms: int) -> bool:
    """Extend the lease; False when it is no longer ours (it ran out and another took it)."""
    result = await conn.execute(
        update(node_leases)
        .where(node_leases.c.node_id == node_id, node_leases.c.holder == holder)
        .values(expires_at=until_ms)
    )
    return result.rowcount == 1


async def release(conn: AsyncConnection, node_id: int, holder: str) -> None:
    await conn.execute(
        delete(node_leases).where(node_leases.c.node_id == node_id, node_leases.c.holder == holder)
    )


async def prune_expired(conn: AsyncConnection, before_ms: int) -> None:
    await conn.execute(delete(node_leases).where(node_leases.c.expires_at < before_ms))
