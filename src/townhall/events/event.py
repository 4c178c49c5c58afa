"""What an event is: its declared type, one occurrence of it, and the form that travels the bus.

Every event is declared once, as an `EventType`, in `events/catalog.py`: its name on the gateway,
how its data renders to Discord's JSON, which intent a session needs for it, who may receive it,
what it makes stale in a node's caches, and whether it belongs to a guild's gateway snapshot. The
gateway, the caches and the bus read those facts from the type instead of matching names.

An action emits `Event(TYPE, data, guild_id=…, channel_id=…)` inside its write transaction; the
transaction encodes it once into an `Envelope` (JSON bytes of the dispatch's `d`, plus variants
such as a message without content) which is stored in the outbox and then moved onto the bus.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

D = TypeVar("D")

CacheKey = tuple[Any, ...]
"""Something a node may have cached: ("guild", id), ("member", guild, user), ("channel", id),
("user", id) for a user's tokens, ("guild_all", id) for everything of a guild."""


class Audience(enum.Enum):
    """Who may receive an event."""

    GUILD = "guild"
    """Every member of `guild_id`."""
    CHANNEL = "channel"
    """Members who may view `channel_id` (guild channels), or the recipients in `user_ids` (DMs)."""
    USERS = "users"
    """Exactly the sessions of `user_ids`."""
    NODES = "nodes"
    """No client: the nodes themselves (their caches and sessions)."""


@dataclass(frozen=True, slots=True)
class Encoded:
    """The bytes of one event: what most receivers get, and the alternatives some get instead."""

    data: bytes
    variants: Mapping[str, bytes] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


def _nothing_stale(_event: Event[Any]) -> Iterable[CacheKey]:
    return ()


@dataclass(frozen=True, eq=False, slots=True)
class EventType(Generic[D]):
    """One kind of event, declared once in `events/catalog.py`."""

    name: str
    """The dispatch name on the gateway (`t`), and the key in the registry."""
    render: Callable[[Event[D]], object]
    """The event's data as Discord's JSON (the dispatch's `d`)."""
    audience: Audience
    guild_intent: int = 0
    """The intent a session needs for this event in a guild (0: every session gets it)."""
    direct_intent: int = 0
    """The intent a session needs for it outside guilds (DMs)."""
    permission: int = 0
    """A permission receivers need in the event's channel beyond seeing it (0: none)."""
    stale: Callable[[Event[D]], Iterable[CacheKey]] = _nothing_stale
    """What it makes stale in the per-node access cache."""
    versioned: bool = False
    """Part of a guild's gateway snapshot (GUILD_CREATE): each occurrence gets the guild's next
    version number, so a node can tell what a snapshot already contains and notice a gap."""
    structural: bool = False
    """The gateway hub updates its guild replica from it (needs a handler there)."""
    durable: bool = True
    """False for ephemeral events (typing, presence): they skip the outbox."""
    encode_variants: Callable[[Event[D]], Encoded] | None = None
    """A custom encoding with variants (messages without content for some bots)."""
    follows_subscriptions: bool = False
    """In a guild, only for the channels a session subscribed to (gateway op 14/37), once it has
    subscribed to any; sessions that never did (bots) get it as any other event."""

    def __post_init__(self) -> None:
        # Plain ints: `session.intents & kind.guild_intent` runs per receiver, and IntFlag's
        # operators are Python code.
        for name in ("guild_intent", "direct_intent", "permission"):
            object.__setattr__(self, name, int(getattr(self, name)))

    def encode(self, event: Event[D]) -> Encoded:
        if self.encode_variants is not None:
            return self.encode_variants(event)
        return Encoded(orjson.dumps(self.render(event)))

    def __repr__(self) -> str:
        return f"EventType({self.name})"


@dataclass(frozen=True, slots=True)
class Event(Generic[D]):
    """One occurrence of an event, in domain terms.

    `guild_id`/`channel_id` say where it happened; `user_ids`, when set, is the whole audience
    (DMs, a user's own updates) and replaces the guild and channel rules. `except_user_id` leaves
    one person out of the audience (a message's author who saw it before everyone else).
    """

    type: EventType[D]
    data: D
    guild_id: int | None = None
    channel_id: int | None = None
    user_ids: frozenset[int] | None = None
    except_user_id: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Facts for the nodes beside the data (a thread's counters after a message), added to the
    envelope's `meta`: no client sees them."""

    def __post_init__(self) -> None:
        audience = self.type.audience
        if audience is Audience.GUILD and self.guild_id is None and self.user_ids is None:
            raise ValueError(f"{self.type.name} needs a guild_id")
        if audience is Audience.CHANNEL and self.channel_id is None and self.user_ids is None:
            raise ValueError(f"{self.type.name} needs a channel_id or its recipients")
        if audience is Audience.USERS and self.user_ids is None:
            raise ValueError(f"{self.type.name} needs user_ids")


@dataclass(frozen=True, slots=True)
class Envelope:
    """An event encoded once at its origin: routing header plus the JSON bytes of its `d` field.

    `id` is a snowflake unique to this occurrence (receivers drop one they have seen);
    `version` is the guild's version number for versioned events; `stale` lists what the event
    makes stale in caches, so receivers never parse `data` to invalidate.
    """

    id: int
    kind: EventType[Any]
    data: bytes
    guild_id: int | None = None
    channel_id: int | None = None
    user_ids: frozenset[int] | None = None
    except_user_id: int | None = None
    variants: Mapping[str, bytes] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    stale: tuple[CacheKey, ...] = ()
    version: int | None = None

    @property
    def type(self) -> str:
        return self.kind.name

    @property
    def in_guild(self) -> bool:
        return self.guild_id is not None


def envelope_of(event: Event[Any], event_id: int) -> Envelope:
    """Encode an event once: the only place an Event becomes bytes."""
    kind = event.type
    encoded = kind.encode(event)
    return Envelope(
        id=event_id,
        kind=kind,
        data=encoded.data,
        guild_id=event.guild_id,
        channel_id=event.channel_id,
        user_ids=event.user_ids,
        except_user_id=event.except_user_id,
        variants=encoded.variants,
        meta={**encoded.meta, **event.meta} if event.meta else encoded.meta,
        stale=tuple(kind.stale(event)),
    )


Handler = Callable[[Envelope], None]
"""Receives every envelope on this node, in log order; must not block."""
