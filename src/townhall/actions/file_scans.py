"""Scanning files for malware before anyone but their uploader may see them.

With scanning required (`TOWNHALL_SCAN=required`), a message's new files start PENDING and a
durable job streams each to clamd (files/clamd.py). A message sent with pending files is *held*:
only its author receives it (MESSAGE_CREATE to them alone; history shows it to them alone). When
every file is clean the message is released: MESSAGE_CREATE to everyone else who may see the
channel, MESSAGE_UPDATE to the author, and its push notifications (actions/push.py). Files added
by an edit leave a visible message visible; everyone else's encoding of it simply leaves them
out until they are clean. When malware is found the bytes are deleted, a held message stays its
author's alone with the file marked blocked, and the author and the channel's moderators get
MESSAGE_ATTACHMENT_BLOCKED. A scanner that is down leaves files pending (the job retries with
backoff), never published.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from townhall.actions import push
from townhall.actions.jobs import job
from townhall.actions.services import Services, Transaction
from townhall.domain.event_data import AttachmentBlocked
from townhall.domain.models import Attachment, Message, Scan
from townhall.events import catalog
from townhall.events.event import Event
from townhall.files.clamd import Clamd
from townhall.store import attachments as attachment_store
from townhall.store import channels as channel_store
from townhall.store import interactions as interaction_store
from townhall.store import messages as message_store
from townhall.store.attachments import StoredAttachment

log = logging.getLogger("townhall.files")


async def attach(tx: Transaction, s: Services, stored: Sequence[StoredAttachment]) -> None:
    """Inside the message's transaction: the rows, and the scan when scanning is required."""
    await attachment_store.insert_attachments(tx.conn, stored, s.now_ms())
    if stored and any(f.attachment.scan is Scan.PENDING for f in stored):
        payload = {"message_id": stored[0].message_id, "channel_id": stored[0].channel_id}
        await tx.schedule(scan_message_files, payload, at_ms=s.now_ms())


@job("attachments.scan", max_attempts=200)
async def scan_message_files(s: Services, payload: dict[str, object]) -> None:
    """Scan the pending files of one message, recording each verdict as it comes, so a retry
    (after clamd was down, or a crash) goes on with the files not yet decided. Fails closed:
    bytes that cannot be read or a scanner that does not answer leave the file pending."""
    message_id = int(payload["message_id"])  # type: ignore[call-overload]
    channel_id = int(payload["channel_id"])  # type: ignore[call-overload]
    async with s.engine.connect() as conn:
        files = await attachment_store.of_message(conn, message_id)
    scanner = Clamd(s.settings.clamd_socket)
    for file in files:
        if file.attachment.scan is not Scan.PENDING:
            continue
        verdict = await scanner.scan(_read(s, file.storage_key))
        signature = None if verdict.clean else verdict.signature or "unknown"
        await _record_verdict(s, channel_id, message_id, file.attachment.id, signature)


async def _read(s: Services, key: str) -> AsyncIterator[bytes]:
    async for chunk in s.file_store.read(key):
        yield chunk


async def _record_verdict(
    s: Services, channel_id: int, message_id: int, attachment_id: int, signature: str | None
) -> None:
    """One file's verdict, the message's files as shown, and who hears about it, in one
    transaction. A blocked file is detached from its message: the sweep deletes its bytes."""
    async with s.write() as tx:
        message = await message_store.get_plain(tx.conn, channel_id, message_id)
        viewer_id = None
        if message is None:  # an ephemeral message (its one viewer), or deleted meanwhile
            ephemeral = await interaction_store.get_ephemeral(tx.conn, message_id)
            if ephemeral is None:
                return  # the sweep takes its files
            message, _interaction_id, viewer_id = ephemeral
        found = next((a for a in message.attachments if a.id == attachment_id), None)
        if found is None or found.scan is not Scan.PENDING:
            return  # removed by an edit, or decided by an earlier run
        if signature is None:
            decided = replace(found, scan=Scan.CLEAN)
            await attachment_store.set_scan(tx.conn, attachment_id, Scan.CLEAN)
        else:
            decided = replace(found, scan=Scan.INFECTED, signature=signature, has_preview=False)
            await attachment_store.set_scan(tx.conn, attachment_id, Scan.INFECTED, signature)
            await attachment_store.detach(tx.conn, [attachment_id])
            log.warning(
                "malware %s found in attachment %d of message %d; its bytes go with the sweep",
                signature,
                attachment_id,
                message_id,
            )
        shown = tuple(decided if a.id == attachment_id else a for a in message.attachments)
        held = message.held and any(a.scan is not Scan.CLEAN for a in shown)
        recipients = None
        if viewer_id is not None:
            await interaction_store.set_ephemeral_files(tx.conn, message_id, shown)
            recipients = frozenset({viewer_id})
        else:
            await attachment_store.set_message_files(tx.conn, message_id, shown, held=held)
        if message.guild_id is None and viewer_id is None:
            recipients = frozenset(await channel_store.recipient_ids(tx.conn, channel_id))
        after = replace(message, attachments=shown, held=held)
        blocked = decided if signature is not None else None
        _announce_outcome(tx, message, after, blocked, recipients)
        if message.held and not after.held and viewer_id is None:
            await push.message_released(tx, s, after)


def _announce_outcome(
    tx: Transaction,
    before: Message,
    after: Message,
    blocked: Attachment | None,
    recipients: frozenset[int] | None,
) -> None:
    """Who hears of a verdict. `recipients`: a DM's, whom its events go to (guild channels go
    to the channel's viewers)."""
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
    if blocked is not None:
        notice = AttachmentBlocked(
            channel_id=channel_id,
            guild_id=guild_id,
            message_id=after.id,
            attachment_id=blocked.id,
            filename=blocked.filename,
            uploader_id=after.author.id,
            signature=blocked.signature or "unknown",
        )
        tx.emit(
            Event(
                catalog.MESSAGE_ATTACHMENT_BLOCKED,
                notice,
                guild_id=guild_id,
                channel_id=channel_id,
                user_ids=author,
            )
        )
        if guild_id is not None:  # the channel's moderators
            tx.emit(
                Event(
                    catalog.MESSAGE_ATTACHMENT_BLOCKED,
                    notice,
                    guild_id=guild_id,
                    channel_id=channel_id,
                    except_user_id=after.author.id,
                )
            )
