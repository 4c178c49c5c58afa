"""The JSON of push subscriptions and of a community's privacy, with their documented shapes.

Discord has no Web Push for browsers; these follow its style: snowflakes as strings, ISO 8601
times, snake_case (the browser's `PushSubscription.toJSON()` says `expirationTime`; here it is
`expiration_time`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from townhall.store.push import Subscription

_EXACT = ConfigDict(extra="forbid", use_attribute_docstrings=True)


@with_config(_EXACT)
class PushSubscription(TypedDict):
    id: str
    endpoint: str
    expiration_time: str | None
    """When the browser said the subscription ends, if it did."""
    created_at: str


@with_config(_EXACT)
class VapidKey(TypedDict):
    public_key: str
    """The server's VAPID public key (base64url, uncompressed P-256 point): the
    `applicationServerKey` of `pushManager.subscribe`."""


@with_config(_EXACT)
class GuildPrivacy(TypedDict):
    guild_id: str
    confidential: bool
    """Push notifications from this community show no text and no names unless a person chose
    to see message text everywhere."""


def _iso(millis: int | None) -> str | None:
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat()


def push_subscription(found: Subscription) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "endpoint": found.endpoint,
        "expiration_time": _iso(found.expires_at),
        "created_at": _iso(found.created_at),
    }


def guild_privacy(guild_id: int, confidential: bool) -> dict[str, Any]:
    return {"guild_id": str(guild_id), "confidential": confidential}
