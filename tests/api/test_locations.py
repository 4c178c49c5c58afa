"""Sharing a location: once, or live for a while, kept up to date, stopped, or run out."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime, timedelta

import orjson
from fastapi import FastAPI

from tests.api.test_attachments import guild_with_member
from tests.conftest import Api
from townhall.actions.live_locations import end_live_location
from townhall.actions.services import Services
from townhall.events.event import Envelope

BERLIN = {"latitude": 52.5200, "longitude": 13.4050, "accuracy": 12.0}


async def test_a_location_shared_once_is_a_message_of_its_own(api: Api) -> None:
    owner, member, channel_id = await guild_with_member(api)
    sent = await owner.post(f"/channels/{channel_id}/messages", json={"location": BERLIN})
    assert sent.status_code == 200, sent.text
    shown = (await member.get(f"/channels/{channel_id}/messages")).json()[0]["location"]
    assert (shown["latitude"], shown["longitude"], shown["accuracy"]) == (52.52, 13.405, 12.0)
    assert shown["live"] is False and shown["live_until"] is None
    moved = await owner.patch(
        f"/channels/{channel_id}/messages/{sent.json()['id']}",
        json={"location": {"latitude": 1.0, "longitude": 2.0}},
    )
    assert moved.status_code == 400


async def test_a_live_location_moves_for_everyone_until_its_author_stops(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, channel_id = await guild_with_member(api)
    sent = await owner.post(
        f"/channels/{channel_id}/messages",
        json={"content": "on my way", "location": {**BERLIN, "live_for_seconds": 900}},
    )
    assert sent.status_code == 200, sent.text
    message = f"/channels/{channel_id}/messages/{sent.json()['id']}"
    assert sent.json()["location"]["live"] is True

    moved = await owner.patch(
        message, json={"location": {"latitude": 52.51, "longitude": 13.39, "accuracy": 5}}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["edited_timestamp"] is None
    updates = [e for e in published if e.type == "MESSAGE_UPDATE"]
    assert json.loads(updates[-1].data)["location"]["latitude"] == 52.51
    assert updates[-1].channel_id == int(channel_id) and updates[-1].user_ids is None

    by_other = await member.patch(message, json={"location": {"latitude": 0, "longitude": 0}})
    assert by_other.status_code == 403

    stopped = await owner.patch(message, json={"location": {"live": False}})
    assert stopped.json()["location"]["live"] is False
    assert stopped.json()["location"]["ended"] is True
    assert stopped.json()["location"]["latitude"] == 52.51
    late = await owner.patch(message, json={"location": {"latitude": 1, "longitude": 1}})
    assert late.status_code == 400
    assert "ended" in late.text


class SixteenMinutesLater(Services):
    def now(self) -> datetime:
        return super().now() + timedelta(minutes=16)


async def test_live_sharing_ends_by_itself_when_its_time_is_up(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    sent = await owner.post(
        f"/channels/{channel_id}/messages",
        json={"location": {**BERLIN, "live_for_seconds": 900}},
    )
    payload = {"channel_id": int(channel_id), "message_id": int(sent.json()["id"])}
    services: Services = app.state.services
    later = SixteenMinutesLater(**{f.name: getattr(services, f.name) for f in fields(services)})
    before = len(published)
    await end_live_location.run(later, payload)
    shown = (await owner.get(f"/channels/{channel_id}/messages/{sent.json()['id']}")).json()
    assert shown["location"]["ended"] is True and shown["location"]["live"] is False
    # Other tests' background jobs publish too (an invite expiring): look for this message's.
    updates = [
        orjson.loads(e.data)
        for e in published[before:]
        if e.type == "MESSAGE_UPDATE" and orjson.loads(e.data)["id"] == sent.json()["id"]
    ]
    assert [u["location"]["ended"] for u in updates] == [True]


async def test_coordinates_off_the_earth_and_odd_durations_are_refused(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    for location, field in [
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": -181}, "longitude"),
        ({"latitude": 0, "longitude": 0, "accuracy": -1}, "accuracy"),
        ({"latitude": 0, "longitude": 0, "live_for_seconds": 60}, "live_for_seconds"),
    ]:
        refused = await owner.post(f"/channels/{channel_id}/messages", json={"location": location})
        assert refused.status_code == 400, location
        assert field in refused.json()["errors"]["location"]
