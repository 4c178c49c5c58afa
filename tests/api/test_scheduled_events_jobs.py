"""What scheduled events do by themselves (durable jobs), with the clock moved on: interested
members are reminded before the start, an external event starts and ends at its times, an active
event past its end is completed, and one nobody started is canceled."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.api.store_setup import overwrite, services
from tests.api.test_scheduled_events import (
    at,
    create,
    events_of,
    external,
    in_channel,
    patch,
    voice_channel_of,
)
from tests.conftest import Account, Api
from townhall.actions import scheduled_event_reminders as reminders
from townhall.actions import scheduled_events as event_actions
from townhall.actions.jobs import JobType
from townhall.actions.services import Services
from townhall.domain import scheduled_events as rules
from townhall.events.event import Envelope
from townhall.store.schema import jobs

VIEW_CHANNEL = 1 << 10


@dataclass
class ServicesLater(Services):
    """The same services, with a clock `ahead` of the real one."""

    ahead: timedelta = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.ahead


def later(app: FastAPI, ahead: timedelta) -> ServicesLater:
    s = services(app)
    return ServicesLater(**{f.name: getattr(s, f.name) for f in fields(Services)}, ahead=ahead)


def until(moment: str, after: timedelta = timedelta(0)) -> timedelta:
    """How far to move the clock to be `after` past `moment` (an ISO time)."""
    return datetime.fromisoformat(moment) - datetime.now().astimezone() + after


async def payloads_of(app: FastAPI, kind: JobType, event_id: str) -> list[dict[str, Any]]:
    """The payloads of this event's jobs of `kind`, oldest first."""
    async with services(app).engine.connect() as conn:
        rows = await conn.execute(
            select(jobs.c.payload).where(jobs.c.kind == kind.name).order_by(jobs.c.id)
        )
    found = [orjson.loads(payload) for payload in rows.scalars()]
    return [p for p in found if str(p["event_id"]) == event_id]


async def status_of(who: Account, event: dict[str, Any]) -> int:
    got = await who.get(f"/guilds/{event['guild_id']}/scheduled-events/{event['id']}")
    status: int = got.json()["status"]
    return status


def reminders_in(seen: list[Envelope]) -> list[Envelope]:
    return [e for e in seen if e.type == "GUILD_SCHEDULED_EVENT_REMINDER"]


async def test_interested_members_who_can_see_it_are_reminded_before_the_start(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    owner, seeing, hidden, indifferent = [await api.account() for _ in range(4)]
    guild = await owner.guild()
    for person in (seeing, hidden, indifferent):
        await person.join(owner, guild["system_channel_id"])
    voice = voice_channel_of(guild)
    event = await create(owner, guild, in_channel(voice, scheduled_start_time=at(5)))
    for person in (seeing, hidden):
        assert (await person.put(f"{events_of(guild)}/{event['id']}/users/@me")).status_code == 200
    await overwrite(app, voice, hidden.id, deny=VIEW_CHANNEL, member=True)
    (payload,) = await payloads_of(app, reminders.remind_interested, event["id"])
    due = until(event["scheduled_start_time"], -rules.REMIND_BEFORE)

    with pytest.raises(reminders.ReminderNotYetDue):
        await reminders.remind_interested.run(later(app, due - timedelta(minutes=1)), payload)
    assert reminders_in(published) == []
    await reminders.remind_interested.run(later(app, due), payload)
    (reminder,) = reminders_in(published)
    assert reminder.user_ids == frozenset({seeing.id})
    assert reminder.guild_id == int(guild["id"])
    body = orjson.loads(reminder.data)
    assert body["id"] == event["id"] and body["user_count"] == 2

    moved = await patch(owner, event, {"scheduled_start_time": at(8)})
    assert moved.status_code == 200
    await reminders.remind_interested.run(later(app, due), payload)  # the old time: nothing
    assert len(reminders_in(published)) == 1
    old, new = await payloads_of(app, reminders.remind_interested, event["id"])
    assert old == payload and new["start_ms"] > payload["start_ms"]


async def test_an_event_planned_at_short_notice_is_reminded_at_its_start(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    event = await create(owner, guild, external(scheduled_start_time=at(0.1)))
    (payload,) = await payloads_of(app, reminders.remind_interested, event["id"])
    assert payload["at_ms"] == payload["start_ms"]


async def test_an_external_event_starts_and_ends_at_its_times(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    guild = await owner.guild()
    event = await create(
        owner, guild, external(scheduled_start_time=at(3), scheduled_end_time=at(5))
    )
    advance = event_actions.advance_scheduled_event
    (start,) = await payloads_of(app, advance, event["id"])
    with pytest.raises(event_actions.NotYetDue):
        await advance.run(services(app), start)
    await advance.run(later(app, until(event["scheduled_start_time"])), start)
    assert await status_of(owner, event) == 2
    await advance.run(later(app, until(event["scheduled_start_time"])), start)  # again: no harm
    assert await status_of(owner, event) == 2

    first, end = await payloads_of(app, advance, event["id"])
    assert first == start and end["at_ms"] > start["at_ms"]
    await advance.run(later(app, until(event["scheduled_end_time"])), end)
    assert await status_of(owner, event) == 3
    assert (await owner.get(events_of(guild))).json() == []


async def test_an_active_event_past_its_end_is_completed_and_an_unstarted_one_canceled(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    voice = voice_channel_of(guild)
    advance = event_actions.advance_scheduled_event
    running = await create(owner, guild, in_channel(voice, scheduled_end_time=at(30)))
    assert (await patch(owner, running, {"status": 2})).json()["status"] == 2
    *_, end = await payloads_of(app, advance, running["id"])
    await advance.run(later(app, until(running["scheduled_end_time"])), end)
    assert await status_of(owner, running) == 3

    forgotten = await create(owner, guild, in_channel(voice, name="Nobody came"))
    (cancel,) = await payloads_of(app, advance, forgotten["id"])
    start = forgotten["scheduled_start_time"]
    with pytest.raises(event_actions.NotYetDue):
        await advance.run(later(app, until(start, timedelta(hours=1))), cancel)
    assert await status_of(owner, forgotten) == 1
    await advance.run(later(app, until(start, rules.CANCEL_UNSTARTED_AFTER)), cancel)
    assert await status_of(owner, forgotten) == 4

    started_in_time = await create(owner, guild, in_channel(voice, name="On time"))
    (cancel,) = await payloads_of(app, advance, started_in_time["id"])
    await patch(owner, started_in_time, {"status": 2})
    start = started_in_time["scheduled_start_time"]
    await advance.run(later(app, until(start, rules.CANCEL_UNSTARTED_AFTER)), cancel)
    assert await status_of(owner, started_in_time) == 2  # started: only a person ends it
