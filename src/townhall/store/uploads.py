"""Resumable uploads in progress: one row each, holding how many bytes are safely on disk."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import RowMapping, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.store.schema import uploads

_offset = uploads.c["offset"]


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    uploader_id: int
    length: int
    offset: int
    """Bytes written and synced to the staging file; the file is the truth only up to here."""
    filename: str
    content_type: str | None
    metadata: str | None
    created_at: int
    expires_at: int

    @property
    def complete(self) -> bool:
        return self.offset == self.length


def _upload(row: RowMapping) -> Upload:
    return Upload(
        id=row["id"],
        uploader_id=row["uploader_id"],
        length=row["length"],
        offset=row["offset"],
        filename=row["filename"],
        content_type=row["content_type"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


async def insert_upload(conn: AsyncConnection, upload: Upload) -> None:
    await conn.execute(
        insert(uploads).values(
            id=upload.id,
            uploader_id=upload.uploader_id,
            length=upload.length,
            offset=upload.offset,
            filename=upload.filename,
            content_type=upload.content_type,
            metadata=upload.metadata,
            created_at=upload.created_at,
            expires_at=upload.expires_at,
        )
    )


async def get_upload(conn: AsyncConnection, upload_id: str) -> Upload | None:
    query = select(uploads).where(uploads.c.id == upload_id)
    row = (await conn.execute(query)).mappings().first()
    return _upload(row) if row else None


async def count_open(conn: AsyncConnection, uploader_id: int, now_ms: int) -> int:
    """The uploader's uploads that have not expired yet."""
    query = select(func.count()).where(
        uploads.c.uploader_id == uploader_id, uploads.c.expires_at > now_ms
    )
    return int((await conn.execute(query)).scalar_one())


async def advance_offset(
    conn: AsyncConnection, upload_id: str, from_offset: int, to_offset: int, expires_at: int
) -> bool:
    """Move the offset on, only from where the writer started: False if anything else moved it."""
    result = await conn.execute(
        update(uploads)
        .where(uploads.c.id == upload_id, _offset == from_offset)
        .values(offset=to_offset, expires_at=expires_at)
    )
    return result.rowcount == 1


async def delete_upload(conn: AsyncConnection, upload_id: str, uploader_id: int) -> bool:
    result = await conn.execute(
        delete(uploads).where(uploads.c.id == upload_id, uploads.c.uploader_id == uploader_id)
    )
    return result.rowcount == 1


async def delete_complete(conn: AsyncConnection, upload_id: str, uploader_id: int) -> bool:
    """Take a finished upload out of the table (it is being attached): True if this call did."""
    result = await conn.execute(
        delete(uploads).where(
            uploads.c.id == upload_id,
            uploads.c.uploader_id == uploader_id,
            _offset == uploads.c.length,
        )
    )
    return result.rowcount == 1


async def expired_ids(conn: AsyncConnection, now_ms: int, limit: int) -> list[str]:
    query = (
        select(uploads.c.id)
        .where(uploads.c.expires_at <= now_ms)
        .order_by(uploads.c.expires_at)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def delete_expired(
    conn: AsyncConnection, upload_ids: Collection[str], now_ms: int
) -> list[str]:
    """Delete those of these uploads that are still expired; the ids deleted."""
    if not upload_ids:
        return []
    result = await conn.execute(
        delete(uploads)
        .where(uploads.c.id.in_(upload_ids), uploads.c.expires_at <= now_ms)
        .returning(uploads.c.id)
    )
    return list(result.scalars())


async def existing_ids(conn: AsyncConnection, upload_ids: Collection[str]) -> set[str]:
    if not upload_ids:
        return set()
    query = select(uploads.c.id).where(uploads.c.id.in_(upload_ids))
    return set((await conn.execute(query)).scalars())
