"""Request bodies: refused with 413 past their route's size before they are read, and with 50035
when their text is not valid Unicode (api/json_text.py), before any route sees them.

JSON routes take a few hundred kB at most (`TOWNHALL_MAX_JSON_BODY_BYTES`, 256 KiB by default);
sign-in and sign-up, which anyone can call without a token, take 16 KiB. A `Content-Length` over
the limit is answered at once and the connection closed, so the body is never received; a body
sent in chunks is counted as it arrives and cut off at the limit. The accepted body is handed on
in one piece (and left in the scope as `townhall.body`, for the rate limits of sign-up).

File bodies are never held in memory: `multipart/form-data` (messages with files, up to
`TOWNHALL_MAX_UPLOAD_REQUEST_BYTES`) and the resumable uploads under `/api/v10/uploads` (up to
`TOWNHALL_MAX_FILE_BYTES`) stream through to their route, counted on the way.
"""

from __future__ import annotations

import re

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.api.json_text import invalid_text_errors
from townhall.config import Settings

UNAUTHENTICATED_PREFIXES = ("/api/v10/auth/",)
UPLOAD_PREFIX = "/api/v10/uploads"
MESSAGE_PATH = re.compile(
    r"^/api/v10/(channels/\d{1,20}/messages(/\d{1,20})?"
    r"|webhooks/\d{1,20}/[\w.-]{1,200}(/messages/(@original|\d{1,20}))?"
    r"|interactions/\d{1,20}/[\w.-]{1,200}/callback)$",
    re.ASCII,
)
"""The routes that take files in `multipart/form-data`: sending and editing a message, as a
member, a webhook or an application answering an interaction (docs/webhooks.md)."""
UNAUTHENTICATED_LIMIT = 16 * 1024
BODY_SCOPE_KEY = "townhall.body"


class BodyLimits:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_json_body_bytes
        self.multipart_limit = settings.max_upload_request_bytes
        self.upload_limit = settings.max_file_bytes

    def limit_for(self, path: str) -> int:
        if path.startswith(UNAUTHENTICATED_PREFIXES):
            return min(self.limit, UNAUTHENTICATED_LIMIT)
        return self.limit

    def streamed_limit(self, scope: Scope) -> int | None:
        """The limit of a body that streams through unread, or None for one read here."""
        if scope["path"].startswith(UPLOAD_PREFIX):
            return self.upload_limit
        if not MESSAGE_PATH.match(scope["path"]):
            return None
        for name, value in scope["headers"]:
            if name == b"content-type":
                if value[:19].lower() == b"multipart/form-data":
                    return self.multipart_limit
                return None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        streamed = self.streamed_limit(scope)
        if streamed is not None:
            if declared is not None and declared > streamed:
                await _too_large(send, tus=scope["path"].startswith(UPLOAD_PREFIX))
                return
            await _stream_through(self.app, scope, receive, send, streamed)
            return
        limit = self.limit_for(scope["path"])
        if declared is not None and declared > limit:
            await _too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        errors = invalid_text_errors(body) if body else None
        if errors is not None:
            await _respond(
                send, 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}
            )
            return
        scope[BODY_SCOPE_KEY] = body
        replayed = False

        async def receive_body() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, receive_body, send)


async def _stream_through(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int
) -> None:
    """Hand the body on as it arrives; past `limit` the app sees a disconnect and the client 413."""
    size = 0
    started = cut_off = False

    async def counted_receive() -> Message:
        nonlocal size, cut_off
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                cut_off = True
                return {"type": "http.disconnect"}
        return message

    async def watched_send(message: Message) -> None:
        nonlocal started
        if cut_off and not started:
            return  # the 413 below answers instead
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    await app(scope, counted_receive, watched_send)
    if cut_off and not started:
        await _too_large(send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 20 else None
    return None


async def _too_large(send: Send, *, tus: bool = False) -> None:
    """Discord's 40005; the connection closes, so the rest of the body is never read."""
    body = {"code": 40005, "message": "Request entity too large"}
    await _respond(send, 413, body, close=True, tus=tus)


async def _respond(
    send: Send, status: int, body: dict[str, object], close: bool = False, tus: bool = False
) -> None:
    content = orjson.dumps(body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    if tus:
        headers.append((b"tus-resumable", b"1.0.0"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
