"""A guest's end: at their link's end, after the community's idle days, or when they leave; what
goes (checked in the tables, not only through the API), the events others hear, and what stays.

The jobs run here with a clock moved forward, as the runner would run them when they are due;
tests/api/test_guests_sessions.py lets the runner of a real server do it, across a restart."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.api.store_setup import services
from tests.api.test_guests import (
    Community,
    community,
    join_as_guest,
    user_rows,
    wait_until_erased,
)
from tests.conftest import Account, Api
from townhall.actions.guests import erase_guest, expire_guest, sweep_guests
from townhall.actions.services import Services
from townhall.events.event import Envelope
from townhall.files.storage import StoredObjectMissing
from townhall.store import schema


def later(app: FastAPI, by: timedelta) -> Services:
    """The application's services with a clock `by` ahead."""
    s = services(app)

    class Later(Services):
        def now(self) -> datetime:
            return super().now() + by

    return Later(**{f.name: getattr(s, f.name) for f in fields(s)})


async def traces(app: FastAPI, user_id: int) -> dict[str, int]:
    """How many rows of each table still name the user."""
    named = {
        "users": schema.users.c.id,
        "tokens": schema.tokens.c.user_id,
        "members": schema.members.c.user_id,
        "member_roles": schema.member_roles.c.user_id,
        "messages": schema.messages.c.author_id,
        "reactions": schema.reactions.c.user_id,
        "attachments": schema.attachments.c.uploader_id,
        "guests": schema.guests.c.user_id,
        "channel_recipients": schema.channel_recipients.c.user_id,
        "read_states": schema.read_states.c.user_id,
        "permission_overwrites": schema.permission_overwrites.c.target_id,
        "invites": schema.invites.c.inviter_id,
    }
    found = {}
    async with services(app).engine.connect() as conn:
        for table, column in named.items():
            query = select(func.count()).select_from(column.table).where(column == user_id)
            found[table] = int((await conn.execute(query)).scalar_one())
    return found


async def stored_keys(app: FastAPI, user_id: int) -> list[str]:
    async with services(app).engine.connect() as conn:
        rows = await conn.execute(
            select(schema.attachments.c.storage_key).where(
                schema.attachments.c.uploader_id == user_id
            )
        )
        return [row[0] for row in rows]


@pytest.fixture
async def busy_guest(api: Api, app: FastAPI) -> tuple[Community, Account, Account, dict[str, Any]]:
    """A guest who wrote two messages (one with a file), reacted, and answered a member's DM."""
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    member = await api.account("member")
    await member.join(place.owner, place.channel_id)
    welcome = await place.owner.post(
        f"/channels/{place.channel_id}/messages", json={"content": "welcome"}
    )
    hello = await guest.post(f"/channels/{place.channel_id}/messages", json={"content": "hello"})
    with_file = await guest.post(
        f"/channels/{place.channel_id}/messages",
        data={"payload_json": json.dumps({"content": "my notes"})},
        files={"files[0]": ("notes.txt", b"guest notes", "text/plain")},
    )
    assert with_file.status_code == 200, with_file.text
    reacted = await guest.put(
        f"/channels/{place.channel_id}/messages/{welcome.json()['id']}/reactions/%F0%9F%91%8D/@me"
    )
    assert reacted.status_code == 204, reacted.text
    dm = (await member.post("/users/@me/channels", json={"recipient_id": str(guest.id)})).json()
    await member.post(f"/channels/{dm['id']}/messages", json={"content": "questions?"})
    reply = await guest.post(f"/channels/{dm['id']}/messages", json={"content": "none"})
    assert reply.status_code == 200, reply.text
    wrote = {
        "messages": {hello.json()["id"], with_file.json()["id"], reply.json()["id"]},
        "welcome": welcome.json()["id"],
        "dm": dm["id"],
    }
    return place, guest, member, wrote


async def test_a_guest_is_erased_when_their_link_ends_with_every_trace(
    app: FastAPI,
    busy_guest: tuple[Community, Account, Account, dict[str, Any]],
    published: list[Envelope],
) -> None:
    place, guest, member, wrote = busy_guest
    keys = await stored_keys(app, guest.id)
    assert len(keys) == 1
    async with services(app).engine.connect() as conn:
        run_at = await conn.scalar(
            select(schema.jobs.c.run_at).where(schema.jobs.c.unique_key == f"guest:{guest.id}")
        )
        expires_at = await conn.scalar(
            select(schema.guests.c.expires_at).where(schema.guests.c.user_id == guest.id)
        )
    assert run_at == expires_at  # the runner takes it when the link ends
    before = len(published)
    await expire_guest.run(later(app, timedelta(hours=1, seconds=1)), {"user_id": guest.id})

    found = await traces(app, guest.id)
    assert found == dict.fromkeys(found, 0)
    for key in keys:
        with pytest.raises(StoredObjectMissing):
            await services(app).file_store.stat(key)
    events = [(e.type, orjson.loads(e.data)) for e in published[before:]]
    deleted = {d["id"] for kind, d in events if kind == "MESSAGE_DELETE"}
    assert deleted == wrote["messages"]
    removed = [d for kind, d in events if kind == "MESSAGE_REACTION_REMOVE"]
    assert [(r["message_id"], r["user_id"]) for r in removed] == [(wrote["welcome"], str(guest.id))]
    gone = [d for kind, d in events if kind == "GUILD_MEMBER_REMOVE"]
    assert [g["user"]["id"] for g in gone] == [str(guest.id)]

    history = (await place.owner.get(f"/channels/{place.channel_id}/messages")).json()
    assert [m["content"] for m in history] == ["welcome"]
    assert not history[0].get("reactions")
    dm_history = (await member.get(f"/channels/{wrote['dm']}/messages")).json()
    assert [m["content"] for m in dm_history] == ["questions?"]
    assert (await guest.get("/users/@me")).status_code == 401


async def test_erasing_again_finds_nothing_to_do(
    app: FastAPI, busy_guest: tuple[Community, Account, Account, dict[str, Any]]
) -> None:
    _place, guest, _member, _wrote = busy_guest
    await erase_guest(services(app), guest.id)
    await erase_guest(services(app), guest.id)
    assert await user_rows(app, guest.id) == 0


async def test_a_guest_idle_past_the_communitys_days_is_erased_and_an_active_one_stays(
    api: Api, app: FastAPI
) -> None:
    place = await community(api, max_age=30 * 86400)
    await place.owner.patch(f"/guilds/{place.guild['id']}", json={"guest_inactivity_days": 2})
    idle = await join_as_guest(api, place.code, "Idle")
    async with services(app).engine.begin() as conn:
        await conn.execute(
            schema.guests.update()
            .where(schema.guests.c.user_id == idle.id)
            .values(last_active_at=schema.guests.c.last_active_at - 86_400_000)
        )
    two_days_on = later(app, timedelta(days=1, hours=1))
    active = await join_as_guest(api, place.code, "Active")
    await sweep_guests.run(two_days_on, {})
    await _run_due_erasures(app, two_days_on)
    assert await user_rows(app, idle.id) == 0
    assert await user_rows(app, active.id) == 1


async def test_writing_counts_as_activity(api: Api, app: FastAPI) -> None:
    place = await community(api, max_age=30 * 86400)
    await place.owner.patch(f"/guilds/{place.guild['id']}", json={"guest_inactivity_days": 1})
    writer = await join_as_guest(api, place.code, "Writer")
    async with services(app).engine.begin() as conn:
        await conn.execute(
            schema.guests.update()
            .where(schema.guests.c.user_id == writer.id)
            .values(last_active_at=schema.guests.c.last_active_at - 3 * 86_400_000)
        )
    await writer.post(f"/channels/{place.channel_id}/messages", json={"content": "still here"})
    half_a_day_on = later(app, timedelta(hours=12))
    await sweep_guests.run(half_a_day_on, {})
    await _run_due_erasures(app, half_a_day_on)
    assert await user_rows(app, writer.id) == 1


async def test_a_guest_who_leaves_or_is_kicked_is_erased(api: Api, app: FastAPI) -> None:
    place = await community(api)
    leaver = await join_as_guest(api, place.code, "Leaver")
    kicked = await join_as_guest(api, place.code, "Kicked")
    assert (await leaver.delete(f"/users/@me/guilds/{place.guild['id']}")).status_code == 204
    kick = await place.owner.delete(f"/guilds/{place.guild['id']}/members/{kicked.id}")
    assert kick.status_code == 204
    await sweep_guests.run(services(app), {})  # the runner erases them within seconds
    await wait_until_erased(app, leaver.id)
    await wait_until_erased(app, kicked.id)


async def test_a_kept_account_outlives_its_link(api: Api, app: FastAPI) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    await guest.post(f"/channels/{place.channel_id}/messages", json={"content": "mine"})
    kept = await guest.patch(
        "/users/@me", json={"email": f"kept{guest.id}@example.org", "new_password": "long password"}
    )
    assert kept.status_code == 200, kept.text
    await expire_guest.run(later(app, timedelta(days=31)), {"user_id": guest.id})
    await erase_guest(later(app, timedelta(days=31)), guest.id)
    assert (await traces(app, guest.id))["messages"] == 1
    assert await user_rows(app, guest.id) == 1


async def _run_due_erasures(app: FastAPI, s: Services) -> None:
    """Run the erasure jobs the sweep scheduled (as the runner does), marking them done."""
    async with services(app).engine.begin() as conn:
        rows = (
            await conn.execute(
                select(schema.jobs.c.id, schema.jobs.c.payload).where(
                    schema.jobs.c.kind == "guest.erase", schema.jobs.c.finished_at.is_(None)
                )
            )
        ).all()
    for _job_id, payload in rows:
        await erase_guest(s, int(orjson.loads(payload)["user_id"]))
