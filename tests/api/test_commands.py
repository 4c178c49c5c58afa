"""Application commands: Discord's routes, validation, versions, permissions and the index."""

from __future__ import annotations

from typing import Any

from tests.api.test_messages import guild_with_member
from tests.conftest import Account, Api, error_code, event_types
from tests.e2e.bots import Bot, add_bot
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope

HELLO: dict[str, Any] = {
    "name": "hello",
    "description": "Say hello",
    "type": 1,
    "options": [
        {"type": 6, "name": "who", "description": "Whom to greet", "required": True},
        {
            "type": 4,
            "name": "times",
            "description": "How often",
            "required": False,
            "min_value": 1,
            "max_value": 5,
        },
        {
            "type": 3,
            "name": "tone",
            "description": "How",
            "choices": [{"name": "Warm", "value": "warm"}, {"name": "Cool", "value": "cool"}],
        },
    ],
    "name_localizations": {"de": "hallo", "fr": "bonjour"},
    "description_localizations": {"de": "Hallo sagen", "fr": "Dire bonjour"},
    "nsfw": False,
    "dm_permission": True,
    "default_member_permissions": None,
    "contexts": None,
    "integration_types": None,
}
INSPECT: dict[str, Any] = {"name": "Inspect Message", "type": 3}
HIGH_FIVE: dict[str, Any] = {"name": "High Five", "type": 2}


def as_bot(owner: Account, bot: Bot) -> Account:
    return Account(bot.user_id, "bot", f"Bot {bot.token}", owner.http)


async def bot_in_guild(api: Api) -> tuple[Account, Account, Account, str, str, Bot]:
    """An owner with a guild, a member, the bot of the owner's application in it."""
    owner, member, guild, channel_id = await guild_with_member(api)
    bot = await add_bot(owner, guild["id"], name="Greeter")
    return owner, member, as_bot(owner, bot), guild["id"], channel_id, bot


def commands(bot: Bot, guild_id: str | None = None) -> str:
    scope = f"/guilds/{guild_id}" if guild_id else ""
    return f"/applications/{bot.application_id}{scope}/commands"


async def test_a_bot_overwrites_its_global_commands_and_reads_them_back(api: Api) -> None:
    _owner, _member, bot_account, _guild, _channel, bot = await bot_in_guild(api)
    synced = await bot_account.put(commands(bot), json=[HELLO, INSPECT, HIGH_FIVE])
    assert synced.status_code == 200, synced.text
    hello, inspect, high_five = synced.json()
    assert hello["application_id"] == str(bot.application_id) and "guild_id" not in hello
    assert hello["options"][1] == {**HELLO["options"][1]}
    assert hello["options"][2]["required"] is False
    assert hello["name_localizations"] == {"de": "hallo", "fr": "bonjour"}
    assert hello["integration_types"] == [0] and hello["dm_permission"] is True
    assert inspect["description"] == "" and inspect["type"] == 3
    assert high_five["name"] == "High Five"
    listed = (await bot_account.get(commands(bot))).json()
    assert [c["id"] for c in listed] == [hello["id"], inspect["id"], high_five["id"]]
    assert "name_localizations" not in listed[0]  # lists leave them out, as Discord's
    full = await bot_account.get(commands(bot), params={"with_localizations": "true"})
    assert full.json()[0]["description_localizations"]["fr"] == "Dire bonjour"
    one = await bot_account.get(f"{commands(bot)}/{hello['id']}")
    assert one.status_code == 200 and one.json() == hello


async def test_bulk_overwrite_keeps_ids_versions_of_unchanged_commands_and_drops_the_rest(
    api: Api,
) -> None:
    _owner, _member, bot_account, _guild, _channel, bot = await bot_in_guild(api)
    first = (await bot_account.put(commands(bot), json=[HELLO, INSPECT])).json()
    changed = {**HELLO, "description": "Greet someone"}
    second = (await bot_account.put(commands(bot), json=[changed, HIGH_FIVE])).json()
    assert second[0]["id"] == first[0]["id"]
    assert second[0]["version"] != first[0]["version"]
    assert second[1]["id"] not in (first[0]["id"], first[1]["id"])
    again = (await bot_account.put(commands(bot), json=[changed, HIGH_FIVE])).json()
    assert [c["version"] for c in again] == [c["version"] for c in second]
    gone = await bot_account.get(f"{commands(bot)}/{first[1]['id']}")
    assert gone.status_code == 404 and error_code(gone) == 10063
    assert (await bot_account.put(commands(bot), json=[])).json() == []


async def test_post_is_an_upsert_and_patch_changes_the_version(api: Api) -> None:
    owner, _member, bot_account, _guild, _channel, bot = await bot_in_guild(api)
    created = await bot_account.post(commands(bot), json=HELLO)
    assert created.status_code == 201, created.text
    replaced = await owner.post(commands(bot), json={**HELLO, "description": "Hi there"})
    assert replaced.status_code == 200  # the owner may manage the commands too
    assert replaced.json()["id"] == created.json()["id"]
    assert replaced.json()["version"] != created.json()["version"]
    path = f"{commands(bot)}/{created.json()['id']}"
    patched = await bot_account.patch(path, json={"name": "greet", "nsfw": True})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["name"] == "greet" and body["nsfw"] is True and body["description"] == "Hi there"
    assert body["version"] != replaced.json()["version"]
    assert len(body["options"]) == 3
    deleted = await bot_account.delete(path)
    assert deleted.status_code == 204
    assert (await bot_account.get(path)).status_code == 404


async def test_guild_commands_need_the_bot_in_the_guild_and_are_their_own_scope(api: Api) -> None:
    owner, _member, bot_account, guild_id, _channel, bot = await bot_in_guild(api)
    other_guild = await owner.guild("Elsewhere")
    refused = await bot_account.put(commands(bot, other_guild["id"]), json=[HELLO])
    assert refused.status_code == 403 and error_code(refused) == 50001
    unknown = await bot_account.get(commands(bot, "123"))
    assert unknown.status_code == 404 and error_code(unknown) == 10004
    synced = await bot_account.put(commands(bot, guild_id), json=[HELLO])
    assert synced.status_code == 200
    (command,) = synced.json()
    assert command["guild_id"] == guild_id and "dm_permission" not in command
    assert await (await bot_account.get(commands(bot))).aread() == b"[]"
    global_path = f"{commands(bot)}/{command['id']}"
    assert error_code(await bot_account.get(global_path)) == 10063  # not a global command
    assert (await bot_account.get(f"{commands(bot, guild_id)}/{command['id']}")).status_code == 200
    same_name = await bot_account.post(commands(bot), json=HELLO)  # global and guild may share
    assert same_name.status_code == 201


async def bad(account: Account, path: str, body: Any) -> dict[str, Any]:
    response = await account.post(path, json=body)
    assert response.status_code == 400, (body, response.text)
    assert error_code(response) == 50035, response.text
    errors: dict[str, Any] = response.json()["errors"]
    return errors


async def test_commands_are_checked_with_discords_rules(api: Api) -> None:
    _owner, _member, bot_account, _guild, _channel, bot = await bot_in_guild(api)
    path = commands(bot)
    option = {"type": 3, "name": "text", "description": "Some text"}
    assert "name" in await bad(bot_account, path, {**HELLO, "name": "Hello"})
    assert "name" in await bad(bot_account, path, {**HELLO, "name": "two words"})
    assert "name" in await bad(bot_account, path, {**HELLO, "name": "x" * 33})
    assert "description" in await bad(bot_account, path, {**HELLO, "description": ""})
    assert "description" in await bad(bot_account, path, {**HELLO, "description": "d" * 101})
    many = [{**option, "name": f"o{i}"} for i in range(26)]
    assert "options" in await bad(bot_account, path, {**HELLO, "options": many})
    order = [option, {**option, "name": "second", "required": True}]
    errors = await bad(bot_account, path, {**HELLO, "options": order})
    assert errors["options"]["1"]["_errors"][0]["code"] == (
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
    )
    both = {**option, "autocomplete": True, "choices": [{"name": "a", "value": "a"}]}
    assert "options" in await bad(bot_account, path, {**HELLO, "options": [both]})
    assert "options" in await bad(bot_account, path, {**HELLO, "options": [{**option, "type": 12}]})
    wrong_choice = {**option, "type": 4, "choices": [{"name": "a", "value": "a"}]}
    assert "options" in await bad(bot_account, path, {**HELLO, "options": [wrong_choice]})
    reversed_range = {**option, "type": 4, "min_value": 5, "max_value": 1}
    assert "options" in await bad(bot_account, path, {**HELLO, "options": [reversed_range]})
    mixed = [{"type": 1, "name": "sub", "description": "Sub"}, option]
    assert "options" in await bad(bot_account, path, {**HELLO, "options": mixed})
    deep = {
        "type": 1,
        "name": "sub",
        "description": "Sub",
        "options": [{"type": 2, "name": "group", "description": "Group"}],
    }
    assert "options" in await bad(bot_account, path, {**HELLO, "options": [deep]})
    menu = {"name": "Wave", "type": 2, "description": "no"}
    assert "description" in await bad(bot_account, path, menu)
    locale = {**HELLO, "name_localizations": {"xx": "hallo"}}
    assert "name_localizations" in await bad(bot_account, path, locale)
    assert "type" in await bad(bot_account, path, {**HELLO, "type": 9})
    assert "default_member_permissions" in await bad(
        bot_account, path, {**HELLO, "default_member_permissions": "abc"}
    )
    twice = await bot_account.put(path, json=[HELLO, HELLO])
    assert twice.status_code == 400 and error_code(twice) == 50035
    not_json = await bot_account.post(path, content=b"{", headers={"content-type": "x"})
    assert not_json.status_code == 400 and error_code(not_json) == 50109
    assert (await bot_account.get(path)).json() == []  # nothing was stored


async def test_subcommands_and_groups_nest_one_level(api: Api) -> None:
    _owner, _member, bot_account, _guild, _channel, bot = await bot_in_guild(api)
    nested = {
        "name": "admin",
        "description": "Admin things",
        "options": [
            {
                "type": 2,
                "name": "roles",
                "description": "Roles",
                "options": [
                    {
                        "type": 1,
                        "name": "add",
                        "description": "Add a role",
                        "options": [
                            {"type": 8, "name": "role", "description": "Role", "required": True}
                        ],
                    }
                ],
            },
            {"type": 1, "name": "ping", "description": "Ping"},
        ],
    }
    created = await bot_account.post(commands(bot), json=nested)
    assert created.status_code == 201, created.text
    group = created.json()["options"][0]
    assert group["type"] == 2 and "required" not in group
    assert group["options"][0]["options"][0]["required"] is True


async def test_at_most_100_slash_commands_and_15_menu_commands_per_scope(api: Api) -> None:
    _owner, _member, bot_account, _guild, _channel, bot = await bot_in_guild(api)
    many = [{**HELLO, "name": f"cmd{i}", "options": []} for i in range(100)]
    assert (await bot_account.put(commands(bot), json=many)).status_code == 200
    more = await bot_account.post(commands(bot), json={**HELLO, "name": "onemore"})
    assert more.status_code == 400 and error_code(more) == 30032
    menus = [{"name": f"Menu {i}", "type": 2} for i in range(16)]
    too_many = await bot_account.put(commands(bot), json=menus)
    assert too_many.status_code == 400 and error_code(too_many) == 30032


async def test_nobody_else_manages_an_applications_commands(api: Api) -> None:
    owner, member, bot_account, guild_id, _channel, bot = await bot_in_guild(api)
    synced = (await bot_account.put(commands(bot), json=[HELLO])).json()
    other = as_bot(owner, await add_bot(owner, guild_id, name="Other"))
    path = f"{commands(bot)}/{synced[0]['id']}"
    for account in (other, member):
        for response in (
            await account.get(commands(bot)),
            await account.put(commands(bot), json=[HELLO]),
            await account.post(commands(bot), json=HELLO),
            await account.get(path),
            await account.patch(path, json={"description": "mine now"}),
            await account.delete(path),
            await account.get(commands(bot, guild_id)),
            await account.get(f"{commands(bot, guild_id)}/permissions"),
        ):
            assert response.status_code == 403 and error_code(response) == 50001, response.text
    unknown = await bot_account.get("/applications/1/commands")
    assert unknown.status_code == 404 and error_code(unknown) == 10002
    assert (await bot_account.get(path)).json()["description"] == "Say hello"


async def test_command_permissions_are_set_by_guild_managers_not_bots(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, bot_account, guild_id, channel_id, bot = await bot_in_guild(api)
    (command,) = (await bot_account.put(commands(bot, guild_id), json=[HELLO])).json()
    path = f"{commands(bot, guild_id)}/{command['id']}/permissions"
    empty = await bot_account.get(path)
    assert empty.status_code == 200 and empty.json()["permissions"] == []
    body = {
        "permissions": [
            {"id": guild_id, "type": 1, "permission": False},
            {"id": str(member.id), "type": 2, "permission": True},
            {"id": str(int(guild_id) - 1), "type": 3, "permission": True},
        ]
    }
    by_bot = await bot_account.put(path, json=body)
    assert by_bot.status_code == 403 and error_code(by_bot) == 20001
    by_member = await member.put(path, json=body)
    assert by_member.status_code == 403 and error_code(by_member) == 50013
    bad_type = await owner.put(path, json={"permissions": [{"id": "1", "type": 7}]})
    assert bad_type.status_code == 400 and error_code(bad_type) == 50035
    done = await owner.put(path, json=body)
    assert done.status_code == 200, done.text
    assert done.json()["permissions"][1] == {"id": str(member.id), "type": 2, "permission": True}
    assert "APPLICATION_COMMAND_PERMISSIONS_UPDATE" in event_types(published)
    assert (await bot_account.get(path)).json() == done.json()
    listed = await bot_account.get(f"{commands(bot, guild_id)}/permissions")
    assert [p["id"] for p in listed.json()] == [command["id"]]
    app_wide = f"{commands(bot, guild_id)}/{bot.application_id}/permissions"
    assert (await bot_account.get(app_wide)).json()["permissions"] == []
    unknown = await owner.put(f"{commands(bot, guild_id)}/1/permissions", json=body)
    assert unknown.status_code == 404 and error_code(unknown) == 10063
    index = (await owner.get(f"/guilds/{guild_id}/application-command-index")).json()
    # The owner administers the guild: every command. The member is allowed by name.
    assert [c["name"] for c in index["application_commands"]] == ["hello"]
    seen = await member.get(
        f"/guilds/{guild_id}/application-command-index", params={"channel_id": channel_id}
    )
    assert [c["name"] for c in seen.json()["application_commands"]] == ["hello"]
    renamed = await bot_account.patch(
        f"{commands(bot, guild_id)}/{command['id']}", json={"name": "greet"}
    )
    assert renamed.status_code == 200
    assert (await bot_account.get(path)).json()["permissions"] == []  # renaming drops them


async def test_the_index_lists_what_a_person_may_use(api: Api) -> None:
    owner, member, bot_account, guild_id, channel_id, bot = await bot_in_guild(api)
    admin_only = {**HELLO, "name": "ban", "default_member_permissions": "0"}
    managers = {**HELLO, "name": "tidy", "default_member_permissions": str(int(P.MANAGE_GUILD))}
    await bot_account.put(commands(bot), json=[HELLO, admin_only, managers, INSPECT])
    index_path = f"/guilds/{guild_id}/application-command-index"
    by_owner = (await owner.get(index_path)).json()
    assert {c["name"] for c in by_owner["application_commands"]} == {
        "hello",
        "ban",
        "tidy",
        "Inspect Message",
    }
    assert by_owner["applications"][0]["id"] == str(bot.application_id)
    by_member = (await member.get(index_path)).json()
    assert {c["name"] for c in by_member["application_commands"]} == {"hello", "Inspect Message"}
    overwrite = f"/channels/{channel_id}/permissions/{guild_id}"
    denied = await owner.put(
        overwrite, json={"type": 0, "allow": "0", "deny": str(int(P.USE_APPLICATION_COMMANDS))}
    )
    assert denied.status_code == 204, denied.text
    in_channel = await member.get(index_path, params={"channel_id": channel_id})
    assert in_channel.json()["application_commands"] == []
    assert in_channel.json()["applications"] == []
    stranger = await api.account()
    outside = await stranger.get(index_path)
    assert outside.status_code == 403 and error_code(outside) == 50001
