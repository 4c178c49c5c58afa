"""Bot applications (the bot itself is a row of `users`)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Application
from townhall.store.schema import applications


def _application(row: RowMapping) -> Application:
    return Application(**{key: row[key] for key in Application.__dataclass_fields__})


async def insert_application(conn: AsyncConnection, application: Application) -> None:
    await conn.execute(
        insert(applications).values(
            **{k: getattr(application, k) for k in Application.__dataclass_fields__}
        )
    )


async def get_application(conn: AsyncConnection, application_id: int) -> Application | None:
    query = select(applications).where(applications.c.id == application_id)
    row = (await conn.execute(query)).mappings().first()
    return _application(row) if row else None


async def application_for_bot(conn: AsyncConnection, bot_user_id: int) -> Application | None:
    query = select(applications).where(applications.c.bot_user_id == bot_user_id)
    row = (await conn.execute(query)).mappings().first()
    return _application(row) if row else None


async def applications_of_owner(conn: AsyncConnection, owner_id: int) -> list[Application]:
    query = (
        select(applications).where(applications.c.owner_id == owner_id).order_by(applications.c.id)
    )
    return [_application(row) for row in (await conn.execute(query)).mappings()]


async def count_applications_of_owner(conn: AsyncConnection, owner_id: int) -> int:
    query = (
        select(func.count()).select_from(applications).where(applications.c.owner_id == owner_id)
    )
    return int((await conn.execute(query)).scalar_one())


async def update_application(
    conn: AsyncConnection, application_id: int, changes: Mapping[str, object]
) -> None:
    if changes:
        await conn.execute(
            update(applications).where(applications.c.id == application_id).values(**changes)
        )
