"""Handing files out: a signed link, or a token allowed to read the channel.

Files still being scanned go to their uploader only, blocked ones to nobody; anything else answers
404, as a file one may not see does not exist for them. The route (api/routes/files.py) streams
the bytes with the headers that keep a browser from running them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from townhall.actions.access import channel_access
from townhall.actions.attachments import PREVIEW_TYPES
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.models import Scan
from townhall.domain.permissions import Permission
from townhall.files import sniff, urls
from townhall.files.storage import StoredObjectMissing
from townhall.store import attachments as attachment_store
from townhall.store.attachments import StoredAttachment

log = logging.getLogger("townhall.files")


@dataclass(frozen=True, slots=True)
class Download:
    """What a download serves: which bytes, and how a browser may treat them."""

    key: str
    size: int
    content_type: str
    filename: str
    inline: bool
    etag: str


@dataclass(frozen=True, slots=True)
class SignedLink:
    """The `ex`, `is` and `hm` query parameters of a file link."""

    expires: str
    issued: str
    mac: str


async def download(
    s: Services,
    channel_id: int,
    attachment_id: int,
    *,
    link: SignedLink | None,
    actor: Actor | None,
    preview: bool = False,
) -> Download:
    """The file behind a link: a valid signed link, or a token that may read the channel.

    Files still being scanned go to their uploader only, blocked ones to nobody; anything else
    answers 404, as a file one may not see does not exist for them.
    """
    async with s.engine.connect() as conn:
        found = await attachment_store.get(conn, attachment_id)
        if found is None or found.channel_id != channel_id:
            raise errors.UnknownAttachment()
        a = found.attachment
        if link is not None:
            if not urls.current().valid(channel_id, attachment_id, *_parts(link)):
                raise errors.UnknownAttachment()
            viewer = None
        else:
            if actor is None:
                raise errors.Unauthorized()
            access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
            access.require(Permission.READ_MESSAGE_HISTORY)
            if access.channel.type.is_voice:
                access.require(Permission.CONNECT)
            viewer = actor.id
    if a.scan is Scan.INFECTED:
        raise errors.UnknownAttachment()
    if a.scan is Scan.PENDING and viewer is not None and viewer != found.uploader_id:
        raise errors.UnknownAttachment()
    if found.viewer_id is not None and viewer not in (None, found.viewer_id, found.uploader_id):
        raise errors.UnknownAttachment()  # an ephemeral message's: its one viewer's
    try:
        return await _describe(s, found, preview=preview)
    except StoredObjectMissing:
        # The row is there but not the bytes: a node whose local store is not shared (see
        # docs/scale-out.md), or a sweep that just ran. Not found, rather than an error.
        log.warning("attachment %d has no bytes in this node's file store", attachment_id)
        raise errors.UnknownAttachment() from None


async def _describe(s: Services, found: StoredAttachment, *, preview: bool) -> Download:
    a = found.attachment
    if preview and found.preview_key is not None:
        stat = await s.file_store.stat(found.preview_key)
        kind = PREVIEW_TYPES.get(found.preview_key.rsplit("/", 1)[1], sniff.OCTET_STREAM)
        return Download(
            found.preview_key,
            stat.size,
            kind,
            a.filename,
            kind != sniff.OCTET_STREAM,
            "p" + found.sha256,
        )
    stat = await s.file_store.stat(found.storage_key)
    return Download(
        found.storage_key,
        stat.size,
        a.content_type,
        a.filename,
        sniff.is_inline(a.content_type),
        found.sha256,
    )


def _parts(link: SignedLink) -> tuple[str, str, str]:
    return link.expires, link.issued, link.mac
