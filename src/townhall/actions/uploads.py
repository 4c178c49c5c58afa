"""Resumable uploads (tus 1.0): create, append, status, terminate, expire, and claim when done.

The bytes go to a staging file, `<files_dir>/staging/<upload id>`, written in a thread in ~1 MiB
batches as the request body arrives; the row's `offset` says how many of them are safe. It moves
only once a request's bytes are written and fsynced, in a short transaction of its own, so no
upload holds SQLite's single writer while bytes move. A crash between the two leaves extra bytes
in the file; the next request cuts the file back to the stored offset (the file is the truth only
up to there). A request that writes holds an exclusive `flock` on the staging file, so two
PATCHes to one upload, from any process sharing the disk, cannot interleave: the second gets 409.

A client that goes away in the middle of a PATCH keeps what arrived (tus: the server SHOULD),
unless it declared a checksum, which those bytes can no longer match.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.errors import TownhallError
from townhall.files import tus
from townhall.store import uploads as upload_store
from townhall.store.uploads import Upload

if TYPE_CHECKING:
    from _hashlib import HASH

BATCH_BYTES = 1024 * 1024
"""Bytes gathered from the body before one write (and hash) in a thread."""
BODY_IDLE_SECONDS = 60.0
"""A PATCH whose body brings nothing for this long is over: its client is gone."""
MAX_OPEN_UPLOADS = 20
"""Unfinished uploads one person may have at once, so abandoned ones cannot fill the disk."""
EXPIRY_SWEEP_SECONDS = 900
SWEEP_BATCH = 200
_Opened = TypeVar("_Opened", bound="StagingFile | None")
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{32}")
"""What `secrets.token_urlsafe(24)` makes: 192 random bits, a safe file name, fits String(40)."""


class TooManyOpenUploads(TownhallError):
    code = 0
    message = (
        f"You have {MAX_OPEN_UPLOADS} unfinished uploads: finish or cancel one before starting "
        "another"
    )


class StorageFull(TownhallError):
    status, code, message = 507, 0, "The server has no room left for this upload"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One request's bytes as they arrive, with what the client declared about them."""

    stream: AsyncIterator[bytes]
    declared_size: int | None = None
    """`Content-Length`, when sent: a chunk that cannot fit is refused before it is read."""
    checksum: tus.Checksum | None = None


@dataclass(frozen=True, slots=True)
class FinishedUpload:
    id: str
    path: Path
    """The staging file holding every byte; it now belongs to the caller."""
    filename: str
    """As declared in `Upload-Metadata` ("filename", else "name", else "file")."""
    size: int


def staging_path(s: Services, upload_id: str) -> Path:
    return s.settings.effective_files_dir / "staging" / upload_id


# -- the use cases ------------------------------------------------------------------------------


async def create_upload(
    s: Services, actor: Actor, length: int, metadata: str | None, chunk: Chunk | None = None
) -> Upload:
    """A new upload of `length` bytes; `chunk` is the first of them (creation-with-upload)."""
    if length > s.settings.max_file_bytes:
        raise tus.UploadTooLarge()
    declared = tus.parse_metadata(metadata)
    filename = tus.declared_filename(declared)
    upload_id = secrets.token_urlsafe(24)
    file = await _held(StagingFile.create, staging_path(s, upload_id))
    try:
        now = s.now_ms()
        upload = Upload(
            id=upload_id,
            uploader_id=actor.id,
            length=length,
            offset=0,
            filename=filename,
            content_type=tus.declared_content_type(declared),
            metadata=metadata.strip() if declared and metadata else None,
            created_at=now,
            expires_at=_expiry(s, now),
        )
        async with s.write() as tx:
            if await upload_store.count_open(tx.conn, actor.id, now) >= MAX_OPEN_UPLOADS:
                raise TooManyOpenUploads()
            await upload_store.insert_upload(tx.conn, upload)
    except BaseException:
        await asyncio.to_thread(file.discard)
        await asyncio.to_thread(file.close)
        raise
    try:
        if chunk is not None:
            upload = await _receive(s, upload, file, chunk)
    except Exception:
        # The client never learns where this upload is: leave nothing behind.
        async with s.write() as tx:
            await upload_store.delete_upload(tx.conn, upload.id, actor.id)
        await asyncio.to_thread(file.discard)
        raise
    finally:
        await asyncio.to_thread(file.close)
    return upload


async def append_to_upload(
    s: Services, actor: Actor, upload_id: str, offset: int, chunk: Chunk
) -> Upload:
    """PATCH: write `chunk` at `offset`, which must be where the upload stands."""
    await _own_upload(s, actor, upload_id)
    file = await _lock(s, upload_id)
    try:
        upload = await _own_upload(s, actor, upload_id)  # again, now that nobody else writes
        if offset != upload.offset:
            raise tus.OffsetConflict(
                f"Upload-Offset is {offset} but the upload stands at {upload.offset}"
            )
        await _cut_back(file, upload)
        return await _receive(s, upload, file, chunk)
    finally:
        await asyncio.to_thread(file.close)


async def upload_status(s: Services, actor: Actor, upload_id: str) -> Upload:
    """HEAD: where the upload stands; repairs a staging file a crash left longer than that."""
    upload = await _own_upload(s, actor, upload_id)
    try:
        file = await _held(StagingFile.lock, staging_path(s, upload_id))
    except FileNotFoundError:
        raise tus.UnknownUpload() from None
    if file is None:
        return upload  # a PATCH is writing; the stored offset is still the answer
    try:
        upload = await _own_upload(s, actor, upload_id)
        await _cut_back(file, upload)
    finally:
        await asyncio.to_thread(file.close)
    return upload


async def terminate_upload(s: Services, actor: Actor, upload_id: str) -> None:
    """DELETE: forget the upload and its bytes (a PATCH still running then gets 404)."""
    await _own_upload(s, actor, upload_id)
    async with s.write() as tx:
        deleted = await upload_store.delete_upload(tx.conn, upload_id, actor.id)
    if not deleted:
        raise tus.UnknownUpload()
    await asyncio.to_thread(_remove, [staging_path(s, upload_id)])


async def claim_finished(s: Services, actor: Actor, upload_id: str) -> FinishedUpload:
    """The actor's completed upload, taken out of the table: its staging file is now the caller's
    to move into the file store. Refused (50035 on `attachments`) when unknown or unfinished."""
    try:
        upload = await _own_upload(s, actor, upload_id)
    except tus.UnknownUpload:
        raise _attachment_error("ATTACHMENT_NOT_FOUND", upload_id) from None
    if not upload.complete:
        raise _attachment_error("ATTACHMENT_INCOMPLETE", upload_id)
    try:
        file = await _held(StagingFile.lock, staging_path(s, upload_id))
    except FileNotFoundError:
        raise _attachment_error("ATTACHMENT_NOT_FOUND", upload_id) from None
    if file is None:
        raise _attachment_error("ATTACHMENT_INCOMPLETE", upload_id)
    try:
        try:
            await _cut_back(file, upload)
        except tus.UnknownUpload:
            raise _attachment_error("ATTACHMENT_NOT_FOUND", upload_id) from None
        async with s.write() as tx:
            claimed = await upload_store.delete_complete(tx.conn, upload_id, actor.id)
        if not claimed:
            raise _attachment_error("ATTACHMENT_NOT_FOUND", upload_id)
        # A fresh mtime: the expiry sweep must not take it for a crash's leftover meanwhile.
        await asyncio.to_thread(file.touch)
    finally:
        await asyncio.to_thread(file.close)
    return FinishedUpload(upload.id, file.path, upload.filename, upload.length)


@job("uploads.expire", every_seconds=EXPIRY_SWEEP_SECONDS)
async def expire_uploads(s: Services, _payload: Payload) -> None:
    """Remove uploads untouched for `upload_expiry_seconds`, and staging files left without a
    row (a crash between writing and recording) once they are as old."""
    now = s.now_ms()
    while True:
        async with s.engine.connect() as conn:
            expired = await upload_store.expired_ids(conn, now, SWEEP_BATCH)
        if not expired:
            break
        idle = await asyncio.to_thread(_not_busy, [staging_path(s, i) for i in expired])
        async with s.write() as tx:
            deleted = await upload_store.delete_expired(tx.conn, [p.name for p in idle], now)
        await asyncio.to_thread(_remove, [staging_path(s, i) for i in deleted])
        if len(expired) < SWEEP_BATCH or not idle:
            break
    folder = s.settings.effective_files_dir / "staging"
    cutoff = (now - s.settings.upload_expiry_seconds * 1000) / 1000
    old = await asyncio.to_thread(_old_upload_files, folder, cutoff)
    for start in range(0, len(old), SWEEP_BATCH):
        batch = old[start : start + SWEEP_BATCH]
        async with s.engine.connect() as conn:
            kept = await upload_store.existing_ids(conn, [p.name for p in batch])
        orphans = [p for p in batch if p.name not in kept]
        await asyncio.to_thread(_remove, await asyncio.to_thread(_not_busy, orphans))


# -- how they work ------------------------------------------------------------------------------


async def _own_upload(s: Services, actor: Actor, upload_id: str) -> Upload:
    """The actor's live upload; anything else (someone else's included) is simply unknown."""
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise tus.UnknownUpload()
    async with s.engine.connect() as conn:
        upload = await upload_store.get_upload(conn, upload_id)
    if upload is None or upload.uploader_id != actor.id or upload.expires_at <= s.now_ms():
        raise tus.UnknownUpload()
    return upload


async def _lock(s: Services, upload_id: str) -> StagingFile:
    try:
        file = await _held(StagingFile.lock, staging_path(s, upload_id))
    except FileNotFoundError:
        raise tus.UnknownUpload() from None
    if file is None:
        raise tus.OffsetConflict("Another request is writing to this upload")
    return file


async def _held(open_file: Callable[[Path], _Opened], path: Path) -> _Opened:
    """Open and lock in a thread; a request cancelled meanwhile still lets go of the lock."""
    opening = asyncio.ensure_future(asyncio.to_thread(open_file, path))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_close_abandoned)
        raise


def _close_abandoned(opening: asyncio.Future[_Opened]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        file = opening.result()
        if file is not None:
            file.close()


async def _cut_back(file: StagingFile, upload: Upload) -> None:
    """Make the staging file exactly `upload.offset` long; 404 if its bytes are gone."""
    if not await asyncio.to_thread(file.cut_to, upload.offset):
        raise tus.UnknownUpload()


async def _receive(s: Services, upload: Upload, file: StagingFile, chunk: Chunk) -> Upload:
    """Write the chunk after `upload.offset`, sync it, then record the new offset."""
    room = upload.length - upload.offset
    if chunk.declared_size is not None and chunk.declared_size > room:
        raise tus.UploadTooLarge()
    digest = hashlib.sha256() if chunk.checksum is not None else None
    try:
        written = await _write_body(file, upload.offset, chunk.stream, room, digest)
        expected = chunk.checksum
        if expected and digest and not hmac.compare_digest(digest.digest(), expected.digest):
            raise tus.ChecksumMismatch()
        await asyncio.to_thread(file.sync)
    except (tus.ChecksumMismatch, tus.UploadTooLarge):
        await asyncio.to_thread(file.cut_to, upload.offset)
        raise
    except OSError as error:
        await asyncio.to_thread(file.cut_to, upload.offset)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from None
        raise
    expires = _expiry(s, s.now_ms())
    new_offset = upload.offset + written
    async with s.write() as tx:
        moved = await upload_store.advance_offset(
            tx.conn, upload.id, upload.offset, new_offset, expires
        )
    if not moved:
        raise tus.UnknownUpload()  # terminated (or expired and swept) while the bytes came in
    return replace(upload, offset=new_offset, expires_at=expires)


async def _write_body(
    file: StagingFile,
    start: int,
    stream: AsyncIterator[bytes],
    room: int,
    digest: HASH | None,
) -> int:
    """Write what the body brings, in batches, one thread write in flight while the next batch
    arrives; how many bytes. More than `room` is refused (413) without being read. A body that
    stops coming for `BODY_IDLE_SECONDS` ends there, as if the client had gone (it has: a
    half-open connection would otherwise hold the upload's lock, and its resumption, for ever)."""
    written = 0
    batch = bytearray()
    pending: asyncio.Future[None] | None = None
    loop = asyncio.get_running_loop()
    try:
        try:
            async with asyncio.timeout(BODY_IDLE_SECONDS) as idle:
                async for data in stream:
                    idle.reschedule(loop.time() + BODY_IDLE_SECONDS)
                    if written + len(batch) + len(data) > room:
                        raise tus.UploadTooLarge()
                    batch += data
                    if len(batch) >= BATCH_BYTES:
                        if pending is not None:
                            await asyncio.shield(pending)
                        full, batch = batch, bytearray()
                        pending = asyncio.ensure_future(
                            asyncio.to_thread(file.write_at, start + written, full, digest)
                        )
                        written += len(full)
        except TimeoutError:
            if not idle.expired():
                raise
        if pending is not None:
            await asyncio.shield(pending)
        if batch:
            pending = asyncio.ensure_future(
                asyncio.to_thread(file.write_at, start + written, batch, digest)
            )
            await asyncio.shield(pending)
            written += len(batch)
    finally:
        # Even when cancelled: the file must not be closed under a thread still writing to it.
        if pending is not None and not pending.done():
            await asyncio.wait([pending])
            if not pending.cancelled():
                pending.exception()  # retrieved: the error that matters is already raised
    return written


def _expiry(s: Services, now_ms: int) -> int:
    return now_ms + s.settings.upload_expiry_seconds * 1000


def _attachment_error(code: str, upload_id: str) -> errors.InvalidFormBody:
    sentences = {
        "ATTACHMENT_NOT_FOUND": f"No finished upload {upload_id} of yours is waiting.",
        "ATTACHMENT_INCOMPLETE": f"Upload {upload_id} has not received all its bytes yet.",
    }
    return errors.InvalidFormBody.field("attachments", sentences[code], code)


# -- the staging file (these run in a thread) ---------------------------------------------------


class StagingFile:
    """An upload's staging file, open and exclusively locked by one request (`flock`, which
    other processes on this disk respect too); closing it releases the lock."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    @classmethod
    def create(cls, path: Path) -> StagingFile:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return cls(path, fd)

    @classmethod
    def lock(cls, path: Path) -> StagingFile | None:
        """None when another request holds it; FileNotFoundError when there is no such file."""
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(path, fd)

    def cut_to(self, offset: int) -> bool:
        """Drop bytes past `offset`; False when the file holds fewer than that."""
        size = os.fstat(self.fd).st_size
        if size < offset:
            return False
        if size > offset:
            os.ftruncate(self.fd, offset)
        return True

    def write_at(self, position: int, data: bytearray, digest: HASH | None) -> None:
        view = memoryview(data)
        while view:
            done = os.pwrite(self.fd, view, position)
            view = view[done:]
            position += done
        if digest is not None:
            digest.update(data)

    def sync(self) -> None:
        os.fsync(self.fd)

    def touch(self) -> None:
        os.utime(self.fd)

    def close(self) -> None:
        os.close(self.fd)

    def discard(self) -> None:
        """Remove the file (it stays open, and locked, until `close`)."""
        self.path.unlink(missing_ok=True)


def _not_busy(paths: Iterable[Path]) -> list[Path]:
    """Those of these staging files no request is writing to (missing ones count as idle)."""
    idle: list[Path] = []
    for path in paths:
        try:
            file = StagingFile.lock(path)
        except FileNotFoundError:
            idle.append(path)
            continue
        if file is not None:
            file.close()
            idle.append(path)
    return idle


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _old_upload_files(folder: Path, cutoff: float) -> list[Path]:
    """Staging files of uploads (by their name) last written before `cutoff` (epoch seconds)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    old: list[Path] = []
    for entry in entries:
        if _UPLOAD_ID.fullmatch(entry.name) and entry.is_file():
            try:
                if entry.stat().st_mtime < cutoff:
                    old.append(Path(entry.path))
            except FileNotFoundError:
                continue
    return old
