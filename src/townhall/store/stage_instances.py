"""Stage instances: the live session of a stage channel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import StageInstance
from townhall.store.schema import stage_instances


def _stage(row: RowMapping) -> StageInstance:
    return StageInstance(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        topic=row["topic"],
        privacy_level=row["privacy_level"],
        scheduled_event_id=row["scheduled_event_id"],
    )


async def stage_of_channel(
    conn: AsyncConnection, channel_id: int, *, lock: bool = False
) -> StageInstance | None:
    """`lock`: hold the row until the transaction ends (PostgreSQL), so that of two people
    leaving a stage at once, the second sees the first gone."""
    query = select(stage_instances).where(stage_instances.c.channel_id == channel_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return _stage(row) if row is not None else None


async def stages_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, list[StageInstance]]:
    found: dict[int, list[StageInstance]] = defaultdict(list)
    if guild_ids:
        query = select(stage_instances).where(stage_instances.c.guild_id.in_(list(guild_ids)))
        for row in (await conn.execute(query)).mappings():
            found[row["guild_id"]].append(_stage(row))
    return found


async def insert_stage(conn: AsyncConnection, stage: StageInstance) -> None:
    await conn.execute(
        insert(stage_instances).values(
            id=stage.id,
            guild_id=stage.guild_id,
            channel_id=stage.channel_id,
            topic=stage.topic,
            privacy_level=stage.privacy_level,
            scheduled_event_id=stage.scheduled_event_id,
        )
    )


async def update_stage(conn: AsyncConnection, stage: StageInstance) -> None:
    await conn.execute(
        update(stage_instances)
        .where(stage_instances.c.id == stage.id)
        .values(topic=stage.topic, privacy_level=stage.privacy_level)
    )


async def delete_stage(conn: AsyncConnection, stage_id: int) -> None:
    await conn.execute(delete(stage_instances).where(stage_instances.c.id == stage_id))
