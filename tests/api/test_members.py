"""Guild members: listing, searching, editing (nick, roles, timeout, voice), role grants, kicks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from tests.conftest import Account, Api, direct_write, error_code
from townhall.domain.models import Role
from townhall.domain.permissions import DEFAULT_EVERYONE_PERMISSIONS
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope
from townhall.store import guilds as guild_store


async def setup(api: Api) -> tuple[Account, Account, str]:
    """Alice owns a guild that Bob has joined."""
    alice, bob = await api.account("alice"), await api.account("bob")
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    return alice, bob, guild["id"]


async def make_role(owner: Account, guild_id: str, name: str, permissions: int = 0) -> str:
    response = await owner.post(
        f"/guilds/{guild_id}/roles", json={"name": name, "permissions": str(permissions)}
    )
    assert response.status_code == 200, response.text
    role_id: str = response.json()["id"]
    return role_id


async def give(owner: Account, guild_id: str, user: Account, role_id: str) -> None:
    response = await owner.put(f"/guilds/{guild_id}/members/{user.id}/roles/{role_id}")
    assert response.status_code == 204, response.text


async def member_of(account: Account, guild_id: str, user: Account) -> dict[str, Any]:
    response = await account.get(f"/guilds/{guild_id}/members/{user.id}")
    assert response.status_code == 200, response.text
    member: dict[str, Any] = response.json()
    return member


async def with_moderator(
    api: Api, permissions: int
) -> tuple[Account, Account, Account, str, dict[str, str]]:
    """Bob holds `mod` with `permissions`, Carol nothing. Roles bottom to top: low, mod, high."""
    alice, bob, guild_id = await setup(api)
    carol = await api.account("carol")
    await carol.join(alice, (await alice.get(f"/guilds/{guild_id}")).json()["system_channel_id"])
    roles = {
        "high": await make_role(alice, guild_id, "high"),
        "mod": await make_role(alice, guild_id, "mod", permissions),
        "low": await make_role(alice, guild_id, "low"),
    }
    await give(alice, guild_id, bob, roles["mod"])
    return alice, bob, carol, guild_id, roles


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


# Listing, searching, reading


async def test_members_are_listed_one_page_at_a_time_by_user_id(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    first = await bob.get(f"/guilds/{guild_id}/members")
    assert first.status_code == 200
    assert len(first.json()) == 1
    everyone = await bob.get(f"/guilds/{guild_id}/members", params={"limit": 1000})
    ids = [m["user"]["id"] for m in everyone.json()]
    assert ids == sorted([str(alice.id), str(bob.id)], key=int)
    after = await bob.get(f"/guilds/{guild_id}/members", params={"limit": 10, "after": ids[0]})
    assert [m["user"]["id"] for m in after.json()] == ids[1:]
    member = everyone.json()[0]
    assert {"roles", "joined_at", "nick", "deaf", "mute", "communication_disabled_until"} <= set(
        member
    )


async def test_member_list_limit_outside_1_to_1000_is_400(api: Api) -> None:
    _, bob, guild_id = await setup(api)
    for limit in (0, 1001, "many"):
        response = await bob.get(f"/guilds/{guild_id}/members", params={"limit": limit})
        assert response.status_code == 400, limit
        assert error_code(response) == 50035


async def test_non_member_cannot_list_or_search_or_read_members(api: Api) -> None:
    alice, _, guild_id = await setup(api)
    stranger = await api.account("stranger")
    for path in ("members", "members/search?query=a", f"members/{alice.id}"):
        response = await stranger.get(f"/guilds/{guild_id}/{path}")
        assert response.status_code == 403, path
        assert error_code(response) == 50001


async def test_search_matches_the_start_of_usernames_and_nicknames_ignoring_case(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    await alice.patch(f"/guilds/{guild_id}/members/{bob.id}", json={"nick": "Zebra_Keeper"})
    by_name = await bob.get(
        f"/guilds/{guild_id}/members/search", params={"query": alice.username.upper(), "limit": 10}
    )
    assert by_name.status_code == 200
    assert [m["user"]["id"] for m in by_name.json()] == [str(alice.id)]
    by_nick = await bob.get(
        f"/guilds/{guild_id}/members/search", params={"query": "zebra_", "limit": 10}
    )
    assert [m["nick"] for m in by_nick.json()] == ["Zebra_Keeper"]
    wildcard = await bob.get(
        f"/guilds/{guild_id}/members/search", params={"query": "%", "limit": 10}
    )
    assert wildcard.json() == []


async def test_search_without_query_is_400(api: Api) -> None:
    _, bob, guild_id = await setup(api)
    for params in ({}, {"query": ""}, {"query": "a", "limit": 0}):
        response = await bob.get(f"/guilds/{guild_id}/members/search", params=params)
        assert response.status_code == 400, params
        assert error_code(response) == 50035


async def test_member_is_read_by_user_id_and_strangers_are_10007(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    member = await member_of(bob, guild_id, alice)
    assert member["user"]["id"] == str(alice.id)
    assert member["roles"] == []
    outsider = await api.account("outsider")
    missing = await bob.get(f"/guilds/{guild_id}/members/{outsider.id}")
    assert missing.status_code == 404
    assert error_code(missing) == 10007
    assert error_code(await bob.get(f"/guilds/{guild_id}/members/123456789012345678")) == 10013


# Nicknames


async def test_moderator_with_manage_nicknames_renames_a_member(
    api: Api, published: list[Envelope]
) -> None:
    _, bob, carol, guild_id, _ = await with_moderator(api, P.MANAGE_NICKNAMES)
    published.clear()
    response = await bob.patch(f"/guilds/{guild_id}/members/{carol.id}", json={"nick": "Caz"})
    assert response.status_code == 200
    assert response.json()["nick"] == "Caz"
    assert (await member_of(carol, guild_id, carol))["nick"] == "Caz"
    assert [(e.type, e.guild_id) for e in published] == [("GUILD_MEMBER_UPDATE", int(guild_id))]
    cleared = await bob.patch(f"/guilds/{guild_id}/members/{carol.id}", json={"nick": None})
    assert cleared.json()["nick"] is None


async def test_member_without_manage_nicknames_cannot_rename_others(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    response = await bob.patch(f"/guilds/{guild_id}/members/{alice.id}", json={"nick": "boss"})
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert (await member_of(alice, guild_id, alice))["nick"] is None


async def test_non_member_cannot_edit_a_member(api: Api) -> None:
    _, bob, guild_id = await setup(api)
    stranger = await api.account("stranger")
    response = await stranger.patch(f"/guilds/{guild_id}/members/{bob.id}", json={"nick": "x"})
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_invalid_member_edit_is_400_and_changes_nothing(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    for body in (
        {"nick": "x" * 33},
        {"roles": ["not-an-id"]},
        {"roles": ["123456789012345678"]},
        {"communication_disabled_until": "tomorrow"},
        {"communication_disabled_until": in_days(29)},
        {"mute": "loud"},
    ):
        response = await alice.patch(f"/guilds/{guild_id}/members/{bob.id}", json=body)
        assert response.status_code == 400, body
        assert error_code(response) == 50035
    member = await member_of(alice, guild_id, bob)
    assert [member[k] for k in ("nick", "roles", "communication_disabled_until")] == [
        None,
        [],
        None,
    ]


async def test_moderator_cannot_rename_the_owner_or_a_peer(api: Api) -> None:
    alice, bob, carol, guild_id, roles = await with_moderator(api, P.MANAGE_NICKNAMES)
    await give(alice, guild_id, carol, roles["mod"])
    for target in (alice, carol):
        response = await bob.patch(f"/guilds/{guild_id}/members/{target.id}", json={"nick": "x"})
        assert response.status_code == 403
        assert error_code(response) == 50013


async def test_member_changes_own_nick_with_change_nickname(
    api: Api, published: list[Envelope]
) -> None:
    _, bob, guild_id = await setup(api)
    published.clear()
    response = await bob.patch(f"/guilds/{guild_id}/members/@me", json={"nick": "Bobby"})
    assert response.status_code == 200
    assert response.json()["nick"] == "Bobby"
    assert response.json()["user"]["id"] == str(bob.id)
    assert [e.type for e in published] == ["GUILD_MEMBER_UPDATE"]
    legacy = await bob.patch(f"/guilds/{guild_id}/members/@me/nick", json={"nick": "Rob"})
    assert legacy.json() == {"nick": "Rob"}
    assert (await member_of(bob, guild_id, bob))["nick"] == "Rob"


async def test_member_without_change_nickname_cannot_change_own_nick(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    without = DEFAULT_EVERYONE_PERMISSIONS & ~int(P.CHANGE_NICKNAME)
    await alice.patch(f"/guilds/{guild_id}/roles/{guild_id}", json={"permissions": str(without)})
    for path in ("@me", str(bob.id)):
        response = await bob.patch(f"/guilds/{guild_id}/members/{path}", json={"nick": "Bobby"})
        assert response.status_code == 403, path
        assert error_code(response) == 50013
    assert (await member_of(bob, guild_id, bob))["nick"] is None


async def test_non_member_cannot_change_own_nick_there(api: Api) -> None:
    _, _, guild_id = await setup(api)
    stranger = await api.account("stranger")
    response = await stranger.patch(f"/guilds/{guild_id}/members/@me", json={"nick": "x"})
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_too_long_own_nick_is_400(api: Api) -> None:
    _, bob, guild_id = await setup(api)
    response = await bob.patch(f"/guilds/{guild_id}/members/@me", json={"nick": "x" * 33})
    assert response.status_code == 400
    assert error_code(response) == 50035
    assert (await member_of(bob, guild_id, bob))["nick"] is None


# Roles of a member


async def test_moderator_sets_roles_below_their_own(api: Api, published: list[Envelope]) -> None:
    _, bob, carol, guild_id, roles = await with_moderator(api, P.MANAGE_ROLES)
    published.clear()
    response = await bob.patch(
        f"/guilds/{guild_id}/members/{carol.id}", json={"roles": [roles["low"]]}
    )
    assert response.status_code == 200
    assert response.json()["roles"] == [roles["low"]]
    assert (await member_of(carol, guild_id, carol))["roles"] == [roles["low"]]
    assert [e.type for e in published] == ["GUILD_MEMBER_UPDATE"]


async def test_moderator_cannot_set_or_remove_roles_at_or_above_their_own(api: Api) -> None:
    alice, bob, carol, guild_id, roles = await with_moderator(api, P.MANAGE_ROLES)
    for wanted in ([roles["mod"]], [roles["high"]], [roles["low"], roles["high"]]):
        response = await bob.patch(f"/guilds/{guild_id}/members/{carol.id}", json={"roles": wanted})
        assert response.status_code == 403, wanted
        assert error_code(response) == 50013
    await give(alice, guild_id, carol, roles["high"])
    removing = await bob.patch(f"/guilds/{guild_id}/members/{carol.id}", json={"roles": []})
    assert error_code(removing) == 50013
    assert (await member_of(carol, guild_id, carol))["roles"] == [roles["high"]]


async def test_member_without_manage_roles_cannot_set_roles(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    role = await make_role(alice, guild_id, "any")
    response = await bob.patch(f"/guilds/{guild_id}/members/{bob.id}", json={"roles": [role]})
    assert response.status_code == 403
    assert error_code(response) == 50013


async def test_role_is_given_and_taken_one_at_a_time(api: Api, published: list[Envelope]) -> None:
    alice, bob, guild_id = await setup(api)
    role = await make_role(alice, guild_id, "helpers")
    published.clear()
    assert (await alice.put(f"/guilds/{guild_id}/members/{bob.id}/roles/{role}")).status_code == 204
    assert (await member_of(bob, guild_id, bob))["roles"] == [role]
    removed = await alice.delete(f"/guilds/{guild_id}/members/{bob.id}/roles/{role}")
    assert removed.status_code == 204
    assert removed.content == b""
    assert (await member_of(bob, guild_id, bob))["roles"] == []
    assert [e.type for e in published] == ["GUILD_MEMBER_UPDATE", "GUILD_MEMBER_UPDATE"]


async def test_granting_a_role_changes_what_the_member_may_do(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    role = await make_role(alice, guild_id, "roler", int(P.MANAGE_ROLES))
    assert error_code(await bob.post(f"/guilds/{guild_id}/roles", json={})) == 50013
    await give(alice, guild_id, bob, role)
    assert (await bob.post(f"/guilds/{guild_id}/roles", json={})).status_code == 200
    await alice.delete(f"/guilds/{guild_id}/members/{bob.id}/roles/{role}")
    assert error_code(await bob.post(f"/guilds/{guild_id}/roles", json={})) == 50013


async def test_member_without_manage_roles_cannot_give_or_take_roles(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    role = await make_role(alice, guild_id, "helpers")
    for method in (bob.put, bob.delete):
        response = await method(f"/guilds/{guild_id}/members/{bob.id}/roles/{role}")
        assert response.status_code == 403
        assert error_code(response) == 50013
    assert (await member_of(bob, guild_id, bob))["roles"] == []


async def test_non_member_cannot_give_roles(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    role = await make_role(alice, guild_id, "helpers")
    stranger = await api.account("stranger")
    response = await stranger.put(f"/guilds/{guild_id}/members/{bob.id}/roles/{role}")
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_giving_unknown_roles_or_to_unknown_members_is_404(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    role = await make_role(alice, guild_id, "helpers")
    unknown_role = await alice.put(f"/guilds/{guild_id}/members/{bob.id}/roles/123456789012345678")
    assert unknown_role.status_code == 404
    assert error_code(unknown_role) == 10011
    outsider = await api.account("outsider")
    unknown_member = await alice.put(f"/guilds/{guild_id}/members/{outsider.id}/roles/{role}")
    assert unknown_member.status_code == 404
    assert error_code(unknown_member) == 10007
    malformed = await alice.put(f"/guilds/{guild_id}/members/{bob.id}/roles/abc")
    assert malformed.status_code == 400


async def test_moderator_cannot_give_a_role_at_or_above_their_own(api: Api) -> None:
    _, bob, carol, guild_id, roles = await with_moderator(api, P.MANAGE_ROLES)
    for name in ("mod", "high"):
        response = await bob.put(f"/guilds/{guild_id}/members/{carol.id}/roles/{roles[name]}")
        assert response.status_code == 403, name
        assert error_code(response) == 50013
    assert (
        await bob.put(f"/guilds/{guild_id}/members/{carol.id}/roles/{roles['low']}")
    ).status_code == 204
    assert (await member_of(carol, guild_id, carol))["roles"] == [roles["low"]]


async def test_managed_and_everyone_roles_cannot_be_given_by_hand(api: Api, app: FastAPI) -> None:
    alice, bob, guild_id = await setup(api)
    bot_role = Role(
        app.state.services.ids.next_id(), int(guild_id), "bot", 0, 1, managed=True, bot_id=1
    )
    async with direct_write(app.state.services) as conn:
        await guild_store.insert_role(conn, bot_role)
    for role_id in (bot_role.id, guild_id):
        response = await alice.put(f"/guilds/{guild_id}/members/{bob.id}/roles/{role_id}")
        assert response.status_code == 400
        assert error_code(response) == 50028
    patched = await alice.patch(
        f"/guilds/{guild_id}/members/{bob.id}", json={"roles": [str(bot_role.id)]}
    )
    assert error_code(patched) == 50028
    assert (await member_of(bob, guild_id, bob))["roles"] == []


# Timeouts


async def test_moderator_times_out_a_member_and_lifts_it(api: Api) -> None:
    _, bob, carol, guild_id, _ = await with_moderator(api, P.MODERATE_MEMBERS)
    until = in_days(1)
    response = await bob.patch(
        f"/guilds/{guild_id}/members/{carol.id}", json={"communication_disabled_until": until}
    )
    assert response.status_code == 200
    stored = (await member_of(carol, guild_id, carol))["communication_disabled_until"]
    assert abs(datetime.fromisoformat(stored) - datetime.fromisoformat(until)) < timedelta(
        seconds=1
    )
    lifted = await bob.patch(
        f"/guilds/{guild_id}/members/{carol.id}", json={"communication_disabled_until": None}
    )
    assert lifted.status_code == 200
    assert (await member_of(carol, guild_id, carol))["communication_disabled_until"] is None


async def test_timed_out_moderator_loses_their_powers(api: Api) -> None:
    alice, bob, _, guild_id, _ = await with_moderator(api, P.MANAGE_ROLES)
    await alice.patch(
        f"/guilds/{guild_id}/members/{bob.id}", json={"communication_disabled_until": in_days(1)}
    )
    assert error_code(await bob.post(f"/guilds/{guild_id}/roles", json={})) == 50013


async def test_owner_and_administrators_cannot_be_timed_out(api: Api) -> None:
    alice, bob, carol, guild_id, _ = await with_moderator(api, P.MODERATE_MEMBERS)
    admin_role = await make_role(alice, guild_id, "admin", int(P.ADMINISTRATOR))
    await give(alice, guild_id, carol, admin_role)
    for actor, target in ((bob, alice), (alice, carol), (carol, alice)):
        response = await actor.patch(
            f"/guilds/{guild_id}/members/{target.id}",
            json={"communication_disabled_until": in_days(1)},
        )
        assert response.status_code == 403
        assert error_code(response) == 50013
    assert (await member_of(alice, guild_id, alice))["communication_disabled_until"] is None


async def test_moderator_cannot_time_out_a_peer_or_without_moderate_members(api: Api) -> None:
    alice, bob, carol, guild_id, roles = await with_moderator(api, P.MODERATE_MEMBERS)
    await give(alice, guild_id, carol, roles["mod"])
    peer = await bob.patch(
        f"/guilds/{guild_id}/members/{carol.id}", json={"communication_disabled_until": in_days(1)}
    )
    assert error_code(peer) == 50013
    _, dave, guild2 = await setup(api)
    plain = await dave.patch(
        f"/guilds/{guild2}/members/{dave.id}", json={"communication_disabled_until": in_days(1)}
    )
    assert plain.status_code == 403
    assert error_code(plain) == 50013


# Voice state flags


async def test_mute_and_deafen_need_their_permissions(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    refused = await bob.patch(f"/guilds/{guild_id}/members/{alice.id}", json={"mute": True})
    assert error_code(refused) == 50013
    done = await alice.patch(
        f"/guilds/{guild_id}/members/{bob.id}", json={"mute": True, "deaf": True}
    )
    assert done.status_code == 200
    assert (done.json()["mute"], done.json()["deaf"]) == (True, True)
    moving = await alice.patch(
        f"/guilds/{guild_id}/members/{bob.id}", json={"channel_id": guild_id}
    )
    assert moving.status_code == 400
    assert error_code(moving) == 40032


# Kicks


async def test_kicked_member_loses_access_and_hears_of_it(
    api: Api, published: list[Envelope]
) -> None:
    alice, bob, guild_id = await setup(api)
    published.clear()
    response = await alice.delete(f"/guilds/{guild_id}/members/{bob.id}")
    assert response.status_code == 204
    assert response.content == b""
    denied = await bob.get(f"/guilds/{guild_id}")
    assert denied.status_code == 403
    assert error_code(denied) == 50001
    assert error_code(await alice.get(f"/guilds/{guild_id}/members/{bob.id}")) == 10007
    assert [(e.type, e.user_ids) for e in published] == [
        ("GUILD_MEMBER_REMOVE", None),
        ("GUILD_DELETE", frozenset({bob.id})),
    ]
    await bob.join(alice, (await alice.get(f"/guilds/{guild_id}")).json()["system_channel_id"])


async def test_member_without_kick_members_cannot_kick(api: Api) -> None:
    alice, bob, guild_id = await setup(api)
    carol = await api.account("carol")
    await carol.join(alice, (await alice.get(f"/guilds/{guild_id}")).json()["system_channel_id"])
    response = await bob.delete(f"/guilds/{guild_id}/members/{carol.id}")
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert (await member_of(alice, guild_id, carol))["user"]["id"] == str(carol.id)


async def test_non_member_cannot_kick(api: Api) -> None:
    _, bob, guild_id = await setup(api)
    stranger = await api.account("stranger")
    response = await stranger.delete(f"/guilds/{guild_id}/members/{bob.id}")
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_kicking_someone_who_is_not_a_member_is_404(api: Api) -> None:
    alice, _, guild_id = await setup(api)
    outsider = await api.account("outsider")
    response = await alice.delete(f"/guilds/{guild_id}/members/{outsider.id}")
    assert response.status_code == 404
    assert error_code(response) == 10007
    assert (await alice.delete(f"/guilds/{guild_id}/members/-5")).status_code == 400


async def test_moderator_kicks_lower_members_but_not_the_owner_or_peers(api: Api) -> None:
    alice, bob, carol, guild_id, roles = await with_moderator(api, P.KICK_MEMBERS)
    dave = await api.account("dave")
    await dave.join(alice, (await alice.get(f"/guilds/{guild_id}")).json()["system_channel_id"])
    await give(alice, guild_id, carol, roles["mod"])
    for target in (alice, carol, bob):
        response = await bob.delete(f"/guilds/{guild_id}/members/{target.id}")
        assert response.status_code == 403
        assert error_code(response) == 50013
    assert (await bob.delete(f"/guilds/{guild_id}/members/{dave.id}")).status_code == 204
    listed = await alice.get(f"/guilds/{guild_id}/members", params={"limit": 10})
    assert {m["user"]["id"] for m in listed.json()} == {str(alice.id), str(bob.id), str(carol.id)}


async def test_owner_may_kick_anyone_but_themselves(api: Api) -> None:
    alice, bob, _, guild_id, roles = await with_moderator(api, P.ADMINISTRATOR)
    await give(alice, guild_id, bob, roles["high"])
    assert error_code(await alice.delete(f"/guilds/{guild_id}/members/{alice.id}")) == 50013
    assert (await alice.delete(f"/guilds/{guild_id}/members/{bob.id}")).status_code == 204
