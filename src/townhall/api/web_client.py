"""The browser client: the built app (`townhall/web_dist`, built from `web/` by `make run` and
`make test`) served at `/`, its client-side routes, long-lived caching of fingerprinted assets,
and the security headers every page of it carries.

The client is an installable app: a web app manifest, icons, and a service worker (`/sw.js`)
that keeps the app shell for offline use. Everything outside `/assets/` is revalidated on each
use (`no-cache`), so the browser finds a new worker, and a new index.html, as soon as they are
deployed. The worker lives at the root, so its scope is the whole app without a
`Service-Worker-Allowed` header.

Only GET and HEAD are answered here, and only for the app's own paths; everything else falls
through to the API's 404. The gateway WebSocket also lives at `/`: it is a different ASGI scope
type, so the two never meet.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DIST = Path(__file__).resolve().parent.parent / "web_dist"

CLIENT_ROUTES = ("/login", "/register", "/channels", "/invite")
"""Paths the client routes itself (`/channels/{guild}/{channel}`, `/invite/{code}` …)."""

NOT_OURS = ("/api/", "/healthz")
"""Paths passed straight on, without looking for a file (the API, and a load balancer's check)."""

ONE_YEAR = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"

MEDIA_TYPES = {
    ".webmanifest": "application/manifest+json",
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}
"""The build's own file types, not left to the host's mime.types (a service worker must be
served as JavaScript, or the browser refuses to register it)."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # React and the virtualized list position elements through the style property (CSSOM),
        # which CSP allows; the emoji picker puts a <style> in its shadow root, which needs this.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        # Files chosen or recorded in the browser are previewed from object URLs before sending.
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        # The service worker (sw.js and the Workbox runtime it imports) and the web app manifest.
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def media_type_of(file: Path) -> str:
    known = MEDIA_TYPES.get(file.suffix.lower())
    return known or mimetypes.guess_type(file.name)[0] or "application/octet-stream"


def is_client_route(path: str) -> bool:
    return path == "/" or any(path == p or path.startswith(p + "/") for p in CLIENT_ROUTES)


class WebClient:
    """ASGI middleware in front of the API: answers the app's paths, passes everything else on."""

    def __init__(self, app: ASGIApp, dist: Path = DIST) -> None:
        self.app = app
        self.dist = dist.resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(NOT_OURS)
        ):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        accept = dict(scope["headers"]).get(b"accept-encoding", b"")
        response = self.response_for(path, gzip=b"gzip" in accept)
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, _with_headers(send))

    def file(self, path: str) -> Path | None:
        """The built file at this URL path, never one outside the build directory."""
        found = (self.dist / path.lstrip("/")).resolve()
        if found.is_relative_to(self.dist) and found.is_file() and found.name[:1] != ".":
            return found
        return None

    def response_for(self, path: str, *, gzip: bool = False) -> Response | None:
        if path.startswith(NOT_OURS):
            return None
        found = self.file(path) if path not in ("/", "/index.html") else None
        if found is not None:
            cache = ONE_YEAR if path.startswith("/assets/") else NO_CACHE
            media_type = media_type_of(found)
            headers = {"cache-control": cache, "vary": "accept-encoding"}
            packed = found.with_name(found.name + ".gz")
            if gzip and packed.is_file():
                # The build compresses scripts and styles once (scripts/build-web).
                headers["content-encoding"] = "gzip"
                return FileResponse(packed, media_type=media_type, headers=headers)
            return FileResponse(found, media_type=media_type, headers=headers)
        if is_client_route(path) or path == "/index.html":
            index = self.file("/index.html")
            if index is None:
                return PlainTextResponse(
                    "The web client is not built: run `make run` (it builds web/).",
                    status_code=503,
                )
            return FileResponse(index, media_type="text/html", headers={"cache-control": NO_CACHE})
        return None


def _with_headers(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
        await send(message)

    return sender


def install(app: FastAPI) -> None:
    """Serve the built client in front of the API routes."""
    app.add_middleware(WebClient)
