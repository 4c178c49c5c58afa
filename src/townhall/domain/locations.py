"""Rules for shared locations: coordinates on Earth, and how long live sharing may last."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from townhall.domain import errors
from townhall.domain.models import Location

LIVE_DURATIONS = (15 * 60, 60 * 60, 8 * 60 * 60)
"""How long live sharing may last, in seconds: WhatsApp's choices."""
MAX_ACCURACY = 100_000.0


@dataclass(frozen=True, slots=True)
class Position:
    """Coordinates as a device reports them."""

    latitude: float
    longitude: float
    accuracy: float | None = None


def checked(position: Position, field: str = "location") -> Position:
    """Coordinates on Earth, with a sensible accuracy, or 50035 naming the bad one."""
    for name, value, limit in (
        ("latitude", position.latitude, 90.0),
        ("longitude", position.longitude, 180.0),
    ):
        if not math.isfinite(value) or abs(value) > limit:
            raise errors.InvalidFormBody.field(
                f"{field}.{name}", f"Must be between -{limit:g} and {limit:g}.", "NUMBER_TYPE_MAX"
            )
    accuracy = position.accuracy
    if accuracy is not None and not (math.isfinite(accuracy) and 0 <= accuracy <= MAX_ACCURACY):
        raise errors.InvalidFormBody.field(
            f"{field}.accuracy", f"Must be between 0 and {MAX_ACCURACY:g}.", "NUMBER_TYPE_MAX"
        )
    return position


def new_location(now: datetime, position: Position, live_for_seconds: int | None) -> Location:
    """The location a new message carries: shared once, or live for one of LIVE_DURATIONS."""
    position = checked(position)
    if live_for_seconds is not None and live_for_seconds not in LIVE_DURATIONS:
        raise errors.InvalidFormBody.field(
            "location.live_for_seconds",
            "Must be one of " + ", ".join(str(d) for d in LIVE_DURATIONS) + ".",
            "BASE_TYPE_CHOICES",
        )
    until = now + timedelta(seconds=live_for_seconds) if live_for_seconds else None
    return Location(position.latitude, position.longitude, position.accuracy, until, False, now)


def is_live(location: Location | None, now: datetime) -> bool:
    return (
        location is not None
        and location.live_until is not None
        and not location.ended
        and location.live_until > now
    )
