"""Guest accounts: a community allows guests, a guest link, joining with a name only, what a guest
may not do, the member list they see, keeping the account, and a moderator ending it.

Expiry, erasure and what others' sessions receive are in test_guests_erasure.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from tests.api.store_setup import services
from tests.conftest import Account, Api, error_code
from tests.waiting import eventually_async
from townhall.domain.guests import GUEST, IS_GUEST, IS_GUEST_INVITE
from townhall.store.schema import guests, users

VIEW_CHANNEL, SEND_MESSAGES, MANAGE_GUILD = 1 << 10, 1 << 11, 1 << 5
HOUR = 3600


@dataclass
class Community:
    owner: Account
    guild: dict[str, Any]
    channel_id: str
    """The guest link's channel (the starter `general`)."""
    code: str


async def community(api: Api, *, rules: str | None = None, **link: Any) -> Community:
    """A guild that allows guests, with a guest link to its `general` channel."""
    owner = await api.account("owner")
    guild = await owner.guild("Open evening")
    body: dict[str, Any] = {"guests_enabled": True}
    if rules is not None:
        body["rules"] = rules
    enabled = await owner.patch(f"/guilds/{guild['id']}", json=body)
    assert enabled.status_code == 200, enabled.text
    channel_id = guild["system_channel_id"]
    made = await owner.post(
        f"/channels/{channel_id}/invites",
        json={"flags": IS_GUEST_INVITE, "max_age": HOUR, "unique": True, **link},
    )
    assert made.status_code == 200, made.text
    return Community(owner, enabled.json(), channel_id, made.json()["code"])


async def join_as_guest(api: Api, code: str, name: str = "Visitor", **body: Any) -> Account:
    joined = await api.http.post(f"/invites/{code}/guest", json={"global_name": name, **body})
    assert joined.status_code == 200, joined.text
    signed_in = joined.json()
    me = await api.http.get("/users/@me", headers={"Authorization": signed_in["token"]})
    return Account(int(signed_in["user_id"]), me.json()["username"], signed_in["token"], api.http)


async def user_rows(app: FastAPI, user_id: int) -> int:
    async with services(app).engine.connect() as conn:
        found = await conn.execute(select(users.c.id).where(users.c.id == user_id))
        return len(found.all())


async def test_guests_are_off_until_a_manager_allows_them(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await owner.guild()
    assert guild["guests_enabled"] is False and guild["guest_role_id"] is None
    await member.join(owner, guild["system_channel_id"])
    link = {"flags": IS_GUEST_INVITE, "max_age": HOUR}
    refused = await owner.post(f"/channels/{guild['system_channel_id']}/invites", json=link)
    assert refused.status_code == 400 and error_code(refused) == 50035
    assert "flags" in refused.json()["errors"]
    stranger = await api.account()
    assert (
        error_code(await member.patch(f"/guilds/{guild['id']}", json={"guests_enabled": True}))
        == 50013
    )
    assert (
        error_code(await stranger.patch(f"/guilds/{guild['id']}", json={"guests_enabled": True}))
        == 50001
    )
    assert (await owner.get(f"/guilds/{guild['id']}")).json()["guests_enabled"] is False


async def test_allowing_guests_makes_a_guest_role_that_sees_no_channel(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    enabled = await owner.patch(
        f"/guilds/{guild['id']}", json={"guests_enabled": True, "guest_inactivity_days": 3}
    )
    assert enabled.status_code == 200, enabled.text
    body = enabled.json()
    assert body["guests_enabled"] is True and body["guest_inactivity_days"] == 3
    role = next(r for r in body["roles"] if r["id"] == body["guest_role_id"])
    assert role["name"] == "Guest" and role["permissions"] == "0"
    for channel in (await owner.get(f"/guilds/{guild['id']}/channels")).json():
        mine = [o for o in channel["permission_overwrites"] if o["id"] == role["id"]]
        assert mine == [{"id": role["id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}]
    later = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "staff"})
    assert {"id": role["id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)} in later.json()[
        "permission_overwrites"
    ]
    again = await owner.patch(f"/guilds/{guild['id']}", json={"guests_enabled": True})
    assert again.json()["guest_role_id"] == role["id"]


async def test_guest_settings_out_of_range_are_refused_and_nothing_changes(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    for body in (
        {"guest_inactivity_days": 0},
        {"guest_inactivity_days": 366},
        {"guests_enabled": "perhaps"},
        {"rules": "x" * 2001},
    ):
        refused = await owner.patch(f"/guilds/{guild['id']}", json=body)
        assert refused.status_code == 400 and error_code(refused) == 50035, body
    shown = (await owner.get(f"/guilds/{guild['id']}")).json()
    assert shown["guest_inactivity_days"] == 14 and shown["rules"] is None


async def test_a_guest_link_needs_manage_guild_and_an_end_between_an_hour_and_thirty_days(
    api: Api,
) -> None:
    place = await community(api)
    member = await api.account()
    await member.join(place.owner, place.channel_id)
    path = f"/channels/{place.channel_id}/invites"
    assert error_code(await member.post(path, json={"flags": 1, "max_age": HOUR})) == 50013
    for max_age in (0, HOUR - 1, 30 * 86400 + 1):
        refused = await place.owner.post(path, json={"flags": 1, "max_age": max_age})
        assert refused.status_code == 400 and error_code(refused) == 50035, max_age
    assert error_code(await place.owner.post(path, json={"flags": 2, "max_age": HOUR})) == 50035
    month = await place.owner.post(path, json={"flags": 1, "max_age": 30 * 86400, "unique": True})
    assert month.status_code == 200 and month.json()["flags"] == IS_GUEST_INVITE
    plain = await place.owner.post(path, json={"max_age": HOUR})
    assert plain.json()["flags"] == 0 and plain.json()["code"] != place.code


async def test_anyone_can_tell_a_guest_link_and_read_the_rules_without_an_account(
    api: Api,
) -> None:
    place = await community(api, rules="Be kind.\nNo ads.")
    shown = await api.http.get(f"/invites/{place.code}?with_counts=true")
    assert shown.status_code == 200
    body = shown.json()
    assert body["flags"] == IS_GUEST_INVITE
    assert body["guild"]["rules"] == "Be kind.\nNo ads."
    assert body["channel"]["id"] == place.channel_id


async def test_a_guest_joins_with_only_a_name_and_writes_in_the_link_channel(
    api: Api, app: FastAPI
) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code, "Ada Visitor")
    me = (await guest.get("/users/@me")).json()
    assert me["global_name"] == "Ada Visitor" and me["username"].startswith("guest_")
    assert me["public_flags"] & GUEST and me["email"] is None
    member = (await place.owner.get(f"/guilds/{place.guild['id']}/members/{guest.id}")).json()
    assert member["flags"] & IS_GUEST
    assert member["roles"] == [place.guild["guest_role_id"]]
    sent = await guest.post(f"/channels/{place.channel_id}/messages", json={"content": "hello"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["author"]["public_flags"] & GUEST
    history = (await place.owner.get(f"/channels/{place.channel_id}/messages")).json()
    assert [m["content"] for m in history if m["author"]["id"] == str(guest.id)] == ["hello"]
    async with services(app).engine.connect() as conn:
        row = (await conn.execute(select(guests).where(guests.c.user_id == guest.id))).one()
    assert row.guild_id == int(place.guild["id"]) and row.invite_code == place.code
    listed = await place.owner.get(f"/guilds/{place.guild['id']}/invites")
    assert [i["uses"] for i in listed.json() if i["code"] == place.code] == [1]


async def test_a_used_up_guest_link_makes_no_more_guests(api: Api, app: FastAPI) -> None:
    place = await community(api, max_uses=1)
    await join_as_guest(api, place.code)
    refused = await api.http.post(f"/invites/{place.code}/guest", json={"global_name": "Late"})
    assert refused.status_code == 404 and error_code(refused) == 10006


async def test_a_plain_invite_makes_no_guest(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    made = await owner.post(f"/channels/{guild['system_channel_id']}/invites", json={})
    refused = await api.http.post(
        f"/invites/{made.json()['code']}/guest", json={"global_name": "Sneaky"}
    )
    assert refused.status_code == 404 and error_code(refused) == 10006


async def test_guest_links_stop_when_the_community_stops_allowing_guests(api: Api) -> None:
    place = await community(api)
    await place.owner.patch(f"/guilds/{place.guild['id']}", json={"guests_enabled": False})
    assert error_code(await api.http.get(f"/invites/{place.code}")) == 10006
    refused = await api.http.post(f"/invites/{place.code}/guest", json={"global_name": "Late"})
    assert error_code(refused) == 10006


async def test_bad_guest_joins_are_refused_and_make_no_account(api: Api, app: FastAPI) -> None:
    place = await community(api, rules="Be kind.")
    async with services(app).engine.connect() as conn:
        before = len((await conn.execute(select(users.c.id))).all())
    for body in (
        {},
        {"global_name": "   "},
        {"global_name": "x" * 33},
        {"global_name": 7},
        {"global_name": "Visitor"},
        {"global_name": "Visitor", "accept_rules": False},
    ):
        refused = await api.http.post(f"/invites/{place.code}/guest", json=body)
        assert refused.status_code == 400 and error_code(refused) == 50035, body
    async with services(app).engine.connect() as conn:
        assert len((await conn.execute(select(users.c.id))).all()) == before
    await join_as_guest(api, place.code, accept_rules=True)


async def guest_with_hidden_channel(api: Api) -> tuple[Community, Account, str, str]:
    """A guest, and a channel made after guests were allowed (hidden from them) with a message."""
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    staff = await place.owner.post(f"/guilds/{place.guild['id']}/channels", json={"name": "staff"})
    hidden = staff.json()["id"]
    posted = await place.owner.post(f"/channels/{hidden}/messages", json={"content": "secret"})
    return place, guest, hidden, posted.json()["id"]


async def test_a_guest_cannot_see_or_write_in_other_channels(api: Api) -> None:
    place, guest, hidden, message_id = await guest_with_hidden_channel(api)
    channels = (await guest.get(f"/guilds/{place.guild['id']}/channels")).json()
    assert [c["id"] for c in channels if c["type"] != 4] == [place.channel_id]
    for method, path, body in (
        ("POST", f"/channels/{hidden}/messages", {"content": "hi"}),
        ("GET", f"/channels/{hidden}/messages", None),
        ("PUT", f"/channels/{hidden}/messages/{message_id}/reactions/%F0%9F%91%8D/@me", None),
        ("POST", f"/channels/{hidden}/typing", None),
        ("POST", f"/channels/{hidden}/invites", {}),
    ):
        refused = await guest.request(method, path, json=body)
        assert refused.status_code == 403 and error_code(refused) == 50001, (method, path)


async def test_a_guest_invites_nobody_and_manages_nothing(api: Api) -> None:
    place, guest, _hidden, _message_id = await guest_with_hidden_channel(api)
    guild_id = place.guild["id"]
    owner_message = await place.owner.post(
        f"/channels/{place.channel_id}/messages", json={"content": "welcome"}
    )
    for method, path, body in (
        ("POST", f"/channels/{place.channel_id}/invites", {}),
        ("DELETE", f"/channels/{place.channel_id}/messages/{owner_message.json()['id']}", None),
        ("PUT", f"/channels/{place.channel_id}/pins/{owner_message.json()['id']}", None),
        ("PATCH", f"/guilds/{guild_id}", {"name": "Mine now"}),
        ("POST", f"/guilds/{guild_id}/channels", {"name": "mine"}),
        ("PATCH", f"/channels/{place.channel_id}", {"name": "mine"}),
        ("POST", f"/guilds/{guild_id}/roles", {"name": "boss"}),
        ("PATCH", f"/guilds/{guild_id}/members/{place.owner.id}", {"nick": "x"}),
        ("DELETE", f"/guilds/{guild_id}/members/{place.owner.id}", None),
        ("PUT", f"/guilds/{guild_id}/bans/{place.owner.id}", {}),
        ("DELETE", f"/guilds/{guild_id}/guests/{guest.id}", None),
        ("GET", f"/guilds/{guild_id}/invites", None),
    ):
        refused = await guest.request(method, path, json=body)
        assert refused.status_code == 403 and error_code(refused) == 50013, (method, path)


async def test_a_guest_cannot_make_communities_or_applications_or_join_others(
    api: Api,
) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    other = await api.account()
    elsewhere = await other.guild("Elsewhere")
    code = (
        await other.post(f"/channels/{elsewhere['system_channel_id']}/invites", json={})
    ).json()["code"]
    for method, path, body in (
        ("POST", "/guilds", {"name": "My own"}),
        ("POST", "/applications", {"name": "My bot"}),
        ("POST", f"/invites/{code}", None),
        ("POST", f"/invites/{place.code}", None),
    ):
        refused = await guest.request(method, path, json=body)
        assert refused.status_code == 403 and error_code(refused) == 40002, (method, path)
    assert error_code(await guest.get(f"/guilds/{elsewhere['id']}")) == 50001


async def test_a_guest_writes_only_to_people_who_wrote_to_them_first(api: Api) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    member = await api.account()
    await member.join(place.owner, place.channel_id)
    refused = await guest.post("/users/@me/channels", json={"recipient_id": str(member.id)})
    assert refused.status_code == 403 and error_code(refused) == 50007
    group = await guest.post(
        "/users/@me/channels", json={"recipients": [str(member.id), str(place.owner.id)]}
    )
    assert group.status_code == 403 and error_code(group) == 50007
    dm = (await member.post("/users/@me/channels", json={"recipient_id": str(guest.id)})).json()
    early = await guest.post(f"/channels/{dm['id']}/messages", json={"content": "hi?"})
    assert early.status_code == 403 and error_code(early) == 50007
    first = await member.post(f"/channels/{dm['id']}/messages", json={"content": "welcome!"})
    assert first.status_code == 200, first.text
    reply = await guest.post(f"/channels/{dm['id']}/messages", json={"content": "thanks"})
    assert reply.status_code == 200, reply.text
    opened = await guest.post("/users/@me/channels", json={"recipient_id": str(member.id)})
    assert opened.status_code == 200 and opened.json()["id"] == dm["id"]


async def test_a_guest_sees_only_the_members_of_their_channel(api: Api) -> None:
    owner = await api.account("owner")
    guild = await owner.guild()
    await owner.patch(f"/guilds/{guild['id']}", json={"guests_enabled": True})
    member = await api.account("member")
    await member.join(owner, guild["system_channel_id"])
    room = (
        await owner.post(
            f"/guilds/{guild['id']}/channels",
            json={
                "name": "guest-room",
                "permission_overwrites": [
                    {"id": guild["id"], "type": 0, "deny": str(VIEW_CHANNEL)}
                ],
            },
        )
    ).json()
    link = await owner.post(
        f"/channels/{room['id']}/invites", json={"flags": IS_GUEST_INVITE, "max_age": HOUR}
    )
    guest = await join_as_guest(api, link.json()["code"])
    seen = await guest.get(f"/guilds/{guild['id']}/members?limit=1000")
    assert sorted(int(m["user"]["id"]) for m in seen.json()) == sorted([owner.id, guest.id])
    everyone = await owner.get(f"/guilds/{guild['id']}/members?limit=1000")
    assert {owner.id, guest.id, member.id} <= {int(m["user"]["id"]) for m in everyone.json()}
    name = member.username[:6]
    assert (await guest.get(f"/guilds/{guild['id']}/members/search?query={name}")).json() == []
    hidden = await guest.get(f"/guilds/{guild['id']}/members/{member.id}")
    assert hidden.status_code == 404 and error_code(hidden) == 10007
    sent = await guest.post(f"/channels/{room['id']}/messages", json={"content": "hi"})
    assert sent.status_code == 200, sent.text


async def test_a_guest_keeps_their_account_with_an_email_and_a_password(
    api: Api, app: FastAPI
) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    await guest.post(f"/channels/{place.channel_id}/messages", json={"content": "still here"})
    incomplete = await guest.patch("/users/@me", json={"email": "ada@example.org"})
    assert incomplete.status_code == 400 and "new_password" in incomplete.json()["errors"]
    kept = await guest.patch(
        "/users/@me",
        json={
            "email": "ada@example.org",
            "new_password": "a long enough password",
            "username": f"ada_{guest.id % 100000}",
        },
    )
    assert kept.status_code == 200, kept.text
    body = kept.json()
    assert not body["public_flags"] & GUEST and body["email"] == "ada@example.org"
    assert "token" not in body  # a first password replaces no credential: still signed in
    me = (await guest.get("/users/@me")).json()
    assert not me["public_flags"] & GUEST and me["email"] == "ada@example.org"
    signed_in = await api.http.post(
        "/auth/login", json={"login": "ada@example.org", "password": "a long enough password"}
    )
    assert signed_in.status_code == 200
    token = signed_in.json()["token"]
    member = await api.http.get(
        f"/guilds/{place.guild['id']}/members/{guest.id}", headers={"Authorization": token}
    )
    assert not member.json()["flags"] & IS_GUEST
    assert member.json()["roles"] == [place.guild["guest_role_id"]]
    history = (await place.owner.get(f"/channels/{place.channel_id}/messages")).json()
    assert "still here" in [m["content"] for m in history]
    async with services(app).engine.connect() as conn:
        assert (await conn.execute(select(guests).where(guests.c.user_id == guest.id))).all() == []
    made = await api.http.post(
        "/guilds", json={"name": "Now mine"}, headers={"Authorization": token}
    )
    assert made.status_code == 201


async def test_a_guest_may_change_their_name_without_keeping_the_account(api: Api) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    renamed = await guest.patch("/users/@me", json={"global_name": "Ada L."})
    assert renamed.status_code == 200 and renamed.json()["public_flags"] & GUEST


async def test_a_guest_cannot_become_the_owner(api: Api) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    refused = await place.owner.patch(
        f"/guilds/{place.guild['id']}", json={"owner_id": str(guest.id)}
    )
    assert refused.status_code == 400 and error_code(refused) == 50035


async def test_a_moderator_ends_a_guests_access_at_once(api: Api, app: FastAPI) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    bystander = await join_as_guest(api, place.code, "Other")
    member = await api.account()
    await member.join(place.owner, place.channel_id)
    path = f"/guilds/{place.guild['id']}/guests/{guest.id}"
    assert error_code(await member.delete(path)) == 50013
    stranger = await api.account()
    assert error_code(await stranger.delete(path)) == 50001
    not_a_guest = await place.owner.delete(f"/guilds/{place.guild['id']}/guests/{member.id}")
    assert not_a_guest.status_code == 404 and error_code(not_a_guest) == 10007
    ended = await place.owner.delete(path)
    assert ended.status_code == 204
    assert (await guest.get("/users/@me")).status_code == 401
    listed = await place.owner.get(f"/guilds/{place.guild['id']}/members?limit=1000")
    assert str(guest.id) not in [m["user"]["id"] for m in listed.json()]
    assert (await bystander.get("/users/@me")).status_code == 200
    assert error_code(await place.owner.delete(path)) == 10007
    await wait_until_erased(app, guest.id)


async def wait_until_erased(app: FastAPI, user_id: int, timeout: float = 30.0) -> None:
    """The erasure job runs within seconds; wait for the account's row to be gone."""

    async def erased() -> bool:
        return not await user_rows(app, user_id)

    await eventually_async(erased, timeout, f"user {user_id} erased")
