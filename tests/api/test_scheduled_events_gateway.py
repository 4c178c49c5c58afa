"""Scheduled events on the gateway, against a real server per backend: GUILD_SCHEDULED_EVENT_*
for sessions with the GUILD_SCHEDULED_EVENTS intent (1 << 16) that can see the event's channel,
and `guild_scheduled_events` in GUILD_CREATE with their `user_count`.

Every absence is proved by order: a session's events arrive in log order, so an event that did
not come before a later one (a marker message, or another event) never comes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.api.test_scheduled_events import (
    STAGE,
    channel,
    create,
    events_of,
    external,
    in_channel,
    patch,
    voice_channel_of,
)
from tests.conftest import BACKENDS, Account, Api
from tests.gateway.client import ALL_INTENTS, Recorder, recording
from tests.gateway.test_voice_states import dispatched, marker
from tests.server_process import Server, new_deployment

SCHEDULED_EVENTS = 1 << 16
WITH, WITHOUT = ALL_INTENTS | SCHEDULED_EVENTS, ALL_INTENTS
NAMES = [
    "GUILD_SCHEDULED_EVENT_CREATE",
    "GUILD_SCHEDULED_EVENT_UPDATE",
    "GUILD_SCHEDULED_EVENT_DELETE",
    "GUILD_SCHEDULED_EVENT_USER_ADD",
    "GUILD_SCHEDULED_EVENT_USER_REMOVE",
]


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    with new_deployment(request.param, tmp_path_factory.mktemp("events") / "data") as deployment:
        yield deployment.start(TOWNHALL_HEARTBEAT_INTERVAL_MS="2000")


@pytest_asyncio.fixture(loop_scope="session")
async def remote(server: Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
        yield Api(http)


def scheduled_dispatches(rec: Recorder) -> list[tuple[str, dict[str, Any]]]:
    return [(p["t"], p["d"]) for p in rec.dispatches() if p["t"] in NAMES]


def snapshot_of(rec: Recorder, guild_id: str) -> list[dict[str, Any]]:
    (guild,) = [g["d"] for g in rec.dispatches("GUILD_CREATE") if g["d"]["id"] == guild_id]
    events: list[dict[str, Any]] = guild["guild_scheduled_events"]
    return events


async def community(remote: Api, n: int) -> tuple[Account, dict[str, Any], list[Account]]:
    owner = await remote.account()
    guild = await owner.guild("Club")
    people = [await remote.account() for _ in range(n)]
    for person in people:
        await person.join(owner, guild["system_channel_id"])
    return owner, guild, people


async def test_sessions_with_the_intent_hear_every_change_and_others_none(
    server: Server, remote: Api
) -> None:
    owner, guild, (bob, carol) = await community(remote, 2)
    bob_rec = await recording(server, bob, WITH)
    carol_rec = await recording(server, carol, WITHOUT)

    event = await create(owner, guild, external())
    created = await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_CREATE")
    assert created == event
    users = f"{events_of(guild)}/{event['id']}/users/@me"
    assert (await bob.put(users)).status_code == 200
    added = await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_USER_ADD")
    interest = {"guild_scheduled_event_id": event["id"], "user_id": str(bob.id)}
    assert added == {**interest, "guild_id": guild["id"]}
    renamed = await patch(owner, event, {"name": "Summer fête (moved indoors)"})
    updated = await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_UPDATE")
    assert updated == renamed.json() and updated["user_count"] == 1

    later = await recording(server, bob, WITH)
    assert snapshot_of(later, guild["id"]) == [updated]
    await later.close()

    assert (await bob.delete(users)).status_code == 204
    removed = await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_USER_REMOVE")
    assert removed == {**interest, "guild_id": guild["id"]}
    assert (await owner.delete(f"{events_of(guild)}/{event['id']}")).status_code == 204
    deleted = await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_DELETE")
    assert deleted["id"] == event["id"]
    create_, update, delete, add, remove = NAMES
    assert [name for name, _ in scheduled_dispatches(bob_rec)] == [
        create_,
        add,
        update,
        remove,
        delete,
    ]

    await marker(owner, guild["system_channel_id"], carol_rec)
    assert scheduled_dispatches(carol_rec) == []
    for rec in (bob_rec, carol_rec):
        await rec.close()


async def test_an_event_in_a_hidden_channel_reaches_only_who_sees_the_channel(
    server: Server, remote: Api
) -> None:
    owner, guild, (bob,) = await community(remote, 1)
    voice = voice_channel_of(guild)
    hidden = await owner.put(
        f"/channels/{voice}/permissions/{guild['id']}",
        json={"type": 0, "allow": "0", "deny": str(1 << 10)},
    )
    assert hidden.status_code == 204, hidden.text
    bob_rec = await recording(server, bob, WITH)
    owner_rec = await recording(server, owner, WITH)

    meeting = await create(owner, guild, in_channel(voice, name="Board meeting"))
    fete = await create(owner, guild, external())
    await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_CREATE")
    assert [d["id"] for _, d in scheduled_dispatches(bob_rec)] == [fete["id"]]
    await dispatched(owner_rec, "GUILD_SCHEDULED_EVENT_CREATE", 2)
    assert [d["id"] for _, d in scheduled_dispatches(owner_rec)] == [meeting["id"], fete["id"]]

    assert (await owner.put(f"{events_of(guild)}/{meeting['id']}/users/@me")).status_code == 200
    assert (await owner.put(f"{events_of(guild)}/{fete['id']}/users/@me")).status_code == 200
    await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_USER_ADD")
    added = [d["guild_scheduled_event_id"] for _, d in scheduled_dispatches(bob_rec)[1:]]
    assert added == [fete["id"]]

    bob_later, owner_later = (
        await recording(server, bob, WITH),
        await recording(server, owner, WITH),
    )
    assert [(e["id"], e["user_count"]) for e in snapshot_of(bob_later, guild["id"])] == [
        (fete["id"], 1)
    ]
    assert sorted((e["id"], e["user_count"]) for e in snapshot_of(owner_later, guild["id"])) == [
        (meeting["id"], 1),
        (fete["id"], 1),
    ]
    for rec in (bob_rec, owner_rec, bob_later, owner_later):
        await rec.close()


async def test_a_stage_event_that_starts_and_ends_is_told_with_its_stage(
    server: Server, remote: Api
) -> None:
    owner, guild, (bob,) = await community(remote, 1)
    stage = await channel(owner, guild, STAGE, "Town hall")
    event = await create(owner, guild, in_channel(stage, 1, name="Budget Q&A"))
    bob_rec = await recording(server, bob, WITH)
    assert [e["id"] for e in snapshot_of(bob_rec, guild["id"])] == [event["id"]]

    await patch(owner, event, {"status": 2})
    opened = await dispatched(bob_rec, "STAGE_INSTANCE_CREATE")
    started = await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_UPDATE")
    assert opened["guild_scheduled_event_id"] == event["id"]
    assert started["status"] == 2 and started["entity_id"] == opened["id"]

    await patch(owner, event, {"status": 3})
    completed = await dispatched(bob_rec, "GUILD_SCHEDULED_EVENT_UPDATE", 2)
    assert completed["status"] == 3
    assert (await dispatched(bob_rec, "STAGE_INSTANCE_DELETE"))["id"] == opened["id"]
    later = await recording(server, bob, WITH)
    assert snapshot_of(later, guild["id"]) == []
    for rec in (bob_rec, later):
        await rec.close()
