"""What an action publishes, and the encoded form that travels between nodes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Event:
    """A change clients should hear about, in domain terms.

    `guild_id`/`channel_id` say where it happened: a receiver must be a member of the guild and,
    when
    `channel_id` is set, able to view that channel. `user_ids`, when set, is the whole audience
    (DMs, a user's own updates) and replaces those rules.
    """

    type: str
    data: object
    guild_id: int | None = None
    channel_id: int | None = None
    user_ids: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class Envelope:
    """An event encoded once at its origin: routing header plus the JSON bytes of its `d` field.

    `variants` holds alternative encodings some receivers get instead (for example `no_content`,
    the message without its text for bots lacking the MESSAGE_CONTENT intent). `meta` carries the
    facts the gateway needs to choose between them and to keep its caches correct.
    """

    type: str
    data: bytes
    guild_id: int | None = None
    channel_id: int | None = None
    user_ids: frozenset[int] | None = None
    variants: Mapping[str, bytes] = field(default_factory=dict)
    meta: Mapping[str, object] = field(default_factory=dict)


Encoder = Callable[[Event], Envelope]
"""Turns a domain event into its wire form; supplied by the gateway layer."""

Handler = Callable[[Envelope], None]
"""Receives every envelope on this node, in publish order; must not block."""
