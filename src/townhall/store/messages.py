"""Messages: writing one, reading pages of history, and the pins kept on the same rows.

A page of history costs a constant number of queries whatever its size: one range query on
(channel_id, id) with the authors joined in, then one batched load each for the messages replied
to, the mentioned users and the reactions (see `hydrate`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

import orjson
from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import (
    Location,
    Message,
    MessageReference,
    MessageType,
    User,
    shown_to_others,
)
from townhall.store import attachments as attachment_store
from townhall.store import reactions as reaction_store
from townhall.store.interactions import (
    components_from_json,
    components_to_json,
    message_interaction_from_json,
    message_interaction_to_json,
)
from townhall.store.rows import from_millis, join_ids, split_ids, to_millis, user_from_row
from townhall.store.schema import channels, members, message_nonces, messages, users
from townhall.store.users import USER_COLUMNS

DELETED_USER_NAME = "Deleted User"

_AUTHOR_COLUMNS = tuple(column.label(f"by_{column.name}") for column in USER_COLUMNS)


class NonceTaken(Exception):
    """Another message of this author in this channel already holds the nonce."""


def _with_author() -> Select[tuple[object, ...]]:
    return select(messages, *_AUTHOR_COLUMNS).select_from(
        messages.outerjoin(users, users.c.id == messages.c.author_id)
    )


def _author(row: RowMapping, authors: dict[int, User] | None = None) -> User:
    """The row's author; `authors` memoizes them across a page (a page has few distinct authors)."""
    author_id: int = row["author_id"]
    if row["webhook_id"] is not None:  # a webhook's message: its name and avatar as posted
        return User(
            id=author_id, username=row["webhook_name"], avatar=row["webhook_avatar"], bot=True
        )
    if authors is not None and (known := authors.get(author_id)) is not None:
        return known
    if row["by_username"] is None:
        author = User(id=author_id, username=DELETED_USER_NAME)
    else:
        columns = {column.name: row[f"by_{column.name}"] for column in USER_COLUMNS}
        author = user_from_row(columns)  # type: ignore[arg-type]
    if authors is not None:
        authors[author_id] = author
    return author


def _message(
    row: RowMapping, *, with_nonce: bool = False, authors: dict[int, User] | None = None
) -> Message:
    reference = None
    if row["reference_channel_id"] is not None:
        reference = MessageReference(
            message_id=row["reference_message_id"],
            channel_id=row["reference_channel_id"],
            guild_id=row["reference_guild_id"],
        )
    embeds = tuple(orjson.loads(row["embeds"])) if row["embeds"] else ()
    pinned_at = from_millis(row["pinned_at"])
    return Message(
        id=row["id"],
        channel_id=row["channel_id"],
        guild_id=row["guild_id"],
        author=_author(row, authors),
        content=row["content"],
        type=MessageType(row["type"]),
        edited_at=from_millis(row["edited_at"]),
        tts=row["tts"],
        mention_everyone=row["mention_everyone"],
        mention_ids=split_ids(row["mention_ids"]),
        mention_role_ids=split_ids(row["mention_role_ids"]),
        pinned=pinned_at is not None,
        pinned_at=pinned_at,
        flags=row["flags"],
        nonce=row["nonce"] if with_nonce else None,
        reference=reference,
        embeds=embeds,
        attachments=attachment_store.from_json(row["attachments"]),
        location=location_from_json(row["location"]),
        held=row["held"],
        webhook_id=row["webhook_id"],
        components=components_from_json(row["components"]),
        interaction=message_interaction_from_json(row["interaction"]),
    )


def _values(message: Message) -> dict[str, object]:
    reference = message.reference
    return {
        "id": message.id,
        "channel_id": message.channel_id,
        "guild_id": message.guild_id,
        "author_id": message.author.id,
        "type": int(message.type),
        "content": message.content,
        "tts": message.tts,
        "mention_everyone": message.mention_everyone,
        "mention_ids": join_ids(message.mention_ids),
        "mention_role_ids": join_ids(message.mention_role_ids),
        "flags": message.flags,
        "reference_message_id": reference.message_id if reference else None,
        "reference_channel_id": reference.channel_id if reference else None,
        "reference_guild_id": reference.guild_id if reference else None,
        "nonce": message.nonce,
        "embeds": orjson.dumps(list(message.embeds)).decode() if message.embeds else None,
        "attachments": attachment_store.to_json(message.attachments),
        "location": location_to_json(message.location),
        "held": message.held,
        "webhook_id": message.webhook_id,
        "webhook_name": message.author.username if message.webhook_id is not None else None,
        "webhook_avatar": message.author.avatar if message.webhook_id is not None else None,
        "components": components_to_json(message.components),
        "interaction": message_interaction_to_json(message.interaction),
    }


def location_to_json(location: Location | None) -> str | None:
    if location is None:
        return None
    return orjson.dumps(
        {
            "lat": location.latitude,
            "lon": location.longitude,
            "acc": location.accuracy,
            "until": to_millis(location.live_until) if location.live_until else None,
            "ended": location.ended,
            "at": to_millis(location.updated_at) if location.updated_at else None,
        }
    ).decode()


def location_from_json(text: str | None) -> Location | None:
    if not text:
        return None
    item = orjson.loads(text)
    return Location(
        latitude=item["lat"],
        longitude=item["lon"],
        accuracy=item["acc"],
        live_until=from_millis(item["until"]),
        ended=item["ended"],
        updated_at=from_millis(item["at"]),
    )


def _visible_to(viewer: object) -> ColumnElement[bool]:
    """Held messages (files being scanned) only for their author."""
    return or_(messages.c.held == false(), messages.c.author_id == viewer)


_VISIBLE = _visible_to(bindparam("viewer_id"))

# The send path and the history pages run these all the time: built once, executed with
# parameters, so no statement is constructed and cache-keyed per request.
_INSERT_MESSAGE = insert(messages)
_LATEST_PAGE = (
    _with_author()
    .where(messages.c.channel_id == bindparam("channel_id"), _VISIBLE)
    .order_by(messages.c.id.desc())
    .limit(bindparam("limit"))
)
_PAGE_BEFORE = (
    _with_author()
    .where(
        messages.c.channel_id == bindparam("channel_id"),
        messages.c.id < bindparam("before"),
        _VISIBLE,
    )
    .order_by(messages.c.id.desc())
    .limit(bindparam("limit"))
)
_ADVANCE_LAST_MESSAGE = (
    update(channels)
    .where(channels.c.id == bindparam("channel_id"))
    .where(
        channels.c.last_message_id.is_(None)
        | (channels.c.last_message_id < bindparam("message_id"))
    )
    .values(last_message_id=bindparam("message_id"))
)


async def insert_message(
    conn: AsyncConnection,
    message: Message,
    *,
    enforce_nonce: bool = False,
    now_ms: int = 0,
    nonce_window_ms: int = 300_000,
) -> None:
    """Store a new message and move the channel's `last_message_id` forward.

    With `enforce_nonce`, also claim (author, channel, nonce); raises NonceTaken when another
    message holds it, which aborts the caller's transaction so that nothing is stored.
    """
    await conn.execute(_INSERT_MESSAGE, _values(message))
    await conn.execute(
        _ADVANCE_LAST_MESSAGE, {"channel_id": message.channel_id, "message_id": message.id}
    )
    if enforce_nonce and message.nonce is not None:
        # Claims older than the window are forgotten as the same author sends again, so the table
        # holds only recent nonces (a prefix scan of the primary key).
        await conn.execute(
            delete(message_nonces).where(
                message_nonces.c.author_id == message.author.id,
                message_nonces.c.channel_id == message.channel_id,
                message_nonces.c.created_at < now_ms - nonce_window_ms,
            )
        )
        try:
            await conn.execute(
                insert(message_nonces).values(
                    author_id=message.author.id,
                    channel_id=message.channel_id,
                    nonce=message.nonce,
                    message_id=message.id,
                    created_at=now_ms,
                )
            )
        except IntegrityError as error:
            raise NonceTaken from error


async def find_nonce(
    conn: AsyncConnection, author_id: int, channel_id: int, nonce: str
) -> tuple[int, int] | None:
    """(message id, claimed at ms) of the message holding this nonce."""
    query = select(message_nonces.c.message_id, message_nonces.c.created_at).where(
        message_nonces.c.author_id == author_id,
        message_nonces.c.channel_id == channel_id,
        message_nonces.c.nonce == nonce,
    )
    row = (await conn.execute(query)).first()
    return (row[0], row[1]) if row else None


async def release_nonce(conn: AsyncConnection, author_id: int, channel_id: int, nonce: str) -> None:
    await conn.execute(
        delete(message_nonces).where(
            message_nonces.c.author_id == author_id,
            message_nonces.c.channel_id == channel_id,
            message_nonces.c.nonce == nonce,
        )
    )


async def latest_id_by_author(
    conn: AsyncConnection, author_id: int, channel_id: int, since_id: int
) -> int | None:
    """The author's newest message in the channel from `since_id` on (slowmode), by index."""
    query = select(func.max(messages.c.id)).where(
        messages.c.author_id == author_id,
        messages.c.channel_id == channel_id,
        messages.c.id >= since_id,
    )
    value: int | None = (await conn.execute(query)).scalar_one_or_none()
    return value


async def mentionable_users(
    conn: AsyncConnection, user_ids: Collection[int], guild_id: int | None
) -> dict[int, User]:
    """The listed users that exist and, in a guild, are its members: one query."""
    if not user_ids:
        return {}
    query = select(*USER_COLUMNS).where(users.c.id.in_(list(user_ids)))
    if guild_id is not None:
        query = query.select_from(
            users.join(
                members, (members.c.user_id == users.c.id) & (members.c.guild_id == guild_id)
            )
        )
    return {row["id"]: user_from_row(row) for row in (await conn.execute(query)).mappings()}


async def get_plain(
    conn: AsyncConnection, channel_id: int, message_id: int, *, with_nonce: bool = False
) -> Message | None:
    """The message with its author, without mentions, reactions or the message replied to."""
    query = _with_author().where(messages.c.id == message_id, messages.c.channel_id == channel_id)
    row = (await conn.execute(query)).mappings().first()
    return _message(row, with_nonce=with_nonce) if row else None


async def get_message(
    conn: AsyncConnection, channel_id: int, message_id: int, viewer_id: int | None
) -> Message | None:
    plain = await get_plain(conn, channel_id, message_id)
    if plain is None or (plain.held and plain.author.id != viewer_id):
        return None
    return (await hydrate(conn, [plain], viewer_id))[0]


async def history(
    conn: AsyncConnection,
    channel_id: int,
    *,
    viewer_id: int | None,
    limit: int,
    before: int | None = None,
    after: int | None = None,
    around: int | None = None,
) -> list[Message]:
    """A page of the channel, newest first whichever anchor is used (Discord's order)."""
    in_channel = (messages.c.channel_id == channel_id) & _visible_to(viewer_id or 0)
    query = _with_author()
    if around is not None:
        newer = (limit + 1) // 2
        at_or_after = (
            select(messages.c.id)
            .where(in_channel, messages.c.id >= around)
            .order_by(messages.c.id)
            .limit(newer)
            .subquery()
        )
        earlier = (
            select(messages.c.id)
            .where(in_channel, messages.c.id < around)
            .order_by(messages.c.id.desc())
            .limit(limit - newer)
            .subquery()
        )
        page_ids = union_all(select(at_or_after.c.id), select(earlier.c.id))
        query = query.where(messages.c.id.in_(page_ids)).order_by(messages.c.id.desc())
    elif after is not None:
        query = query.where(in_channel, messages.c.id > after).order_by(messages.c.id).limit(limit)
    else:
        # The pages every client asks for on opening a channel and scrolling up: prebuilt.
        query = _LATEST_PAGE if before is None else _PAGE_BEFORE
        parameters = {
            "channel_id": channel_id,
            "limit": limit,
            "before": before,
            "viewer_id": viewer_id or 0,
        }
        rows = (await conn.execute(query, parameters)).mappings()
        authors: dict[int, User] = {}
        return await hydrate(conn, [_message(row, authors=authors) for row in rows], viewer_id)
    authors = {}
    page = [_message(row, authors=authors) for row in (await conn.execute(query)).mappings()]
    if after is not None and around is None:
        page.reverse()
    return await hydrate(conn, page, viewer_id)


_REFERENCING = frozenset({MessageType.REPLY, MessageType.THREAD_STARTER_MESSAGE})
"""Messages shown with the message they point at (`referenced_message`)."""


async def hydrate(
    conn: AsyncConnection, page: Sequence[Message], viewer_id: int | None
) -> list[Message]:
    """Fill in replied-to messages (and a thread's starter message: the one in the parent it was
    started from, as Discord shows it), mentioned users and reactions: at most three queries."""
    if not page:
        return []
    reference_ids = {
        m.reference.message_id
        for m in page
        if m.type in _REFERENCING and m.reference and m.reference.message_id
    }
    referenced: dict[int, Message] = {}
    if reference_ids:
        query = _with_author().where(messages.c.id.in_(list(reference_ids)))
        referenced = {row["id"]: _message(row) for row in (await conn.execute(query)).mappings()}
    mention_ids = {uid for m in (*page, *referenced.values()) for uid in m.mention_ids}
    mentioned: dict[int, User] = {}
    if mention_ids:
        result = await conn.execute(select(*USER_COLUMNS).where(users.c.id.in_(list(mention_ids))))
        mentioned = {row["id"]: user_from_row(row) for row in result.mappings()}
    counts = await reaction_store.counts(conn, [m.id for m in page], viewer_id)

    def mentions_of(m: Message) -> tuple[User, ...]:
        return tuple(mentioned[uid] for uid in m.mention_ids if uid in mentioned)

    result_page = []
    for m in page:
        parent = None
        if m.reference and m.reference.message_id in referenced:
            original = referenced[m.reference.message_id]
            parent = replace(original, mentions=mentions_of(original))
        found = counts.get(m.id, ())
        if parent is not None or found or m.mention_ids:
            m = replace(m, mentions=mentions_of(m), referenced_message=parent, reactions=found)
        # Most messages: nothing to add, no copy (shown_to_others gives back the same object).
        result_page.append(m if m.author.id == viewer_id else shown_to_others(m))
    return result_page


async def update_message(
    conn: AsyncConnection, message_id: int, changes: Mapping[str, object]
) -> None:
    values = dict(changes)
    for key in ("mention_ids", "mention_role_ids"):
        if key in values:
            values[key] = join_ids(values[key])  # type: ignore[arg-type]
    if "location" in values:
        values["location"] = location_to_json(values["location"])  # type: ignore[arg-type]
    if "attachments" in values:
        values["attachments"] = attachment_store.to_json(values["attachments"])  # type: ignore[arg-type]
    if "embeds" in values:
        embeds = values["embeds"]
        values["embeds"] = orjson.dumps(list(embeds)).decode() if embeds else None  # type: ignore[call-overload]
    if "components" in values:
        values["components"] = components_to_json(values["components"])  # type: ignore[arg-type]
    if values:
        await conn.execute(update(messages).where(messages.c.id == message_id).values(**values))


async def delete_message(conn: AsyncConnection, channel_id: int, message_id: int) -> bool:
    result = await conn.execute(
        delete(messages).where(messages.c.id == message_id, messages.c.channel_id == channel_id)
    )
    return bool(result.rowcount)


async def delete_messages(
    conn: AsyncConnection, channel_id: int, message_ids: Collection[int]
) -> list[int]:
    """Delete those of the ids that are messages of this channel; returns them."""
    query = select(messages.c.id).where(
        messages.c.channel_id == channel_id, messages.c.id.in_(list(message_ids))
    )
    found = sorted((await conn.execute(query)).scalars())
    if found:
        await conn.execute(delete(messages).where(messages.c.id.in_(found)))
    return found


async def count_pins(conn: AsyncConnection, channel_id: int) -> int:
    query = select(func.count()).where(
        messages.c.channel_id == channel_id, messages.c.pinned_at.is_not(None)
    )
    return int((await conn.execute(query)).scalar_one())


async def set_pinned_at(conn: AsyncConnection, message_id: int, pinned_at_ms: int | None) -> None:
    await conn.execute(
        update(messages).where(messages.c.id == message_id).values(pinned_at=pinned_at_ms)
    )


async def refresh_last_pin(conn: AsyncConnection, channel_id: int) -> int | None:
    """Set the channel's `last_pin_at` to its newest remaining pin; returns it."""
    newest = (
        select(func.max(messages.c.pinned_at))
        .where(messages.c.channel_id == channel_id, messages.c.pinned_at.is_not(None))
        .scalar_subquery()
    )
    await conn.execute(
        update(channels).where(channels.c.id == channel_id).values(last_pin_at=newest)
    )
    query = select(channels.c.last_pin_at).where(channels.c.id == channel_id)
    value: int | None = (await conn.execute(query)).scalar_one_or_none()
    return value


async def pinned(
    conn: AsyncConnection,
    channel_id: int,
    *,
    viewer_id: int | None,
    limit: int,
    before_ms: int | None = None,
) -> list[Message]:
    """Pinned messages, most recently pinned first."""
    query = _with_author().where(
        messages.c.channel_id == channel_id, messages.c.pinned_at.is_not(None)
    )
    if before_ms is not None:
        query = query.where(messages.c.pinned_at < before_ms)
    query = query.order_by(messages.c.pinned_at.desc(), messages.c.id.desc()).limit(limit)
    authors: dict[int, User] = {}
    page = [_message(row, authors=authors) for row in (await conn.execute(query)).mappings()]
    return await hydrate(conn, page, viewer_id)


async def prune_nonces(conn: AsyncConnection, before_ms: int) -> None:
    """Drop nonce claims older than the window (those of authors who never sent again)."""
    await conn.execute(delete(message_nonces).where(message_nonces.c.created_at < before_ms))
