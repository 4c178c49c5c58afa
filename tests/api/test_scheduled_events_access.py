"""Who may see, plan, change and mark interest in scheduled events: every route refuses who may
not (Discord's "Guild Scheduled Event Permissions Requirements")."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.api.store_setup import give_role, overwrite, set_everyone_permissions
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
from tests.conftest import Account, Api, error_code
from townhall.domain.permissions import DEFAULT_EVERYONE_PERMISSIONS, Permission

CREATE_EVENTS, MANAGE_EVENTS = int(Permission.CREATE_EVENTS), int(Permission.MANAGE_EVENTS)
VIEW_CHANNEL, CONNECT = int(Permission.VIEW_CHANNEL), int(Permission.CONNECT)
STAGE_MODERATION = int(
    Permission.MANAGE_CHANNELS | Permission.MUTE_MEMBERS | Permission.MOVE_MEMBERS
)
WITHOUT_EVENTS = DEFAULT_EVERYONE_PERMISSIONS & ~CREATE_EVENTS


def routes(guild_id: str, event_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every scheduled-event route of one event: (method, path, body)."""
    base = f"/guilds/{guild_id}/scheduled-events"
    one = f"{base}/{event_id}"
    return [
        ("GET", base, None),
        ("POST", base, external()),
        ("GET", one, None),
        ("PATCH", one, {"name": "Taken over"}),
        ("DELETE", one, None),
        ("GET", f"{one}/users", None),
        ("PUT", f"{one}/users/@me", None),
        ("DELETE", f"{one}/users/@me", None),
        ("GET", f"{one}/ics", None),
    ]


async def call(who: Account, method: str, path: str, body: dict[str, Any] | None) -> Any:
    return await who.request(method, path, json=body) if body else await who.request(method, path)


async def members_of(owner: Account, api: Api, guild: dict[str, Any], n: int) -> list[Account]:
    people = [await api.account() for _ in range(n)]
    for person in people:
        await person.join(owner, guild["system_channel_id"])
    return people


async def test_strangers_are_refused_on_every_route_and_anonymous_callers_too(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    event = await create(owner, guild, external())
    for method, path, body in routes(guild["id"], event["id"]):
        refused = await call(stranger, method, path, body)
        assert (refused.status_code, error_code(refused)) == (403, 50001), (method, path)
        anonymous = await api.http.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path)
    theirs = await stranger.get(f"/users/@me/scheduled-events?guild_ids={guild['id']}")
    assert theirs.status_code == 200 and theirs.json() == []
    still = (await owner.get(f"{events_of(guild)}/{event['id']}?with_user_count=true")).json()
    assert still["name"] == event["name"] and still["user_count"] == 0


async def test_unknown_events_and_guilds_are_404_on_every_route(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    for method, path, body in routes(guild["id"], "123456789012345678")[2:]:
        unknown = await call(owner, method, path, body)
        assert (unknown.status_code, error_code(unknown)) == (404, 10070), (method, path)
    for method, path, body in routes("123456789012345678", "123456789012345678"):
        unknown = await call(owner, method, path, body)
        assert (unknown.status_code, error_code(unknown)) == (404, 10004), (method, path)


async def test_creating_needs_create_events_or_manage_events(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    guild = await owner.guild()
    plain, creator, manager = await members_of(owner, api, guild, 3)
    await set_everyone_permissions(app, guild["id"], WITHOUT_EVENTS)
    await give_role(app, guild["id"], [creator.id], CREATE_EVENTS)
    await give_role(app, guild["id"], [manager.id], MANAGE_EVENTS)
    for body in (external(), in_channel(voice_channel_of(guild))):
        refused = await plain.post(events_of(guild), json=body)
        assert (refused.status_code, error_code(refused)) == (403, 50013)
    assert (await owner.get(events_of(guild))).json() == []
    await create(creator, guild, external())
    await create(manager, guild, in_channel(voice_channel_of(guild)))
    assert len((await plain.get(events_of(guild))).json()) == 2


async def test_creators_manage_their_own_events_and_managers_everyones(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    creator, other, manager = await members_of(owner, api, guild, 3)
    await set_everyone_permissions(app, guild["id"], WITHOUT_EVENTS)
    await give_role(app, guild["id"], [creator.id, other.id], CREATE_EVENTS)
    await give_role(app, guild["id"], [manager.id], MANAGE_EVENTS)
    event = await create(creator, guild, in_channel(voice_channel_of(guild)))
    one = f"{events_of(guild)}/{event['id']}"
    for body in ({"name": "Mine now"}, {"status": 2}, {"status": 4}):
        refused = await patch(other, event, body)
        assert (refused.status_code, error_code(refused)) == (403, 50013)
    refused = await other.delete(one)
    assert (refused.status_code, error_code(refused)) == (403, 50013)
    assert (await patch(creator, event, {"name": "Evening call"})).status_code == 200
    started = await patch(manager, event, {"status": 2})
    assert started.status_code == 200 and started.json()["name"] == "Evening call"
    assert (await manager.delete(one)).status_code == 204

    own = await create(other, guild, external())
    assert (await other.delete(f"{events_of(guild)}/{own['id']}")).status_code == 204


async def test_stage_events_need_the_stages_moderation_and_voice_events_connect(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    stage = await channel(owner, guild, STAGE, "Town hall")
    voice = voice_channel_of(guild)
    member, moderator = await members_of(owner, api, guild, 2)
    await give_role(app, guild["id"], [moderator.id], STAGE_MODERATION)
    refused = await member.post(events_of(guild), json=in_channel(stage, 1))
    assert (refused.status_code, error_code(refused)) == (403, 50013)
    talk = await create(moderator, guild, in_channel(stage, 1))
    assert (await patch(moderator, talk, {"status": 2})).status_code == 200
    ours = await create(owner, guild, in_channel(stage, 1, name="Owner's talk"))
    refused = await patch(member, ours, {"name": "Hijacked"})
    assert (refused.status_code, error_code(refused)) == (403, 50013)

    await overwrite(app, voice, member.id, deny=CONNECT, member=True)
    no_connect = await member.post(events_of(guild), json=in_channel(voice))
    assert (no_connect.status_code, error_code(no_connect)) == (403, 50013)
    call_event = await create(owner, guild, in_channel(voice))
    await give_role(app, guild["id"], [member.id], MANAGE_EVENTS)
    still = await patch(member, call_event, {"name": "Moved"})
    assert (still.status_code, error_code(still)) == (403, 50013)  # CONNECT in the channel too


async def test_an_event_in_a_channel_one_cannot_see_is_hidden_from_one(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    (member,) = await members_of(owner, api, guild, 1)
    voice = voice_channel_of(guild)
    hidden = await create(owner, guild, in_channel(voice, name="Board meeting"))
    public = await create(owner, guild, external())
    await overwrite(app, voice, guild["id"], deny=VIEW_CHANNEL)
    assert [e["id"] for e in (await member.get(events_of(guild))).json()] == [public["id"]]
    assert len((await owner.get(events_of(guild))).json()) == 2
    for method, path, body in routes(guild["id"], hidden["id"])[2:]:
        refused = await call(member, method, path, body)
        assert (refused.status_code, error_code(refused)) == (403, 50001), (method, path)
    moved = await patch(owner, public, {"entity_type": 2, "channel_id": voice})
    assert moved.status_code == 200
    elsewhere = await member.post(events_of(guild), json=in_channel(voice))
    assert elsewhere.status_code == 400 and "channel_id" in elsewhere.json()["errors"]
    assert (await member.get(events_of(guild))).json() == []
