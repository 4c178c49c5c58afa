"""Files given to an interaction's ATTACHMENT options.

The invoker uploads each file first, the way files of messages are uploaded (`/uploads`, tus),
and names it in `data.attachments` as `{id, filename?, uploaded_filename}`, as Discord's client
does; an option's value is the `id` of its entry. Taking the uploads is what a message's files
go through (`attachments.receive_files`: the uploader's own finished upload, ATTACH_FILES, the
size limits and quotas, looking at the file). The files belong to the interaction: their rows
carry its id as their message id, so they can be downloaded while it is kept (its token's 15
minutes and a minute) and the attachments sweep removes them after. With scanning required,
each is scanned before the application hears of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from townhall.actions import attachments as attachment_actions
from townhall.actions.attachments import FinishedUploadRef, IncomingFile
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.interactions import GivenFile
from townhall.domain.models import Scan
from townhall.files.clamd import Clamd, ScannerUnavailable
from townhall.store.attachments import StoredAttachment


class ScannerDown(errors.TownhallError):
    status, code, message = 503, 0, "Files cannot be scanned right now: try again later"


async def receive(
    s: Services, actor: Actor, channel_id: int, interaction_id: int, files: Sequence[GivenFile]
) -> list[StoredAttachment]:
    """Take the named uploads into the file store (in the order given) and scan them if
    scanning is required. The caller inserts the rows with the interaction, or discards them."""
    incoming = [IncomingFile(f.filename, FinishedUploadRef(f.upload_id)) for f in files]
    stored = await attachment_actions.receive_files(
        s, actor, channel_id, interaction_id, incoming, voice=False
    )
    try:
        return await _scanned(s, stored)
    except BaseException:
        await attachment_actions.discard(s, stored)
        raise


async def _scanned(s: Services, stored: list[StoredAttachment]) -> list[StoredAttachment]:
    if not any(f.attachment.scan is Scan.PENDING for f in stored):
        return stored
    scanner = Clamd(s.settings.clamd_socket)
    for file in stored:
        try:
            verdict = await scanner.scan(_read(s, file.storage_key))
        except ScannerUnavailable:
            raise ScannerDown() from None
        if not verdict.clean:
            raise errors.InvalidFormBody.field(
                "data.attachments",
                f"{file.attachment.filename} was refused: it holds malware.",
                "ATTACHMENT_BLOCKED",
            )
    return [replace(f, attachment=replace(f.attachment, scan=Scan.CLEAN)) for f in stored]


async def _read(s: Services, key: str) -> AsyncIterator[bytes]:
    async for chunk in s.file_store.read(key):
        yield chunk
