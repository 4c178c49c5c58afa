"""Calls in DMs and group DMs: one row per channel while anyone is in the call."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Call
from townhall.store.rows import from_millis_required, join_ids, split_ids, to_millis
from townhall.store.schema import calls


def _call(row: RowMapping) -> Call:
    return Call(
        channel_id=row["channel_id"],
        started_at=from_millis_required(row["started_at"]),
        ringing=split_ids(row["ringing"]),
    )


async def get_call(conn: AsyncConnection, channel_id: int, *, lock: bool = False) -> Call | None:
    """`lock`: hold the row to the end of the transaction (PostgreSQL), so that of two people
    leaving at once, the second sees the first gone and ends the call."""
    query = select(calls).where(calls.c.channel_id == channel_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return _call(row) if row is not None else None


async def calls_of_channels(conn: AsyncConnection, channel_ids: Collection[int]) -> list[Call]:
    if not channel_ids:
        return []
    query = select(calls).where(calls.c.channel_id.in_(list(channel_ids)))
    return [_call(row) for row in (await conn.execute(query)).mappings()]


async def insert_call(conn: AsyncConnection, call: Call) -> None:
    await conn.execute(
        insert(calls).values(
            channel_id=call.channel_id,
            started_at=to_millis(call.started_at),
            ringing=join_ids(call.ringing),
        )
    )


async def set_ringing(conn: AsyncConnection, channel_id: int, ringing: Iterable[int]) -> None:
    await conn.execute(
        update(calls).where(calls.c.channel_id == channel_id).values(ringing=join_ids(ringing))
    )


async def delete_call(conn: AsyncConnection, channel_id: int) -> None:
    await conn.execute(delete(calls).where(calls.c.channel_id == channel_id))
