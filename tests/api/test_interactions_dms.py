"""Interactions in the DM between a person and an application's bot (context 1, BOT_DM): which
commands work there, what the bot receives, where its answers land, and what stays refused."""

from __future__ import annotations

from typing import Any

from tests.api.interaction_helpers import Setup, callback, first, invoke, setup, webhook
from tests.api.test_messages import history
from tests.conftest import Account, Api, error_code
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope

EPHEMERAL = 1 << 6
GLOBAL = [
    {"name": "ping", "description": "Ping", "contexts": [0, 1]},
    {"name": "legacy", "description": "No contexts: dm_permission decides"},
    {"name": "servers", "description": "Guilds only", "contexts": [0]},
    {"name": "nodm", "description": "Not in DMs", "dm_permission": False},
    {"name": "user-app", "description": "User installs", "integration_types": [1]},
    {"name": "Poke", "type": 2, "contexts": [1]},
]


async def dm_setup(api: Api) -> tuple[Setup, dict[str, dict[str, Any]], str]:
    """A guild with the bot, its global commands, and the member's DM with the bot."""
    s = await setup(api)
    synced = await s.bot_account.put(f"/applications/{s.bot.application_id}/commands", json=GLOBAL)
    assert synced.status_code == 200, synced.text
    by_name = {c["name"]: c for c in synced.json()}
    return s, by_name, await open_dm(s.member, s.bot.user_id)


async def open_dm(account: Account, other_id: int) -> str:
    opened = await account.post("/users/@me/channels", json={"recipient_id": str(other_id)})
    assert opened.status_code == 200, opened.text
    channel_id: str = opened.json()["id"]
    return channel_id


def in_dm(s: Setup, command: dict[str, Any], channel_id: str, **data: Any) -> dict[str, Any]:
    return {
        "type": 2,
        "application_id": str(s.bot.application_id),
        "channel_id": channel_id,
        "session_id": "s",
        "nonce": "77",
        "data": {
            "id": command["id"],
            "name": command["name"],
            "type": command["type"],
            "version": command["version"],
            **data,
        },
    }


async def test_a_dm_command_reaches_the_bot_with_the_user_and_its_answers_land_in_the_dm(
    api: Api, published: list[Envelope]
) -> None:
    s, commands, dm = await dm_setup(api)
    interaction = await invoke(s, published, in_dm(s, commands["ping"], dm))
    assert interaction["context"] == 1 and interaction["channel_id"] == dm
    assert "guild_id" not in interaction and "member" not in interaction
    assert "guild" not in interaction and "guild_locale" not in interaction
    assert interaction["user"]["id"] == str(s.member.id)
    assert interaction["channel"]["type"] == 1
    assert interaction["channel"]["recipients"][0]["id"] == str(s.member.id)
    dm_permissions = P.ATTACH_FILES | P.EMBED_LINKS | P.MENTION_EVERYONE | P.USE_EXTERNAL_EMOJIS
    assert int(interaction["app_permissions"]) == dm_permissions
    assert interaction["authorizing_integration_owners"] == {"0": "0"}
    assert "guild_id" not in interaction["data"] and interaction["data"]["name"] == "ping"

    answered = await callback(
        api.http, interaction, {"type": 4, "data": {"content": "Pong"}}, with_response="true"
    )
    assert answered.status_code == 200, answered.text
    message = answered.json()["resource"]["message"]
    assert message["channel_id"] == dm and message["author"]["id"] == str(s.bot.user_id)
    assert message["interaction_metadata"]["user"]["id"] == str(s.member.id)
    assert [m["id"] for m in await history(s.member, dm)] == [message["id"]]

    seen = len(published)
    secret = await api.http.post(
        webhook(s, interaction), json={"content": "Only you", "flags": EPHEMERAL}
    )
    assert secret.status_code == 200, secret.text
    created = await first(
        published,
        lambda e: e.type == "MESSAGE_CREATE" and b"Only you" in e.data,
        after=seen,
    )
    assert created.user_ids == frozenset({s.member.id})
    follow = await api.http.post(webhook(s, interaction), json={"content": "And more"})
    assert follow.status_code == 200 and follow.json()["channel_id"] == dm
    shown = [m["content"] for m in await history(s.member, dm)]
    assert shown == ["And more", "Pong"]
    edited = await api.http.patch(
        webhook(s, interaction, "/messages/@original"), json={"content": "Pong!"}
    )
    assert edited.status_code == 200 and edited.json()["content"] == "Pong!"


async def test_without_contexts_dm_permission_decides_and_user_commands_work_on_the_dm(
    api: Api, published: list[Envelope]
) -> None:
    s, commands, dm = await dm_setup(api)
    legacy = await invoke(s, published, in_dm(s, commands["legacy"], dm))
    assert legacy["context"] == 1
    await callback(api.http, legacy, {"type": 5})
    poke = await invoke(s, published, in_dm(s, commands["Poke"], dm, target_id=str(s.bot.user_id)))
    assert poke["data"]["target_id"] == str(s.bot.user_id)
    assert str(s.bot.user_id) in poke["data"]["resolved"]["users"]
    await callback(api.http, poke, {"type": 5})


async def test_commands_not_for_dms_and_other_private_channels_are_refused(api: Api) -> None:
    s, commands, dm = await dm_setup(api)
    for name in ("servers", "nodm", "user-app"):
        refused = await s.member.post("/interactions", json=in_dm(s, commands[name], dm))
        assert (refused.status_code, error_code(refused)) == (403, 50003), name
    guild_command = in_dm(s, s.commands["hello"], dm)
    unknown = await s.member.post("/interactions", json=guild_command)
    assert (unknown.status_code, error_code(unknown)) == (404, 10063)
    with_guild = {**in_dm(s, commands["ping"], dm), "guild_id": s.guild_id}
    assert error_code(await s.member.post("/interactions", json=with_guild)) == 50035
    # A DM between two people, and a group DM with the bot: user-installed apps only.
    people = await open_dm(s.member, s.owner.id)
    between = await s.member.post("/interactions", json=in_dm(s, commands["ping"], people))
    assert (between.status_code, error_code(between)) == (403, 50003)
    group = await s.member.post(
        "/users/@me/channels",
        json={"recipients": [str(s.owner.id), str(s.bot.user_id)]},
    )
    assert group.status_code == 200, group.text
    in_group = await s.member.post(
        "/interactions", json=in_dm(s, commands["ping"], group.json()["id"])
    )
    assert (in_group.status_code, error_code(in_group)) == (403, 50003)
    # Someone else's DM with the bot is not theirs to use.
    outsider = await s.owner.post("/interactions", json=in_dm(s, commands["ping"], dm))
    assert (outsider.status_code, error_code(outsider)) == (403, 50001)


async def test_the_dm_index_lists_the_bots_commands_that_work_there(api: Api) -> None:
    s, _commands, dm = await dm_setup(api)
    index = await s.member.get(f"/channels/{dm}/application-command-index")
    assert index.status_code == 200, index.text
    body = index.json()
    assert [a["id"] for a in body["applications"]] == [str(s.bot.application_id)]
    assert body["applications"][0]["bot_id"] == str(s.bot.user_id)
    assert sorted(c["name"] for c in body["application_commands"]) == ["Poke", "legacy", "ping"]
    people = await open_dm(s.member, s.owner.id)
    empty = (await s.member.get(f"/channels/{people}/application-command-index")).json()
    assert empty["applications"] == [] and empty["application_commands"] == []
    denied = await s.owner.get(f"/channels/{dm}/application-command-index")
    assert (denied.status_code, error_code(denied)) == (403, 50001)
    in_guild = await s.member.get(f"/channels/{s.channel_id}/application-command-index")
    assert "hello" in {c["name"] for c in in_guild.json()["application_commands"]}


async def test_a_button_on_the_bots_dm_message_works(api: Api, published: list[Envelope]) -> None:
    s, _commands, dm = await dm_setup(api)
    button = {"type": 2, "style": 1, "label": "Yes", "custom_id": "yes"}
    sent = await s.bot_account.post(
        f"/channels/{dm}/messages",
        json={"content": "Sure?", "components": [{"type": 1, "components": [button]}]},
    )
    assert sent.status_code == 200, sent.text
    click = {
        "type": 3,
        "application_id": str(s.bot.application_id),
        "channel_id": dm,
        "message_id": sent.json()["id"],
        "session_id": "s",
        "nonce": "8",
        "data": {"component_type": 2, "custom_id": "yes"},
    }
    interaction = await invoke(s, published, click)
    assert interaction["context"] == 1 and interaction["message"]["id"] == sent.json()["id"]
    assert interaction["user"]["id"] == str(s.member.id)
    updated = await callback(api.http, interaction, {"type": 7, "data": {"content": "Done"}})
    assert updated.status_code == 204, updated.text
    assert (await history(s.member, dm))[0]["content"] == "Done"
