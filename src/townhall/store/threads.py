"""Threads, their members, and forums' settings and tags (docs/threads.md).

A thread is a row of `channels` plus one of `threads`; `with_thread_fields` fills in what the
channel loaders of store/channels.py cannot see, with no query at all for channels that are
neither threads nor forums (almost all of them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from sqlalchemy import RowMapping, Select, and_, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import (
    Channel,
    ChannelType,
    ForumSettings,
    ForumTag,
    ThreadMetadata,
)
from townhall.domain.threads import HAS_THREAD, MessageCounts, ThreadMember
from townhall.store.rows import (
    from_millis,
    from_millis_required,
    join_ids,
    split_ids,
    to_millis,
)
from townhall.store.schema import (
    channels,
    forum_settings,
    forum_tags,
    messages,
    thread_members,
    threads,
)

THREAD_TYPES = (
    int(ChannelType.ANNOUNCEMENT_THREAD),
    int(ChannelType.PUBLIC_THREAD),
    int(ChannelType.PRIVATE_THREAD),
)


def _metadata(row: RowMapping) -> ThreadMetadata:
    return ThreadMetadata(
        archived=row["archived"],
        auto_archive_duration=row["auto_archive_duration"],
        archive_timestamp=from_millis_required(row["archive_timestamp"]),
        create_timestamp=from_millis_required(row["create_timestamp"]),
        locked=row["locked"],
        invitable=row["invitable"],
        message_count=row["message_count"],
        total_message_sent=row["total_message_sent"],
        member_count=row["member_count"],
        applied_tags=split_ids(row["applied_tags"]),
    )


def _thread(row: RowMapping) -> Channel:
    """A thread from a row of `channels` joined with `threads`."""
    return Channel(
        id=row["id"],
        type=ChannelType(row["type"]),
        guild_id=row["guild_id"],
        name=row["name"],
        parent_id=row["parent_id"],
        owner_id=row["owner_id"],
        rate_limit_per_user=row["rate_limit_per_user"],
        last_message_id=row["last_message_id"],
        last_pin_timestamp=from_millis(row["last_pin_at"]),
        flags=row["flags"],
        thread=_metadata(row),
    )


def _threads_query() -> Select[tuple[object, ...]]:
    columns = [c for c in threads.c if c.name not in ("channel_id", "guild_id", "parent_id")]
    return select(channels, *columns).select_from(
        channels.join(threads, threads.c.channel_id == channels.c.id)
    )


def _metadata_values(meta: ThreadMetadata) -> dict[str, object]:
    return {
        "archived": meta.archived,
        "auto_archive_duration": meta.auto_archive_duration,
        "archive_timestamp": to_millis(meta.archive_timestamp),
        "create_timestamp": to_millis(meta.create_timestamp),
        "locked": meta.locked,
        "invitable": meta.invitable,
        "message_count": meta.message_count,
        "total_message_sent": meta.total_message_sent,
        "member_count": meta.member_count,
        "applied_tags": join_ids(meta.applied_tags),
    }


# -- threads ---------------------------------------------------------------------------------


async def insert_thread(conn: AsyncConnection, thread: Channel) -> bool:
    """Store a new thread: its channel row and its metadata. False when a channel with its id
    exists (a thread was started from the same message at the same moment)."""
    meta = thread.thread
    assert meta is not None and thread.guild_id is not None and thread.parent_id is not None
    try:
        async with conn.begin_nested():
            await _insert_thread(conn, thread, meta)
    except IntegrityError:
        return False
    return True


async def _insert_thread(conn: AsyncConnection, thread: Channel, meta: ThreadMetadata) -> None:
    await conn.execute(
        insert(channels).values(
            id=thread.id,
            type=int(thread.type),
            guild_id=thread.guild_id,
            name=thread.name,
            parent_id=thread.parent_id,
            owner_id=thread.owner_id,
            rate_limit_per_user=thread.rate_limit_per_user,
            flags=thread.flags,
            last_message_id=thread.last_message_id,
        )
    )
    await conn.execute(
        insert(threads).values(
            channel_id=thread.id,
            guild_id=thread.guild_id,
            parent_id=thread.parent_id,
            **_metadata_values(meta),
        )
    )


async def get_thread(conn: AsyncConnection, thread_id: int) -> Channel | None:
    row = (
        (await conn.execute(_threads_query().where(channels.c.id == thread_id))).mappings().first()
    )
    return _thread(row) if row else None


async def update_thread(
    conn: AsyncConnection,
    thread_id: int,
    channel_changes: Mapping[str, object],
    meta: ThreadMetadata | None = None,
) -> None:
    """Change a thread's channel columns (name, rate limit, flags) and its metadata."""
    if channel_changes:
        await conn.execute(
            update(channels).where(channels.c.id == thread_id).values(**channel_changes)
        )
    if meta is not None:
        values = _metadata_values(meta)
        for counter in ("message_count", "total_message_sent", "member_count"):
            values.pop(counter)  # kept by their own statements, never overwritten from a copy
        await conn.execute(
            update(threads).where(threads.c.channel_id == thread_id).values(**values)
        )


async def count_message(conn: AsyncConnection, thread_id: int) -> MessageCounts | None:
    """One more message: the counters after it (the same statement returns them)."""
    result = await conn.execute(
        update(threads)
        .where(threads.c.channel_id == thread_id)
        .values(
            message_count=threads.c.message_count + 1,
            total_message_sent=threads.c.total_message_sent + 1,
        )
        .returning(threads.c.message_count, threads.c.total_message_sent)
    )
    return _counts(result.mappings().first())


async def uncount_messages(
    conn: AsyncConnection, thread_id: int, count: int
) -> MessageCounts | None:
    """Deleted messages leave `message_count` (Discord's counts only those still there);
    `total_message_sent` keeps them. The counters after it."""
    remaining = threads.c.message_count - count
    result = await conn.execute(
        update(threads)
        .where(threads.c.channel_id == thread_id)
        .values(message_count=case((remaining > 0, remaining), else_=0))
        .returning(threads.c.message_count, threads.c.total_message_sent)
    )
    return _counts(result.mappings().first())


def _counts(row: RowMapping | None) -> MessageCounts | None:
    if row is None:
        return None
    return MessageCounts(row["message_count"], row["total_message_sent"])


async def count_active_threads(conn: AsyncConnection, guild_id: int) -> int:
    """The guild's threads that are not archived (index ix_threads_guild_archived)."""
    query = select(func.count()).where(
        threads.c.guild_id == guild_id, threads.c.archived.is_(False)
    )
    return int((await conn.execute(query)).scalar_one())


async def delete_threads_of(conn: AsyncConnection, parent_id: int) -> list[int]:
    """Delete a channel's threads (its messages go with each): the ids deleted."""
    query = select(threads.c.channel_id).where(threads.c.parent_id == parent_id)
    ids = list((await conn.execute(query)).scalars())
    if ids:
        await conn.execute(delete(channels).where(channels.c.id.in_(ids)))
    return ids


async def delete_thread(conn: AsyncConnection, thread_id: int) -> None:
    await conn.execute(delete(channels).where(channels.c.id == thread_id))


async def set_has_thread(conn: AsyncConnection, message_id: int, *, has_thread: bool) -> None:
    """Flag (or unflag) the message a thread was started from."""
    flags = messages.c.flags
    value = flags.op("|")(HAS_THREAD) if has_thread else flags.op("&")(~HAS_THREAD)
    await conn.execute(update(messages).where(messages.c.id == message_id).values(flags=value))


async def threads_by_id(conn: AsyncConnection, ids: Collection[int]) -> dict[int, Channel]:
    if not ids:
        return {}
    query = _threads_query().where(channels.c.id.in_(list(ids)))
    return {row["id"]: _thread(row) for row in (await conn.execute(query)).mappings()}


async def active_threads(conn: AsyncConnection, guild_id: int) -> list[Channel]:
    """The guild's threads that are not archived, newest first."""
    query = (
        _threads_query()
        .where(threads.c.guild_id == guild_id, threads.c.archived.is_(False))
        .order_by(channels.c.id.desc())
    )
    return [_thread(row) for row in (await conn.execute(query)).mappings()]


async def archived_threads(
    conn: AsyncConnection,
    parent_id: int,
    kinds: Sequence[int],
    *,
    before_ms: int | None,
    limit: int,
) -> list[Channel]:
    """A channel's archived threads of these types, the last archived first (one more than
    `limit` tells the caller there are more)."""
    query = _threads_query().where(
        threads.c.parent_id == parent_id,
        threads.c.archived.is_(True),
        channels.c.type.in_(list(kinds)),
    )
    if before_ms is not None:
        query = query.where(threads.c.archive_timestamp < before_ms)
    query = query.order_by(threads.c.archive_timestamp.desc(), channels.c.id.desc()).limit(limit)
    return [_thread(row) for row in (await conn.execute(query)).mappings()]


async def joined_archived_private_threads(
    conn: AsyncConnection, parent_id: int, user_id: int, *, before_id: int | None, limit: int
) -> list[Channel]:
    """The archived private threads of a channel the user is a member of, by id, newest first."""
    joined = and_(thread_members.c.thread_id == channels.c.id, thread_members.c.user_id == user_id)
    query = (
        _threads_query()
        .join(thread_members, joined)
        .where(
            threads.c.parent_id == parent_id,
            threads.c.archived.is_(True),
            channels.c.type == int(ChannelType.PRIVATE_THREAD),
        )
    )
    if before_id is not None:
        query = query.where(channels.c.id < before_id)
    query = query.order_by(channels.c.id.desc()).limit(limit)
    return [_thread(row) for row in (await conn.execute(query)).mappings()]


async def threads_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, list[Channel]]:
    """Every thread of these guilds (for the gateway's replicas), by guild."""
    found: dict[int, list[Channel]] = defaultdict(list)
    if guild_ids:
        query = _threads_query().where(threads.c.guild_id.in_(list(guild_ids)))
        for row in (await conn.execute(query)).mappings():
            found[row["guild_id"]].append(_thread(row))
    return found


# -- thread members --------------------------------------------------------------------------


def _member(row: RowMapping) -> ThreadMember:
    return ThreadMember(
        thread_id=row["thread_id"],
        user_id=row["user_id"],
        join_timestamp=from_millis_required(row["join_timestamp"]),
        flags=row["flags"],
    )


async def add_member(
    conn: AsyncConnection, thread_id: int, guild_id: int, user_id: int, at_ms: int
) -> bool:
    """Add a member; False when they already were one (nothing changes then)."""
    if await is_member(conn, thread_id, user_id):
        return False
    await conn.execute(
        insert(thread_members).values(
            thread_id=thread_id, user_id=user_id, guild_id=guild_id, join_timestamp=at_ms
        )
    )
    await conn.execute(
        update(threads)
        .where(threads.c.channel_id == thread_id)
        .values(member_count=threads.c.member_count + 1)
    )
    return True


async def remove_member(conn: AsyncConnection, thread_id: int, user_id: int) -> bool:
    result = await conn.execute(
        delete(thread_members).where(
            thread_members.c.thread_id == thread_id, thread_members.c.user_id == user_id
        )
    )
    if not result.rowcount:
        return False
    await conn.execute(
        update(threads)
        .where(threads.c.channel_id == thread_id)
        .values(member_count=threads.c.member_count - 1)
    )
    return True


async def is_member(conn: AsyncConnection, thread_id: int, user_id: int) -> bool:
    query = select(thread_members.c.user_id).where(
        thread_members.c.thread_id == thread_id, thread_members.c.user_id == user_id
    )
    return (await conn.execute(query)).first() is not None


async def get_member(conn: AsyncConnection, thread_id: int, user_id: int) -> ThreadMember | None:
    query = select(thread_members).where(
        thread_members.c.thread_id == thread_id, thread_members.c.user_id == user_id
    )
    row = (await conn.execute(query)).mappings().first()
    return _member(row) if row else None


async def list_members(
    conn: AsyncConnection, thread_id: int, *, after: int | None = None, limit: int = 100
) -> list[ThreadMember]:
    query = select(thread_members).where(thread_members.c.thread_id == thread_id)
    if after is not None:
        query = query.where(thread_members.c.user_id > after)
    query = query.order_by(thread_members.c.user_id).limit(limit)
    return [_member(row) for row in (await conn.execute(query)).mappings()]


async def member_ids(conn: AsyncConnection, thread_id: int) -> list[int]:
    query = select(thread_members.c.user_id).where(thread_members.c.thread_id == thread_id)
    return sorted((await conn.execute(query)).scalars())


async def memberships(
    conn: AsyncConnection, user_id: int, thread_ids: Collection[int]
) -> dict[int, ThreadMember]:
    """The user's memberships among these threads, by thread."""
    if not thread_ids:
        return {}
    query = select(thread_members).where(
        thread_members.c.user_id == user_id, thread_members.c.thread_id.in_(list(thread_ids))
    )
    return {row["thread_id"]: _member(row) for row in (await conn.execute(query)).mappings()}


async def members_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, list[ThreadMember]]:
    """Every thread membership in these guilds (for the gateway's replicas), by guild."""
    found: dict[int, list[ThreadMember]] = defaultdict(list)
    if guild_ids:
        query = select(thread_members).where(thread_members.c.guild_id.in_(list(guild_ids)))
        for row in (await conn.execute(query)).mappings():
            found[row["guild_id"]].append(_member(row))
    return found


# -- forums ----------------------------------------------------------------------------------


async def put_forum_settings(
    conn: AsyncConnection, channel_id: int, settings: ForumSettings
) -> None:
    """Replace a forum's settings and its tags (in their order)."""
    await conn.execute(delete(forum_settings).where(forum_settings.c.channel_id == channel_id))
    emoji_id, emoji_name = settings.default_reaction_emoji or (None, None)
    await conn.execute(
        insert(forum_settings).values(
            channel_id=channel_id,
            default_auto_archive_duration=settings.default_auto_archive_duration,
            default_thread_rate_limit_per_user=settings.default_thread_rate_limit_per_user,
            default_sort_order=settings.default_sort_order,
            default_forum_layout=settings.default_forum_layout,
            default_reaction_emoji_id=emoji_id,
            default_reaction_emoji_name=emoji_name,
        )
    )
    await conn.execute(delete(forum_tags).where(forum_tags.c.channel_id == channel_id))
    if settings.available_tags:
        await conn.execute(
            insert(forum_tags),
            [
                {
                    "id": tag.id,
                    "channel_id": channel_id,
                    "position": position,
                    "name": tag.name,
                    "moderated": tag.moderated,
                    "emoji_id": tag.emoji_id,
                    "emoji_name": tag.emoji_name,
                }
                for position, tag in enumerate(settings.available_tags)
            ],
        )


async def _forums(conn: AsyncConnection, ids: Collection[int]) -> dict[int, ForumSettings]:
    query = select(forum_tags).where(forum_tags.c.channel_id.in_(list(ids)))
    tags: dict[int, list[ForumTag]] = defaultdict(list)
    for row in (await conn.execute(query.order_by(forum_tags.c.position))).mappings():
        tags[row["channel_id"]].append(
            ForumTag(row["id"], row["name"], row["moderated"], row["emoji_id"], row["emoji_name"])
        )
    found = {channel_id: ForumSettings(available_tags=()) for channel_id in ids}
    rows = await conn.execute(
        select(forum_settings).where(forum_settings.c.channel_id.in_(list(ids)))
    )
    for row in rows.mappings():
        emoji = None
        if row["default_reaction_emoji_id"] or row["default_reaction_emoji_name"]:
            emoji = (row["default_reaction_emoji_id"], row["default_reaction_emoji_name"])
        found[row["channel_id"]] = ForumSettings(
            default_reaction_emoji=emoji,
            default_sort_order=row["default_sort_order"],
            default_forum_layout=row["default_forum_layout"],
            default_auto_archive_duration=row["default_auto_archive_duration"],
            default_thread_rate_limit_per_user=row["default_thread_rate_limit_per_user"],
        )
    return {cid: replace(s, available_tags=tuple(tags[cid])) for cid, s in found.items()}


async def _metadata_of(conn: AsyncConnection, ids: Collection[int]) -> dict[int, ThreadMetadata]:
    query = select(threads).where(threads.c.channel_id.in_(list(ids)))
    return {row["channel_id"]: _metadata(row) for row in (await conn.execute(query)).mappings()}


async def with_thread_fields(conn: AsyncConnection, found: Sequence[Channel]) -> list[Channel]:
    """The channels with their thread metadata (threads) and settings (forums) filled in."""
    forum_ids = [c.id for c in found if c.type is ChannelType.GUILD_FORUM]
    thread_ids = [c.id for c in found if c.type.is_thread]
    if not forum_ids and not thread_ids:
        return list(found)
    forums = await _forums(conn, forum_ids) if forum_ids else {}
    metadata = await _metadata_of(conn, thread_ids) if thread_ids else {}
    return [
        replace(c, forum=forums.get(c.id), thread=metadata.get(c.id))
        if c.id in forums or c.id in metadata
        else c
        for c in found
    ]
