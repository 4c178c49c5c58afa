"""Guild roles: listing, creating, editing, reordering, deleting, and the role hierarchy."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.conftest import Account, Api, direct_write, error_code
from townhall.domain.models import Role
from townhall.domain.permissions import DEFAULT_EVERYONE_PERMISSIONS, Overwrite, OverwriteType
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store


async def setup(api: Api) -> tuple[Account, Account, str, dict[str, Any]]:
    """Alice owns a guild that Bob has joined."""
    alice, bob = await api.account("alice"), await api.account("bob")
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    return alice, bob, guild["id"], guild


async def make_role(owner: Account, guild_id: str, **fields: Any) -> dict[str, Any]:
    response = await owner.post(f"/guilds/{guild_id}/roles", json=fields)
    assert response.status_code == 200, response.text
    role: dict[str, Any] = response.json()
    return role


async def give(owner: Account, guild_id: str, user: Account, role_id: str) -> None:
    response = await owner.put(f"/guilds/{guild_id}/members/{user.id}/roles/{role_id}")
    assert response.status_code == 204, response.text


async def moderated(api: Api) -> tuple[Account, Account, str, dict[str, dict[str, Any]]]:
    """Bob holds `mod` (MANAGE_ROLES); roles bottom to top: low, mod, high."""
    alice, bob, guild_id, _ = await setup(api)
    high = await make_role(alice, guild_id, name="high")
    mod = await make_role(alice, guild_id, name="mod", permissions=str(int(P.MANAGE_ROLES)))
    low = await make_role(alice, guild_id, name="low")
    await give(alice, guild_id, bob, mod["id"])
    roles = {r["name"]: r for r in (await alice.get(f"/guilds/{guild_id}/roles")).json()}
    assert [roles[n]["position"] for n in ("low", "mod", "high")] == [1, 2, 3]
    return alice, bob, guild_id, {"high": high, "mod": mod, "low": low}


def pick(obj: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(obj[key] for key in keys)


async def roles_by_name(account: Account, guild_id: str) -> dict[str, dict[str, Any]]:
    response = await account.get(f"/guilds/{guild_id}/roles")
    assert response.status_code == 200
    return {r["name"]: r for r in response.json()}


# Reading


async def test_member_lists_roles_starting_with_everyone(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    await make_role(alice, guild_id, name="helpers")
    response = await bob.get(f"/guilds/{guild_id}/roles")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    roles = response.json()
    assert [r["name"] for r in roles] == ["@everyone", "helpers"]
    everyone = roles[0]
    assert everyone["id"] == guild_id
    assert everyone["position"] == 0
    assert everyone["permissions"] == str(DEFAULT_EVERYONE_PERMISSIONS)


async def test_member_gets_one_role_and_an_unknown_role_is_10011(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="helpers")
    found = await bob.get(f"/guilds/{guild_id}/roles/{role['id']}")
    assert found.status_code == 200
    assert found.json() == role
    missing = await bob.get(f"/guilds/{guild_id}/roles/123456789012345678")
    assert missing.status_code == 404
    assert error_code(missing) == 10011


async def test_non_member_cannot_read_roles(api: Api) -> None:
    _, _, guild_id, _ = await setup(api)
    stranger = await api.account("stranger")
    assert error_code(await stranger.get(f"/guilds/{guild_id}/roles")) == 50001
    response = await stranger.get(f"/guilds/{guild_id}/roles/{guild_id}")
    assert response.status_code == 403
    assert error_code(response) == 50001


# Creating


async def test_owner_creates_role_with_discord_defaults_and_event(
    api: Api, published: list[Envelope]
) -> None:
    alice, _, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id)
    assert role["name"] == "new role"
    assert role["permissions"] == str(DEFAULT_EVERYONE_PERMISSIONS)
    assert role["position"] == 1
    assert pick(role, "color", "hoist", "mentionable", "managed") == (0, False, False, False)
    created = [e for e in published if e.type == "GUILD_ROLE_CREATE"]
    assert [e.guild_id for e in created] == [int(guild_id)]


async def test_role_is_created_with_the_given_fields(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    permissions = str(int(P.KICK_MEMBERS | P.BAN_MEMBERS))
    role = await make_role(
        alice, guild_id, name="Moderators", permissions=permissions, color=0x3498DB,
        hoist=True, mentionable=True,
    )  # fmt: skip
    assert pick(role, "name", "permissions", "color") == ("Moderators", permissions, 0x3498DB)
    assert role["hoist"] is True and role["mentionable"] is True
    stored = await alice.get(f"/guilds/{guild_id}/roles/{role['id']}")
    assert stored.json() == role


async def test_new_role_takes_position_one_and_pushes_the_others_up(
    api: Api, published: list[Envelope]
) -> None:
    alice, _, guild_id, _ = await setup(api)
    first = await make_role(alice, guild_id, name="first")
    published.clear()
    second = await make_role(alice, guild_id, name="second")
    assert second["position"] == 1
    roles = await roles_by_name(alice, guild_id)
    assert roles["first"]["position"] == 2
    assert roles["@everyone"]["position"] == 0
    assert [e.type for e in published] == ["GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE"]
    assert first["id"]


async def test_member_without_manage_roles_cannot_create_a_role(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    response = await bob.post(f"/guilds/{guild_id}/roles", json={"name": "mine"})
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert "mine" not in await roles_by_name(alice, guild_id)


async def test_non_member_cannot_create_a_role(api: Api) -> None:
    _, _, guild_id, _ = await setup(api)
    stranger = await api.account("stranger")
    response = await stranger.post(f"/guilds/{guild_id}/roles", json={"name": "mine"})
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_invalid_role_fields_are_400_and_create_nothing(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    for body in (
        {"name": "x" * 101},
        {"name": "   "},
        {"permissions": "lots"},
        {"permissions": "-8"},
        {"permissions": True},
        {"color": -1},
        {"color": 0x1000000},
        {"hoist": "perhaps"},
    ):
        response = await alice.post(f"/guilds/{guild_id}/roles", json=body)
        assert response.status_code == 400, body
        assert error_code(response) == 50035
        assert response.json()["errors"]
    assert list(await roles_by_name(alice, guild_id)) == ["@everyone"]


async def test_moderator_cannot_create_a_role_with_permissions_they_lack(api: Api) -> None:
    alice, bob, guild_id, _ = await moderated(api)
    for permissions in (P.ADMINISTRATOR, P.BAN_MEMBERS):
        response = await bob.post(
            f"/guilds/{guild_id}/roles",
            json={"name": "sneaky", "permissions": str(int(permissions))},
        )
        assert response.status_code == 403
        assert error_code(response) == 50013
    assert "sneaky" not in await roles_by_name(alice, guild_id)
    allowed = await bob.post(
        f"/guilds/{guild_id}/roles", json={"name": "fine", "permissions": str(int(P.MANAGE_ROLES))}
    )
    assert allowed.status_code == 200


async def test_a_guild_holds_at_most_250_roles(api: Api, app: FastAPI) -> None:
    alice, _, guild_id, _ = await setup(api)
    async with direct_write(app.state.services) as conn:
        for position in range(1, 249):
            await guild_store.insert_role(
                conn,
                Role(app.state.services.ids.next_id(), int(guild_id), f"r{position}", 0, position),
            )
    assert (await alice.post(f"/guilds/{guild_id}/roles", json={})).status_code == 200
    response = await alice.post(f"/guilds/{guild_id}/roles", json={"name": "one too many"})
    assert response.status_code == 400
    assert error_code(response) == 30005
    assert len(await roles_by_name(alice, guild_id)) == 250


# Editing


async def test_owner_edits_a_role_and_everyone_hears_of_it(
    api: Api, published: list[Envelope]
) -> None:
    alice, bob, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="old")
    published.clear()
    response = await alice.patch(
        f"/guilds/{guild_id}/roles/{role['id']}",
        json={
            "name": "new",
            "permissions": str(int(P.ADMINISTRATOR)),
            "colors": {"primary_color": 7},
        },
    )
    assert response.status_code == 200
    edited = response.json()
    assert pick(edited, "name", "permissions", "color") == ("new", str(int(P.ADMINISTRATOR)), 7)
    assert (await bob.get(f"/guilds/{guild_id}/roles/{role['id']}")).json() == edited
    assert [(e.type, e.guild_id) for e in published] == [("GUILD_ROLE_UPDATE", int(guild_id))]


async def test_member_without_manage_roles_cannot_edit_a_role(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="old")
    response = await bob.patch(f"/guilds/{guild_id}/roles/{role['id']}", json={"name": "new"})
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert (await alice.get(f"/guilds/{guild_id}/roles/{role['id']}")).json()["name"] == "old"


async def test_non_member_cannot_edit_a_role(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="old")
    stranger = await api.account("stranger")
    response = await stranger.patch(f"/guilds/{guild_id}/roles/{role['id']}", json={"name": "new"})
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_invalid_role_edit_is_400_and_changes_nothing(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="old")
    for body in ({"name": "x" * 101}, {"name": ""}, {"permissions": "0x8"}, {"color": 2**24}):
        response = await alice.patch(f"/guilds/{guild_id}/roles/{role['id']}", json=body)
        assert response.status_code == 400, body
        assert error_code(response) == 50035
    assert (await alice.get(f"/guilds/{guild_id}/roles/{role['id']}")).json() == role
    unknown = await alice.patch(f"/guilds/{guild_id}/roles/123456789012345678", json={"name": "x"})
    assert unknown.status_code == 404
    assert error_code(unknown) == 10011


async def test_moderator_edits_roles_below_but_not_at_or_above_their_highest(api: Api) -> None:
    alice, bob, guild_id, roles = await moderated(api)
    below = await bob.patch(
        f"/guilds/{guild_id}/roles/{roles['low']['id']}", json={"name": "lower"}
    )
    assert below.status_code == 200
    for name in ("mod", "high"):
        response = await bob.patch(
            f"/guilds/{guild_id}/roles/{roles[name]['id']}", json={"name": "mine"}
        )
        assert response.status_code == 403, name
        assert error_code(response) == 50013
    assert set(await roles_by_name(alice, guild_id)) == {"@everyone", "lower", "mod", "high"}


async def test_moderator_cannot_give_a_role_administrator(api: Api) -> None:
    alice, bob, guild_id, roles = await moderated(api)
    response = await bob.patch(
        f"/guilds/{guild_id}/roles/{roles['low']['id']}",
        json={"permissions": str(int(P.ADMINISTRATOR))},
    )
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert (await roles_by_name(alice, guild_id))["low"]["permissions"] == roles["low"][
        "permissions"
    ]


async def test_moderator_may_remove_permissions_they_lack_but_not_add_them(api: Api) -> None:
    alice, bob, guild_id, roles = await moderated(api)
    kicker = str(int(P.KICK_MEMBERS | P.MANAGE_ROLES))
    await alice.patch(
        f"/guilds/{guild_id}/roles/{roles['low']['id']}", json={"permissions": kicker}
    )
    removed = await bob.patch(
        f"/guilds/{guild_id}/roles/{roles['low']['id']}",
        json={"permissions": str(int(P.MANAGE_ROLES))},
    )
    assert removed.status_code == 200
    readded = await bob.patch(
        f"/guilds/{guild_id}/roles/{roles['low']['id']}", json={"permissions": kicker}
    )
    assert error_code(readded) == 50013


async def test_everyone_role_keeps_its_name_but_its_permissions_may_change(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    renamed = await alice.patch(f"/guilds/{guild_id}/roles/{guild_id}", json={"name": "all"})
    assert renamed.status_code == 400
    assert error_code(renamed) == 50035
    quiet = str(int(P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY))
    changed = await alice.patch(f"/guilds/{guild_id}/roles/{guild_id}", json={"permissions": quiet})
    assert changed.status_code == 200
    assert changed.json()["name"] == "@everyone"
    assert changed.json()["permissions"] == quiet


async def test_owner_may_edit_any_role_and_grant_anything(api: Api) -> None:
    alice, _, guild_id, roles = await moderated(api)
    response = await alice.patch(
        f"/guilds/{guild_id}/roles/{roles['high']['id']}",
        json={"permissions": str(int(P.ADMINISTRATOR)), "hoist": True},
    )
    assert response.status_code == 200
    assert response.json()["permissions"] == str(int(P.ADMINISTRATOR))
    assert response.json()["hoist"] is True


async def test_administrator_below_the_top_still_cannot_edit_roles_above_them(api: Api) -> None:
    alice, bob, guild_id, roles = await moderated(api)
    await alice.patch(
        f"/guilds/{guild_id}/roles/{roles['mod']['id']}",
        json={"permissions": str(int(P.ADMINISTRATOR))},
    )
    granted = await bob.patch(
        f"/guilds/{guild_id}/roles/{roles['low']['id']}",
        json={"permissions": str(int(P.ADMINISTRATOR))},
    )
    assert granted.status_code == 200
    above = await bob.patch(
        f"/guilds/{guild_id}/roles/{roles['high']['id']}", json={"name": "mine"}
    )
    assert error_code(above) == 50013


# Reordering


async def test_owner_reorders_roles_and_gets_every_role_back(
    api: Api, published: list[Envelope]
) -> None:
    alice, _, guild_id, roles = await moderated(api)
    published.clear()
    response = await alice.patch(
        f"/guilds/{guild_id}/roles", json=[{"id": roles["high"]["id"], "position": 1}]
    )
    assert response.status_code == 200
    assert [(r["name"], r["position"]) for r in response.json()] == [
        ("@everyone", 0), ("high", 1), ("low", 2), ("mod", 3),
    ]  # fmt: skip
    stored = await roles_by_name(alice, guild_id)
    assert [stored[n]["position"] for n in ("high", "low", "mod")] == [1, 2, 3]
    assert sorted(e.type for e in published) == ["GUILD_ROLE_UPDATE"] * 3


async def test_swapping_two_roles_with_discord_py_style_full_list(api: Api) -> None:
    alice, _, guild_id, roles = await moderated(api)
    body = [
        {"id": roles["low"]["id"], "position": 2},
        {"id": roles["mod"]["id"], "position": 1},
        {"id": roles["high"]["id"], "position": 3},
    ]
    response = await alice.patch(f"/guilds/{guild_id}/roles", json=body)
    assert response.status_code == 200
    assert [r["name"] for r in response.json()] == ["@everyone", "mod", "low", "high"]


async def test_moderator_moves_roles_only_below_their_own(api: Api) -> None:
    alice, bob, guild_id, roles = await moderated(api)
    extra = await make_role(alice, guild_id, name="extra")  # now extra=1, low=2, mod=3, high=4
    ok = await bob.patch(f"/guilds/{guild_id}/roles", json=[{"id": extra["id"], "position": 2}])
    assert ok.status_code == 200
    for move in (
        {"id": roles["low"]["id"], "position": 3},
        {"id": roles["low"]["id"], "position": 4},
        {"id": roles["high"]["id"], "position": 1},
        {"id": roles["mod"]["id"], "position": 1},
    ):
        response = await bob.patch(f"/guilds/{guild_id}/roles", json=[move])
        assert response.status_code == 403, move
        assert error_code(response) == 50013
    stored = await roles_by_name(alice, guild_id)
    assert [stored[n]["position"] for n in ("low", "extra", "mod", "high")] == [1, 2, 3, 4]


async def test_member_without_manage_roles_cannot_reorder(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="a")
    response = await bob.patch(
        f"/guilds/{guild_id}/roles", json=[{"id": role["id"], "position": 1}]
    )
    assert response.status_code == 403
    assert error_code(response) == 50013


async def test_non_member_cannot_reorder(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="a")
    stranger = await api.account("stranger")
    response = await stranger.patch(
        f"/guilds/{guild_id}/roles", json=[{"id": role["id"], "position": 1}]
    )
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_bad_reorder_is_400_and_moves_nothing(api: Api) -> None:
    alice, _, guild_id, roles = await moderated(api)
    for body in (
        [{"id": "123456789012345678", "position": 1}],
        [{"id": guild_id, "position": 2}],
        [{"id": roles["low"]["id"], "position": -1}],
        [{"position": 1}],
        {"id": roles["low"]["id"], "position": 2},
    ):
        response = await alice.patch(f"/guilds/{guild_id}/roles", json=body)
        assert response.status_code == 400, body
        assert error_code(response) == 50035
    stored = await roles_by_name(alice, guild_id)
    assert [stored[n]["position"] for n in ("@everyone", "low", "mod", "high")] == [0, 1, 2, 3]


# Deleting


async def test_owner_deletes_a_role_members_lose_it_and_its_overwrites_go(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    alice, bob, guild_id, guild = await setup(api)
    role = await make_role(alice, guild_id, name="doomed")
    await give(alice, guild_id, bob, role["id"])
    channel_id = int(guild["system_channel_id"])
    kept = Overwrite(int(guild_id), OverwriteType.ROLE, 0, int(P.SEND_MESSAGES))
    async with direct_write(app.state.services) as conn:
        await channel_store.put_overwrite(conn, channel_id, kept)
        await channel_store.put_overwrite(
            conn, channel_id, Overwrite(int(role["id"]), OverwriteType.ROLE, 8192, 0)
        )
    published.clear()
    response = await alice.delete(f"/guilds/{guild_id}/roles/{role['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert error_code(await alice.get(f"/guilds/{guild_id}/roles/{role['id']}")) == 10011
    assert (await bob.get(f"/guilds/{guild_id}/members/{bob.id}")).json()["roles"] == []
    async with app.state.services.engine.connect() as conn:
        channel = await channel_store.get_channel(conn, channel_id)
    assert channel is not None and channel.permission_overwrites == (kept,)
    assert [(e.type, e.channel_id) for e in published] == [
        ("GUILD_ROLE_DELETE", None), ("CHANNEL_UPDATE", channel_id),
    ]  # fmt: skip


async def test_everyone_and_managed_roles_cannot_be_deleted(api: Api, app: FastAPI) -> None:
    alice, _, guild_id, _ = await setup(api)
    bot_role = Role(
        app.state.services.ids.next_id(), int(guild_id), "bot", 0, 1, managed=True, bot_id=1
    )
    async with direct_write(app.state.services) as conn:
        await guild_store.insert_role(conn, bot_role)
    for role_id in (guild_id, bot_role.id):
        response = await alice.delete(f"/guilds/{guild_id}/roles/{role_id}")
        assert response.status_code == 400
        assert error_code(response) == 50028
    assert set(await roles_by_name(alice, guild_id)) == {"@everyone", "bot"}


async def test_member_without_manage_roles_cannot_delete_a_role(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="keep")
    response = await bob.delete(f"/guilds/{guild_id}/roles/{role['id']}")
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert "keep" in await roles_by_name(alice, guild_id)


async def test_non_member_cannot_delete_a_role(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    role = await make_role(alice, guild_id, name="keep")
    stranger = await api.account("stranger")
    response = await stranger.delete(f"/guilds/{guild_id}/roles/{role['id']}")
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_deleting_an_unknown_or_malformed_role_id_is_refused(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    unknown = await alice.delete(f"/guilds/{guild_id}/roles/123456789012345678")
    assert unknown.status_code == 404
    assert error_code(unknown) == 10011
    malformed = await alice.delete(f"/guilds/{guild_id}/roles/not-a-snowflake")
    assert malformed.status_code == 400
    assert error_code(malformed) == 50035


async def test_moderator_deletes_roles_below_but_not_at_or_above_their_highest(api: Api) -> None:
    alice, bob, guild_id, roles = await moderated(api)
    for name in ("mod", "high"):
        response = await bob.delete(f"/guilds/{guild_id}/roles/{roles[name]['id']}")
        assert response.status_code == 403, name
        assert error_code(response) == 50013
    assert (await bob.delete(f"/guilds/{guild_id}/roles/{roles['low']['id']}")).status_code == 204
    assert set(await roles_by_name(alice, guild_id)) == {"@everyone", "mod", "high"}
