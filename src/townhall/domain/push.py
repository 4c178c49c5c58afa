"""Web Push rules: which subscriptions are acceptable, who gets a push for a message, and what
the push says. Pure: the job that sends (actions/push.py) loads the facts and asks here.

A push goes out for a DM, a mention, a reply, @everyone (@here: to those online) and role
mentions, and, for people whose level is "all messages", for any message; always as the
person's notification settings for the guild and channel say (domain/notifications.py): muted,
"nothing" and a turned off `mobile_push` mean none. A message sent with SUPPRESS_NOTIFICATIONS
(@silent) pushes nobody.

What a push shows: message text only when the person allows it. `notification_message_text`
in their settings is DEFAULT (shown, except in communities marked confidential), ALWAYS or
NEVER. Without text the push names the channel and the author ("New message in #general from
Ada"); in a confidential community it names nothing at all, only the ids the app opens.
"""

from __future__ import annotations

import base64
import binascii
import enum
import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from townhall.domain import errors
from townhall.domain.notifications import (
    ALL_MESSAGES,
    INHERIT,
    NO_MESSAGES,
    GuildSettings,
    is_muted,
)

MAX_SUBSCRIPTIONS = 10
"""Per person; a further one replaces their oldest (browsers drop subscriptions silently)."""
MAX_ENDPOINT_LENGTH = 2048
MAX_TEXT_BYTES = 1800
"""Message text in a push, in UTF-8 bytes: a push's encrypted body holds at most 4096 bytes."""
FOCUS_SECONDS = 120
"""How long a client's "I am focused" holds unless renewed (clients renew every minute)."""
SUPPRESS_NOTIFICATIONS = 1 << 12


class MessageText(enum.IntEnum):
    """`notification_message_text` in the person's settings."""

    DEFAULT = 0
    """Shown, except in communities marked confidential."""
    ALWAYS = 1
    NEVER = 2


class Reason(enum.StrEnum):
    """Why a person gets a push; the service worker words the notification by it."""

    DM = "dm"
    MENTION = "mention"
    REPLY = "reply"
    EVERYONE = "everyone"
    ROLE = "role"
    MESSAGE = "message"
    """Their level is "all messages"."""
    ANNOUNCEMENT = "announcement"
    CALL = "call"


DIRECTED = frozenset({Reason.DM, Reason.MENTION, Reason.REPLY, Reason.EVERYONE, Reason.ROLE})
"""Reasons of the message's own job; MESSAGE comes from the channel's job (actions/push.py)."""


# -- subscriptions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSubscription:
    endpoint: str
    p256dh: str
    auth: str
    expires_at: int | None
    """Milliseconds since the epoch, when the browser says the subscription ends."""


def _b64url(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _endpoint(endpoint: str, *, allow_loopback: bool) -> str:
    """A push service's URL. HTTPS to a public host; plain HTTP only to loopback, and only where
    the operator allowed it (tests, development): the server POSTs to whatever URL is stored, so
    addresses inside the network are refused (the host is checked as written, not resolved)."""
    bad = errors.InvalidFormBody.field(
        "endpoint", "Must be a push service's https URL.", "URL_TYPE_INVALID_URL"
    )
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise errors.InvalidFormBody.field(
            "endpoint",
            f"Must be {MAX_ENDPOINT_LENGTH} or fewer in length.",
            "BASE_TYPE_MAX_LENGTH",
        )
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        raise bad from None
    if not host or parts.username is not None or parts.password is not None or parts.fragment:
        raise bad
    if _is_loopback(host):
        if not allow_loopback or parts.scheme not in ("http", "https"):
            raise bad
        return endpoint
    if parts.scheme != "https" or "." not in host:
        raise bad
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return endpoint
    if not address.is_global:
        raise bad
    return endpoint


def check_subscription(
    endpoint: str,
    p256dh: str,
    auth: str,
    expires_at: int | None,
    *,
    now_ms: int,
    allow_loopback: bool,
) -> NewSubscription:
    """A browser's `PushSubscription`, checked: a usable endpoint, a P-256 public key, a 16-byte
    authentication secret (RFC 8291), and not already expired."""
    checked = _endpoint(endpoint, allow_loopback=allow_loopback)
    point = _b64url(p256dh)
    try:
        if point is None or len(point) != 65:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise errors.InvalidFormBody.field(
            "keys.p256dh", "Must be a P-256 public key (base64url).", "BASE_TYPE_INVALID"
        ) from None
    secret = _b64url(auth)
    if secret is None or len(secret) != 16:
        raise errors.InvalidFormBody.field(
            "keys.auth", "Must be 16 bytes (base64url).", "BASE_TYPE_INVALID"
        )
    if expires_at is not None and expires_at <= now_ms:
        raise errors.InvalidFormBody.field(
            "expiration_time", "The subscription has expired.", "BASE_TYPE_INVALID"
        )
    return NewSubscription(checked, p256dh, auth, expires_at)


def check_client_id(client_id: str) -> str:
    """A client's name for itself in focus reports: letters, digits, `-` and `_`."""
    if not 1 <= len(client_id) <= 64 or not all(
        c.isascii() and (c.isalnum() or c in "-_") for c in client_id
    ):
        raise errors.InvalidFormBody.field(
            "client_id", "Must be 1 to 64 letters, digits, - or _.", "BASE_TYPE_INVALID"
        )
    return client_id


# -- who gets a push --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the decision needs to know about one message."""

    author_id: int
    direct: bool
    """A DM or group DM: every recipient hears of every message."""
    mention_ids: frozenset[int] = frozenset()
    mention_role_ids: frozenset[int] = frozenset()
    everyone: bool = False
    here: bool = False
    """The `everyone` ping was @here alone: it concerns only those online."""
    replied_author_id: int | None = None
    flags: int = 0
    announcement: bool = False
    """Posted as an announcement to every member (issue 13's announcements call this)."""

    @property
    def silent(self) -> bool:
        return bool(self.flags & SUPPRESS_NOTIFICATIONS)

    @property
    def directed(self) -> bool:
        """Whether the message may concern someone beyond those whose level is "all"."""
        return (
            self.direct
            or self.announcement
            or self.everyone
            or bool(self.mention_ids)
            or bool(self.mention_role_ids)
            or self.replied_author_id is not None
        )


@dataclass(frozen=True, slots=True)
class Place:
    """Where the message is: its channel, the channel's category, the guild's default level."""

    channel_id: int
    parent_id: int | None = None
    guild_default: int = ALL_MESSAGES


def _silenced(settings: GuildSettings, place: Place, now: datetime) -> bool:
    if not settings.mobile_push or is_muted(settings.muted, settings.mute_config, now):
        return True
    for override in settings.channel_overrides:
        if override.channel_id in (place.channel_id, place.parent_id) and is_muted(
            override.muted, override.mute_config, now
        ):
            return True
    return False


def level(settings: GuildSettings | None, place: Place) -> int:
    """The effective `message_notifications`: the channel's override, else its category's, else
    the guild's setting, else the guild's default."""
    if settings is None:
        return place.guild_default
    overrides = {o.channel_id: o.message_notifications for o in settings.channel_overrides}
    for found in (overrides.get(place.channel_id), overrides.get(place.parent_id or -1)):
        if found is not None and found != INHERIT:
            return found
    if settings.message_notifications != INHERIT:
        return settings.message_notifications
    return place.guild_default


def reason_for(
    facts: MessageFacts,
    user_id: int,
    role_ids: Collection[int],
    settings: GuildSettings | None,
    place: Place,
    now: datetime,
    *,
    online: bool = True,
) -> Reason | None:
    """Why `user_id` gets a push for this message, or None. The sender never does. `online`:
    the person has a live session somewhere and does not show as offline or invisible; an
    @here reaches only them, as Discord notifies only online members for @here."""
    if user_id == facts.author_id or facts.silent:
        return None
    if facts.direct:
        return Reason.DM
    if settings is not None and _silenced(settings, place, now):
        return None
    chosen = level(settings, place)
    if chosen == NO_MESSAGES:
        return None
    if facts.announcement:
        return Reason.ANNOUNCEMENT
    if user_id in facts.mention_ids:
        return Reason.MENTION
    if facts.replied_author_id == user_id:
        return Reason.REPLY
    if (
        facts.everyone
        and (online or not facts.here)
        and not (settings and settings.suppress_everyone)
    ):
        return Reason.EVERYONE
    if facts.mention_role_ids & set(role_ids) and not (settings and settings.suppress_roles):
        return Reason.ROLE
    if chosen == ALL_MESSAGES:
        return Reason.MESSAGE
    return None


def shows_text(choice: int | None, *, confidential: bool) -> bool:
    if choice == MessageText.ALWAYS:
        return True
    if choice == MessageText.NEVER:
        return False
    return not confidential


# -- what a push says -------------------------------------------------------------------------


def clip(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """At most `limit` UTF-8 bytes of `text`, cut between characters, with … when cut."""
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore") + "…"


@dataclass(frozen=True, slots=True)
class Names:
    """What a push may name: left out together in a confidential community."""

    author: str
    channel: str | None
    guild: str | None


def channel_url(guild_id: int | None, channel_id: int) -> str:
    """The app's path that opens the channel (web/src/features/app/router.ts)."""
    return f"/channels/{guild_id if guild_id is not None else '@me'}/{channel_id}"


def message_push(
    reason: Reason,
    *,
    guild_id: int | None,
    channel_id: int,
    message_id: int,
    author_id: int,
    names: Names | None,
    text: str | None,
    count: int = 1,
) -> dict[str, Any]:
    """The push's JSON (before encryption). `names` None: a confidential community, where the
    push says only that there is something new; `text` None: the text is not shown."""
    body: dict[str, Any] = {
        "type": "message",
        "reason": reason.value,
        "guild_id": str(guild_id) if guild_id is not None else None,
        "channel_id": str(channel_id),
        "message_id": str(message_id),
        "url": channel_url(guild_id, channel_id),
        "tag": f"message-{message_id}" if count == 1 else f"channel-{channel_id}",
    }
    if count > 1:
        body["count"] = count
    if names is not None:
        body.update(
            author={"id": str(author_id), "name": names.author},
            channel_name=names.channel,
            guild_name=names.guild,
        )
    if text is not None and text:
        body["content"] = clip(text)
    return body


def call_push(
    channel_id: int, caller_id: int, caller_name: str, group: str | None
) -> dict[str, Any]:
    """A DM or group DM call ringing the person."""
    return {
        "type": "call",
        "reason": Reason.CALL.value,
        "guild_id": None,
        "channel_id": str(channel_id),
        "url": channel_url(None, channel_id),
        "tag": f"call-{channel_id}",
        "author": {"id": str(caller_id), "name": caller_name},
        "channel_name": group,
    }


def retry_delay_seconds(retry_after: str | None, default: float, *, most: float = 3600.0) -> float:
    """RFC 8030 §8.4: a push service that is busy says when to come back (seconds, here)."""
    if retry_after is not None and retry_after.strip().isdigit():
        return min(max(float(retry_after.strip()), default), most)
    return default
