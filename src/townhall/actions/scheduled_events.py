"""Scheduled events: plan, change, start, end, cancel and delete them; what happens by itself.

Who may do what is Discord's (`domain/scheduled_events.py`): anyone who can see an event's channel
sees it (an external event: every member); creating needs CREATE_EVENTS, changing one's own event
CREATE_EVENTS, anyone's MANAGE_EVENTS, and a stage event the stage's moderation on top.

Status changes have their consequences here: a stage event that becomes ACTIVE opens its stage
(a stage instance linked by `guild_scheduled_event_id`), and completing or canceling it ends that
stage; a stage that ends by itself (everyone left) completes its event. The durable job
`scheduled_event.advance` does what Discord does by itself (`domain.scheduled_events.due_status`);
who is interested, and their reminder, are in `actions/scheduled_event_users.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import scheduled_event_reminders as reminders
from townhall.actions import stage_instances as stage_actions
from townhall.actions.access import GuildAccess, channel_access, guild_access
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import errors
from townhall.domain import scheduled_events as rules
from townhall.domain.actor import Actor
from townhall.domain.errors import InvalidFormBody
from townhall.domain.models import UNSET, Channel, StageInstance, Unset
from townhall.domain.scheduled_events import EntityType, EventStatus, ScheduledEvent
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import scheduled_events as event_store
from townhall.store import stage_instances as stage_store
from townhall.store.rows import to_millis


class NotYetDue(Exception):
    """This node's clock is behind the one that scheduled the job: try again shortly."""


@dataclass(frozen=True, slots=True)
class EventDraft:
    """A new event, as the create body gives it (Discord's JSON params)."""

    name: str
    scheduled_start_time: datetime
    entity_type: EntityType | None = None
    """None: taken from the channel (a stage or voice event), or external with a location."""
    channel_id: int | None = None
    location: str | None = None
    scheduled_end_time: datetime | None = None
    description: str | None = None
    privacy_level: int = rules.GUILD_ONLY


@dataclass(frozen=True, slots=True)
class EventPatch:
    """The fields a PATCH names; UNSET for the others (null clears where Discord allows it)."""

    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    scheduled_start_time: datetime | Unset = UNSET
    scheduled_end_time: datetime | Unset | None = UNSET
    entity_type: EntityType | Unset = UNSET
    channel_id: int | Unset | None = UNSET
    location: str | Unset | None = UNSET
    status: EventStatus | Unset = UNSET
    privacy_level: int | Unset = UNSET


@dataclass(frozen=True, slots=True)
class EventView:
    """An event with its guild's name and channel, for a calendar file."""

    event: ScheduledEvent
    guild_name: str
    channel: Channel | None


# -- seeing events ---------------------------------------------------------------------------


async def _sees(
    conn: AsyncConnection, s: Services, actor: Actor, access: GuildAccess, event: ScheduledEvent
) -> bool:
    if event.channel_id is None:
        return True
    try:
        await channel_access(conn, actor.user, event.channel_id, s.now(), s.cache)
    except (errors.MissingAccess, errors.UnknownChannel):
        return False
    return True


async def viewable_event(
    conn: AsyncConnection,
    s: Services,
    actor: Actor,
    guild_id: int,
    event_id: int,
    *,
    lock: bool = False,
) -> tuple[GuildAccess, ScheduledEvent]:
    """The event, for a member who may see it: 10070 when there is none, 50001 when its
    channel is hidden from them."""
    access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
    event = await event_store.get_event(conn, guild_id, event_id, lock=lock)
    if event is None:
        raise rules.UnknownScheduledEvent()
    if not await _sees(conn, s, actor, access, event):
        raise errors.MissingAccess()
    return access, event


async def list_scheduled_events(
    s: Services, actor: Actor, guild_id: int, *, with_user_count: bool = False
) -> list[ScheduledEvent]:
    """The SCHEDULED and ACTIVE events the actor can see, soonest first."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        found = [
            e
            for e in await event_store.unfinished_events(conn, guild_id)
            if await _sees(conn, s, actor, access, e)
        ]
        if with_user_count:
            found = await event_store.with_user_counts(conn, found)
    return found


async def get_scheduled_event(
    s: Services, actor: Actor, guild_id: int, event_id: int, *, with_user_count: bool = False
) -> ScheduledEvent:
    async with s.engine.connect() as conn:
        _access, event = await viewable_event(conn, s, actor, guild_id, event_id)
        if with_user_count:
            (event,) = await event_store.with_user_counts(conn, [event])
    return event


async def scheduled_event_view(
    s: Services, actor: Actor, guild_id: int, event_id: int
) -> EventView:
    async with s.engine.connect() as conn:
        access, event = await viewable_event(conn, s, actor, guild_id, event_id)
        channel = None
        if event.channel_id is not None:
            found = await channel_access(conn, actor.user, event.channel_id, s.now(), s.cache)
            channel = found.channel
    return EventView(event, access.guild.name, channel)


# -- permissions -----------------------------------------------------------------------------


async def _channel_of_guild(
    conn: AsyncConnection, s: Services, actor: Actor, guild_id: int, channel_id: int
) -> tuple[Channel, int]:
    """A channel of this guild the actor can see, with their permissions there; any other id
    is a bad `channel_id`."""
    try:
        found = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
    except (errors.UnknownChannel, errors.MissingAccess):
        found = None
    if found is None or found.channel.guild_id != guild_id:
        raise InvalidFormBody.field("channel_id", "Unknown channel.", "CHANNEL_INVALID")
    return found.channel, found.permissions


async def _permissions_for(
    conn: AsyncConnection,
    s: Services,
    actor: Actor,
    access: GuildAccess,
    entity_type: EntityType,
    channel_id: int | None,
) -> int:
    """The actor's permissions where the event takes place: its channel, or the guild."""
    if channel_id is None:
        return access.permissions
    channel, permissions = await _channel_of_guild(conn, s, actor, access.guild.id, channel_id)
    rules.check_channel(entity_type, channel.type)
    return permissions


# -- creating --------------------------------------------------------------------------------


async def _entity_type(
    conn: AsyncConnection, s: Services, actor: Actor, guild_id: int, draft: EventDraft
) -> EntityType:
    if draft.entity_type is not None:
        return draft.entity_type
    if draft.channel_id is not None:
        channel, _permissions = await _channel_of_guild(conn, s, actor, guild_id, draft.channel_id)
        return rules.entity_type_of(channel.type)
    if draft.location:
        return EntityType.EXTERNAL
    raise InvalidFormBody.field("entity_type", "This field is required", "BASE_TYPE_REQUIRED")


async def create_scheduled_event(
    s: Services, actor: Actor, guild_id: int, draft: EventDraft
) -> ScheduledEvent:
    now = s.now()
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, now, s.cache)
        entity_type = await _entity_type(tx.conn, s, actor, guild_id, draft)
        external = entity_type is EntityType.EXTERNAL
        if not external and draft.location:
            raise InvalidFormBody.field(
                "entity_metadata",
                "Must be null for a stage or voice event.",
                "GUILD_SCHEDULED_EVENT_METADATA_NOT_ALLOWED",
            )
        event = ScheduledEvent(
            id=s.ids.next_id(),
            guild_id=guild_id,
            name=rules.name(draft.name),
            description=rules.description(draft.description),
            start=rules.aware(draft.scheduled_start_time),
            end=rules.aware(draft.scheduled_end_time) if draft.scheduled_end_time else None,
            entity_type=entity_type,
            channel_id=draft.channel_id,
            location=rules.location(draft.location) if external else None,
            privacy_level=rules.privacy_level(draft.privacy_level),
            creator_id=actor.id,
            creator=actor.user,
            user_count=0,
        )
        rules.check_fields(event)
        rules.check_start_in_future(event.start, now)
        rules.check_not_too_far(event, now)
        permissions = await _permissions_for(
            tx.conn, s, actor, access, entity_type, event.channel_id
        )
        if not rules.may_create(permissions, entity_type):
            raise errors.MissingPermissions()
        if await event_store.count_unfinished(tx.conn, guild_id) >= rules.MAX_UNFINISHED:
            raise rules.MaxScheduledEvents()
        await event_store.insert_event(tx.conn, event)
        tx.emit(_event(catalog.GUILD_SCHEDULED_EVENT_CREATE, event))
        await _schedule_jobs(tx, s, event, start_changed=True)
    return event


# -- changing --------------------------------------------------------------------------------


def _patched(event: ScheduledEvent, patch: EventPatch, now: datetime) -> ScheduledEvent:
    """The event with the patch's fields, checked; the status is checked by the caller."""
    changes: dict[str, object] = {}
    if not isinstance(patch.name, Unset):
        changes["name"] = rules.name(patch.name)
    if not isinstance(patch.description, Unset):
        changes["description"] = rules.description(patch.description)
    if not isinstance(patch.privacy_level, Unset):
        changes["privacy_level"] = rules.privacy_level(patch.privacy_level)
    if not isinstance(patch.scheduled_end_time, Unset):
        end = patch.scheduled_end_time
        changes["end"] = rules.aware(end) if end is not None else None
    moves = {
        "start": patch.scheduled_start_time,
        "entity_type": patch.entity_type,
        "channel_id": patch.channel_id,
    }
    for field, value in moves.items():
        if isinstance(value, Unset):
            continue
        if field == "start" and isinstance(value, datetime):
            value = rules.aware(value)
        if value != getattr(event, field) and event.status is not EventStatus.SCHEDULED:
            path = {"start": "scheduled_start_time"}.get(field, field)
            raise InvalidFormBody.field(
                path,
                "Cannot change this once the event has started.",
                "GUILD_SCHEDULED_EVENT_ALREADY_STARTED",
            )
        changes[field] = value
    changed = replace(event, **changes)  # type: ignore[arg-type]
    if changed.entity_type is EntityType.EXTERNAL:
        if not isinstance(patch.location, Unset):
            changed = replace(changed, location=rules.location(patch.location))
    else:  # Discord silently discards entity_metadata for stage and voice events
        changed = replace(changed, location=None)
    rules.check_fields(changed)
    if changed.start != event.start:
        rules.check_start_in_future(changed.start, now)
    rules.check_not_too_far(changed, now)
    return changed


async def modify_scheduled_event(
    s: Services, actor: Actor, guild_id: int, event_id: int, patch: EventPatch
) -> ScheduledEvent:
    """Change an event; setting `status` starts, ends or cancels it (Discord's way)."""
    now = s.now()
    async with s.write() as tx:
        access, event = await viewable_event(tx.conn, s, actor, guild_id, event_id, lock=True)
        if event.status.finished:
            raise rules.EventFinished()
        own = event.creator_id == actor.id
        permissions = await _permissions_for(
            tx.conn, s, actor, access, event.entity_type, event.channel_id
        )
        if not rules.may_manage(permissions, event.entity_type, own=own):
            raise errors.MissingPermissions()
        changed = _patched(event, patch, now)
        if (changed.channel_id, changed.entity_type) != (event.channel_id, event.entity_type):
            elsewhere = await _permissions_for(
                tx.conn, s, actor, access, changed.entity_type, changed.channel_id
            )
            if not rules.may_manage(elsewhere, changed.entity_type, own=own):
                raise errors.MissingPermissions()
        status = patch.status if not isinstance(patch.status, Unset) else event.status
        rules.check_transition(event.status, status)
        if changed == event and status is event.status:
            return await _counted(tx, event)
        changed = await _save(tx, s, replace(changed, status=status), before=event)
    return changed


async def delete_scheduled_event(s: Services, actor: Actor, guild_id: int, event_id: int) -> None:
    async with s.write() as tx:
        access, event = await viewable_event(tx.conn, s, actor, guild_id, event_id, lock=True)
        permissions = await _permissions_for(
            tx.conn, s, actor, access, event.entity_type, event.channel_id
        )
        if not rules.may_manage(permissions, event.entity_type, own=event.creator_id == actor.id):
            raise errors.MissingPermissions()
        await event_store.delete_event(tx.conn, event.id)
        await _end_linked_stage(tx, event)
        tx.emit(_event(catalog.GUILD_SCHEDULED_EVENT_DELETE, event))


# -- saving and what follows -----------------------------------------------------------------


def _event(kind: EventType[ScheduledEvent], event: ScheduledEvent) -> Event[ScheduledEvent]:
    """In a channel: for who can see it; external: for the whole guild."""
    return Event(kind, event, guild_id=event.guild_id, channel_id=event.channel_id)


async def _counted(tx: Transaction, event: ScheduledEvent) -> ScheduledEvent:
    (counted,) = await event_store.with_user_counts(tx.conn, [event])
    return counted


async def _save(
    tx: Transaction, s: Services, changed: ScheduledEvent, *, before: ScheduledEvent
) -> ScheduledEvent:
    """Store a change, open or end the stage its status asks for, tell the guild, and plan
    what comes next."""
    starts = changed.status is EventStatus.ACTIVE and before.status is EventStatus.SCHEDULED
    if starts and changed.entity_type is EntityType.STAGE_INSTANCE:
        stage = await _open_stage(tx, s, changed)
        changed = replace(changed, entity_id=stage.id)
    await event_store.update_event(tx.conn, changed)
    if changed.status.finished:
        # After the row: the stage's end then finds its event finished and leaves it alone.
        await _end_linked_stage(tx, changed)
    changed = await _counted(tx, changed)
    tx.emit(_event(catalog.GUILD_SCHEDULED_EVENT_UPDATE, changed))
    await _schedule_jobs(tx, s, changed, start_changed=changed.start != before.start)
    return changed


async def _open_stage(tx: Transaction, s: Services, event: ScheduledEvent) -> StageInstance:
    assert event.channel_id is not None
    return await stage_actions.open_stage(
        tx, s, event.guild_id, event.channel_id, event.name, scheduled_event_id=event.id
    )


async def _end_linked_stage(tx: Transaction, event: ScheduledEvent) -> None:
    if event.entity_type is not EntityType.STAGE_INSTANCE or event.channel_id is None:
        return
    stage = await stage_store.stage_of_channel(tx.conn, event.channel_id, lock=True)
    if stage is not None and stage.scheduled_event_id == event.id:
        await stage_actions.end_stage(tx, stage)


async def complete_with_stage(tx: Transaction, stage: StageInstance) -> None:
    """The stage of an active stage event ended (closed, or everyone left): so does the event,
    as Discord ends it when its stage is left empty."""
    if stage.scheduled_event_id is None:
        return
    event = await event_store.get_event(
        tx.conn, stage.guild_id, stage.scheduled_event_id, lock=True
    )
    if event is None or event.status is not EventStatus.ACTIVE:
        return
    completed = replace(event, status=EventStatus.COMPLETED)
    await event_store.update_event(tx.conn, completed)
    tx.emit(_event(catalog.GUILD_SCHEDULED_EVENT_UPDATE, await _counted(tx, completed)))


# -- jobs ------------------------------------------------------------------------------------


async def _schedule_jobs(
    tx: Transaction, s: Services, event: ScheduledEvent, *, start_changed: bool
) -> None:
    """The next automatic step, and (for a new start time) the reminder. Jobs for times that no
    longer hold find nothing to do when they run."""
    due = rules.next_due(event)
    if due is not None:
        at = to_millis(due)
        payload = {"event_id": event.id, "at_ms": at}
        await tx.schedule(
            advance_scheduled_event,
            payload,
            at_ms=at,
            unique_key=f"scheduled-event:{event.id}:{at}",
        )
    if start_changed and event.status is EventStatus.SCHEDULED:
        await reminders.schedule_reminder(tx, s, event)


@job("scheduled_event.advance")
async def advance_scheduled_event(s: Services, payload: Payload) -> None:
    """Start an external event at its start, end one at its end, complete an active event past
    its end, cancel one nobody started (`domain.scheduled_events.due_status`)."""
    if s.now_ms() < int(payload["at_ms"]):
        raise NotYetDue(payload["event_id"])
    async with s.write() as tx:
        event = await event_store.get_event_by_id(tx.conn, int(payload["event_id"]), lock=True)
        status = rules.due_status(event, s.now()) if event is not None else None
        if event is None or status is None:
            return  # changed since: a later job (if any) is scheduled for its new times
        await _save(tx, s, replace(event, status=status), before=event)
