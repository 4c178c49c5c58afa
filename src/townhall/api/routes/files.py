"""`/attachments/{channel_id}/{attachment_id}/{filename}`: files, where Discord's CDN has them.

A signed link (`ex`, `is`, `hm`) is enough, so `<img src>` works; otherwise the request's token
must be allowed to read the channel. `Range` requests are answered (media seeking, resumed
downloads). Whatever a file holds, the browser never runs it in townhall's origin: `nosniff`, a
sandboxing Content-Security-Policy (the document gets an opaque origin, so it cannot read the
app's token even if a browser were talked into rendering it), and `Content-Disposition:
attachment` for every type that is not an image, a video, audio or plain text.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from townhall.actions import file_downloads
from townhall.actions.file_downloads import SignedLink
from townhall.api.deps import MAX_SNOWFLAKE, ServicesDep, bearer_token, get_current_actor
from townhall.domain import errors
from townhall.domain.actor import Actor

router = APIRouter(tags=["files"])

FILE_SECURITY_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


FILE_PATH = "/attachments/{channel_id}/{attachment_id}/{filename}"


@router.get(
    FILE_PATH,
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, 206: {}, 416: {}},
)
async def get_attachment(
    channel_id: int,
    attachment_id: int,
    filename: str,
    request: Request,
    s: ServicesDep,
    ex: Annotated[str | None, Query(max_length=16)] = None,
    issued: Annotated[str | None, Query(alias="is", max_length=16)] = None,
    hm: Annotated[str | None, Query(max_length=64)] = None,
    preview: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """A message's file (`preview=1`: its smaller rendition, when it has one)."""
    if not (0 <= channel_id <= MAX_SNOWFLAKE and 0 <= attachment_id <= MAX_SNOWFLAKE):
        raise errors.UnknownAttachment()
    link = SignedLink(ex, issued, hm) if ex and issued and hm else None
    actor: Actor | None = None
    if link is None and bearer_token(request) is not None:
        actor = await get_current_actor(request)
    found = await file_downloads.download(
        s, channel_id, attachment_id, link=link, actor=actor, preview=bool(preview)
    )
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Security-Policy": FILE_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Content-Disposition": _disposition(found.filename, inline=found.inline),
        "ETag": f'"{found.etag}"',
        "Cache-Control": "private, max-age=3600" if link is not None else "private, no-cache",
    }
    content_type = found.content_type if found.inline else "application/octet-stream"
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    start, end = 0, found.size
    status = 200
    wanted = request.headers.get("range")
    if wanted is not None:
        span = _span(wanted, found.size)
        if span is None:
            headers["Content-Range"] = f"bytes */{found.size}"
            return Response(status_code=416, headers=headers)
        start, end = span
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{found.size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=content_type)
    body = s.file_store.read(found.key, start, end)
    return StreamingResponse(body, status_code=status, headers=headers, media_type=content_type)


router.add_api_route(FILE_PATH, get_attachment, methods=["HEAD"], include_in_schema=False)


def _span(header: str, size: int) -> tuple[int, int] | None:
    """One `bytes=a-b` range as (start, end exclusive); None when it cannot be satisfied."""
    match = _RANGE.match(header.strip())
    if match is None or size == 0:
        return None
    first, last = match.groups()
    if not first:
        if not last or int(last) == 0:
            return None
        return max(size - int(last), 0), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or end <= start:
        return None
    return start, end


def _disposition(filename: str, *, inline: bool) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("\\", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
