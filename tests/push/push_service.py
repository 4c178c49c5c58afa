"""A push service on loopback, the receiving side of RFC 8030, for the tests to watch pushes
arrive: what a browser vendor's service (FCM, Mozilla's autopush) is to townhall in production.

Each `Device` is a browser's subscription: its own P-256 key pair and authentication secret
(RFC 8291) and an endpoint here. A POST to the endpoint is checked as a real push service
checks it — a VAPID token (RFC 8292: ES256, `aud` this origin, `exp` within 24 hours, a `sub`)
signed by the key the device subscribed with, a TTL, aes128gcm — then decrypted with the
device's private key, and its JSON kept for the test. A test can make the service answer a
device with another status (410 Gone, 500) for its next pushes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

URGENCIES = {"very-low", "low", "normal", "high"}
BASE64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Device:
    """One browser's push subscription, as `pushManager.subscribe` would make it."""

    token: str
    endpoint: str
    application_server_key: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    pushes: list[Received] = field(default_factory=list)
    attempts: int = 0
    """POSTs that reached the endpoint, answered or not."""
    answers: list[int] = field(default_factory=list)
    """Statuses to answer the next POSTs with instead of 201 (checked and decrypted or not)."""
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription_json(self) -> dict[str, Any]:
        """The body of `POST /users/@me/push-subscriptions`."""
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
            "expiration_time": None,
        }

    async def next_push(self, after: int = 0, timeout: float = 30.0) -> Received:
        """The push received after the first `after` ones, awaited if it has not come yet."""
        async with asyncio.timeout(timeout):
            while len(self.pushes) <= after:
                self._arrived.clear()
                await self._arrived.wait()
        return self.pushes[after]


class PushService:
    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}
        self.refused: list[str] = []
        """Why POSTs were refused with 400/401/403: a correct server causes none."""
        self._runner: web.AppRunner | None = None
        self.origin = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push/{token}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def device(self, application_server_key: str) -> Device:
        token = b64url(os.urandom(18))
        found = Device(token, f"{self.origin}/push/{token}", application_server_key)
        self.devices[token] = found
        return found

    def _refuse(self, status: int, why: str) -> web.Response:
        self.refused.append(why)
        return web.Response(status=status, text=why)

    def _check_vapid(self, header: str, device: Device) -> str | None:
        """What is wrong with the Authorization header, if anything (RFC 8292 §3)."""
        scheme, _, params = header.partition(" ")
        if scheme.lower() != "vapid":
            return f"scheme {scheme!r}"
        parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        token, key = parts.get("t"), parts.get("k")
        if not token or not key:
            return "t or k missing"
        if key != device.application_server_key:
            return "signed with another key than the subscription's"
        try:
            head_b64, claims_b64, signature_b64 = token.split(".")
            head = json.loads(unb64url(head_b64))
            claims = json.loads(unb64url(claims_b64))
            signature = unb64url(signature_b64)
        except ValueError:
            return "malformed JWT"
        if head.get("alg") != "ES256" or len(signature) != 64:
            return f"not ES256: {head}"
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad signature"
        if claims.get("aud") != self.origin:
            return f"aud {claims.get('aud')!r} is not {self.origin}"
        exp = claims.get("exp")
        if not isinstance(exp, int) or not time.time() < exp <= time.time() + 24 * 3600:
            return f"exp {exp!r}"
        sub = claims.get("sub", "")
        if not isinstance(sub, str) or not sub.startswith(("mailto:", "https://")):
            return f"sub {sub!r}"
        return None

    async def _receive(self, request: web.Request) -> web.Response:
        device = self.devices.get(request.match_info["token"])
        if device is None:
            return web.Response(status=404)
        device.attempts += 1
        body = await request.read()
        if device.answers:
            status = device.answers.pop(0)
            device._arrived.set()
            return web.Response(status=status)
        problem = self._check_vapid(request.headers.get("Authorization", ""), device)
        if problem is not None:
            return self._refuse(401, problem)
        if not request.headers.get("TTL", "").isdigit():
            return self._refuse(400, "TTL missing")
        if request.headers.get("Content-Encoding") != "aes128gcm":
            return self._refuse(415, "not aes128gcm")
        urgency = request.headers.get("Urgency", "normal")
        if urgency not in URGENCIES:
            return self._refuse(400, f"urgency {urgency!r}")
        topic = request.headers.get("Topic")
        if topic is not None and (len(topic) > 32 or not set(topic) <= BASE64URL):
            return self._refuse(400, f"topic {topic!r}")
        if len(body) > 4096:
            return web.Response(status=413)
        try:
            plain = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
            )
        except Exception as failed:  # any failure is the server's bug
            return self._refuse(400, f"cannot decrypt: {failed!r}")
        device.pushes.append(
            Received(json.loads(plain), {k.lower(): v for k, v in request.headers.items()})
        )
        device._arrived.set()
        return web.Response(status=201, headers={"Location": f"/message/{len(device.pushes)}"})
