"""Scheduled events over REST (docs/scheduled-events.md): Discord's shapes, field rules and status
transitions, stage events and their stage, who is interested, and the calendar file. Who may do
what is in test_scheduled_events_access.py, the gateway in ..._gateway.py, the jobs in ..._jobs.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from fastapi import FastAPI

from tests.api.store_setup import services
from tests.conftest import Account, Api, direct_write, error_code
from townhall.domain.scheduled_events import EntityType, ScheduledEvent
from townhall.store import scheduled_events as event_store

VOICE, STAGE = 2, 13


def at(hours: float) -> str:
    """A time `hours` from now, as Discord's ISO 8601 with an offset."""
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def events_of(guild: dict[str, Any]) -> str:
    return f"/guilds/{guild['id']}/scheduled-events"


def voice_channel_of(guild: dict[str, Any]) -> str:
    """The starter `General` voice channel."""
    return str(next(c["id"] for c in guild["channels"] if c["type"] == VOICE))


async def channel(owner: Account, guild: dict[str, Any], kind: int, name: str) -> str:
    made = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": name, "type": kind})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def external(**more: Any) -> dict[str, Any]:
    body = {
        "name": "Summer fête",
        "entity_type": 3,
        "privacy_level": 2,
        "scheduled_start_time": at(24),
        "scheduled_end_time": at(27),
        "entity_metadata": {"location": "Village green"},
    }
    body.update(more)
    return body


def in_channel(channel_id: str | None, kind: int = 2, **more: Any) -> dict[str, Any]:
    body = {
        "name": "Training call",
        "entity_type": kind,
        "privacy_level": 2,
        "scheduled_start_time": at(24),
        "channel_id": channel_id,
    }
    body.update(more)
    return body


async def create(who: Account, guild: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    made = await who.post(events_of(guild), json=body)
    assert made.status_code == 200, made.text
    event: dict[str, Any] = made.json()
    return event


async def patch(who: Account, event: dict[str, Any], body: dict[str, Any]) -> Any:
    return await who.patch(f"/guilds/{event['guild_id']}/scheduled-events/{event['id']}", json=body)


async def test_members_plan_external_voice_and_stage_events_in_discords_shape(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild("Club")
    stage = await channel(owner, guild, STAGE, "Town hall")
    fete = await create(owner, guild, external(description="Bring a cake"))
    assert fete["guild_id"] == guild["id"] and fete["creator_id"] == str(owner.id)
    assert fete["creator"]["id"] == str(owner.id)
    assert (fete["status"], fete["entity_type"], fete["privacy_level"]) == (1, 3, 2)
    assert fete["channel_id"] is None and fete["entity_id"] is None
    assert fete["entity_metadata"] == {"location": "Village green"}
    assert fete["description"] == "Bring a cake"
    assert fete["image"] is None and fete["recurrence_rule"] is None
    assert datetime.fromisoformat(fete["scheduled_end_time"]) > datetime.fromisoformat(
        fete["scheduled_start_time"]
    )

    call = await create(
        owner, guild, in_channel(voice_channel_of(guild), scheduled_start_time=at(2))
    )
    assert (call["entity_type"], call["channel_id"], call["entity_metadata"]) == (
        2,
        voice_channel_of(guild),
        None,
    )
    assert call["scheduled_end_time"] is None
    talk = await create(owner, guild, in_channel(stage, 1, name="Q&A", scheduled_start_time=at(30)))
    assert talk["entity_type"] == 1

    listed = await owner.get(events_of(guild))
    assert [e["id"] for e in listed.json()] == [call["id"], fete["id"], talk["id"]]
    assert all("user_count" not in e for e in listed.json())
    counted = await owner.get(events_of(guild) + "?with_user_count=true")
    assert [e["user_count"] for e in counted.json()] == [0, 0, 0]
    one = await owner.get(f"{events_of(guild)}/{fete['id']}?with_user_count=1")
    assert one.status_code == 200 and one.json()["user_count"] == 0
    assert one.json()["name"] == "Summer fête"


async def test_the_entity_type_is_taken_from_the_channel_or_the_location_when_left_out(
    api: Api,
) -> None:
    """discord.py sends no `entity_type` when it derives it (a channel, or only a location)."""
    owner = await api.account()
    guild = await owner.guild()
    stage = await channel(owner, guild, STAGE, "Stage")
    body = in_channel(voice_channel_of(guild))
    del body["entity_type"], body["privacy_level"]
    assert (await create(owner, guild, body))["entity_type"] == 2
    body["channel_id"] = stage
    assert (await create(owner, guild, body))["entity_type"] == 1
    outside = external()
    del outside["entity_type"]
    assert (await create(owner, guild, outside))["entity_type"] == 3
    nowhere = external(entity_metadata=None)
    del nowhere["entity_type"]
    refused = await owner.post(events_of(guild), json=nowhere)
    assert refused.status_code == 400 and "entity_type" in refused.json()["errors"]


BAD_BODIES = {
    "external_without_location": (external(entity_metadata={}), "entity_metadata"),
    "external_without_end": (external(scheduled_end_time=None), "scheduled_end_time"),
    "external_with_a_channel": (external(channel_id="{voice}"), "channel_id"),
    "voice_without_channel": (in_channel(None), "channel_id"),
    "voice_in_a_text_channel": (in_channel("{text}"), "channel_id"),
    "stage_in_a_voice_channel": (in_channel("{voice}", 1), "channel_id"),
    "voice_with_a_location": (
        in_channel("{voice}", entity_metadata={"location": "Pub"}),
        "entity_metadata",
    ),
    "unknown_channel": (in_channel("123456789012345678"), "channel_id"),
    "start_in_the_past": (external(scheduled_start_time=at(-1)), "scheduled_start_time"),
    "end_before_start": (external(scheduled_end_time=at(23)), "scheduled_end_time"),
    "start_too_far_ahead": (
        external(scheduled_start_time=at(24 * 366 * 6), scheduled_end_time=at(24 * 366 * 6 + 1)),
        "scheduled_start_time",
    ),
    "blank_name": (external(name="   "), "name"),
    "long_name": (external(name="n" * 101), "name"),
    "long_description": (external(description="d" * 1001), "description"),
    "long_location": (external(entity_metadata={"location": "l" * 101}), "entity_metadata"),
    "public_privacy_level": (external(privacy_level=1), "privacy_level"),
    "unknown_entity_type": (external(entity_type=4), "entity_type"),
    "not_a_time": (external(scheduled_start_time="next tuesday"), "scheduled_start_time"),
    "recurring": (external(recurrence_rule={"frequency": 2, "interval": 1}), "recurrence_rule"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_bad_bodies_are_refused_with_discords_error_and_nothing_is_stored(
    api: Api, case: str
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    body, field = BAD_BODIES[case]
    places = {"{voice}": voice_channel_of(guild), "{text}": guild["system_channel_id"]}
    body = {k: places.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    refused = await owner.post(events_of(guild), json=body)
    assert refused.status_code == 400, refused.text
    answer = refused.json()
    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
    assert field in answer["errors"], answer
    assert (await owner.get(events_of(guild))).json() == []


async def test_a_guild_holds_at_most_100_unfinished_events(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    guild = await owner.guild()
    s = services(app)
    start = datetime.now(UTC) + timedelta(days=1)
    async with direct_write(s) as conn:
        for n in range(100):
            planned = ScheduledEvent(
                s.ids.next_id(),
                int(guild["id"]),
                f"E{n}",
                start,
                EntityType.EXTERNAL,
                end=start + timedelta(hours=1),
                location="Hall",
            )
            await event_store.insert_event(conn, planned)
    refused = await owner.post(events_of(guild), json=external())
    assert refused.status_code == 400 and error_code(refused) == 30038
    assert len((await owner.get(events_of(guild))).json()) == 100


async def test_status_moves_only_as_discord_allows(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    event = await create(owner, guild, in_channel(voice_channel_of(guild)))
    skipped = await patch(owner, event, {"status": 3})
    assert skipped.status_code == 400 and error_code(skipped) == 50035
    assert "status" in skipped.json()["errors"]
    same = await patch(owner, event, {"status": 1})  # unchanged: allowed
    assert same.status_code == 200 and same.json()["status"] == 1

    started = await patch(owner, event, {"status": 2})
    assert started.status_code == 200 and started.json()["status"] == 2
    for status in (1, 4):
        refused = await patch(owner, event, {"status": status})
        assert refused.status_code == 400 and error_code(refused) == 50035
    moved = await patch(owner, event, {"scheduled_start_time": at(5)})
    assert moved.status_code == 400 and "scheduled_start_time" in moved.json()["errors"]
    renamed = await patch(owner, event, {"name": "Training call (live)"})
    assert renamed.status_code == 200 and renamed.json()["status"] == 2

    ended = await patch(owner, event, {"status": 3})
    assert ended.status_code == 200 and ended.json()["status"] == 3
    for body in ({"status": 2}, {"name": "Again"}, {"status": 3}):
        finished = await patch(owner, event, body)
        assert finished.status_code == 400 and error_code(finished) == 180000
    assert (await owner.get(events_of(guild))).json() == []
    kept = await owner.get(f"{events_of(guild)}/{event['id']}")
    assert kept.json()["status"] == 3 and kept.json()["name"] == "Training call (live)"

    canceled = await create(owner, guild, external())
    assert (await patch(owner, canceled, {"status": 4})).json()["status"] == 4
    assert error_code(await patch(owner, canceled, {"status": 2})) == 180000
    assert error_code(await patch(owner, canceled, {"status": None})) == 50035


async def test_changes_follow_the_field_rules_of_the_new_entity_type(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    event = await create(owner, guild, in_channel(voice_channel_of(guild), description="Warm up"))
    changed = await patch(
        owner, event, {"description": None, "scheduled_end_time": at(26), "name": " Drills "}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["description"] is None and body["name"] == "Drills"
    assert body["scheduled_end_time"] is not None

    ignored = await patch(owner, event, {"entity_metadata": {"location": "Pub"}})
    assert ignored.status_code == 200 and ignored.json()["entity_metadata"] is None

    half = await patch(owner, event, {"entity_type": 3, "entity_metadata": {"location": "Park"}})
    assert half.status_code == 400 and "channel_id" in half.json()["errors"]
    no_place = await patch(owner, event, {"entity_type": 3, "channel_id": None})
    assert no_place.status_code == 400 and "entity_metadata" in no_place.json()["errors"]
    outside = await patch(
        owner,
        event,
        {"entity_type": 3, "channel_id": None, "entity_metadata": {"location": "Park"}},
    )
    assert outside.status_code == 200, outside.text
    assert (outside.json()["entity_type"], outside.json()["channel_id"]) == (3, None)
    assert outside.json()["entity_metadata"] == {"location": "Park"}
    no_end = await patch(owner, event, {"scheduled_end_time": None})
    assert no_end.status_code == 400 and "scheduled_end_time" in no_end.json()["errors"]

    back = await patch(owner, event, {"entity_type": 2, "channel_id": voice_channel_of(guild)})
    assert back.status_code == 200, back.text
    assert back.json()["entity_metadata"] is None and back.json()["channel_id"] is not None
    past = await patch(owner, event, {"scheduled_start_time": at(-2)})
    assert past.status_code == 400 and "scheduled_start_time" in past.json()["errors"]
    text = await patch(owner, event, {"channel_id": guild["system_channel_id"]})
    assert text.status_code == 400 and "channel_id" in text.json()["errors"]
    null_name = await patch(owner, event, {"name": None})
    assert null_name.status_code == 400 and "name" in null_name.json()["errors"]
    stored = (await owner.get(f"{events_of(guild)}/{event['id']}")).json()
    assert (stored["entity_type"], stored["name"]) == (2, "Drills")


async def test_starting_a_stage_event_opens_its_stage_and_completing_ends_it(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    stage = await channel(owner, guild, STAGE, "Town hall")
    event = await create(owner, guild, in_channel(stage, 1, name="Budget Q&A"))
    assert (await owner.get(f"/stage-instances/{stage}")).status_code == 404

    started = (await patch(owner, event, {"status": 2})).json()
    opened = await owner.get(f"/stage-instances/{stage}")
    assert opened.status_code == 200
    assert opened.json()["topic"] == "Budget Q&A"
    assert opened.json()["guild_scheduled_event_id"] == event["id"]
    assert started["entity_id"] == opened.json()["id"]

    assert (await patch(owner, event, {"status": 3})).json()["status"] == 3
    assert (await owner.get(f"/stage-instances/{stage}")).status_code == 404


async def test_closing_the_stage_of_an_active_stage_event_completes_the_event(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    stage = await channel(owner, guild, STAGE, "Town hall")
    event = await create(owner, guild, in_channel(stage, 1))
    await patch(owner, event, {"status": 2})
    assert (await owner.delete(f"/stage-instances/{stage}")).status_code == 204
    after = await owner.get(f"{events_of(guild)}/{event['id']}")
    assert after.json()["status"] == 3


async def test_deleting_an_event_forgets_it_and_its_stage(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    stage = await channel(owner, guild, STAGE, "Town hall")
    event = await create(owner, guild, in_channel(stage, 1))
    await patch(owner, event, {"status": 2})
    gone = await owner.delete(f"{events_of(guild)}/{event['id']}")
    assert gone.status_code == 204
    unknown = await owner.get(f"{events_of(guild)}/{event['id']}")
    assert unknown.status_code == 404 and error_code(unknown) == 10070
    assert (await owner.get(f"/stage-instances/{stage}")).status_code == 404
    again = await owner.delete(f"{events_of(guild)}/{event['id']}")
    assert error_code(again) == 10070


async def test_members_mark_themselves_interested_and_are_listed_by_id(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    people = [await api.account() for _ in range(3)]
    for person in people:
        await person.join(owner, guild["system_channel_id"])
    event = await create(owner, guild, external())
    users = f"{events_of(guild)}/{event['id']}/users"
    for person in people:
        marked = await person.put(users + "/@me")
        assert marked.status_code == 200
        assert marked.json() == {"guild_scheduled_event_id": event["id"], "user_id": str(person.id)}
    assert (await people[0].put(users + "/@me")).status_code == 200  # again: no change

    ids = sorted(str(p.id) for p in people)
    listed = await owner.get(users)
    assert [u["user"]["id"] for u in listed.json()] == ids
    assert all(u["guild_scheduled_event_id"] == event["id"] for u in listed.json())
    assert all("member" not in u for u in listed.json())
    with_member = (await owner.get(users + "?with_member=true&limit=1")).json()
    assert [u["user"]["id"] for u in with_member] == ids[:1]
    assert "roles" in with_member[0]["member"] and "user" not in with_member[0]["member"]
    after = (await owner.get(f"{users}?after={ids[0]}")).json()
    assert [u["user"]["id"] for u in after] == ids[1:]
    before = (await owner.get(f"{users}?before={ids[2]}&limit=1")).json()
    assert [u["user"]["id"] for u in before] == [ids[1]]
    both = (await owner.get(f"{users}?before={ids[1]}&after={ids[1]}")).json()
    assert [u["user"]["id"] for u in both] == [ids[0]]  # before wins, as on Discord
    assert error_code(await owner.get(users + "?limit=101")) == 50035

    counted = await owner.get(f"{events_of(guild)}/{event['id']}?with_user_count=true")
    assert counted.json()["user_count"] == 3
    mine = await people[1].get(f"/users/@me/scheduled-events?guild_ids={guild['id']}")
    assert mine.json() == [{"guild_scheduled_event_id": event["id"], "user_id": str(people[1].id)}]

    assert (await people[1].delete(users + "/@me")).status_code == 204
    not_marked = await people[1].delete(users + "/@me")
    assert not_marked.status_code == 404 and error_code(not_marked) == 10071
    left = await people[2].delete(f"/users/@me/guilds/{guild['id']}")
    assert left.status_code == 204
    remaining = (await owner.get(f"{events_of(guild)}?with_user_count=true")).json()
    assert remaining[0]["user_count"] == 1  # who left the guild no longer counts
    assert [u["user"]["id"] for u in (await owner.get(users)).json()] == [str(people[0].id)]
    assert (
        await people[1].get(f"/users/@me/scheduled-events?guild_ids={guild['id']}")
    ).json() == []

    await patch(owner, event, {"status": 4})
    late = await people[1].put(users + "/@me")
    assert late.status_code == 400 and error_code(late) == 180000


async def test_an_event_downloads_as_an_icalendar_file(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild("Choir")
    event = await create(owner, guild, external(name="Concert: Bach & more", description="Tickets"))
    got = await owner.get(f"{events_of(guild)}/{event['id']}/ics")
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/calendar; charset=utf-8"
    assert got.headers["content-disposition"] == 'attachment; filename="concert-bach-more.ics"'
    calendar = icalendar.Calendar.from_ical(got.content)
    (entry,) = calendar.walk("VEVENT")
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert str(entry["SUMMARY"]) == "Concert: Bach & more"
    assert str(entry["DESCRIPTION"]) == "Tickets"
    assert str(entry["LOCATION"]) == "Village green"
    assert str(entry["STATUS"]) == "CONFIRMED"
    assert str(entry["UID"]).startswith(f"scheduled-event-{event['id']}@")
    start = datetime.fromisoformat(event["scheduled_start_time"])
    assert entry.decoded("DTSTART") == start.replace(microsecond=0)
    assert entry.decoded("DTEND") > entry.decoded("DTSTART")

    call = await create(owner, guild, in_channel(voice_channel_of(guild)))
    voice = icalendar.Calendar.from_ical(
        (await owner.get(f"{events_of(guild)}/{call['id']}/ics")).content
    )
    (entry,) = voice.walk("VEVENT")
    assert str(entry["LOCATION"]) == "#General (Choir)"
    assert str(entry["URL"]).endswith(f"/channels/{guild['id']}/{voice_channel_of(guild)}")
