"""Clean-up that moderation does in bulk: removing what a banned user recently wrote."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.schema import channels, messages


async def delete_messages_of_author(
    conn: AsyncConnection, guild_id: int, author_id: int, *, since_id: int
) -> dict[int, list[int]]:
    """Delete the author's messages in the guild's channels with ids from `since_id` on.

    Returns the deleted ids by channel, for one MESSAGE_DELETE_BULK event per channel. Two
    statements whatever the count; the (author_id, channel_id, id) index serves both.
    """
    in_guild = select(channels.c.id).where(channels.c.guild_id == guild_id)
    condition = (
        (messages.c.author_id == author_id)
        & messages.c.channel_id.in_(in_guild)
        & (messages.c.id >= since_id)
    )
    found: dict[int, list[int]] = defaultdict(list)
    rows = await conn.execute(select(messages.c.channel_id, messages.c.id).where(condition))
    for channel_id, message_id in rows.all():
        found[channel_id].append(message_id)
    if found:
        await conn.execute(delete(messages).where(condition))
    return {channel_id: sorted(ids) for channel_id, ids in found.items()}
