"""Web Push: the browsers' subscriptions, the clients that are focused, and the batched reads
the push jobs decide with (who subscribed among a guild's members, their roles, settings and
privacy choices). Every read here serves a background job or a settings screen, never a send.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.push import NewSubscription
from townhall.store.read_states import upsert
from townhall.store.schema import (
    guilds,
    member_roles,
    members,
    push_focus,
    push_subscriptions,
    user_guild_settings,
    user_settings,
)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str
    expires_at: int | None
    created_at: int


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        user_id=row.user_id,
        endpoint=row.endpoint,
        p256dh=row.p256dh,
        auth=row.auth,
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


def _live(now_ms: int) -> Any:
    return or_(push_subscriptions.c.expires_at.is_(None), push_subscriptions.c.expires_at > now_ms)


async def put_subscription(
    conn: AsyncConnection,
    new_id: int,
    user_id: int,
    found: NewSubscription,
    now_ms: int,
    *,
    keep: int,
) -> tuple[Subscription, bool]:
    """Store the subscription (the endpoint's row moves to this person if another had it);
    True when it is new. Beyond `keep` subscriptions the person's oldest are dropped."""
    values = {
        "user_id": user_id,
        "p256dh": found.p256dh,
        "auth": found.auth,
        "expires_at": found.expires_at,
    }
    same = push_subscriptions.c.endpoint == found.endpoint
    existing = (await conn.execute(select(push_subscriptions.c.id).where(same))).scalar()
    if existing is None:
        await conn.execute(
            insert(push_subscriptions).values(
                id=new_id, endpoint=found.endpoint, created_at=now_ms, **values
            )
        )
    else:
        await conn.execute(update(push_subscriptions).where(same).values(**values))
    mine = await subscriptions_of_user(conn, user_id)
    surplus = [s.id for s in sorted(mine, key=lambda s: (s.created_at, s.id))[:-keep]]
    if surplus:
        await conn.execute(delete(push_subscriptions).where(push_subscriptions.c.id.in_(surplus)))
    stored = (await conn.execute(select(push_subscriptions).where(same))).first()
    assert stored is not None
    return _subscription(stored), existing is None


async def subscriptions_of_user(conn: AsyncConnection, user_id: int) -> list[Subscription]:
    query = (
        select(push_subscriptions)
        .where(push_subscriptions.c.user_id == user_id)
        .order_by(push_subscriptions.c.id)
    )
    return [_subscription(row) for row in await conn.execute(query)]


async def get_subscription(conn: AsyncConnection, subscription_id: int) -> Subscription | None:
    query = select(push_subscriptions).where(push_subscriptions.c.id == subscription_id)
    row = (await conn.execute(query)).first()
    return _subscription(row) if row else None


async def delete_subscription(
    conn: AsyncConnection, subscription_id: int, user_id: int | None = None
) -> bool:
    """Remove one (only if it is `user_id`'s, when given)."""
    statement = delete(push_subscriptions).where(push_subscriptions.c.id == subscription_id)
    if user_id is not None:
        statement = statement.where(push_subscriptions.c.user_id == user_id)
    return bool((await conn.execute(statement)).rowcount)


async def delete_gone(conn: AsyncConnection, subscription_id: int, endpoint: str) -> None:
    """The push service said the subscription is gone (404/410): forget it, unless its browser
    subscribed again with the same endpoint meanwhile (a new row id)."""
    await conn.execute(
        delete(push_subscriptions).where(
            push_subscriptions.c.id == subscription_id, push_subscriptions.c.endpoint == endpoint
        )
    )


async def subscriptions_of_users(
    conn: AsyncConnection, user_ids: Collection[int], now_ms: int
) -> list[Subscription]:
    if not user_ids:
        return []
    query = (
        select(push_subscriptions)
        .where(push_subscriptions.c.user_id.in_(list(user_ids)), _live(now_ms))
        .order_by(push_subscriptions.c.id)
    )
    return [_subscription(row) for row in await conn.execute(query)]


async def has_subscription(conn: AsyncConnection, user_id: int, now_ms: int) -> bool:
    query = select(exists().where(push_subscriptions.c.user_id == user_id, _live(now_ms)))
    return bool((await conn.execute(query)).scalar())


async def subscribers_among(
    conn: AsyncConnection, user_ids: Collection[int], now_ms: int
) -> set[int]:
    """Which of these people have a subscription (for DMs, whose recipients are known)."""
    if not user_ids:
        return set()
    query = (
        select(push_subscriptions.c.user_id)
        .where(push_subscriptions.c.user_id.in_(list(user_ids)), _live(now_ms))
        .distinct()
    )
    return {row.user_id for row in await conn.execute(query)}


async def subscribed_members(
    conn: AsyncConnection, guild_id: int, user_ids: Collection[int] | None, now_ms: int
) -> dict[int, set[int]]:
    """Members of the guild with a subscription (all, or those among `user_ids`), with their
    role ids: one query for the people, one for their roles."""
    query = (
        select(members.c.user_id)
        .where(
            members.c.guild_id == guild_id,
            exists().where(push_subscriptions.c.user_id == members.c.user_id, _live(now_ms)),
        )
        .distinct()
    )
    if user_ids is not None:
        if not user_ids:
            return {}
        query = query.where(members.c.user_id.in_(list(user_ids)))
    found: dict[int, set[int]] = {row.user_id: set() for row in await conn.execute(query)}
    if found:
        roles = select(member_roles.c.user_id, member_roles.c.role_id).where(
            member_roles.c.guild_id == guild_id, member_roles.c.user_id.in_(list(found))
        )
        for row in await conn.execute(roles):
            found[row.user_id].add(row.role_id)
    return found


async def guild_settings_of_users(
    conn: AsyncConnection, guild_id: int, user_ids: Collection[int]
) -> dict[int, dict[str, Any]]:
    """Each person's notification settings for the guild (Discord's JSON), where they have any."""
    if not user_ids:
        return {}
    query = select(user_guild_settings.c.user_id, user_guild_settings.c.settings).where(
        user_guild_settings.c.guild_id == guild_id,
        user_guild_settings.c.user_id.in_(list(user_ids)),
    )
    return {row.user_id: orjson.loads(row.settings) for row in await conn.execute(query)}


async def message_text_choices(
    conn: AsyncConnection, user_ids: Collection[int]
) -> dict[int, int | None]:
    """`notification_message_text` of each person that has settings."""
    if not user_ids:
        return {}
    query = select(user_settings.c.user_id, user_settings.c.notification_message_text).where(
        user_settings.c.user_id.in_(list(user_ids))
    )
    return {row.user_id: row.notification_message_text for row in await conn.execute(query)}


# -- focused clients ---------------------------------------------------------------------------


async def set_focus(
    conn: AsyncConnection, user_id: int, client_id: str, focused_until: int, now_ms: int
) -> None:
    """The client is focused until then; the person's lapsed reports are cleared on the way."""
    await conn.execute(
        delete(push_focus).where(
            push_focus.c.user_id == user_id, push_focus.c.focused_until <= now_ms
        )
    )
    statement = upsert(conn, push_focus).values(
        user_id=user_id, client_id=client_id, focused_until=focused_until
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[push_focus.c.user_id, push_focus.c.client_id],
            set_={"focused_until": statement.excluded.focused_until},
        )
    )


async def focus_until(conn: AsyncConnection, user_id: int, client_id: str) -> int | None:
    query = select(push_focus.c.focused_until).where(
        push_focus.c.user_id == user_id, push_focus.c.client_id == client_id
    )
    found: int | None = (await conn.execute(query)).scalar()
    return found


async def clear_focus(conn: AsyncConnection, user_id: int, client_id: str) -> None:
    await conn.execute(
        delete(push_focus).where(
            push_focus.c.user_id == user_id, push_focus.c.client_id == client_id
        )
    )


async def focused_users(conn: AsyncConnection, user_ids: Collection[int], now_ms: int) -> set[int]:
    if not user_ids:
        return set()
    query = (
        select(push_focus.c.user_id)
        .where(push_focus.c.user_id.in_(list(user_ids)), push_focus.c.focused_until > now_ms)
        .distinct()
    )
    return {row.user_id for row in await conn.execute(query)}


async def prune(conn: AsyncConnection, now_ms: int) -> None:
    """Forget lapsed focus reports and subscriptions past their expiration time."""
    await conn.execute(delete(push_focus).where(push_focus.c.focused_until <= now_ms))
    await conn.execute(
        delete(push_subscriptions).where(
            and_(
                push_subscriptions.c.expires_at.is_not(None),
                push_subscriptions.c.expires_at <= now_ms,
            )
        )
    )


# -- a community's confidentiality ----------------------------------------------------------------


async def is_confidential(conn: AsyncConnection, guild_id: int) -> bool:
    query = select(guilds.c.confidential).where(guilds.c.id == guild_id)
    return bool((await conn.execute(query)).scalar())


async def set_confidential(conn: AsyncConnection, guild_id: int, confidential: bool) -> None:
    await conn.execute(
        update(guilds).where(guilds.c.id == guild_id).values(confidential=confidential)
    )
