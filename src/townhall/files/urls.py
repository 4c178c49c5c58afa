"""Signed download links for attachments, as Discord's CDN makes them (`ex`, `is`, `hm`).

A link is `<base>/attachments/<channel_id>/<attachment_id>/<filename>?ex=…&is=…&hm=…`: `is` is
when it was issued and `ex` when it expires (hex Unix seconds), `hm` an HMAC-SHA256 over the ids
and both times with a key every node shares (made once, kept in the database). Anyone holding a
valid link may fetch the file until it expires, so `<img src>` works without a token header, and
a link never outlives a day by much. Links issued in the same hour are identical, so browsers
cache the file instead of fetching it again for every page of history.

The wire shapes (wire/payloads.py) are pure functions of domain objects; the link is the one part
that depends on the deployment (its address and key), so it is installed once per process at
start (`install`) and read with `current()`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import quote

from townhall.files.names import url_filename

ISSUE_STEP = 3600
"""Seconds: links issued within the same hour are the same link."""
LIFETIME = 24 * 3600 + ISSUE_STEP
"""Every link is valid for at least a day."""


@dataclass(frozen=True, slots=True)
class FileUrls:
    base_url: str
    key: bytes

    def _mac(self, channel_id: int, attachment_id: int, expires: int, issued: int) -> str:
        message = f"{channel_id}:{attachment_id}:{expires:x}:{issued:x}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def attachment(
        self,
        channel_id: int,
        attachment_id: int,
        filename: str,
        *,
        preview: bool = False,
        now: float | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time()) // ISSUE_STEP * ISSUE_STEP
        expires = issued + LIFETIME
        mac = self._mac(channel_id, attachment_id, expires, issued)
        path = f"/attachments/{channel_id}/{attachment_id}/{quote(url_filename(filename))}"
        query = f"?ex={expires:x}&is={issued:x}&hm={mac}"
        return self.base_url.rstrip("/") + path + query + ("&preview=1" if preview else "")

    def valid(
        self,
        channel_id: int,
        attachment_id: int,
        expires: str,
        issued: str,
        mac: str,
        *,
        now: float | None = None,
    ) -> bool:
        """Whether the query parameters of a link are genuine and not expired."""
        try:
            expires_at, issued_at = int(expires, 16), int(issued, 16)
        except ValueError:
            return False
        if (now if now is not None else time.time()) >= expires_at:
            return False
        expected = self._mac(channel_id, attachment_id, expires_at, issued_at)
        return hmac.compare_digest(expected, mac)


_current: FileUrls | None = None


def install(urls: FileUrls) -> None:
    global _current
    _current = urls


def current() -> FileUrls:
    if _current is None:
        raise RuntimeError("file URLs are not set up: the runtime installs them at start")
    return _current
