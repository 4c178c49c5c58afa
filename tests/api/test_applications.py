"""Bot applications, their tokens, and adding a bot to a guild (`/oauth2/authorize`)."""

from __future__ import annotations

import re
from typing import Any

import discord

from tests.conftest import Account, Api, error_code
from townhall.domain.permissions import Permission
from townhall.events.event import Envelope

SEND = int(Permission.SEND_MESSAGES)
KICK = int(Permission.KICK_MEMBERS)
MANAGE_GUILD = int(Permission.MANAGE_GUILD)


async def create_app(owner: Account, name: str = "Helper", **fields: Any) -> dict[str, Any]:
    response = await owner.post("/applications", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    app: dict[str, Any] = response.json()
    return app


async def bot_account(owner: Account, app: dict[str, Any]) -> Account:
    """The application's bot, signed in with a freshly reset token (`Authorization: Bot ...`)."""
    reset = await owner.post(f"/applications/{app['id']}/bot/reset")
    assert reset.status_code == 200, reset.text
    bot = app["bot"]
    return Account(int(bot["id"]), bot["username"], f"Bot {reset.json()['token']}", owner.http)


async def authorize(
    actor: Account, app: dict[str, Any], guild_id: str, permissions: int = SEND, **body: Any
) -> Any:
    return await actor.post(
        f"/oauth2/authorize?client_id={app['id']}&scope=bot&permissions={permissions}",
        json={"guild_id": guild_id, "permissions": str(permissions), "authorize": True, **body},
    )


async def bot_guild_ids(bot: Account) -> list[str]:
    response = await bot.get("/users/@me/guilds")
    assert response.status_code == 200, response.text
    return [g["id"] for g in response.json()]


async def guild_roles(owner: Account, guild_id: str) -> list[dict[str, Any]]:
    response = await owner.get(f"/guilds/{guild_id}")
    assert response.status_code == 200, response.text
    roles: list[dict[str, Any]] = response.json()["roles"]
    return roles


# --- applications and tokens ---------------------------------------------------------------------


async def test_new_application_has_a_bot_whose_reset_token_signs_it_in(api: Api) -> None:
    alice = await api.account()
    app = await create_app(alice, "Weather Bot", description="Forecasts")
    assert app["name"] == "Weather Bot"
    assert app["description"] == "Forecasts"
    assert app["owner"]["id"] == str(alice.id)
    assert app["bot"]["bot"] is True
    assert app["team"] is None
    assert app["bot_public"] is True
    assert re.fullmatch(r"[0-9a-f]{64}", app["verify_key"])
    bot = await bot_account(alice, app)
    me = await bot.get("/users/@me")
    assert me.status_code == 200
    assert me.json()["id"] == app["bot"]["id"]
    assert me.json()["bot"] is True
    assert me.json()["username"] == app["bot"]["username"]


async def test_resetting_the_bot_token_revokes_the_previous_one(api: Api) -> None:
    alice = await api.account()
    app = await create_app(alice)
    first = await bot_account(alice, app)
    second = await bot_account(alice, app)
    assert (await first.get("/users/@me")).status_code == 401
    assert (await second.get("/users/@me")).status_code == 200


async def test_only_the_owner_may_reset_the_bot_token(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    refused = await bob.post(f"/applications/{app['id']}/bot/reset")
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    assert (await bot.get("/users/@me")).status_code == 200


async def test_unknown_application_is_404_10002(api: Api) -> None:
    alice = await api.account()
    for response in (
        await alice.post("/applications/12345/bot/reset"),
        await alice.get("/applications/12345"),
        await alice.patch("/applications/12345", json={"description": "x"}),
    ):
        assert response.status_code == 404
        assert error_code(response) == 10002


async def test_application_name_must_be_2_to_32_characters(api: Api) -> None:
    alice = await api.account()
    for name in ("x", "   ", "n" * 33):
        response = await alice.post("/applications", json={"name": name})
        assert response.status_code == 400
        assert error_code(response) == 50035
        assert "name" in response.json()["errors"]
    missing = await alice.post("/applications", json={})
    assert missing.status_code == 400
    assert (await alice.get("/applications")).json() == []


async def test_an_owner_has_at_most_25_applications(api: Api) -> None:
    alice = await api.account()
    for number in range(25):
        await create_app(alice, f"App {number}")
    refused = await alice.post("/applications", json={"name": "One too many"})
    assert refused.status_code == 400
    assert error_code(refused) == 50035
    assert len((await alice.get("/applications")).json()) == 25


async def test_bots_cannot_create_applications(api: Api) -> None:
    alice = await api.account()
    bot = await bot_account(alice, await create_app(alice))
    response = await bot.post("/applications", json={"name": "Offspring"})
    assert response.status_code == 403
    assert error_code(response) == 20001


async def test_two_applications_with_one_name_get_distinct_bot_usernames(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    first = await create_app(alice, "Same Name")
    second = await create_app(bob, "Same Name")
    assert first["bot"]["username"] == "same_name"
    assert second["bot"]["username"] != first["bot"]["username"]
    assert second["bot"]["username"].startswith("same_name_")


async def test_listing_applications_shows_only_ones_own(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    mine = [await create_app(alice, "One"), await create_app(alice, "Two")]
    await create_app(bob, "Other")
    listed = await alice.get("/applications")
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()] == [a["id"] for a in mine]
    assert all(a["bot"]["bot"] for a in listed.json())


async def test_owner_reads_one_application_and_others_cannot(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    app = await create_app(alice)
    assert (await alice.get(f"/applications/{app['id']}")).json()["id"] == app["id"]
    refused = await bob.get(f"/applications/{app['id']}")
    assert refused.status_code == 403
    assert error_code(refused) == 50013


async def test_current_application_has_every_field_discord_py_reads(api: Api) -> None:
    alice = await api.account()
    app = await create_app(alice, "Reader", description="Reads")
    bot = await bot_account(alice, app)
    for path in ("/oauth2/applications/@me", "/applications/@me"):
        response = await bot.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        data = response.json()
        assert data["id"] == app["id"]
        assert data["owner"]["id"] == str(alice.id)
        assert data["bot"]["id"] == app["bot"]["id"]
        assert data["team"] is None
        assert data["flags"] == 0
        info = discord.AppInfo(_UserFactory(), data)  # type: ignore[arg-type]
        assert (info.id, info.name, info.description) == (int(app["id"]), "Reader", "Reads")
        assert info.bot_public is True
        assert info.bot_require_code_grant is False
        assert info.verify_key == app["verify_key"]
        assert info.icon is None


class _UserFactory:
    """Just enough of discord.py's ConnectionState for `AppInfo` to read a payload."""

    def create_user(self, data: dict[str, Any]) -> dict[str, Any]:
        return data


async def test_a_persons_token_gets_no_current_application(api: Api) -> None:
    alice = await api.account()
    await create_app(alice)
    for path in ("/oauth2/applications/@me", "/applications/@me"):
        response = await alice.get(path)
        assert response.status_code == 403
        assert error_code(response) == 20002
    patch = await alice.patch("/applications/@me", json={"description": "mine now"})
    assert patch.status_code == 403


async def test_bot_changes_its_intent_flags_and_description(api: Api) -> None:
    alice = await api.account()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    flags = (1 << 15) | (1 << 19)
    response = await bot.patch("/applications/@me", json={"flags": flags, "description": "New"})
    assert response.status_code == 200
    assert response.json()["flags"] == flags
    assert (await bot.get("/applications/@me")).json()["description"] == "New"


async def test_flags_other_than_intents_are_refused_and_nothing_changes(api: Api) -> None:
    alice = await api.account()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    assert (await bot.patch("/applications/@me", json={"flags": 1 << 18})).status_code == 200
    for flags in (1 << 6, (1 << 18) | (1 << 23), -1, "lots"):
        response = await bot.patch("/applications/@me", json={"flags": flags, "description": "X"})
        assert response.status_code == 400
        assert error_code(response) == 50035
        assert "flags" in response.json()["errors"]
    current = (await bot.get("/applications/@me")).json()
    assert current["flags"] == 1 << 18
    assert current["description"] == ""


async def test_owner_edits_the_application_and_others_cannot(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    app = await create_app(alice)
    edited = await alice.patch(
        f"/applications/{app['id']}",
        json={"name": "Renamed", "bot_public": False, "flags": 1 << 13},
    )
    assert edited.status_code == 200
    body = edited.json()
    assert (body["name"], body["bot_public"], body["flags"]) == ("Renamed", False, 1 << 13)
    refused = await bob.patch(f"/applications/{app['id']}", json={"bot_public": True})
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    too_long = await alice.patch(f"/applications/{app['id']}", json={"description": "d" * 401})
    assert too_long.status_code == 400
    assert (await alice.get(f"/applications/{app['id']}")).json()["bot_public"] is False


# --- adding a bot to a guild ---------------------------------------------------------------------


async def test_authorizing_adds_the_bot_with_a_managed_role_of_exactly_the_asked_permissions(
    api: Api, published: list[Envelope]
) -> None:
    alice = await api.account()
    guild = await alice.guild()
    app = await create_app(alice, "Moderator")
    bot = await bot_account(alice, app)
    asked = SEND | KICK
    response = await authorize(alice, app, guild["id"], asked)
    assert response.status_code == 200
    assert response.json() == {"location": "http://127.0.0.1:8080/oauth2/authorized"}

    managed = [r for r in await guild_roles(alice, guild["id"]) if r["managed"]]
    assert len(managed) == 1
    role = managed[0]
    assert role["name"] == "Moderator"
    assert role["permissions"] == str(asked)
    assert role["tags"] == {"bot_id": app["bot"]["id"]}
    assert role["position"] == 1

    assert await bot_guild_ids(bot) == [guild["id"]]
    listed = (await bot.get("/users/@me/guilds")).json()[0]
    assert int(listed["permissions"]) & asked == asked
    member = await alice.get(f"/guilds/{guild['id']}/members/{app['bot']['id']}")
    assert member.status_code == 200
    assert member.json()["roles"] == [role["id"]]

    types = [e.type for e in published if e.guild_id == int(guild["id"])]
    assert types[-3:] == ["GUILD_ROLE_CREATE", "GUILD_MEMBER_ADD", "GUILD_CREATE"]
    assert published[-1].user_ids == frozenset({int(app["bot"]["id"])})


async def test_the_bots_role_goes_to_position_1_and_lifts_the_others(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    existing = await alice.post(f"/guilds/{guild['id']}/roles", json={"name": "Staff"})
    assert existing.status_code == 200, existing.text
    app = await create_app(alice)
    assert (await authorize(alice, app, guild["id"])).status_code == 200
    positions = {r["name"]: r["position"] for r in await guild_roles(alice, guild["id"])}
    assert positions == {"@everyone": 0, "Helper": 1, "Staff": 2}


async def test_asking_for_no_permissions_adds_the_bot_without_a_role(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    assert (await authorize(alice, app, guild["id"], 0)).status_code == 200
    assert await bot_guild_ids(bot) == [guild["id"]]
    assert not [r for r in await guild_roles(alice, guild["id"]) if r["managed"]]


async def test_adding_a_bot_already_in_the_guild_changes_nothing(
    api: Api, published: list[Envelope]
) -> None:
    alice = await api.account()
    guild = await alice.guild()
    app = await create_app(alice)
    assert (await authorize(alice, app, guild["id"])).status_code == 200
    roles_before = await guild_roles(alice, guild["id"])
    published.clear()
    again = await authorize(alice, app, guild["id"], SEND | KICK)
    assert again.status_code == 200
    assert await guild_roles(alice, guild["id"]) == roles_before
    assert published == []


async def test_member_without_manage_guild_cannot_add_a_bot(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    guild = await alice.guild()
    await bob.join(alice, next(c["id"] for c in guild["channels"] if c["type"] == 0))
    app = await create_app(bob)
    bot = await bot_account(bob, app)
    response = await authorize(bob, app, guild["id"], 0)
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert await bot_guild_ids(bot) == []


async def test_non_member_cannot_add_a_bot_and_unknown_guild_is_404(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    guild = await alice.guild()
    app = await create_app(bob)
    bot = await bot_account(bob, app)
    response = await authorize(bob, app, guild["id"])
    assert response.status_code == 403
    assert error_code(response) == 50001
    unknown = await authorize(bob, app, "12345")
    assert unknown.status_code == 404
    assert error_code(unknown) == 10004
    assert await bot_guild_ids(bot) == []


async def test_nobody_grants_a_bot_permissions_they_lack(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    guild = await alice.guild()
    await bob.join(alice, next(c["id"] for c in guild["channels"] if c["type"] == 0))
    managers = await alice.post(
        f"/guilds/{guild['id']}/roles", json={"name": "Managers", "permissions": str(MANAGE_GUILD)}
    )
    assert managers.status_code == 200, managers.text
    given = await alice.put(f"/guilds/{guild['id']}/members/{bob.id}/roles/{managers.json()['id']}")
    assert given.status_code == 204, given.text
    app = await create_app(bob)
    bot = await bot_account(bob, app)
    refused = await authorize(bob, app, guild["id"], KICK)
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    assert await bot_guild_ids(bot) == []
    allowed = await authorize(bob, app, guild["id"], SEND)
    assert allowed.status_code == 200
    assert await bot_guild_ids(bot) == [guild["id"]]


async def test_a_private_bot_is_added_by_its_owner_only(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    app = await create_app(alice)
    made_private = await alice.patch(f"/applications/{app['id']}", json={"bot_public": False})
    assert made_private.status_code == 200
    bobs_guild = await bob.guild()
    refused = await authorize(bob, app, bobs_guild["id"])
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    assert (await authorize(alice, app, (await alice.guild())["id"])).status_code == 200


async def test_a_banned_bot_cannot_be_added(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    banned = await alice.put(f"/guilds/{guild['id']}/bans/{app['bot']['id']}")
    assert banned.status_code == 204, banned.text
    response = await authorize(alice, app, guild["id"])
    assert response.status_code == 403
    assert error_code(response) == 40007
    assert await bot_guild_ids(bot) == []


async def test_authorizing_an_unknown_application_is_404_10002(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    response = await authorize(alice, {"id": "12345"}, guild["id"])
    assert response.status_code == 404
    assert error_code(response) == 10002


async def test_bad_authorization_requests_are_400_and_add_nothing(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    base = f"/oauth2/authorize?client_id={app['id']}"
    body = {"guild_id": guild["id"], "authorize": True}
    for path, json in (
        (f"{base}&scope=identify", body),
        (f"{base}&scope=bot%20email", body),
        (f"{base}&scope=bot", {**body, "permissions": "-8"}),
        (f"{base}&scope=bot", {**body, "permissions": "0x10"}),
        (f"{base}&scope=bot", {"authorize": True}),
        (f"{base}&scope=bot", {"guild_id": "not a number", "authorize": True}),
        ("/oauth2/authorize?client_id=abc&scope=bot", body),
    ):
        response = await alice.post(path, json=json)
        assert response.status_code == 400, (path, json, response.text)
        assert error_code(response) == 50035
    assert await bot_guild_ids(bot) == []


async def test_declining_the_authorization_adds_nothing(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    response = await authorize(alice, app, guild["id"], authorize=False)
    assert response.status_code == 200
    assert response.json()["location"].endswith("/oauth2/authorized?error=access_denied")
    assert await bot_guild_ids(bot) == []


async def test_a_bot_cannot_add_bots(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    app = await create_app(alice)
    bot = await bot_account(alice, app)
    assert (await authorize(alice, app, guild["id"], 0)).status_code == 200
    other = await create_app(alice, "Other")
    response = await authorize(bot, other, guild["id"], 0)
    assert response.status_code == 403
    assert error_code(response) == 20001


async def test_consent_screen_lists_the_guilds_where_the_person_may_add_the_bot(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    own = await alice.guild("Alice's")
    bobs = await bob.guild("Bob's")
    await alice.join(bob, next(c["id"] for c in bobs["channels"] if c["type"] == 0))
    app = await create_app(bob, "Greeter")
    response = await alice.get(
        f"/oauth2/authorize?client_id={app['id']}&scope=bot&permissions={SEND}"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["application"]["id"] == app["id"]
    assert body["application"]["name"] == "Greeter"
    assert body["bot"]["id"] == app["bot"]["id"]
    assert body["permissions"] == str(SEND)
    assert [g["id"] for g in body["guilds"]] == [own["id"]]
    assert body["guilds"][0]["owner"] is True


async def test_consent_screen_refuses_unknown_and_private_applications_and_bad_scopes(
    api: Api,
) -> None:
    alice, bob = await api.account(), await api.account()
    app = await create_app(alice)
    await alice.patch(f"/applications/{app['id']}", json={"bot_public": False})
    unknown = await bob.get("/oauth2/authorize?client_id=12345&scope=bot")
    assert (unknown.status_code, error_code(unknown)) == (404, 10002)
    private = await bob.get(f"/oauth2/authorize?client_id={app['id']}&scope=bot")
    assert (private.status_code, error_code(private)) == (403, 50013)
    owner = await alice.get(f"/oauth2/authorize?client_id={app['id']}&scope=bot")
    assert owner.status_code == 200
    bad = await alice.get(f"/oauth2/authorize?client_id={app['id']}&scope=guilds")
    assert (bad.status_code, error_code(bad)) == (400, 50035)
