"""Scanning files for malware before anyone but their uploader may see them.

With scanning required (`TOWNHALL_SCAN=required`), a message's new files start PENDING and a
durable job streams each to clamd (files/clamd.py). A message sent with pending files is *held*:
only its author receives it (MESSAGE_CREATE to them alone; history shows it to them alone). When
every file is clean the message is released: MESSAGE_CREATE to everyone else who may see the
channel, MESSAGE_UPDATE to the author. Files added by an edit leave a visible message visible;
everyone else's encoding of it simply leaves them out until they are clean. When malware is found
the bytes are deleted, a held message stays its author's alone with the file marked blocked, and
the author and the channel's moderators get MESSAGE_ATTACHMENT_BLOCKED. A scanner that is down
leaves files pending (the job retries with backoff), never published.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from townhall.actions.attachments import delete_bytes
from townhall.actions.jobs import job
from townhall.actions.services import Services, Transaction
from townhall.domain.event_data import AttachmentBlocked
from townhall.domain.models import Message, Scan
from townhall.events import catalog
from townhall.events.event import Event
from townhall.files.clamd import Clamd
from townhall.files.storage import StoredObjectMissing
from townhall.store import attachments as attachment_store
from townhall.store import channels as channel_store
from townhall.store import messages as message_store
from townhall.store.attachments import StoredAttachment

log = logging.getLogger("townhall.files")


async def attach(tx: Transaction, s: Services, stored: Sequence[StoredAttachment]) -> None:
    """Inside the message's transaction: the rows, and the scan when scanning is required."""
    await attachment_store.insert_attachments(tx.conn, stored, s.now_ms())
    if stored and any(f.attachment.scan is Scan.PENDING for f in stored):
        await tx.schedule(
            scan_message_files, {"message_id": stored[0].message_id}, at_ms=s.now_ms()
        )


@job("attachments.scan", max_attempts=200)
async def scan_message_files(s: Services, payload: dict[str, object]) -> None:
    """Scan the pending files of one message, then release the message or block the files.

    Safe to repeat: files already decided are skipped, and releasing happens once, in the same
    transaction that records the last verdict.
    """
    message_id = int(payload["message_id"])  # type: ignore[call-overload]
    async with s.engine.connect() as conn:
        files = await attachment_store.of_message(conn, message_id)
    scanner = Clamd(s.settings.clamd_socket)
    verdicts: dict[int, str | None] = {}
    for file in files:
        if file.attachment.scan is not Scan.PENDING:
            continue
        try:
            verdict = await scanner.scan(_read(s, file.storage_key))
        except StoredObjectMissing:
            continue  # deleted meanwhile
        verdicts[file.attachment.id] = None if verdict.clean else verdict.signature or "unknown"
    await _record_verdicts(s, message_id, verdicts)


async def _read(s: Services, key: str) -> AsyncIterator[bytes]:
    async for chunk in s.file_store.read(key):
        yield chunk


async def _record_verdicts(s: Services, message_id: int, verdicts: dict[int, str | None]) -> None:
    infected: list[StoredAttachment] = []
    async with s.write() as tx:
        files = await attachment_store.of_message(tx.conn, message_id)
        if not files:
            return  # the message was deleted meanwhile
        for file in files:
            if file.attachment.id not in verdicts or file.attachment.scan is not Scan.PENDING:
                continue
            signature = verdicts[file.attachment.id]
            if signature is None:
                await attachment_store.set_scan(tx.conn, file.attachment.id, Scan.CLEAN)
            else:
                await attachment_store.set_scan(
                    tx.conn, file.attachment.id, Scan.INFECTED, signature
                )
                infected.append(file)
        files = await attachment_store.of_message(tx.conn, message_id)
        message = await message_store.get_plain(tx.conn, files[0].channel_id, message_id)
        if message is None:
            return
        shown = tuple(f.attachment for f in files)
        states = {a.scan for a in shown}
        held = message.held and states != {Scan.CLEAN}  # only a held message stays held
        await attachment_store.set_message_files(tx.conn, message_id, shown, held=held)
        now_shown = replace(message, attachments=shown, held=held)
        recipients = None
        if message.guild_id is None:
            recipients = frozenset(await channel_store.recipient_ids(tx.conn, message.channel_id))
        _announce_outcome(tx, message, now_shown, infected, recipients)
    for file in infected:
        await delete_bytes(s, [k for k in (file.storage_key, file.preview_key) if k])
        log.warning(
            "malware %s found in attachment %d of message %d; its bytes were deleted",
            file.attachment.signature or verdicts.get(file.attachment.id),
            file.attachment.id,
            message_id,
        )


def _announce_outcome(
    tx: Transaction,
    before: Message,
    after: Message,
    infected: Sequence[StoredAttachment],
    recipients: frozenset[int] | None,
) -> None:
    """Released: the others see the message for the first time, the author sees it change.
    `recipients`: a DM's, whom its events go to (guild channels go to the channel's viewers)."""
    author = frozenset({after.author.id})
    guild_id, channel_id = after.guild_id, after.channel_id
    if not before.held:
        # A file added by an edit: everyone sees the message change (its author whole, the
        # others without what is still pending or was blocked).
        tx.emit(
            Event(
                catalog.MESSAGE_UPDATE,
                after,
                guild_id=guild_id,
                channel_id=channel_id,
                user_ids=recipients,
            )
        )
    else:
        if not after.held:  # released: the others see it for the first time
            tx.emit(
                Event(
                    catalog.MESSAGE_CREATE,
                    after,
                    guild_id=guild_id,
                    channel_id=channel_id,
                    user_ids=recipients,
                    except_user_id=after.author.id,
                )
            )
        tx.emit(
            Event(
                catalog.MESSAGE_UPDATE,
                after,
                guild_id=guild_id,
                channel_id=channel_id,
                user_ids=author,
            )
        )
    for file in infected:
        blocked = AttachmentBlocked(
            channel_id=after.channel_id,
            guild_id=after.guild_id,
            message_id=after.id,
            attachment_id=file.attachment.id,
            filename=file.attachment.filename,
            uploader_id=file.uploader_id,
            signature=_signature(after, file.attachment.id),
        )
        tx.emit(
            Event(
                catalog.MESSAGE_ATTACHMENT_BLOCKED,
                blocked,
                guild_id=guild_id,
                channel_id=channel_id,
                user_ids=author,
            )
        )
        if after.guild_id is not None:
            tx.emit(
                Event(
                    catalog.MESSAGE_ATTACHMENT_BLOCKED,
                    blocked,
                    guild_id=guild_id,
                    channel_id=channel_id,
                    except_user_id=file.uploader_id,
                )
            )


def _signature(message: Message, attachment_id: int) -> str:
    for a in message.attachments:
        if a.id == attachment_id:
            return a.signature or "unknown"
    return "unknown"
