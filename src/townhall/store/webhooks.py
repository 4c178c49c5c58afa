"""Webhook rows. Tokens are kept as SHA-256 hashes only."""

from __future__ import annotations

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.webhooks import Webhook
from townhall.store.schema import webhooks

_PUBLIC = (
    webhooks.c.id,
    webhooks.c.guild_id,
    webhooks.c.channel_id,
    webhooks.c.user_id,
    webhooks.c.name,
    webhooks.c.avatar,
)


def _webhook(row: RowMapping) -> Webhook:
    return Webhook(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        name=row["name"],
        avatar=row["avatar"],
    )


async def insert(conn: AsyncConnection, webhook: Webhook, token_hash: bytes) -> None:
    await conn.execute(
        webhooks.insert().values(
            id=webhook.id,
            guild_id=webhook.guild_id,
            channel_id=webhook.channel_id,
            user_id=webhook.user_id,
            name=webhook.name,
            avatar=webhook.avatar,
            token_hash=token_hash,
        )
    )


async def get(conn: AsyncConnection, webhook_id: int) -> tuple[Webhook, bytes] | None:
    """The webhook and its token's hash."""
    row = (
        (
            await conn.execute(
                select(*_PUBLIC, webhooks.c.token_hash).where(webhooks.c.id == webhook_id)
            )
        )
        .mappings()
        .first()
    )
    return (_webhook(row), row["token_hash"]) if row else None


async def of_channel(conn: AsyncConnection, channel_id: int) -> list[Webhook]:
    query = select(*_PUBLIC).where(webhooks.c.channel_id == channel_id).order_by(webhooks.c.id)
    return [_webhook(r) for r in (await conn.execute(query)).mappings()]


async def of_guild(conn: AsyncConnection, guild_id: int) -> list[Webhook]:
    query = select(*_PUBLIC).where(webhooks.c.guild_id == guild_id).order_by(webhooks.c.id)
    return [_webhook(r) for r in (await conn.execute(query)).mappings()]


async def modify(conn: AsyncConnection, webhook: Webhook) -> None:
    await conn.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook.id)
        .values(name=webhook.name, avatar=webhook.avatar, channel_id=webhook.channel_id)
    )


async def remove(conn: AsyncConnection, webhook_id: int) -> None:
    await conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))
