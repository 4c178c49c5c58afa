"""Scheduled events and who is interested in them.

Interest counts only members: someone who left the guild drops out of the count and the list
without their row being touched (joining again brings their interest back).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import replace

from sqlalchemy import RowMapping, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import Join

from townhall.domain.scheduled_events import EntityType, EventStatus, ScheduledEvent
from townhall.store import users as user_store
from townhall.store.rows import from_millis, from_millis_required, to_millis
from townhall.store.schema import guild_scheduled_event_users as event_users
from townhall.store.schema import guild_scheduled_events as events
from townhall.store.schema import members

_UNFINISHED = (int(EventStatus.SCHEDULED), int(EventStatus.ACTIVE))


def _event(row: RowMapping) -> ScheduledEvent:
    return ScheduledEvent(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        creator_id=row["creator_id"],
        name=row["name"],
        description=row["description"],
        start=from_millis_required(row["scheduled_start_time"]),
        end=from_millis(row["scheduled_end_time"]),
        privacy_level=row["privacy_level"],
        status=EventStatus(row["status"]),
        entity_type=EntityType(row["entity_type"]),
        entity_id=row["entity_id"],
        location=row["location"],
    )


def _values(event: ScheduledEvent) -> dict[str, object]:
    return {
        "channel_id": event.channel_id,
        "name": event.name,
        "description": event.description,
        "scheduled_start_time": to_millis(event.start),
        "scheduled_end_time": to_millis(event.end) if event.end is not None else None,
        "privacy_level": event.privacy_level,
        "status": int(event.status),
        "entity_type": int(event.entity_type),
        "entity_id": event.entity_id,
        "location": event.location,
    }


async def _with_creators(
    conn: AsyncConnection, found: list[ScheduledEvent]
) -> list[ScheduledEvent]:
    ids = {e.creator_id for e in found if e.creator_id is not None}
    creators = await user_store.get_users(conn, ids) if ids else {}
    return [
        replace(e, creator=creators.get(e.creator_id)) if e.creator_id is not None else e
        for e in found
    ]


async def insert_event(conn: AsyncConnection, event: ScheduledEvent) -> None:
    await conn.execute(
        insert(events).values(
            id=event.id, guild_id=event.guild_id, creator_id=event.creator_id, **_values(event)
        )
    )


async def update_event(conn: AsyncConnection, event: ScheduledEvent) -> None:
    await conn.execute(update(events).where(events.c.id == event.id).values(**_values(event)))


async def delete_event(conn: AsyncConnection, event_id: int) -> None:
    await conn.execute(delete(events).where(events.c.id == event_id))


async def get_event(
    conn: AsyncConnection, guild_id: int, event_id: int, *, lock: bool = False
) -> ScheduledEvent | None:
    """The event with its creator; `lock` holds the row until the transaction ends
    (PostgreSQL), so that two changes of its status never both pass the transition check."""
    query = select(events).where(events.c.id == event_id, events.c.guild_id == guild_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return (await _with_creators(conn, [_event(row)]))[0]


async def get_event_by_id(
    conn: AsyncConnection, event_id: int, *, lock: bool = False
) -> ScheduledEvent | None:
    """For jobs, which know only the event."""
    query = select(events).where(events.c.id == event_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return (await _with_creators(conn, [_event(row)]))[0]


async def unfinished_events(conn: AsyncConnection, guild_id: int) -> list[ScheduledEvent]:
    """SCHEDULED and ACTIVE events, soonest first (what Discord lists)."""
    query = (
        select(events)
        .where(events.c.guild_id == guild_id, events.c.status.in_(_UNFINISHED))
        .order_by(events.c.scheduled_start_time, events.c.id)
    )
    found = [_event(row) for row in (await conn.execute(query)).mappings()]
    return await _with_creators(conn, found)


async def count_unfinished(conn: AsyncConnection, guild_id: int) -> int:
    query = select(func.count()).where(
        events.c.guild_id == guild_id, events.c.status.in_(_UNFINISHED)
    )
    return int((await conn.execute(query)).scalar_one())


async def unfinished_events_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, list[ScheduledEvent]]:
    """For the gateway's replicas: every guild's SCHEDULED and ACTIVE events, counted."""
    found: dict[int, list[ScheduledEvent]] = defaultdict(list)
    if not guild_ids:
        return found
    query = (
        select(events)
        .where(events.c.guild_id.in_(list(guild_ids)), events.c.status.in_(_UNFINISHED))
        .order_by(events.c.scheduled_start_time, events.c.id)
    )
    listed = await _with_creators(
        conn, [_event(row) for row in (await conn.execute(query)).mappings()]
    )
    counts = await user_counts(conn, [e.id for e in listed])
    for event in listed:
        found[event.guild_id].append(replace(event, user_count=counts.get(event.id, 0)))
    return found


def _interested_members() -> Join:
    """event_users rows whose user is (still) a member of the event's guild."""
    return event_users.join(
        members,
        and_(
            members.c.guild_id == event_users.c.guild_id, members.c.user_id == event_users.c.user_id
        ),
    )


async def user_counts(conn: AsyncConnection, event_ids: Collection[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    query = (
        select(event_users.c.event_id, func.count())
        .select_from(_interested_members())
        .where(event_users.c.event_id.in_(list(event_ids)))
        .group_by(event_users.c.event_id)
    )
    return {event_id: int(count) for event_id, count in (await conn.execute(query)).all()}


async def with_user_counts(
    conn: AsyncConnection, found: list[ScheduledEvent]
) -> list[ScheduledEvent]:
    counts = await user_counts(conn, [e.id for e in found])
    return [replace(e, user_count=counts.get(e.id, 0)) for e in found]


async def add_user(conn: AsyncConnection, event_id: int, guild_id: int, user_id: int) -> bool:
    """Mark a member interested; False when they already were."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(event_users).values(event_id=event_id, guild_id=guild_id, user_id=user_id)
            )
    except IntegrityError:
        return False
    return True


async def remove_user(conn: AsyncConnection, event_id: int, user_id: int) -> bool:
    """False when they were not interested."""
    result = await conn.execute(
        delete(event_users).where(
            event_users.c.event_id == event_id, event_users.c.user_id == user_id
        )
    )
    return bool(result.rowcount)


async def interested_ids(
    conn: AsyncConnection,
    event_id: int,
    *,
    limit: int | None = None,
    before: int | None = None,
    after: int = 0,
) -> list[int]:
    """Interested members' ids in ascending order: after `after`, or (given `before`) the last
    `limit` of those before it, as Discord pages them."""
    query = (
        select(event_users.c.user_id)
        .select_from(_interested_members())
        .where(event_users.c.event_id == event_id)
    )
    if before is not None:
        query = query.where(event_users.c.user_id < before).order_by(event_users.c.user_id.desc())
        if limit is not None:
            query = query.limit(limit)
        return sorted((await conn.execute(query)).scalars())
    query = query.where(event_users.c.user_id > after).order_by(event_users.c.user_id)
    if limit is not None:
        query = query.limit(limit)
    return list((await conn.execute(query)).scalars())


async def interests_of_user(
    conn: AsyncConnection, user_id: int, guild_ids: Collection[int]
) -> Mapping[int, list[int]]:
    """The unfinished events the user is interested in, by guild."""
    found: dict[int, list[int]] = defaultdict(list)
    if not guild_ids:
        return found
    query = (
        select(event_users.c.guild_id, event_users.c.event_id)
        .select_from(event_users.join(events, events.c.id == event_users.c.event_id))
        .where(
            event_users.c.user_id == user_id,
            event_users.c.guild_id.in_(list(guild_ids)),
            events.c.status.in_(_UNFINISHED),
        )
        .order_by(event_users.c.event_id)
    )
    for guild_id, event_id in (await conn.execute(query)).all():
        found[guild_id].append(event_id)
    return found
