"""The JSON of a community's guest list (docs/guests.md), with its documented shape.

Discord has no guest accounts; this follows its style: snowflakes as strings, ISO 8601 times,
snake_case, the user as Discord's user object.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from townhall.domain.guests import CurrentGuest
from townhall.wire import payloads, schemas

_EXACT = ConfigDict(extra="forbid", use_attribute_docstrings=True)


@with_config(_EXACT)
class Guest(TypedDict):
    user: schemas.User
    joined_at: str
    expires_at: str
    """When the guest link they came with ends: the guest ends with it."""
    last_active_at: str
    """Their last sign of life: joining, a gateway IDENTIFY or RESUME (to the quarter hour), a
    message."""
    ends_at: str
    """The earlier of `expires_at` and `last_active_at` plus the community's idle days."""
    ends_by: Literal["link", "inactivity"]
    """Which of the two ends them, unless they are active again (or keep their account)."""


def _iso(millis: int) -> str:
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.isoformat(timespec="microseconds")


def guest(found: CurrentGuest) -> payloads.Payload:
    standing = found.standing
    return {
        "user": payloads.user(found.user),
        "joined_at": _iso(found.joined_at_ms),
        "expires_at": _iso(standing.expires_at_ms),
        "last_active_at": _iso(standing.last_active_ms),
        "ends_at": _iso(standing.ends_at_ms),
        "ends_by": found.ends_by,
    }
