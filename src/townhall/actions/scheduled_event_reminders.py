"""Reminding interested members that a scheduled event starts soon (a durable job).

Each start time gets one reminder job, `REMIND_BEFORE` ahead of it (at the start itself when the
event was planned at shorter notice); a job whose event has moved, been canceled or deleted
meanwhile does nothing. The reminder goes to the interested members who may still see the event,
as townhall's GUILD_SCHEDULED_EVENT_REMINDER (the web client shows it), and to `push_reminder`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import member_context
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import scheduled_events as rules
from townhall.domain.permissions import Permission, channel_permissions, has
from townhall.domain.scheduled_events import EventStatus, ScheduledEvent
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store
from townhall.store import scheduled_events as event_store
from townhall.store.rows import to_millis

_CHUNK = 1000


class ReminderNotYetDue(Exception):
    """This node's clock is behind the one that scheduled the reminder: try again shortly."""


def reminder_at(event: ScheduledEvent, now: datetime) -> datetime:
    at = rules.reminder_time(event)
    return at if at > now else event.start


async def schedule_reminder(tx: Transaction, s: Services, event: ScheduledEvent) -> None:
    start = to_millis(event.start)
    at = to_millis(reminder_at(event, s.now()))
    await tx.schedule(
        remind_interested,
        {"event_id": event.id, "start_ms": start, "at_ms": at},
        at_ms=at,
        unique_key=f"scheduled-event-reminder:{event.id}:{start}",
    )


async def _who_may_see(
    conn: AsyncConnection, event: ScheduledEvent, user_ids: list[int], now: datetime
) -> list[int]:
    """Of these members, those who can see the event's channel (all, for external events)."""
    if event.channel_id is None or not user_ids:
        return user_ids
    guild = await guild_store.get_guild(conn, event.guild_id)
    channel = await channel_store.get_channel(conn, event.channel_id)
    if guild is None or channel is None:
        return []
    roles = {role.id: role for role in await guild_store.roles_of_guild(conn, event.guild_id)}
    seeing = []
    for at in range(0, len(user_ids), _CHUNK):
        chunk = user_ids[at : at + _CHUNK]
        for member in await member_store.list_members(
            conn, event.guild_id, user_ids=chunk, limit=len(chunk)
        ):
            context = member_context(guild, member, roles, now)
            if has(
                channel_permissions(context, channel.permission_overwrites), Permission.VIEW_CHANNEL
            ):
                seeing.append(member.user.id)
    return seeing


@job("scheduled_event.remind")
async def remind_interested(s: Services, payload: Payload) -> None:
    if s.now_ms() < int(payload["at_ms"]):
        raise ReminderNotYetDue(payload["event_id"])
    async with s.write() as tx:
        event = await event_store.get_event_by_id(tx.conn, int(payload["event_id"]))
        if event is None or to_millis(event.start) != int(payload["start_ms"]):
            return  # deleted, or moved (its new start has a reminder of its own)
        if event.status not in (EventStatus.SCHEDULED, EventStatus.ACTIVE):
            return
        interested = await event_store.interested_ids(tx.conn, event.id)
        recipients = await _who_may_see(tx.conn, event, interested, s.now())
        if not recipients:
            return
        (counted,) = await event_store.with_user_counts(tx.conn, [event])
        tx.emit(
            Event(
                catalog.GUILD_SCHEDULED_EVENT_REMINDER,
                counted,
                guild_id=event.guild_id,
                user_ids=frozenset(recipients),
            )
        )
    await push_reminder(s, counted, recipients)


async def push_reminder(s: Services, event: ScheduledEvent, user_ids: list[int]) -> None:
    """The hook for Web Push (src/townhall/push/, being built): send each of `user_ids` a push
    saying that `event` starts soon. Until it exists, the gateway event above is the reminder."""
    return None
