"""Channels of guilds, DMs and group DMs, with their permission overwrites and recipients."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import RowMapping, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Channel, ChannelType
from townhall.domain.permissions import Overwrite, OverwriteType
from townhall.store import threads as thread_store
from townhall.store.rows import from_millis
from townhall.store.schema import channel_recipients, channels, permission_overwrites

_PLAIN_FIELDS = (
    "id", "guild_id", "name", "topic", "position", "parent_id", "nsfw", "rate_limit_per_user",
    "user_limit", "bitrate", "last_message_id", "owner_id", "icon", "flags",
)  # fmt: skip


def _channel(
    row: RowMapping, overwrites: Sequence[Overwrite] = (), recipient_ids: Sequence[int] = ()
) -> Channel:
    return Channel(
        type=ChannelType(row["type"]),
        last_pin_timestamp=from_millis(row["last_pin_at"]),
        permission_overwrites=tuple(overwrites),
        recipient_ids=tuple(recipient_ids),
        **{key: row[key] for key in _PLAIN_FIELDS},
    )


def _overwrite(row: RowMapping) -> Overwrite:
    return Overwrite(
        id=row["target_id"], type=OverwriteType(row["type"]), allow=row["allow"], deny=row["deny"]
    )


async def insert_channel(
    conn: AsyncConnection, channel: Channel, *, dm_key: str | None = None
) -> None:
    values = {key: getattr(channel, key) for key in _PLAIN_FIELDS}
    await conn.execute(insert(channels).values(type=int(channel.type), dm_key=dm_key, **values))
    await replace_overwrites(conn, channel.id, channel.permission_overwrites)
    if channel.recipient_ids:
        await conn.execute(
            insert(channel_recipients),
            [{"channel_id": channel.id, "user_id": uid} for uid in channel.recipient_ids],
        )


async def _overwrites_by_channel(
    conn: AsyncConnection, channel_ids: Collection[int]
) -> dict[int, list[Overwrite]]:
    found: dict[int, list[Overwrite]] = defaultdict(list)
    if channel_ids:
        query = select(permission_overwrites).where(
            permission_overwrites.c.channel_id.in_(list(channel_ids))
        )
        for row in (await conn.execute(query)).mappings():
            found[row["channel_id"]].append(_overwrite(row))
    return found


async def recipient_ids(conn: AsyncConnection, channel_id: int) -> list[int]:
    query = select(channel_recipients.c.user_id).where(
        channel_recipients.c.channel_id == channel_id
    )
    return sorted((await conn.execute(query)).scalars())


async def get_channel(conn: AsyncConnection, channel_id: int) -> Channel | None:
    row = (
        (await conn.execute(select(channels).where(channels.c.id == channel_id))).mappings().first()
    )
    if row is None:
        return None
    kind = ChannelType(row["type"])
    if kind.is_private:
        return _channel(row, recipient_ids=await recipient_ids(conn, channel_id))
    if kind.is_thread:  # its parent's overwrites are its own (docs/threads.md)
        return (await thread_store.with_thread_fields(conn, [_channel(row)]))[0]
    overwrites = await _overwrites_by_channel(conn, [channel_id])
    channel = _channel(row, overwrites[channel_id])
    if kind is ChannelType.GUILD_FORUM:
        return (await thread_store.with_thread_fields(conn, [channel]))[0]
    return channel


_NOT_A_THREAD = channels.c.type.not_in(thread_store.THREAD_TYPES)
"""Threads are channels too, but a guild's channel list (and its limit) leaves them out."""


async def channels_of_guild(conn: AsyncConnection, guild_id: int) -> list[Channel]:
    query = (
        select(channels)
        .where(channels.c.guild_id == guild_id, _NOT_A_THREAD)
        .order_by(channels.c.position, channels.c.id)
    )
    rows = list((await conn.execute(query)).mappings())
    overwrites = await _overwrites_by_channel(conn, [row["id"] for row in rows])
    found = [_channel(row, overwrites[row["id"]]) for row in rows]
    return await thread_store.with_thread_fields(conn, found)


async def channels_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, list[Channel]]:
    """The channels of several guilds in two queries: guild id -> channels, in position order."""
    found: dict[int, list[Channel]] = {guild_id: [] for guild_id in guild_ids}
    if not guild_ids:
        return found
    query = (
        select(channels)
        .where(channels.c.guild_id.in_(list(guild_ids)), _NOT_A_THREAD)
        .order_by(channels.c.position, channels.c.id)
    )
    rows = list((await conn.execute(query)).mappings())
    overwrites = await _overwrites_by_channel(conn, [row["id"] for row in rows])
    loaded = [_channel(row, overwrites[row["id"]]) for row in rows]
    for channel in await thread_store.with_thread_fields(conn, loaded):
        found[channel.guild_id or 0].append(channel)
    return found


async def count_channels(conn: AsyncConnection, guild_id: int) -> int:
    query = (
        select(func.count())
        .select_from(channels)
        .where(channels.c.guild_id == guild_id, _NOT_A_THREAD)
    )
    return int((await conn.execute(query)).scalar_one())


async def update_channel(
    conn: AsyncConnection, channel_id: int, changes: Mapping[str, object]
) -> None:
    if changes:
        await conn.execute(update(channels).where(channels.c.id == channel_id).values(**changes))


async def set_channel_positions(
    conn: AsyncConnection, changes: Sequence[Mapping[str, object]]
) -> None:
    """Each mapping holds `id` and the columns to change (position, parent_id)."""
    for change in changes:
        values = {k: v for k, v in change.items() if k != "id"}
        if values:
            await conn.execute(
                update(channels).where(channels.c.id == change["id"]).values(**values)
            )


async def delete_channel(conn: AsyncConnection, channel_id: int) -> None:
    await conn.execute(
        update(channels).where(channels.c.parent_id == channel_id).values(parent_id=None)
    )
    await conn.execute(delete(channels).where(channels.c.id == channel_id))


async def replace_overwrites(
    conn: AsyncConnection, channel_id: int, overwrites: Sequence[Overwrite]
) -> None:
    await conn.execute(
        delete(permission_overwrites).where(permission_overwrites.c.channel_id == channel_id)
    )
    if overwrites:
        await conn.execute(
            insert(permission_overwrites),
            [
                {
                    "channel_id": channel_id,
                    "target_id": o.id,
                    "type": int(o.type),
                    "allow": o.allow,
                    "deny": o.deny,
                }
                for o in overwrites
            ],
        )


async def put_overwrite(conn: AsyncConnection, channel_id: int, overwrite: Overwrite) -> None:
    await delete_overwrite(conn, channel_id, overwrite.id)
    await conn.execute(
        insert(permission_overwrites).values(
            channel_id=channel_id,
            target_id=overwrite.id,
            type=int(overwrite.type),
            allow=overwrite.allow,
            deny=overwrite.deny,
        )
    )


async def delete_overwrite(conn: AsyncConnection, channel_id: int, target_id: int) -> bool:
    result = await conn.execute(
        delete(permission_overwrites).where(
            permission_overwrites.c.channel_id == channel_id,
            permission_overwrites.c.target_id == target_id,
        )
    )
    return bool(result.rowcount)


async def delete_overwrites_for_target(conn: AsyncConnection, target_id: int) -> None:
    """Drop a deleted role's (or a departed member's) overwrites everywhere."""
    await conn.execute(
        delete(permission_overwrites).where(permission_overwrites.c.target_id == target_id)
    )


async def find_dm(conn: AsyncConnection, dm_key: str) -> int | None:
    query = select(channels.c.id).where(channels.c.dm_key == dm_key)
    value: int | None = (await conn.execute(query)).scalar_one_or_none()
    return value


async def insert_dm(conn: AsyncConnection, channel: Channel, dm_key: str) -> bool:
    """Store a new DM; False when the two users' DM already exists (both opened it at once)."""
    try:
        async with conn.begin_nested():
            await insert_channel(conn, channel, dm_key=dm_key)
    except IntegrityError:
        return False
    return True


async def _recipients_by_channel(
    conn: AsyncConnection, channel_ids: Collection[int]
) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if channel_ids:
        query = (
            select(channel_recipients.c.channel_id, channel_recipients.c.user_id)
            .where(channel_recipients.c.channel_id.in_(list(channel_ids)))
            .order_by(channel_recipients.c.user_id)
        )
        for channel_id, user_id in (await conn.execute(query)).all():
            found[channel_id].append(user_id)
    return found


_PRIVATE_CHANNELS_OF_USER = (
    select(channels)
    .select_from(
        channels.join(channel_recipients, channel_recipients.c.channel_id == channels.c.id)
    )
    .where(
        channel_recipients.c.user_id == bindparam("user_id"),
        channel_recipients.c.closed.is_(False),
    )
    .order_by(channels.c.id)
)
"""Every IDENTIFY runs it: prebuilt."""


async def private_channels_of_user(conn: AsyncConnection, user_id: int) -> list[Channel]:
    """The user's DMs and group DMs, except DMs they closed."""
    rows = list((await conn.execute(_PRIVATE_CHANNELS_OF_USER, {"user_id": user_id})).mappings())
    recipients = await _recipients_by_channel(conn, [row["id"] for row in rows])
    return [_channel(row, recipient_ids=recipients[row["id"]]) for row in rows]


async def add_recipient(conn: AsyncConnection, channel_id: int, user_id: int) -> None:
    await conn.execute(insert(channel_recipients).values(channel_id=channel_id, user_id=user_id))


async def remove_recipient(conn: AsyncConnection, channel_id: int, user_id: int) -> bool:
    result = await conn.execute(
        delete(channel_recipients).where(
            channel_recipients.c.channel_id == channel_id, channel_recipients.c.user_id == user_id
        )
    )
    return bool(result.rowcount)


async def close_private_channel(conn: AsyncConnection, channel_id: int, user_id: int) -> None:
    """Hide a DM from one recipient's list; it stays theirs, with its history."""
    await _set_closed(conn, channel_id, user_id, closed=True)


async def reopen_private_channel(conn: AsyncConnection, channel_id: int, user_id: int) -> bool:
    """Show a closed DM to its recipient again; True when it had been closed."""
    return await _set_closed(conn, channel_id, user_id, closed=False)


async def _set_closed(
    conn: AsyncConnection, channel_id: int, user_id: int, *, closed: bool
) -> bool:
    result = await conn.execute(
        update(channel_recipients)
        .where(
            channel_recipients.c.channel_id == channel_id,
            channel_recipients.c.user_id == user_id,
            channel_recipients.c.closed.is_(not closed),
        )
        .values(closed=closed)
    )
    return bool(result.rowcount)
