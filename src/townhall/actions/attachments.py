"""Files of messages: receiving them, handing them out, and removing them.

A message's files arrive before its transaction begins: each is written to a staging file on
local disk (hashed as it is copied, in a thread), looked at (type sniffed from the bytes, image
and media dimensions, previews, location data stripped, archives checked for bombs), and moved
into the file store. Only then does the message's write transaction insert the rows
(`file_scans.attach`), so no file ever holds the database's single writer while bytes move. A
send that fails after that removes what it stored. Scanning is in actions/file_scans.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import uploads as upload_actions
from townhall.actions.access import ChannelAccess, channel_access
from townhall.actions.jobs import job
from townhall.actions.services import Services, Transaction
from townhall.config import Scanning, Settings
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.models import Attachment, Message, Scan
from townhall.domain.permissions import Permission
from townhall.files import archives, images, media, sniff
from townhall.files.names import clean_filename
from townhall.store import attachments as attachment_store
from townhall.store import uploads as upload_store
from townhall.store.attachments import StoredAttachment

log = logging.getLogger("townhall.files")

MAX_FILES = 10
"""Files per message, as on Discord."""
MAX_DESCRIPTION = 1024
IS_SPOILER, IS_ANIMATED = 1 << 3, 1 << 5
"""Attachment flags."""
IS_VOICE_MESSAGE = 1 << 13
"""The message flag of a voice message: one audio file, no text."""
SPOILER_PREFIX = "SPOILER_"
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FinishedUploadRef:
    """A resumable upload to attach, by its id: claimed only once the sender may attach."""

    upload_id: str


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A file sent with a message: a part of a multipart request, or a finished upload."""

    filename: str | None
    """None: the name the upload declared."""
    source: BinaryIO | FinishedUploadRef
    """A readable file (a request part, spooled by the server) or an upload to take over."""
    description: str | None = None
    keep_location: bool = False
    """The uploader chose to share where a photo was taken (its EXIF GPS data)."""


@dataclass(frozen=True, slots=True)
class _Staged:
    """A file looked at and ready to store (still in staging)."""

    attachment: Attachment
    sha256: str
    original: Path
    preview: Path | None

    @property
    def preview_variant(self) -> str:
        """The preview's key suffix, which also says its type: `preview.webp`, `preview.jpeg`."""
        if self.preview is None:
            return ""
        with self.preview.open("rb") as handle:
            kind = sniff.sniff(handle.read(64), "")
        return "preview." + (kind.split("/", 1)[1] if kind.startswith("image/") else "bin")


PREVIEW_TYPES = {
    "preview.webp": "image/webp",
    "preview.jpeg": "image/jpeg",
    "preview.png": "image/png",
}


def staging_dir(settings: Settings) -> Path:
    return settings.effective_files_dir / "staging"


def _key(channel_id: int, attachment_id: int, variant: str) -> str:
    return f"attachments/{channel_id}/{attachment_id}/{variant}"


# -- receiving ----------------------------------------------------------------------------------


async def receive_files(
    s: Services,
    actor: Actor,
    channel_id: int,
    message_id: int,
    files: Sequence[IncomingFile],
    *,
    voice: bool,
    access: ChannelAccess | None = None,
) -> list[StoredAttachment]:
    """Check, look at and store the files of a message about to be sent (see the module doc).
    `access`: the sender's standing when it is not a member's (a webhook's, an application's
    answer to an interaction: `messages.webhook_access`)."""
    if len(files) > MAX_FILES:
        raise errors.InvalidFormBody.field(
            "files", f"Must be {MAX_FILES} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    async with s.engine.connect() as conn:
        if access is None:
            access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        require_may_attach(access, voice=voice, count=len(files))
        # Sizes are known before anything is copied or an upload is taken, so a refusal for
        # size or quota leaves a resumable upload to be attached another time.
        sizes = [await _declared(conn, actor, file) for file in files]
        _require_size(s, access, sizes)
        await _require_quota(s, conn, actor, access, sum(size for _, size in sizes))
    staged = await _stage_all(s, actor, files, voice=voice)
    pending = s.settings.scan is Scanning.REQUIRED
    stored: list[StoredAttachment] = []
    try:
        for file in staged:
            stored.append(await _store(s, file, channel_id, message_id, access, actor, pending))
    except BaseException:
        await discard(s, stored)
        await asyncio.to_thread(_remove_staged, staged)
        raise
    return stored


def require_may_attach(access: ChannelAccess, *, voice: bool, count: int) -> None:
    access.require(Permission.ATTACH_FILES)
    if voice:
        access.require(Permission.SEND_VOICE_MESSAGES)
        if count != 1:
            raise errors.InvalidFormBody.field(
                "attachments", "A voice message has exactly one audio file.", "VOICE_MESSAGE"
            )


async def _stage_all(
    s: Services, actor: Actor, files: Sequence[IncomingFile], *, voice: bool
) -> list[_Staged]:
    staged: list[_Staged] = []
    try:
        for file in files:
            staged.append(await _stage(s, actor, file, voice=voice))
    except BaseException:
        await asyncio.to_thread(_remove_staged, staged)
        raise
    return staged


async def _stage(s: Services, actor: Actor, file: IncomingFile, *, voice: bool) -> _Staged:
    settings = s.settings
    source: BinaryIO | Path
    name: str | None
    if isinstance(file.source, FinishedUploadRef):
        finished = await upload_actions.claim_finished(s, actor, file.source.upload_id)
        source, name = finished.path, file.filename or finished.filename
    else:
        source, name = file.source, file.filename
    filename = clean_filename(name)
    description = file.description
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise errors.InvalidFormBody.field(
            "attachments.description",
            f"Must be {MAX_DESCRIPTION} or fewer in length.",
            "BASE_TYPE_MAX_LENGTH",
        )
    folder = staging_dir(settings)
    attachment_id = s.ids.next_id()
    try:
        return await asyncio.to_thread(
            _look_at,
            source,
            file.keep_location,
            folder,
            attachment_id,
            filename,
            description,
            settings,
            voice,
        )
    except archives.ArchiveBomb as bomb:
        raise errors.InvalidFormBody.field(
            "files", f"{filename} was refused: {bomb.reason}.", "ARCHIVE_BOMB"
        ) from None


def _look_at(
    source: BinaryIO | Path,
    keep_location: bool,
    folder: Path,
    attachment_id: int,
    filename: str,
    description: str | None,
    settings: Settings,
    voice: bool,
) -> _Staged:
    """In a thread: copy into staging (hashing), then find out what the file is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{attachment_id}-{secrets.token_hex(4)}"
    digest = hashlib.sha256()
    if isinstance(source, Path):
        os.replace(source, path)
        with path.open("rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                digest.update(chunk)
    else:
        source.seek(0)
        with path.open("wb") as out:
            while chunk := source.read(COPY_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    preview: Path | None = None
    try:
        with path.open("rb") as handle:
            head = handle.read(sniff.HEAD_BYTES)
        content_type = sniff.sniff(head, filename)
        archives.check_archive(path)
        attachment = Attachment(
            id=attachment_id,
            filename=filename,
            size=path.stat().st_size,
            content_type=content_type,
            description=description,
            flags=IS_SPOILER if filename.startswith(SPOILER_PREFIX) else 0,
        )
        attachment, preview, rewritten = _with_media_facts(
            attachment, path, settings, voice=voice, keep_location=keep_location
        )
        if rewritten:  # what others download is the file without its location
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(COPY_CHUNK):
                    digest.update(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Staged(attachment, digest.hexdigest(), path, preview)


def _with_media_facts(
    a: Attachment, path: Path, settings: Settings, *, voice: bool, keep_location: bool
) -> tuple[Attachment, Path | None, bool]:
    """Dimensions, previews and durations that images and media have; the file otherwise.
    The last value says whether the file itself was rewritten (its location taken out)."""
    preview = path.with_name(path.name + ".preview")
    image = None
    if a.content_type.startswith("image/"):
        try:
            image = images.inspect_image(path, max_pixels=settings.max_image_pixels)
        except images.ImageTooLarge:
            return replace(a, content_type=sniff.OCTET_STREAM), None, False
    if image is not None:
        rewritten = image.has_location and not keep_location and images.strip_location(path)
        try:
            size = images.make_preview(path, preview, max_pixels=settings.max_image_pixels)
        except images.ImageUnreadable:  # a header without readable pixels: shown as it is
            size = None
        flags = a.flags | (IS_ANIMATED if image.animated else 0)
        found = replace(
            a,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            size=path.stat().st_size,
            flags=flags,
            has_preview=size is not None,
        )
        return found, preview if size is not None else None, rewritten
    if voice or a.content_type.startswith(("video/", "audio/", "application/")):
        info = media.inspect_media(path)
        if info is not None:
            found = replace(
                a,
                content_type=info.content_type or a.content_type,
                duration_secs=round(info.duration_secs, 2),
            )
            if voice and info.has_video:
                raise errors.InvalidFormBody.field(
                    "attachments", "A voice message must be audio only.", "VOICE_MESSAGE"
                )
            if info.has_video and info.width and info.height:
                poster = media.poster_frame(path, preview)
                found = replace(
                    found, width=info.width, height=info.height, has_preview=poster is not None
                )
                return found, preview if poster is not None else None, False
            if voice and info.has_audio:
                wave = media.waveform(path)
                if wave is not None:
                    found = replace(found, duration_secs=round(wave[0], 2), waveform=wave[1])
                return found, None, False
    if voice:
        raise errors.InvalidFormBody.field(
            "attachments", "A voice message must be an audio file.", "VOICE_MESSAGE"
        )
    return a, None, False


async def _declared(conn: AsyncConnection, actor: Actor, file: IncomingFile) -> tuple[str, int]:
    """A file's name and size before it is taken: a part's spooled length, or an upload's
    declared length (0 for one that is not the actor's: claiming it refuses it properly)."""
    if isinstance(file.source, FinishedUploadRef):
        upload = await upload_store.get_upload(conn, file.source.upload_id)
        if upload is None or upload.uploader_id != actor.id:
            return file.filename or "file", 0
        return clean_filename(file.filename or upload.filename), upload.length
    size = await asyncio.to_thread(file.source.seek, 0, os.SEEK_END)
    return clean_filename(file.filename), size


def _require_size(s: Services, access: ChannelAccess, sizes: Sequence[tuple[str, int]]) -> None:
    """Each file within the server's limit, and its community's if that is lower."""
    largest = s.settings.max_file_bytes
    if access.guild is not None and access.guild.guild.max_file_size is not None:
        largest = min(largest, access.guild.guild.max_file_size)
    for name, size in sizes:
        if size > largest:
            raise errors.EntityTooLarge(
                f"{name} is larger than the {_size(largest)} allowed for one file here."
            )


async def _require_quota(
    s: Services, conn: AsyncConnection, actor: Actor, access: ChannelAccess, incoming: int
) -> None:
    """Per-person and per-community storage limits, with a message saying which one is full."""
    limits = s.settings
    if limits.user_storage_quota_bytes:
        used = await attachment_store.bytes_used(conn, uploader_id=actor.id)
        if used + incoming > limits.user_storage_quota_bytes:
            raise errors.StorageQuotaExceeded(
                f"These files would exceed your storage quota of "
                f"{_size(limits.user_storage_quota_bytes)} ({_size(used)} used)."
            )
    guild_id = access.channel.guild_id
    if guild_id is not None and limits.guild_storage_quota_bytes:
        used = await attachment_store.bytes_used(conn, guild_id=guild_id)
        if used + incoming > limits.guild_storage_quota_bytes:
            raise errors.StorageQuotaExceeded(
                f"These files would exceed this community's storage quota of "
                f"{_size(limits.guild_storage_quota_bytes)} ({_size(used)} used)."
            )


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} bytes"


async def _store(
    s: Services,
    file: _Staged,
    channel_id: int,
    message_id: int,
    access: ChannelAccess,
    actor: Actor,
    pending: bool,
) -> StoredAttachment:
    a = file.attachment
    storage = s.file_store
    key = _key(channel_id, a.id, "original")
    await storage.put(key, file.original, content_type=a.content_type)
    preview_key = None
    if file.preview is not None:
        variant = await asyncio.to_thread(lambda: file.preview_variant)
        preview_key = _key(channel_id, a.id, variant)
        preview_type = PREVIEW_TYPES.get(variant, sniff.OCTET_STREAM)
        await storage.put(preview_key, file.preview, content_type=preview_type)
    return StoredAttachment(
        attachment=replace(a, scan=Scan.PENDING if pending else Scan.CLEAN),
        message_id=message_id,
        channel_id=channel_id,
        guild_id=access.channel.guild_id,
        uploader_id=actor.id,
        sha256=file.sha256,
        storage_key=key,
        preview_key=preview_key,
    )


def _remove_staged(staged: Sequence[_Staged]) -> None:
    for file in staged:
        file.original.unlink(missing_ok=True)
        if file.preview is not None:
            file.preview.unlink(missing_ok=True)


async def discard(s: Services, stored: Sequence[StoredAttachment]) -> None:
    """Remove the bytes of files whose message was never stored."""
    for file in stored:
        await delete_bytes(s, [k for k in (file.storage_key, file.preview_key) if k])


@contextlib.asynccontextmanager
async def discarded_on_failure(
    s: Services, stored: Sequence[StoredAttachment]
) -> AsyncIterator[None]:
    """Around the write that stores received files with their message: if it fails, the
    files' bytes go too."""
    try:
        yield
    except BaseException:
        await discard(s, stored)
        raise


async def delete_bytes(s: Services, keys: Sequence[str]) -> None:
    for key in keys:
        try:
            await s.file_store.delete(key)
        except Exception:
            log.exception("could not delete stored file %s; it stays until retried", key)
            raise


async def remove(tx: Transaction, message: Message, keep: set[int]) -> None:
    """Inside an edit's transaction: take the message's files not in `keep` off it. Downloads
    stop at once; the sweep deletes their bytes."""
    gone = [a.id for a in message.attachments if a.id not in keep]
    await attachment_store.detach(tx.conn, gone)


SWEEP_BATCH = 200
STAGING_LEFTOVER_SECONDS = 3600
"""A staging file this old belongs to no request any more (a crash left it)."""


@job("attachments.sweep", every_seconds=300)
async def sweep_deleted_files(s: Services, payload: dict[str, object]) -> None:
    """Remove the bytes of files whose message is gone, however it went (deleted, bulk-deleted,
    its channel or community deleted): downloads stop at once (`attachment_store.get` needs the
    message), the bytes go here. Bytes first, then the row, so a crash leaves a row to retry."""
    while True:
        async with s.engine.connect() as conn:
            found = await attachment_store.orphans(conn, s.now_ms(), SWEEP_BATCH)
        for orphan in found:
            await delete_bytes(s, orphan.keys)
        async with s.write() as tx:
            await attachment_store.forget(tx.conn, [o.id for o in found])
        if len(found) < SWEEP_BATCH:
            break
    await asyncio.to_thread(_remove_leftovers, staging_dir(s.settings), time.time())


_STAGED_NAME = re.compile(r"^\d+-[0-9a-f]{8}(\.preview)?$")


def _remove_leftovers(folder: Path, now: float) -> None:
    """Staging files of sends that crashed midway (resumable uploads clean up their own)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if not _STAGED_NAME.match(path.name):
            continue
        try:
            if now - path.stat().st_mtime > STAGING_LEFTOVER_SECONDS:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue
