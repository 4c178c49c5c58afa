"""Guild channels: list, create, reorder, read, modify, delete."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.conftest import Account, Api, direct_write, error_code, text_channel
from townhall.domain.models import Channel, ChannelType, Role
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store


async def grant_role(app: FastAPI, guild_id: str, member: Account, permissions: int) -> str:
    """Give `member` a new role with `permissions` (set up through the store, not the roles API)."""
    services = app.state.services
    role_id = services.ids.next_id()
    role = Role(
        id=role_id, guild_id=int(guild_id), name="helper", permissions=permissions, position=1
    )
    async with direct_write(services) as conn:
        await guild_store.insert_role(conn, role)
        await member_store.add_member_role(conn, int(guild_id), member.id, role_id)
    return str(role_id)


async def guild_with_member(api: Api) -> tuple[Account, Account, dict[str, Any]]:
    owner, member = await api.account("owner"), await api.account("member")
    guild = await owner.guild()
    await member.join(owner, text_channel(guild)["id"])
    return owner, member, guild


async def channel_names(account: Account, guild_id: str) -> set[str]:
    response = await account.get(f"/guilds/{guild_id}/channels")
    assert response.status_code == 200, response.text
    return {c["name"] for c in response.json()}


def category(guild: dict[str, Any], name: str = "Text Channels") -> dict[str, Any]:
    return next(c for c in guild["channels"] if c["type"] == 4 and c["name"] == name)


def of_type(seen: list[Envelope], kind: str) -> list[Envelope]:
    return [e for e in seen if e.type == kind]


# GET /guilds/{id}/channels


async def test_member_lists_the_starter_channels(api: Api) -> None:
    _owner, member, guild = await guild_with_member(api)
    response = await member.get(f"/guilds/{guild['id']}/channels")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    by_name = {c["name"]: c for c in response.json()}
    assert set(by_name) == {"Text Channels", "Voice Channels", "general", "General"}
    assert by_name["general"]["parent_id"] == by_name["Text Channels"]["id"]
    assert by_name["General"]["bitrate"] == 64000
    assert all(c["guild_id"] == guild["id"] for c in by_name.values())


async def test_non_member_cannot_list_guild_channels(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    response = await stranger.get(f"/guilds/{guild['id']}/channels")
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_listing_channels_of_an_unknown_guild_is_404(api: Api) -> None:
    alice = await api.account()
    response = await alice.get("/guilds/12345/channels")
    assert response.status_code == 404
    assert error_code(response) == 10004
    bad = await alice.get("/guilds/not-a-number/channels")
    assert bad.status_code == 400


# POST /guilds/{id}/channels


async def test_owner_creates_text_channel_with_discord_style_name_and_event(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    response = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={"name": "  Team Plans  ", "topic": "what we do next", "rate_limit_per_user": 10},
    )
    assert response.status_code == 201, response.text
    channel = response.json()
    assert channel["name"] == "team-plans"
    assert channel["type"] == 0
    assert channel["topic"] == "what we do next"
    assert channel["rate_limit_per_user"] == 10
    assert channel["guild_id"] == guild["id"]
    assert "team-plans" in await channel_names(member, guild["id"])
    created = of_type(published, "CHANNEL_CREATE")
    assert [(e.guild_id, e.channel_id) for e in created] == [(int(guild["id"]), int(channel["id"]))]


async def test_voice_channel_gets_default_bitrate_and_keeps_its_name_as_typed(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    response = await owner.post(
        f"/guilds/{guild['id']}/channels", json={"name": "Team Call", "type": 2, "user_limit": 5}
    )
    assert response.status_code == 201, response.text
    voice = response.json()
    assert (voice["name"], voice["bitrate"], voice["user_limit"]) == ("Team Call", 64000, 5)


async def test_channel_created_in_a_category_takes_its_overwrites(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    parent = category(guild)
    deny_view = {"type": 1, "allow": "0", "deny": str(int(P.VIEW_CHANNEL))}
    put = await owner.put(f"/channels/{parent['id']}/permissions/{member.id}", json=deny_view)
    assert put.status_code == 204, put.text
    response = await owner.post(
        f"/guilds/{guild['id']}/channels", json={"name": "secret", "parent_id": parent["id"]}
    )
    assert response.status_code == 201, response.text
    channel = response.json()
    assert channel["parent_id"] == parent["id"]
    assert channel["permission_overwrites"] == [{"id": str(member.id), **deny_view}]
    assert "secret" not in await channel_names(member, guild["id"])


async def test_explicit_overwrites_on_create_are_kept(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    everyone_hidden = {"id": guild["id"], "type": 0, "allow": "0", "deny": str(int(P.VIEW_CHANNEL))}
    response = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={"name": "staff", "permission_overwrites": [everyone_hidden]},
    )
    assert response.status_code == 201, response.text
    assert response.json()["permission_overwrites"] == [everyone_hidden]
    assert "staff" not in await channel_names(member, guild["id"])
    assert "staff" in await channel_names(owner, guild["id"])


async def test_member_without_manage_channels_cannot_create_a_channel(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    response = await member.post(f"/guilds/{guild['id']}/channels", json={"name": "mine"})
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert "mine" not in await channel_names(owner, guild["id"])


async def test_member_with_manage_channels_but_not_manage_roles_cannot_set_overwrites(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild = await guild_with_member(api)
    await grant_role(app, guild["id"], member, int(P.MANAGE_CHANNELS))
    hidden = {"id": guild["id"], "type": 0, "deny": str(int(P.VIEW_CHANNEL))}
    refused = await member.post(
        f"/guilds/{guild['id']}/channels",
        json={"name": "hidden", "permission_overwrites": [hidden]},
    )
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    allowed = await member.post(f"/guilds/{guild['id']}/channels", json={"name": "plain"})
    assert allowed.status_code == 201
    assert await channel_names(owner, guild["id"]) >= {"plain"}
    assert "hidden" not in await channel_names(owner, guild["id"])


async def test_non_member_cannot_create_a_channel(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    response = await stranger.post(f"/guilds/{guild['id']}/channels", json={"name": "intruder"})
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_invalid_channel_bodies_are_refused_and_create_nothing(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    text_parent = text_channel(guild)["id"]
    unknown_role = {"id": "1", "type": 0}
    negative = {"id": guild["id"], "type": 0, "allow": "-1"}
    bad_bodies = [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "dm", "type": 1}, "type"),
        ({"name": "nope", "type": 99}, "type"),
        ({"name": "slow", "rate_limit_per_user": 21601}, "rate_limit_per_user"),
        ({"name": "loud", "type": 2, "bitrate": 7999}, "bitrate"),
        ({"name": "crowd", "type": 2, "user_limit": 100}, "user_limit"),
        ({"name": "orphan", "parent_id": text_parent}, "parent_id"),
        ({"name": "nested", "type": 4, "parent_id": category(guild)["id"]}, "parent_id"),
        ({"name": "perm", "permission_overwrites": [unknown_role]}, "permission_overwrites"),
        ({"name": "perm", "permission_overwrites": [negative]}, "permission_overwrites"),
        ({"topic": "no name"}, "name"),
    ]  # fmt: skip
    before = await channel_names(owner, guild["id"])
    for body, field in bad_bodies:
        response = await owner.post(f"/guilds/{guild['id']}/channels", json=body)
        assert response.status_code == 400, (body, response.text)
        assert error_code(response) == 50035
        assert field in response.json()["errors"], (body, response.json())
    assert await channel_names(owner, guild["id"]) == before


async def test_a_guild_holds_at_most_500_channels(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    guild = await owner.guild()
    services = app.state.services
    async with direct_write(services) as conn:
        for n in range(500 - len(guild["channels"])):
            filler = Channel(
                services.ids.next_id(), ChannelType.GUILD_TEXT, int(guild["id"]), f"c{n}"
            )
            await channel_store.insert_channel(conn, filler)
    response = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "one-too-many"})
    assert response.status_code == 400
    assert error_code(response) == 30013


# PATCH /guilds/{id}/channels


async def test_reordering_channels_is_visible_to_members(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    ids = []
    for name in ("first", "second", "third"):
        made = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": name})
        ids.append(made.json()["id"])
    published.clear()
    order = [
        {"id": ids[2], "position": 0},
        {"id": ids[1], "position": 1},
        {"id": ids[0], "position": 2},
    ]
    response = await owner.patch(f"/guilds/{guild['id']}/channels", json=order)
    assert response.status_code == 204
    listed = (await member.get(f"/guilds/{guild['id']}/channels")).json()
    positions = {c["name"]: c["position"] for c in listed}
    assert (positions["third"], positions["second"], positions["first"]) == (0, 1, 2)
    assert {e.channel_id for e in of_type(published, "CHANNEL_UPDATE")} == {int(i) for i in ids}


async def test_moving_a_channel_with_lock_permissions_syncs_the_category(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    voice_category = category(guild, "Voice Channels")
    hide = {"type": 1, "deny": str(int(P.VIEW_CHANNEL))}
    await owner.put(f"/channels/{voice_category['id']}/permissions/{member.id}", json=hide)
    general = text_channel(guild)
    move = [{"id": general["id"], "parent_id": voice_category["id"], "lock_permissions": True}]
    response = await owner.patch(f"/guilds/{guild['id']}/channels", json=move)
    assert response.status_code == 204
    moved = (await owner.get(f"/channels/{general['id']}")).json()
    assert moved["parent_id"] == voice_category["id"]
    assert [o["id"] for o in moved["permission_overwrites"]] == [str(member.id)]
    assert "general" not in await channel_names(member, guild["id"])


async def test_member_without_manage_channels_cannot_reorder(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    response = await member.patch(
        f"/guilds/{guild['id']}/channels", json=[{"id": general["id"], "position": 7}]
    )
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert (await owner.get(f"/channels/{general['id']}")).json()["position"] == general["position"]


async def test_non_member_cannot_reorder(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    response = await stranger.patch(
        f"/guilds/{guild['id']}/channels", json=[{"id": text_channel(guild)["id"], "position": 3}]
    )
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_reorder_with_a_foreign_channel_or_bad_parent_changes_nothing(api: Api) -> None:
    owner = await api.account()
    guild, other = await owner.guild(), await owner.guild("Other")
    general = text_channel(guild)
    foreign = [
        {"id": general["id"], "position": 5},
        {"id": text_channel(other)["id"], "position": 1},
    ]
    not_a_category = [{"id": general["id"], "position": 5, "parent_id": general["id"]}]
    for body in (foreign, not_a_category, [{"position": 1}], {"id": general["id"]}):
        response = await owner.patch(f"/guilds/{guild['id']}/channels", json=body)
        assert response.status_code == 400, (body, response.text)
        assert error_code(response) == 50035
    after = (await owner.get(f"/channels/{general['id']}")).json()
    assert (after["position"], after["parent_id"]) == (general["position"], general["parent_id"])


# GET /channels/{id}


async def test_member_reads_a_channel(api: Api) -> None:
    _owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    response = await member.get(f"/channels/{general['id']}")
    assert response.status_code == 200
    assert response.json() == general


async def test_non_member_cannot_read_a_guild_channel(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    response = await stranger.get(f"/channels/{text_channel(guild)['id']}")
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_unknown_channel_is_10003(api: Api) -> None:
    alice = await api.account()
    response = await alice.get("/channels/98765")
    assert response.status_code == 404
    assert error_code(response) == 10003


# PATCH /channels/{id}


async def test_owner_modifies_a_channel_and_members_hear_of_it(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    response = await owner.patch(
        f"/channels/{general['id']}",
        json={"name": "Town Square", "topic": "hello", "nsfw": True, "rate_limit_per_user": 30},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["topic"], body["nsfw"], body["rate_limit_per_user"]) == (
        "town-square", "hello", True, 30,
    )  # fmt: skip
    assert (await member.get(f"/channels/{general['id']}")).json() == body
    updates = of_type(published, "CHANNEL_UPDATE")
    assert [(e.guild_id, e.channel_id) for e in updates] == [(int(guild["id"]), int(general["id"]))]


async def test_text_channel_converts_to_announcement_and_back_only(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    general = text_channel(guild)
    news = await owner.patch(f"/channels/{general['id']}", json={"type": 5})
    assert (news.status_code, news.json()["type"]) == (200, 5)
    voice = await owner.patch(f"/channels/{general['id']}", json={"type": 2})
    assert voice.status_code == 400
    assert (await owner.get(f"/channels/{general['id']}")).json()["type"] == 5


async def test_changing_overwrites_through_patch_publishes_channel_update(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    hidden = [{"id": str(member.id), "type": 1, "allow": "0", "deny": str(int(P.VIEW_CHANNEL))}]
    response = await owner.patch(
        f"/channels/{general['id']}", json={"permission_overwrites": hidden}
    )
    assert response.status_code == 200, response.text
    assert response.json()["permission_overwrites"] == hidden
    assert [e.channel_id for e in of_type(published, "CHANNEL_UPDATE")] == [int(general["id"])]
    assert (await member.get(f"/channels/{general['id']}")).status_code == 403


async def test_member_without_manage_channels_cannot_modify(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    response = await member.patch(f"/channels/{general['id']}", json={"name": "mine"})
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert (await owner.get(f"/channels/{general['id']}")).json()["name"] == "general"


async def test_changing_overwrites_needs_manage_roles_as_well(api: Api, app: FastAPI) -> None:
    owner, member, guild = await guild_with_member(api)
    await grant_role(app, guild["id"], member, int(P.MANAGE_CHANNELS))
    general = text_channel(guild)
    hidden = [{"id": guild["id"], "type": 0, "deny": str(int(P.VIEW_CHANNEL))}]
    refused = await member.patch(
        f"/channels/{general['id']}", json={"name": "renamed", "permission_overwrites": hidden}
    )
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    after = (await owner.get(f"/channels/{general['id']}")).json()
    assert (after["name"], after["permission_overwrites"]) == ("general", [])
    renamed = await member.patch(f"/channels/{general['id']}", json={"name": "renamed"})
    assert renamed.status_code == 200


async def test_non_member_cannot_modify_a_channel(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    response = await stranger.patch(f"/channels/{text_channel(guild)['id']}", json={"name": "x"})
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_invalid_channel_changes_are_refused_and_change_nothing(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    general = text_channel(guild)
    voice = next(c for c in guild["channels"] if c["type"] == 2)
    for channel, body in [
        (general, {"name": ""}),
        (general, {"name": None}),
        (general, {"topic": "t" * 1025}),
        (general, {"rate_limit_per_user": -1}),
        (general, {"parent_id": general["id"]}),
        (general, {"position": -3}),
        (general, {"permission_overwrites": [{"id": "1", "type": 1}]}),
        (voice, {"bitrate": 200000}),
        (voice, {"user_limit": 100}),
        (category(guild), {"parent_id": category(guild, "Voice Channels")["id"]}),
    ]:
        response = await owner.patch(f"/channels/{channel['id']}", json=body)
        assert response.status_code == 400, (body, response.text)
        assert error_code(response) == 50035
    listed = (await owner.get(f"/guilds/{guild['id']}/channels")).json()
    assert sorted(listed, key=lambda c: c["id"]) == sorted(guild["channels"], key=lambda c: c["id"])


# DELETE /channels/{id}


async def test_owner_deletes_a_channel_and_gets_it_back(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    made = (await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "temp"})).json()
    response = await owner.delete(f"/channels/{made['id']}")
    assert response.status_code == 200
    assert response.json() == made
    assert (await member.get(f"/channels/{made['id']}")).status_code == 404
    assert "temp" not in await channel_names(member, guild["id"])
    deleted = of_type(published, "CHANNEL_DELETE")
    assert [(e.guild_id, e.channel_id) for e in deleted] == [(int(guild["id"]), int(made["id"]))]


async def test_deleting_a_category_leaves_its_channels_without_parent(
    api: Api, published: list[Envelope]
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    parent, general = category(guild), text_channel(guild)
    published.clear()
    response = await owner.delete(f"/channels/{parent['id']}")
    assert response.status_code == 200
    assert (await owner.get(f"/channels/{general['id']}")).json()["parent_id"] is None
    updates = of_type(published, "CHANNEL_UPDATE")
    assert [e.channel_id for e in updates] == [int(general["id"])]


async def test_deleting_the_system_channel_clears_it_from_the_guild(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    assert guild["system_channel_id"] == text_channel(guild)["id"]
    assert (await owner.delete(f"/channels/{guild['system_channel_id']}")).status_code == 200
    assert (await owner.get(f"/guilds/{guild['id']}")).json()["system_channel_id"] is None


async def test_member_without_manage_channels_cannot_delete(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    response = await member.delete(f"/channels/{general['id']}")
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert (await owner.get(f"/channels/{general['id']}")).status_code == 200


async def test_non_member_cannot_delete_a_channel(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    general = text_channel(guild)
    response = await stranger.delete(f"/channels/{general['id']}")
    assert response.status_code == 403
    assert error_code(response) == 50001
    assert (await owner.get(f"/channels/{general['id']}")).status_code == 200


async def test_deleting_an_unknown_or_malformed_channel_id_fails_cleanly(api: Api) -> None:
    alice = await api.account()
    unknown = await alice.delete("/channels/4242")
    assert (unknown.status_code, error_code(unknown)) == (404, 10003)
    malformed = await alice.delete("/channels/abc")
    assert (malformed.status_code, error_code(malformed)) == (400, 50035)
