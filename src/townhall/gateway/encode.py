"""Encoding a domain event once, at its origin, into the bytes every receiver gets."""

from __future__ import annotations

from typing import Any

import orjson

from townhall.bus.events import Envelope, Event


def encode_event(event: Event) -> Envelope:
    """Placeholder encoder until the gateway issue: routing header and an opaque body."""
    data: Any = event.data if isinstance(event.data, int | str) else None
    return Envelope(
        type=event.type,
        data=orjson.dumps(data),
        guild_id=event.guild_id,
        channel_id=event.channel_id,
        user_ids=event.user_ids,
    )
