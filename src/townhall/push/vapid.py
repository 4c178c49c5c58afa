"""The server's VAPID key (RFC 8292): browsers subscribe with its public half, and every push
carries a token signed with the private half, so a push service takes pushes for a
subscription only from the server it was made for.

One key for the whole system (every node signs with it: actions/push.py keeps it in the
`server_secrets` table); the signed header is reused per push service for an hour.
"""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid  # type: ignore[import-untyped]

TOKEN_SECONDS = 12 * 3600
"""How long a signed token is valid (RFC 8292 allows at most 24 hours)."""
REUSE_SECONDS = 3600.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_private_key() -> bytes:
    """A fresh P-256 private key as its 32-byte number."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_numbers().private_value.to_bytes(32, "big")


def origin_of(endpoint: str) -> str:
    """The token's audience: the push service's origin (scheme, host and port)."""
    scheme, _, rest = endpoint.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class VapidKey:
    def __init__(self, private_key: bytes, contact: str) -> None:
        self._vapid = Vapid.from_raw(b64url(private_key).encode())
        self.contact = contact
        """The `sub` claim: how a push service's operator reaches this server's operator."""
        point = self._vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public_key = b64url(point)
        """What browsers pass to `pushManager.subscribe` as `applicationServerKey`."""
        self._signed: dict[str, tuple[float, str]] = {}

    def authorization(self, endpoint: str, now: float | None = None) -> str:
        """The `Authorization: vapid t=…,k=…` header for a push to `endpoint`."""
        now = time.time() if now is None else now
        audience = origin_of(endpoint)
        cached = self._signed.get(audience)
        if cached is not None and cached[0] > now:
            return cached[1]
        claims = {"aud": audience, "exp": int(now) + TOKEN_SECONDS, "sub": self.contact}
        header = str(self._vapid.sign(claims)["Authorization"])
        if len(self._signed) > 1000:
            self._signed.clear()
        self._signed[audience] = (now + REUSE_SECONDS, header)
        return header
