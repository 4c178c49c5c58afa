"""Guilds: the starter layout, reading, changing, deleting, leaving, and the user's guild list."""

from __future__ import annotations

from tests.conftest import Api, error_code

ADMINISTRATOR, MANAGE_GUILD = 1 << 3, 1 << 5


async def test_new_guild_has_everyone_role_and_discords_starter_channels(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild("Sports club")
    assert guild["owner_id"] == str(owner.id)
    assert [r["id"] for r in guild["roles"]] == [guild["id"]]
    assert guild["roles"][0]["name"] == "@everyone"
    channels = {(c["name"], c["type"]) for c in guild["channels"]}
    assert channels == {
        ("Text Channels", 4),
        ("Voice Channels", 4),
        ("general", 0),
        ("General", 2),
    }
    general = next(c for c in guild["channels"] if c["name"] == "general")
    assert guild["system_channel_id"] == general["id"]
    category = next(c for c in guild["channels"] if c["name"] == "Text Channels")
    assert general["parent_id"] == category["id"]


async def test_members_read_the_guild_and_strangers_are_refused(api: Api) -> None:
    owner, member, stranger = await api.account(), await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, guild["system_channel_id"])
    seen = await member.get(f"/guilds/{guild['id']}?with_counts=true")
    assert seen.status_code == 200
    assert seen.json()["approximate_member_count"] == 2
    refused = await stranger.get(f"/guilds/{guild['id']}")
    assert refused.status_code == 403
    assert error_code(refused) == 50001
    assert error_code(await stranger.get("/guilds/123456789012345678")) == 10004


async def test_only_members_with_manage_guild_may_change_it(api: Api) -> None:
    owner, member, stranger = await api.account(), await api.account(), await api.account()
    guild = await owner.guild("Before")
    await member.join(owner, guild["system_channel_id"])
    assert error_code(await member.patch(f"/guilds/{guild['id']}", json={"name": "X1"})) == 50013
    assert error_code(await stranger.patch(f"/guilds/{guild['id']}", json={"name": "X2"})) == 50001
    changed = await owner.patch(
        f"/guilds/{guild['id']}", json={"name": "After", "description": "We play on Sundays"}
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "After"
    assert (await member.get(f"/guilds/{guild['id']}")).json()[
        "description"
    ] == "We play on Sundays"


async def test_bad_guild_names_are_refused_and_nothing_changes(api: Api) -> None:
    owner = await api.account()
    assert error_code(await owner.post("/guilds", json={"name": "x"})) == 50035
    assert error_code(await owner.post("/guilds", json={"name": "x" * 101})) == 50035
    assert error_code(await owner.post("/guilds", json={})) == 50035
    guild = await owner.guild("Stays")
    refused = await owner.patch(f"/guilds/{guild['id']}", json={"name": " "})
    assert refused.status_code == 400
    assert (await owner.get(f"/guilds/{guild['id']}")).json()["name"] == "Stays"
    foreign = await (await api.account()).guild()
    wrong_channel = await owner.patch(
        f"/guilds/{guild['id']}", json={"system_channel_id": foreign["system_channel_id"]}
    )
    assert wrong_channel.status_code == 400


async def test_only_the_owner_transfers_ownership_or_deletes(api: Api) -> None:
    owner, admin = await api.account(), await api.account()
    guild = await owner.guild()
    await admin.join(owner, guild["system_channel_id"])
    role = await owner.post(
        f"/guilds/{guild['id']}/roles", json={"name": "Admins", "permissions": str(ADMINISTRATOR)}
    )
    assert role.status_code == 200, role.text
    added = await owner.put(f"/guilds/{guild['id']}/members/{admin.id}/roles/{role.json()['id']}")
    assert added.status_code == 204
    grab = await admin.patch(f"/guilds/{guild['id']}", json={"owner_id": str(admin.id)})
    assert error_code(grab) == 50013
    assert error_code(await admin.delete(f"/guilds/{guild['id']}")) == 50013
    given = await owner.patch(f"/guilds/{guild['id']}", json={"owner_id": str(admin.id)})
    assert given.status_code == 200
    assert given.json()["owner_id"] == str(admin.id)
    assert (await admin.delete(f"/guilds/{guild['id']}")).status_code == 204
    assert error_code(await admin.get(f"/guilds/{guild['id']}")) == 10004


async def test_members_leave_but_the_owner_cannot(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, guild["system_channel_id"])
    assert (await member.delete(f"/users/@me/guilds/{guild['id']}")).status_code == 204
    assert error_code(await member.get(f"/guilds/{guild['id']}")) == 50001
    stays = await owner.delete(f"/users/@me/guilds/{guild['id']}")
    assert stays.status_code == 400
    assert error_code(stays) == 50055


async def test_guild_list_shows_ownership_permissions_and_counts(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    first, second = await owner.guild("First"), await owner.guild("Second")
    await member.join(owner, first["system_channel_id"])
    mine = (await owner.get("/users/@me/guilds?with_counts=true")).json()
    assert [g["name"] for g in mine] == ["First", "Second"]
    assert all(g["owner"] for g in mine)
    assert mine[0]["approximate_member_count"] == 2
    theirs = (await member.get("/users/@me/guilds")).json()
    assert [g["id"] for g in theirs] == [first["id"]]
    assert theirs[0]["owner"] is False
    assert not int(theirs[0]["permissions"]) & MANAGE_GUILD
    assert int(mine[0]["permissions"]) & ADMINISTRATOR
    paged = (await owner.get(f"/users/@me/guilds?after={first['id']}")).json()
    assert [g["id"] for g in paged] == [second["id"]]
