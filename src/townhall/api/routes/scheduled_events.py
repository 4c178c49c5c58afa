"""`/guilds/{guild_id}/scheduled-events`: Discord's guild scheduled events, and who is interested.

Discord's routes and bodies (docs/scheduled-events.md), plus Discord's own client's interest routes
(`PUT`/`DELETE …/users/@me`, `GET /users/@me/scheduled-events`) and townhall's calendar file
(`GET …/{event_id}/ics`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import scheduled_event_users as user_actions
from townhall.actions import scheduled_events as event_actions
from townhall.actions.scheduled_events import EventDraft, EventPatch
from townhall.api.deps import MAX_SNOWFLAKE, CurrentActor, GuildId, ServicesDep, Snowflake
from townhall.api.responses import JSON, no_content
from townhall.domain import scheduled_events as rules
from townhall.domain.errors import InvalidFormBody
from townhall.domain.models import UNSET, Unset
from townhall.domain.scheduled_events import EntityType, EventStatus
from townhall.wire import calendar, payloads, schemas

router = APIRouter(tags=["scheduled events"])

EventId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="scheduled event id")]
EVENTS = "/guilds/{guild_id}/scheduled-events"
EVENT = EVENTS + "/{event_id}"


class EntityMetadataBody(BaseModel):
    location: str | None = Field(default=None, max_length=rules.LOCATION_MAX)


class CreateScheduledEventBody(BaseModel):
    name: str = Field(max_length=rules.NAME_MAX)
    scheduled_start_time: datetime
    privacy_level: int = rules.GUILD_ONLY
    entity_type: Literal[1, 2, 3] | None = None
    """Taken from the channel when left out (discord.py leaves it out), or external when only
    a location is given."""
    channel_id: Snowflake | None = None
    entity_metadata: EntityMetadataBody | None = None
    scheduled_end_time: datetime | None = None
    description: str | None = Field(default=None, max_length=rules.DESCRIPTION_MAX)
    image: str | None = Field(default=None, max_length=16_000_000)
    """Accepted and not kept: cover images are not there yet (`image` stays null)."""
    recurrence_rule: dict[str, Any] | None = None
    """Only null: recurring events are not there yet."""


class ModifyScheduledEventBody(BaseModel):
    name: str | None = Field(default=None, max_length=rules.NAME_MAX)
    description: str | None = Field(default=None, max_length=rules.DESCRIPTION_MAX)
    scheduled_start_time: datetime | None = None
    scheduled_end_time: datetime | None = None
    privacy_level: int | None = None
    entity_type: Literal[1, 2, 3] | None = None
    channel_id: Snowflake | None = None
    entity_metadata: EntityMetadataBody | None = None
    status: Literal[1, 2, 3, 4] | None = None
    image: str | None = Field(default=None, max_length=16_000_000)
    recurrence_rule: dict[str, Any] | None = None


def _no_recurrence(rule: dict[str, Any] | None) -> None:
    if rule is not None:
        raise InvalidFormBody.field(
            "recurrence_rule",
            "Recurring events are not supported on this server.",
            "GUILD_SCHEDULED_EVENT_RECURRENCE_NOT_SUPPORTED",
        )


def _patch(body: ModifyScheduledEventBody) -> EventPatch:
    """Fields the body names; null only where Discord lets it clear (description, end,
    channel, location), elsewhere it is a bad value."""
    given = body.model_fields_set
    for field in ("name", "scheduled_start_time", "privacy_level", "entity_type", "status"):
        if field in given and getattr(body, field) is None:
            raise InvalidFormBody.field(field, "This field cannot be null.", "BASE_TYPE_REQUIRED")
    location: str | Unset | None = UNSET
    if "entity_metadata" in given:
        location = body.entity_metadata.location if body.entity_metadata is not None else None
    return EventPatch(
        name=body.name if body.name is not None else UNSET,
        description=body.description if "description" in given else UNSET,
        scheduled_start_time=(
            body.scheduled_start_time if body.scheduled_start_time is not None else UNSET
        ),
        scheduled_end_time=body.scheduled_end_time if "scheduled_end_time" in given else UNSET,
        entity_type=EntityType(body.entity_type) if body.entity_type is not None else UNSET,
        channel_id=body.channel_id if "channel_id" in given else UNSET,
        location=location,
        status=EventStatus(body.status) if body.status is not None else UNSET,
        privacy_level=body.privacy_level if body.privacy_level is not None else UNSET,
    )


@router.get(EVENTS, response_model=list[schemas.GuildScheduledEvent], response_class=JSON)
async def list_scheduled_events(
    guild_id: GuildId, actor: CurrentActor, s: ServicesDep, with_user_count: bool = False
) -> Any:
    found = await event_actions.list_scheduled_events(
        s, actor, guild_id, with_user_count=with_user_count
    )
    return JSON([payloads.scheduled_event(e) for e in found])


@router.post(EVENTS, response_model=schemas.GuildScheduledEvent, response_class=JSON)
async def create_scheduled_event(
    guild_id: GuildId, body: CreateScheduledEventBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    _no_recurrence(body.recurrence_rule)
    draft = EventDraft(
        name=body.name,
        scheduled_start_time=body.scheduled_start_time,
        entity_type=EntityType(body.entity_type) if body.entity_type is not None else None,
        channel_id=body.channel_id,
        location=body.entity_metadata.location if body.entity_metadata is not None else None,
        scheduled_end_time=body.scheduled_end_time,
        description=body.description,
        privacy_level=body.privacy_level,
    )
    event = await event_actions.create_scheduled_event(s, actor, guild_id, draft)
    return JSON(payloads.scheduled_event(event))


@router.get(EVENT, response_model=schemas.GuildScheduledEvent, response_class=JSON)
async def get_scheduled_event(
    guild_id: GuildId,
    event_id: EventId,
    actor: CurrentActor,
    s: ServicesDep,
    with_user_count: bool = False,
) -> Any:
    event = await event_actions.get_scheduled_event(
        s, actor, guild_id, event_id, with_user_count=with_user_count
    )
    return JSON(payloads.scheduled_event(event))


@router.patch(EVENT, response_model=schemas.GuildScheduledEvent, response_class=JSON)
async def modify_scheduled_event(
    guild_id: GuildId,
    event_id: EventId,
    body: ModifyScheduledEventBody,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    """Setting `status` starts (2), completes (3) or cancels (4) the event."""
    _no_recurrence(body.recurrence_rule)
    event = await event_actions.modify_scheduled_event(s, actor, guild_id, event_id, _patch(body))
    return JSON(payloads.scheduled_event(event))


@router.delete(EVENT, status_code=204)
async def delete_scheduled_event(
    guild_id: GuildId, event_id: EventId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await event_actions.delete_scheduled_event(s, actor, guild_id, event_id)
    return no_content()


@router.get(
    EVENT + "/users", response_model=list[schemas.GuildScheduledEventUser], response_class=JSON
)
async def list_scheduled_event_users(
    guild_id: GuildId,
    event_id: EventId,
    actor: CurrentActor,
    s: ServicesDep,
    limit: int = Query(default=rules.USERS_PAGE_MAX, ge=1, le=rules.USERS_PAGE_MAX),
    with_member: bool = False,
    before: int | None = Query(default=None, ge=0, le=MAX_SNOWFLAKE),
    after: int = Query(default=0, ge=0, le=MAX_SNOWFLAKE),
) -> Any:
    found = await user_actions.list_interested(
        s, actor, guild_id, event_id, limit=limit, before=before, after=after
    )
    return JSON(
        [payloads.scheduled_event_user(event_id, m.user, m if with_member else None) for m in found]
    )


@router.put(
    EVENT + "/users/@me",
    response_model=schemas.SubscribedScheduledEventUser,
    response_class=JSON,
)
async def add_scheduled_event_user(
    guild_id: GuildId, event_id: EventId, actor: CurrentActor, s: ServicesDep
) -> Any:
    """Mark oneself interested (Discord's client route)."""
    interest = await user_actions.add_interest(s, actor, guild_id, event_id)
    return JSON(payloads.interest(interest, with_guild=False))


@router.delete(EVENT + "/users/@me", status_code=204)
async def remove_scheduled_event_user(
    guild_id: GuildId, event_id: EventId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await user_actions.remove_interest(s, actor, guild_id, event_id)
    return no_content()


@router.get(
    "/users/@me/scheduled-events",
    response_model=list[schemas.SubscribedScheduledEventUser],
    response_class=JSON,
)
async def list_own_scheduled_event_interests(
    actor: CurrentActor,
    s: ServicesDep,
    guild_ids: list[Annotated[int, Field(ge=0, le=MAX_SNOWFLAKE)]] = Query(max_length=100),
) -> Any:
    """The events of these guilds one is interested in (Discord's client route)."""
    found = await user_actions.interests_of(s, actor, guild_ids)
    return JSON([payloads.interest(i, with_guild=False) for i in found])


@router.get(
    EVENT + "/ics",
    response_class=Response,
    responses={200: {"content": {calendar.MEDIA_TYPE: {}}, "description": "An iCalendar file"}},
)
async def scheduled_event_calendar(
    guild_id: GuildId, event_id: EventId, actor: CurrentActor, s: ServicesDep, request: Request
) -> Response:
    """The event as an iCalendar file (RFC 5545), to add to a calendar (townhall's)."""
    view = await event_actions.scheduled_event_view(s, actor, guild_id, event_id)
    origin = s.settings.public_url or str(request.base_url)
    body = calendar.event_calendar(
        view.event, guild_name=view.guild_name, channel=view.channel, origin=origin, now=s.now()
    )
    name = calendar.file_name(view.event)
    return Response(
        body,
        media_type=calendar.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
