"""Attachments: their rows, the copy of them kept on each message, and storage use.

The `attachments` table is what the file store, the scanner and the quotas work from. Each
message also keeps its attachments as shown, as JSON in `messages.attachments`, so a page of
history never joins or queries for them; `set_message_files` keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

import orjson
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import Attachment, Scan
from townhall.store.schema import attachments, ephemeral_messages, interactions, messages


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """An attachment row: what is shown, and where its bytes are."""

    attachment: Attachment
    message_id: int
    channel_id: int
    guild_id: int | None
    uploader_id: int
    sha256: str
    storage_key: str
    preview_key: str | None
    viewer_id: int | None = None
    """A file of an ephemeral message: the one person (besides its uploader) who may see it."""


def to_json(found: Sequence[Attachment]) -> str | None:
    if not found:
        return None
    return orjson.dumps([_shown(a) for a in found]).decode()


def from_json(text: str | None) -> tuple[Attachment, ...]:
    if not text:
        return ()
    return tuple(_attachment(item) for item in orjson.loads(text))


def _shown(a: Attachment) -> dict[str, object]:
    item: dict[str, object] = {
        "id": a.id,
        "filename": a.filename,
        "size": a.size,
        "content_type": a.content_type,
    }
    optional = {
        "description": a.description,
        "width": a.width,
        "height": a.height,
        "duration_secs": a.duration_secs,
        "waveform": a.waveform,
        "signature": a.signature,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    if a.flags:
        item["flags"] = a.flags
    if a.has_preview:
        item["preview"] = True
    if a.scan is not Scan.CLEAN:
        item["scan"] = int(a.scan)
    return item


def _attachment(item: dict[str, object]) -> Attachment:
    return Attachment(
        id=item["id"],  # type: ignore[arg-type]
        filename=item["filename"],  # type: ignore[arg-type]
        size=item["size"],  # type: ignore[arg-type]
        content_type=item["content_type"],  # type: ignore[arg-type]
        description=item.get("description"),  # type: ignore[arg-type]
        width=item.get("width"),  # type: ignore[arg-type]
        height=item.get("height"),  # type: ignore[arg-type]
        duration_secs=item.get("duration_secs"),  # type: ignore[arg-type]
        waveform=item.get("waveform"),  # type: ignore[arg-type]
        flags=item.get("flags", 0),  # type: ignore[arg-type]
        has_preview=bool(item.get("preview")),
        scan=Scan(item.get("scan", 0)),  # type: ignore[arg-type]
        signature=item.get("signature"),  # type: ignore[arg-type]
    )


async def insert_attachments(
    conn: AsyncConnection, stored: Iterable[StoredAttachment], now_ms: int
) -> None:
    rows = [
        {
            "id": s.attachment.id,
            "message_id": s.message_id,
            "channel_id": s.channel_id,
            "guild_id": s.guild_id,
            "uploader_id": s.uploader_id,
            "filename": s.attachment.filename,
            "description": s.attachment.description,
            "content_type": s.attachment.content_type,
            "size": s.attachment.size,
            "sha256": s.sha256,
            "width": s.attachment.width,
            "height": s.attachment.height,
            "duration_secs": s.attachment.duration_secs,
            "waveform": s.attachment.waveform,
            "flags": s.attachment.flags,
            "storage_key": s.storage_key,
            "preview_key": s.preview_key,
            "scan": int(s.attachment.scan),
            "signature": s.attachment.signature,
            "created_at": now_ms,
        }
        for s in stored
    ]
    if rows:
        await conn.execute(insert(attachments), rows)


def _stored(row: object) -> StoredAttachment:
    r = row._mapping  # type: ignore[attr-defined]
    return StoredAttachment(
        attachment=Attachment(
            id=r["id"],
            filename=r["filename"],
            size=r["size"],
            content_type=r["content_type"],
            description=r["description"],
            width=r["width"],
            height=r["height"],
            duration_secs=r["duration_secs"],
            waveform=r["waveform"],
            flags=r["flags"],
            has_preview=r["preview_key"] is not None,
            scan=Scan(r["scan"]),
            signature=r["signature"],
        ),
        message_id=r["message_id"],
        channel_id=r["channel_id"],
        guild_id=r["guild_id"],
        uploader_id=r["uploader_id"],
        sha256=r["sha256"],
        storage_key=r["storage_key"],
        preview_key=r["preview_key"],
    )


async def get(conn: AsyncConnection, attachment_id: int) -> StoredAttachment | None:
    """The attachment, while its message exists (the bytes of deleted ones are swept later),
    or, for a file given to an ATTACHMENT option, while its interaction is kept: such a file
    has the interaction's id in `message_id` (docs/interactions.md)."""
    query = (
        select(attachments)
        .join(messages, messages.c.id == attachments.c.message_id)
        .where(attachments.c.id == attachment_id)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        given = (
            select(attachments)
            .join(interactions, interactions.c.id == attachments.c.message_id)
            .where(attachments.c.id == attachment_id)
        )
        row = (await conn.execute(given)).first()
    if row is None:  # a file of an ephemeral message (docs/interactions.md), for its viewer
        ephemeral = (
            select(attachments, ephemeral_messages.c.user_id.label("ephemeral_viewer_id"))
            .join(ephemeral_messages, ephemeral_messages.c.id == attachments.c.message_id)
            .where(attachments.c.id == attachment_id)
        )
        kept = (await conn.execute(ephemeral)).first()
        if kept is not None:
            return replace(_stored(kept), viewer_id=kept.ephemeral_viewer_id)
    return _stored(row) if row is not None else None


async def of_message(conn: AsyncConnection, message_id: int) -> list[StoredAttachment]:
    query = select(attachments).where(attachments.c.message_id == message_id)
    return [_stored(row) for row in await conn.execute(query.order_by(attachments.c.id))]


async def set_scan(
    conn: AsyncConnection, attachment_id: int, scan: Scan, signature: str | None = None
) -> None:
    values: dict[str, object] = {"scan": int(scan), "signature": signature}
    if scan is Scan.INFECTED:
        values["preview_key"] = None
    await conn.execute(update(attachments).where(attachments.c.id == attachment_id).values(values))


async def set_message_files(
    conn: AsyncConnection, message_id: int, shown: Sequence[Attachment], *, held: bool
) -> None:
    await conn.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(attachments=to_json(shown), held=held)
    )


async def bytes_used(
    conn: AsyncConnection, *, uploader_id: int | None = None, guild_id: int | None = None
) -> int:
    """What the files of one uploader (or of one community) take, in bytes; files of deleted
    messages no longer count, though the sweep may not have removed their bytes yet."""
    query = select(func.coalesce(func.sum(attachments.c.size), 0)).join_from(
        attachments, messages, messages.c.id == attachments.c.message_id
    )
    if uploader_id is not None:
        query = query.where(attachments.c.uploader_id == uploader_id)
    if guild_id is not None:
        query = query.where(attachments.c.guild_id == guild_id)
    return int((await conn.execute(query)).scalar_one())


@dataclass(frozen=True, slots=True)
class Orphan:
    id: int
    keys: tuple[str, ...]


async def orphans(conn: AsyncConnection, created_before_ms: int, limit: int) -> list[Orphan]:
    """Attachments whose message is gone (deleted, or its channel or community deleted), or
    whose interaction was forgotten (an ATTACHMENT option's file, once its token ran out)."""
    query = (
        select(attachments.c.id, attachments.c.storage_key, attachments.c.preview_key)
        .outerjoin(messages, messages.c.id == attachments.c.message_id)
        .outerjoin(interactions, interactions.c.id == attachments.c.message_id)
        .outerjoin(ephemeral_messages, ephemeral_messages.c.id == attachments.c.message_id)
        .where(
            messages.c.id.is_(None),
            interactions.c.id.is_(None),
            ephemeral_messages.c.id.is_(None),
            attachments.c.created_at < created_before_ms,
        )
        .limit(limit)
    )
    return [
        Orphan(row.id, tuple(k for k in (row.storage_key, row.preview_key) if k))
        for row in await conn.execute(query)
    ]


DETACHED = 0
"""The message id of files taken off their message (an edit, a malware verdict): no message
has it, so the sweep deletes their bytes, with retries, and then the rows."""


async def detach(conn: AsyncConnection, attachment_ids: Collection[int]) -> None:
    if attachment_ids:
        await conn.execute(
            update(attachments)
            .where(attachments.c.id.in_(list(attachment_ids)))
            .values(message_id=DETACHED)
        )


async def forget(conn: AsyncConnection, attachment_ids: Collection[int]) -> None:
    if attachment_ids:
        await conn.execute(delete(attachments).where(attachments.c.id.in_(list(attachment_ids))))
