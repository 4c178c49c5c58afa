"""Delivering one push: encrypt the JSON for the subscription (aes128gcm, RFC 8291), sign for
its push service (VAPID) and POST it there (RFC 8030), with a timeout, on the event loop
(`pywebpush`'s aiohttp path: nothing here blocks on the network)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import aiohttp
from pywebpush import WebPushException, webpush_async  # type: ignore[import-untyped]

from townhall.push.vapid import VapidKey

log = logging.getLogger("townhall.push")

TIMEOUT_SECONDS = 10.0


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"
    """404 or 410: the subscription no longer exists; forget it."""
    TOO_LARGE = "too_large"
    """413: trying again would not help."""
    RETRY = "retry"
    """A refusal, an error or no answer: try again later."""


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    status: int | None = None
    retry_after: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    endpoint: str
    p256dh: str
    auth: str


def _outcome(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (404, 410):
        return Outcome.GONE
    if status == 413:
        return Outcome.TOO_LARGE
    return Outcome.RETRY


async def send(
    session: aiohttp.ClientSession,
    target: Target,
    data: bytes,
    vapid: VapidKey,
    *,
    ttl: int,
    urgency: str = "normal",
    topic: str | None = None,
) -> Result:
    """POST one encrypted push; what the push service said."""
    headers = {"Authorization": vapid.authorization(target.endpoint), "Urgency": urgency}
    if topic is not None:
        headers["Topic"] = topic
    info = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
    try:
        response = await webpush_async(
            info,
            data=data.decode(),
            headers=headers,
            ttl=ttl,
            timeout=TIMEOUT_SECONDS,
            aiohttp_session=session,
            content_encoding="aes128gcm",
        )
    except WebPushException as refused:
        answer = refused.response
        status = getattr(answer, "status", None)
        if status is None:
            return Result(Outcome.RETRY, detail=str(refused))
        retry_after = answer.headers.get("Retry-After") if answer.headers else None
        return Result(_outcome(int(status)), int(status), retry_after, str(refused)[:300])
    except (aiohttp.ClientError, TimeoutError, OSError) as failed:
        return Result(Outcome.RETRY, detail=f"{type(failed).__name__}: {failed}")
    return Result(_outcome(int(response.status)), int(response.status))
