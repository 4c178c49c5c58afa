"""Scheduled events (Discord's guild scheduled events): the rules, with no I/O.

An event is planned for a stage channel, a voice channel or a place outside townhall ("external"),
from `scheduled_start_time` (and until `scheduled_end_time`, which an external event must have).
Its status moves SCHEDULED → ACTIVE → COMPLETED, or SCHEDULED → CANCELED, and never again once it
is finished. Members mark themselves interested; those are reminded shortly before it starts.

The field rules, the transitions and the permissions follow Discord's documentation
(developers/resources/guild-scheduled-event in discord/discord-api-docs); so does what happens by
itself (`due_status`): an external event starts at its start time and ends at its end time, an
event that was never started is canceled a while after its start time, and an active event whose
end time has passed is completed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from townhall.domain import errors
from townhall.domain.errors import InvalidFormBody
from townhall.domain.models import ChannelType, User
from townhall.domain.permissions import Permission

NAME_MAX = 100
DESCRIPTION_MAX = 1000
LOCATION_MAX = 100
MAX_UNFINISHED = 100
"""Discord's limit of SCHEDULED or ACTIVE events per guild."""
GUILD_ONLY = 2
"""The one privacy level Discord has left."""
USERS_PAGE_MAX = 100

REMIND_BEFORE = timedelta(minutes=15)
"""Interested members are reminded this long before the start (townhall's; Discord notifies at
the start)."""
MAX_AHEAD = timedelta(days=5 * 365)
"""How far ahead an event may be planned."""
CANCEL_UNSTARTED_AFTER = timedelta(hours=2)
"""A stage or voice event nobody started is canceled this long after its start time (Discord:
"on the order of hours")."""


class EventStatus(enum.IntEnum):
    SCHEDULED = 1
    ACTIVE = 2
    COMPLETED = 3
    CANCELED = 4

    @property
    def finished(self) -> bool:
        return self in (EventStatus.COMPLETED, EventStatus.CANCELED)


class EntityType(enum.IntEnum):
    STAGE_INSTANCE = 1
    VOICE = 2
    EXTERNAL = 3

    @property
    def channel_type(self) -> ChannelType | None:
        """The type of channel the event takes place in (None: outside townhall)."""
        return _CHANNEL_TYPES.get(self)


_CHANNEL_TYPES = {
    EntityType.STAGE_INSTANCE: ChannelType.GUILD_STAGE_VOICE,
    EntityType.VOICE: ChannelType.GUILD_VOICE,
}

_TRANSITIONS = {
    EventStatus.SCHEDULED: {EventStatus.ACTIVE, EventStatus.CANCELED},
    EventStatus.ACTIVE: {EventStatus.COMPLETED},
}


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    id: int
    guild_id: int
    name: str
    start: datetime
    entity_type: EntityType
    status: EventStatus = EventStatus.SCHEDULED
    channel_id: int | None = None
    creator_id: int | None = None
    description: str | None = None
    end: datetime | None = None
    location: str | None = None
    """`entity_metadata.location`, for external events."""
    entity_id: int | None = None
    """The stage instance of a stage event while it is active."""
    privacy_level: int = GUILD_ONLY
    creator: User | None = None
    user_count: int | None = None
    """How many members are interested, when it was counted (`with_user_count`)."""

    @property
    def unfinished(self) -> bool:
        return not self.status.finished


@dataclass(frozen=True, slots=True)
class Interest:
    """A member marked themselves interested in an event (Discord's subscribed event user)."""

    event_id: int
    guild_id: int
    user_id: int


# -- errors, with Discord's codes ------------------------------------------------------------


class UnknownScheduledEvent(errors.NotFound):
    code, message = 10070, "Unknown Guild Scheduled Event"


class UnknownScheduledEventUser(errors.NotFound):
    code, message = 10071, "Unknown Guild Scheduled Event User"


class MaxScheduledEvents(errors.TownhallError):
    code, message = 30038, "Maximum number of uncompleted guild scheduled events reached (100)"


class EventFinished(errors.TownhallError):
    code, message = 180000, "Cannot update a finished event"


# -- field rules -----------------------------------------------------------------------------


def aware(moment: datetime) -> datetime:
    """A time without an offset is taken as UTC (Discord's timestamps always carry one)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def name(value: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= NAME_MAX:
        raise InvalidFormBody.field(
            "name", f"Must be between 1 and {NAME_MAX} in length.", "BASE_TYPE_BAD_LENGTH"
        )
    return text


def description(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise InvalidFormBody.field(
            "description",
            f"Must be {DESCRIPTION_MAX} or fewer in length.",
            "BASE_TYPE_MAX_LENGTH",
        )
    return text or None


def location(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > LOCATION_MAX:
        raise InvalidFormBody.field(
            "entity_metadata.location",
            f"Must be between 1 and {LOCATION_MAX} in length.",
            "BASE_TYPE_BAD_LENGTH",
        )
    return text or None


def privacy_level(value: int) -> int:
    if value != GUILD_ONLY:
        raise InvalidFormBody.field(
            "privacy_level", "Value must be one of {2}.", "BASE_TYPE_CHOICES"
        )
    return value


def check_fields(event: ScheduledEvent) -> None:
    """What the entity type asks of the other fields (Discord's "field requirements by entity
    type"), and an end after the start."""
    if event.entity_type is EntityType.EXTERNAL:
        if event.channel_id is not None:
            raise InvalidFormBody.field(
                "channel_id",
                "Must be null for an event with an external location.",
                "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED",
            )
        if event.location is None:
            raise InvalidFormBody.field(
                "entity_metadata.location",
                "An event with an external location needs a location.",
                "BASE_TYPE_REQUIRED",
            )
        if event.end is None:
            raise InvalidFormBody.field(
                "scheduled_end_time",
                "An event with an external location needs an end time.",
                "BASE_TYPE_REQUIRED",
            )
    elif event.channel_id is None:
        raise InvalidFormBody.field(
            "channel_id", "A stage or voice event needs a channel.", "BASE_TYPE_REQUIRED"
        )
    if event.end is not None and event.end <= event.start:
        raise InvalidFormBody.field(
            "scheduled_end_time",
            "Cannot schedule event to end before starting.",
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
        )


def check_start_in_future(start: datetime, now: datetime) -> None:
    if start <= now:
        raise InvalidFormBody.field(
            "scheduled_start_time",
            "Cannot schedule event in the past.",
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
        )


def check_not_too_far(event: ScheduledEvent, now: datetime) -> None:
    """Start and end within `MAX_AHEAD` (townhall's bound: Discord's is not documented)."""
    limit = now + MAX_AHEAD
    for path, moment in (("scheduled_start_time", event.start), ("scheduled_end_time", event.end)):
        if moment is not None and moment > limit:
            raise InvalidFormBody.field(
                path,
                "Cannot schedule event more than five years ahead.",
                "GUILD_SCHEDULED_EVENT_SCHEDULE_TOO_FAR",
            )


def check_channel(entity_type: EntityType, channel_type: ChannelType) -> None:
    """A stage event takes place in a stage channel, a voice event in a voice channel."""
    if entity_type.channel_type is not channel_type:
        raise InvalidFormBody.field(
            "channel_id",
            "The channel does not match the event's entity type.",
            "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL_TYPE",
        )


def entity_type_of(channel_type: ChannelType) -> EntityType:
    """The entity type a channel implies, for bodies that name a channel but no entity type
    (discord.py leaves `entity_type` out when it derives it from the channel)."""
    for kind, of_channel in _CHANNEL_TYPES.items():
        if of_channel is channel_type:
            return kind
    raise InvalidFormBody.field(
        "channel_id",
        "Scheduled events take place in stage or voice channels.",
        "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL_TYPE",
    )


def check_transition(before: EventStatus, after: EventStatus) -> None:
    """SCHEDULED → ACTIVE or CANCELED, ACTIVE → COMPLETED; nothing once finished."""
    if before is after:
        return
    if before.finished:
        raise EventFinished()
    if after not in _TRANSITIONS.get(before, set()):
        raise InvalidFormBody.field(
            "status",
            f"Cannot change the status from {before.name} to {after.name}.",
            "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
        )


# -- permissions -----------------------------------------------------------------------------

_IN_CHANNEL = {
    EntityType.STAGE_INSTANCE: Permission.MANAGE_CHANNELS
    | Permission.MUTE_MEMBERS
    | Permission.MOVE_MEMBERS,
    EntityType.VOICE: Permission.VIEW_CHANNEL | Permission.CONNECT,
    EntityType.EXTERNAL: Permission(0),
}


def may_create(permissions: int, entity_type: EntityType) -> bool:
    """`permissions` are the actor's in the event's channel, or guild-wide for external events.

    Discord asks for CREATE_EVENTS; MANAGE_EVENTS, which manages everyone's events, is taken
    for it too (bots made before CREATE_EVENTS existed hold only MANAGE_EVENTS)."""
    creates = Permission.CREATE_EVENTS | Permission.MANAGE_EVENTS
    needed = int(_IN_CHANNEL[entity_type])
    return bool(permissions & creates) and permissions & needed == needed


def may_manage(permissions: int, entity_type: EntityType, *, own: bool) -> bool:
    """Change, start, end or delete: one's own event with CREATE_EVENTS (or MANAGE_EVENTS),
    anyone's with MANAGE_EVENTS; and what the channel asks (a stage's moderation, a voice
    channel's CONNECT)."""
    manages = Permission.MANAGE_EVENTS | (Permission.CREATE_EVENTS if own else 0)
    needed = int(_IN_CHANNEL[entity_type])
    return bool(permissions & manages) and permissions & needed == needed


# -- what happens by itself ------------------------------------------------------------------


def due_status(event: ScheduledEvent, now: datetime) -> EventStatus | None:
    """The status the event moves to by itself at `now`, if any."""
    if event.status is EventStatus.SCHEDULED:
        if event.entity_type is EntityType.EXTERNAL:
            return EventStatus.ACTIVE if now >= event.start else None
        return EventStatus.CANCELED if now >= event.start + CANCEL_UNSTARTED_AFTER else None
    if event.status is EventStatus.ACTIVE and event.end is not None and now >= event.end:
        return EventStatus.COMPLETED
    return None


def next_due(event: ScheduledEvent) -> datetime | None:
    """When `due_status` next has something to do (None: only a person moves it on)."""
    if event.status is EventStatus.SCHEDULED:
        if event.entity_type is EntityType.EXTERNAL:
            return event.start
        return event.start + CANCEL_UNSTARTED_AFTER
    if event.status is EventStatus.ACTIVE:
        return event.end
    return None


def reminder_time(event: ScheduledEvent) -> datetime:
    return event.start - REMIND_BEFORE
