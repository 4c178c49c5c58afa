"""The moderation (audit) log's entries."""

from __future__ import annotations

import orjson
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.audit_log import AuditLogEntry, AuditLogQuery
from townhall.store.schema import audit_log_entries


def _entry(row: RowMapping) -> AuditLogEntry:
    options = orjson.loads(row["options"]) if row["options"] else {}
    return AuditLogEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        action_type=row["action_type"],
        user_id=row["user_id"],
        target_id=row["target_id"],
        channel_id=row["channel_id"],
        options={str(k): str(v) for k, v in options.items()},
        reason=row["reason"],
    )


async def insert_entry(conn: AsyncConnection, entry: AuditLogEntry) -> None:
    await conn.execute(
        insert(audit_log_entries).values(
            id=entry.id,
            guild_id=entry.guild_id,
            action_type=int(entry.action_type),
            user_id=entry.user_id,
            target_id=entry.target_id,
            channel_id=entry.channel_id,
            options=orjson.dumps(dict(entry.options)).decode() if entry.options else None,
            reason=entry.reason,
        )
    )


async def list_entries(
    conn: AsyncConnection, guild_id: int, query: AuditLogQuery
) -> list[AuditLogEntry]:
    """A page of the guild's entries: newest first, or oldest first after `query.after`."""
    t = audit_log_entries
    statement = select(t).where(t.c.guild_id == guild_id)
    if query.channel_id is not None:
        statement = statement.where(t.c.channel_id == query.channel_id)
    if query.action_type is not None:
        statement = statement.where(t.c.action_type == query.action_type)
    if query.user_id is not None:
        statement = statement.where(t.c.user_id == query.user_id)
    if query.before is not None:
        statement = statement.where(t.c.id < query.before)
    if query.after is not None:
        statement = statement.where(t.c.id > query.after).order_by(t.c.id)
    else:
        statement = statement.order_by(t.c.id.desc())
    rows = await conn.execute(statement.limit(query.limit))
    return [_entry(row) for row in rows.mappings()]
