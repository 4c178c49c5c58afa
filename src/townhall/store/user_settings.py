"""A person's own settings: notifications per guild (Discord's JSON, stored as is) and the
settings that follow them everywhere (language, theme)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.read_states import upsert
from townhall.store.schema import member_roles, user_guild_settings, user_settings

_GUILD_SETTINGS_OF_USER = select(
    user_guild_settings.c.settings, user_guild_settings.c.version
).where(user_guild_settings.c.user_id == bindparam("user_id"))
_USER_SETTINGS = select(
    user_settings.c.locale, user_settings.c.theme, user_settings.c.notification_message_text
).where(user_settings.c.user_id == bindparam("user_id"))
"""Every IDENTIFY runs these: prebuilt."""


async def guild_settings_of_user(
    conn: AsyncConnection, user_id: int, guild_id: int | None = None
) -> list[tuple[dict[str, Any], int]]:
    """(settings JSON, version) of each guild the person has settings for (or of one guild)."""
    query = _GUILD_SETTINGS_OF_USER
    if guild_id is not None:
        query = query.where(user_guild_settings.c.guild_id == guild_id)
    rows = await conn.execute(query, {"user_id": user_id})
    return [(orjson.loads(row.settings), row.version) for row in rows]


async def put_guild_settings(
    conn: AsyncConnection, user_id: int, guild_id: int, settings: dict[str, Any], version: int
) -> None:
    statement = upsert(conn, user_guild_settings).values(
        user_id=user_id,
        guild_id=guild_id,
        settings=orjson.dumps(settings).decode(),
        version=version,
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[user_guild_settings.c.user_id, user_guild_settings.c.guild_id],
            set_={"settings": statement.excluded.settings, "version": statement.excluded.version},
        )
    )


async def get_user_settings(conn: AsyncConnection, user_id: int) -> dict[str, Any]:
    row = (await conn.execute(_USER_SETTINGS, {"user_id": user_id})).first()
    if row is None:
        return {"locale": None, "theme": None, "notification_message_text": 0}
    return {
        "locale": row.locale,
        "theme": row.theme,
        "notification_message_text": row.notification_message_text or 0,
    }


async def put_user_settings(
    conn: AsyncConnection, user_id: int, changes: dict[str, str | int]
) -> None:
    statement = upsert(conn, user_settings).values(user_id=user_id, **changes)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[user_settings.c.user_id],
            set_={name: statement.excluded[name] for name in changes},
        )
    )


async def role_ids_by_guild(conn: AsyncConnection, user_id: int) -> dict[int, set[int]]:
    rows = await conn.execute(
        select(member_roles.c.guild_id, member_roles.c.role_id).where(
            member_roles.c.user_id == user_id
        )
    )
    found: dict[int, set[int]] = {}
    for row in rows:
        found.setdefault(row.guild_id, set()).add(row.role_id)
    return found
