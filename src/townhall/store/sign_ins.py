"""Failed sign-ins per account (for backoff) and the devices that signed in before."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.schema import known_devices, sign_in_failures

MAX_DEVICES_PER_USER = 20


async def failures(conn: AsyncConnection, key: str) -> tuple[int, int, int] | None:
    """(failures, first failure of the window, blocked until), all times in ms."""
    query = select(
        sign_in_failures.c.failures,
        sign_in_failures.c.window_started_at,
        sign_in_failures.c.blocked_until,
    ).where(sign_in_failures.c.key == key)
    row = (await conn.execute(query)).first()
    return (row[0], row[1], row[2]) if row else None


async def put_failures(
    conn: AsyncConnection, key: str, count: int, window_started_at: int, blocked_until: int
) -> None:
    values = {
        "failures": count,
        "window_started_at": window_started_at,
        "blocked_until": blocked_until,
    }
    changed = await conn.execute(
        update(sign_in_failures).where(sign_in_failures.c.key == key).values(**values)
    )
    if changed.rowcount == 0:
        await conn.execute(insert(sign_in_failures).values(key=key, **values))


async def clear_failures(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == key))


async def prune_failures(conn: AsyncConnection, older_than_ms: int, now_ms: int) -> None:
    """Forget windows that ended and blocks that passed, so guessed logins do not pile up."""
    await conn.execute(
        delete(sign_in_failures).where(
            sign_in_failures.c.window_started_at < older_than_ms,
            sign_in_failures.c.blocked_until < now_ms,
        )
    )


async def is_known_device(conn: AsyncConnection, user_id: int, token_hash: bytes) -> bool:
    query = select(known_devices.c.user_id).where(
        known_devices.c.user_id == user_id, known_devices.c.token_hash == token_hash
    )
    return (await conn.execute(query)).first() is not None


async def remember_device(
    conn: AsyncConnection, user_id: int, token_hash: bytes, now_ms: int
) -> None:
    """Record (or refresh) a device; a user keeps their most recently used devices only."""
    changed = await conn.execute(
        update(known_devices)
        .where(known_devices.c.user_id == user_id, known_devices.c.token_hash == token_hash)
        .values(last_used_at=now_ms)
    )
    if changed.rowcount == 0:
        await conn.execute(
            insert(known_devices).values(
                user_id=user_id, token_hash=token_hash, created_at=now_ms, last_used_at=now_ms
            )
        )
    stale = (
        select(known_devices.c.token_hash)
        .where(known_devices.c.user_id == user_id)
        .order_by(known_devices.c.last_used_at.desc())
        .offset(MAX_DEVICES_PER_USER)
    )
    old = [row[0] for row in await conn.execute(stale)]
    if old:
        await conn.execute(
            delete(known_devices).where(
                known_devices.c.user_id == user_id, known_devices.c.token_hash.in_(old)
            )
        )
