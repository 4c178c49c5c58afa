"""Groups of a community (docs/communities.md): the directory, making and removing groups,
joining and leaving, and a group's members as its admins manage them."""

from __future__ import annotations

from typing import Any

from tests.api import test_guests as guests
from tests.conftest import Account, Api, error_code, event_types, text_channel
from townhall.domain.groups import GroupFlag
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope


async def community(api: Api, n: int = 2) -> tuple[Account, dict[str, Any], list[Account]]:
    """An owner, their community and `n` members who joined by invite."""
    owner = await api.account("owner")
    guild = await owner.guild("Club")
    turned = await owner.patch(f"/guilds/{guild['id']}", json={"features": ["COMMUNITY"]})
    assert turned.status_code == 200, turned.text
    people = [await api.account("member") for _ in range(n)]
    for person in people:
        await person.join(owner, text_channel(guild)["id"])
    return owner, guild, people


async def make_group(
    account: Account, guild: dict[str, Any], name: str = "u12 team", **body: Any
) -> dict[str, Any]:
    response = await account.post(f"/guilds/{guild['id']}/groups", json={"name": name, **body})
    assert response.status_code == 201, response.text
    group: dict[str, Any] = response.json()
    return group


async def directory(account: Account, guild: dict[str, Any]) -> list[dict[str, Any]]:
    response = await account.get(f"/guilds/{guild['id']}/groups")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


async def members_of(account: Account, group: dict[str, Any], **params: Any) -> list[Any]:
    response = await account.get(f"/channels/{group['id']}/group-members", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return [(m["user"]["id"], m["admin"]) for m in found]


async def channel_ids(account: Account, guild: dict[str, Any]) -> list[str]:
    response = await account.get(f"/guilds/{guild['id']}/channels")
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


def me(group: dict[str, Any]) -> str:
    return f"/channels/{group['id']}/group-members/@me"


def member_path(group: dict[str, Any], account: Account | int | str) -> str:
    user_id = account.id if isinstance(account, Account) else account
    return f"/channels/{group['id']}/group-members/{user_id}"


async def test_a_manager_makes_a_group_and_is_its_first_admin(
    api: Api, published: list[Envelope]
) -> None:
    owner, guild, (ada, _bob) = await community(api)
    group = await make_group(owner, guild, "U12 Team", topic="Saturdays at ten")
    assert group["type"] == 0 and group["name"] == "u12-team"
    assert group["flags"] & GroupFlag.GROUP and not group["flags"] & GroupFlag.REQUESTS
    assert group["topic"] == "Saturdays at ten"
    assert "CHANNEL_CREATE" in event_types(published)
    assert await members_of(owner, group) == [(str(owner.id), True)]
    (listed,) = await directory(ada, guild)
    assert listed == {
        "id": group["id"],
        "name": "u12-team",
        "topic": "Saturdays at ten",
        "group_join_policy": 0,
        "member_count": 1,
        "joined": False,
        "admin": False,
        "requested": False,
    }
    (own,) = await directory(owner, guild)
    assert own["joined"] is True and own["admin"] is True


async def test_the_directory_lists_groups_by_position_and_their_policy(api: Api) -> None:
    owner, guild, (ada,) = await community(api, 1)
    first = await make_group(owner, guild, "first")
    closed = await make_group(owner, guild, "second", group_join_policy=1)
    assert closed["flags"] & GroupFlag.REQUESTS
    listed = await directory(ada, guild)
    assert [(g["id"], g["group_join_policy"]) for g in listed] == [
        (first["id"], 0),
        (closed["id"], 1),
    ]


async def test_joining_an_open_group_shows_it_and_leaving_hides_it_again(
    api: Api, published: list[Envelope]
) -> None:
    owner, guild, (ada, _bob) = await community(api)
    group = await make_group(owner, guild)
    assert group["id"] not in await channel_ids(ada, guild)
    published.clear()
    joined = await ada.put(me(group))
    assert joined.status_code == 204, joined.text
    assert event_types(published) == ["CHANNEL_UPDATE"]  # one event, however big the group
    assert group["id"] in await channel_ids(ada, guild)
    said = await ada.post(f"/channels/{group['id']}/messages", json={"content": "hello team"})
    assert said.status_code == 200, said.text
    assert (await directory(ada, guild))[0]["joined"] is True
    assert (await directory(ada, guild))[0]["member_count"] == 2
    assert (await ada.put(me(group))).status_code == 204  # again: no change
    assert await members_of(ada, group) == sorted([(str(owner.id), True), (str(ada.id), False)])

    assert (await ada.delete(me(group))).status_code == 204
    assert group["id"] not in await channel_ids(ada, guild)
    read = await ada.get(f"/channels/{group['id']}/messages")
    assert read.status_code == 403 and error_code(read) == 50001
    assert (await directory(ada, guild))[0]["joined"] is False


async def test_nobody_outside_a_closed_group_reads_it_sees_it_or_joins_it_at_once(
    api: Api,
) -> None:
    owner, guild, (ada, _bob) = await community(api)
    group = await make_group(owner, guild, "board", group_join_policy=1)
    said = await owner.post(f"/channels/{group['id']}/messages", json={"content": "agenda"})
    assert said.status_code == 200
    read = await ada.get(f"/channels/{group['id']}/messages")
    assert read.status_code == 403 and error_code(read) == 50001
    assert group["id"] not in await channel_ids(ada, guild)
    refused = await ada.put(me(group))
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert group["id"] not in await channel_ids(ada, guild)
    members = await ada.get(f"/channels/{group['id']}/group-members")
    assert members.status_code == 403 and error_code(members) == 50001
    assert [g["joined"] for g in await directory(ada, guild)] == [False]


async def test_a_group_admin_adds_members_and_makes_admins_and_a_plain_member_cannot(
    api: Api,
) -> None:
    owner, guild, (ada, bob, cy) = await community(api, 3)
    group = await make_group(owner, guild, group_join_policy=1)
    assert (await owner.put(member_path(group, ada))).status_code == 204
    refused = await ada.put(member_path(group, bob))
    assert refused.status_code == 403 and error_code(refused) == 50013
    refused = await ada.delete(member_path(group, owner))
    assert refused.status_code == 403 and error_code(refused) == 50013
    requests = await ada.get(f"/channels/{group['id']}/join-requests")
    assert requests.status_code == 403 and error_code(requests) == 50013

    made = await owner.put(member_path(group, ada), json={"admin": True})
    assert made.status_code == 204
    assert (await ada.put(member_path(group, bob))).status_code == 204
    assert (await ada.put(member_path(group, cy), json={})).status_code == 204
    assert await members_of(bob, group) == sorted(
        [(str(owner.id), True), (str(ada.id), True), (str(bob.id), False), (str(cy.id), False)]
    )
    assert (await ada.put(member_path(group, bob))).status_code == 204  # stays as they are
    assert (await ada.delete(member_path(group, cy))).status_code == 204
    assert (await ada.delete(member_path(group, cy))).status_code == 204  # not one: no change
    assert group["id"] not in await channel_ids(cy, guild)
    demoted = await owner.put(member_path(group, ada), json={"admin": False})
    assert demoted.status_code == 204
    refused = await ada.put(member_path(group, cy))
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert (await directory(ada, guild))[0]["admin"] is False


async def test_the_member_list_pages_by_user_id(api: Api) -> None:
    owner, guild, people = await community(api, 3)
    group = await make_group(owner, guild)
    for person in people:
        assert (await person.put(me(group))).status_code == 204
    everyone = sorted(str(a.id) for a in (owner, *people))
    first = await members_of(owner, group, limit=2)
    assert [uid for uid, _ in first] == everyone[:2]
    rest = await members_of(owner, group, after=first[-1][0])
    assert [uid for uid, _ in rest] == everyone[2:]
    bad = await owner.get(f"/channels/{group['id']}/group-members", params={"limit": 0})
    assert bad.status_code == 400 and error_code(bad) == 50035
    bad = await owner.get(f"/channels/{group['id']}/group-members", params={"limit": 1001})
    assert bad.status_code == 400 and error_code(bad) == 50035


async def test_a_plain_member_can_neither_make_nor_remove_groups(api: Api) -> None:
    owner, guild, (ada,) = await community(api, 1)
    refused = await ada.post(f"/guilds/{guild['id']}/groups", json={"name": "mine"})
    assert refused.status_code == 403 and error_code(refused) == 50013
    group = await make_group(owner, guild)
    assert (await ada.put(me(group))).status_code == 204
    refused = await ada.delete(f"/guilds/{guild['id']}/groups/{group['id']}")
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert len(await directory(ada, guild)) == 1


async def test_outsiders_of_the_community_get_missing_access(api: Api) -> None:
    owner, guild, _people = await community(api, 0)
    group = await make_group(owner, guild)
    stranger = await api.account("stranger")
    for response in (
        await stranger.get(f"/guilds/{guild['id']}/groups"),
        await stranger.put(me(group)),
        await stranger.get(f"/channels/{group['id']}/group-members"),
    ):
        assert response.status_code == 403 and error_code(response) == 50001


async def test_unknown_ids_and_bad_input_are_refused_and_change_nothing(api: Api) -> None:
    owner, guild, (ada,) = await community(api, 1)
    group = await make_group(owner, guild)
    unknown = await ada.put("/channels/1/group-members/@me")
    assert unknown.status_code == 404 and error_code(unknown) == 10003
    unknown = await owner.put(member_path(group, 1))
    assert unknown.status_code == 404 and error_code(unknown) == 10007
    unknown = await owner.delete(member_path(group, 1))
    assert unknown.status_code == 404 and error_code(unknown) == 10007
    unknown = await owner.delete(f"/guilds/{guild['id']}/groups/1")
    assert unknown.status_code == 404 and error_code(unknown) == 10003
    plain = text_channel(guild)
    not_a_group = await ada.put(me(plain))
    assert not_a_group.status_code == 400 and error_code(not_a_group) == 50024
    not_a_group = await owner.delete(f"/guilds/{guild['id']}/groups/{plain['id']}")
    assert not_a_group.status_code == 400 and error_code(not_a_group) == 50024
    for body in ({"name": "x" * 101}, {"name": ""}, {"name": "a", "group_join_policy": 2}, {}):
        bad = await owner.post(f"/guilds/{guild['id']}/groups", json=body)
        assert bad.status_code == 400 and error_code(bad) == 50035, body
    bad = await owner.post(
        f"/guilds/{guild['id']}/groups", json={"name": "a", "parent_id": plain["id"]}
    )
    assert bad.status_code == 400 and error_code(bad) == 50035
    bad = await owner.delete(f"/guilds/{guild['id']}/groups/{group['id']}?mode=burn")
    assert bad.status_code == 400 and error_code(bad) == 50035
    bad = await owner.put(member_path(group, ada), json={"admin": "maybe"})
    assert bad.status_code == 400 and error_code(bad) == 50035
    assert await members_of(owner, group) == [(str(owner.id), True)]
    assert len(await directory(owner, guild)) == 1


async def test_making_someone_admin_takes_holding_what_an_admin_holds(api: Api) -> None:
    """Overwrites never hand out more than their author has (Discord's rule): a community
    manager with MANAGE_ROLES there but not MANAGE_MESSAGES adds members, not admins."""
    owner, guild, (ada, bob) = await community(api)
    group = await make_group(owner, guild)
    limited = str(int(P.VIEW_CHANNEL | P.MANAGE_ROLES))
    given = await owner.put(
        f"/channels/{group['id']}/permissions/{ada.id}",
        json={"type": 1, "allow": limited, "deny": "0"},
    )
    assert given.status_code == 204
    assert (await ada.put(member_path(group, bob))).status_code == 204
    refused = await ada.put(member_path(group, bob), json={"admin": True})
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert (str(bob.id), False) in await members_of(owner, group)


async def test_a_removed_group_stays_a_private_channel_of_its_members(api: Api) -> None:
    owner, guild, (ada, bob) = await community(api)
    group = await make_group(owner, guild)
    assert (await ada.put(me(group))).status_code == 204
    removed = await owner.delete(f"/guilds/{guild['id']}/groups/{group['id']}?mode=keep")
    assert removed.status_code == 200, removed.text
    assert not removed.json()["flags"] & (GroupFlag.GROUP | GroupFlag.ARCHIVED)
    assert await directory(ada, guild) == []
    assert group["id"] in await channel_ids(ada, guild)
    assert group["id"] not in await channel_ids(bob, guild)
    said = await ada.post(f"/channels/{group['id']}/messages", json={"content": "still here"})
    assert said.status_code == 200
    again = await owner.delete(f"/guilds/{guild['id']}/groups/{group['id']}")
    assert again.status_code == 400 and error_code(again) == 50024


async def test_an_archived_group_is_read_only_for_its_members(api: Api) -> None:
    owner, guild, (ada,) = await community(api, 1)
    group = await make_group(owner, guild)
    assert (await ada.put(me(group))).status_code == 204
    said = await ada.post(f"/channels/{group['id']}/messages", json={"content": "last words"})
    assert said.status_code == 200
    archived = await owner.delete(f"/guilds/{guild['id']}/groups/{group['id']}?mode=archive")
    assert archived.status_code == 200, archived.text
    flags = archived.json()["flags"]
    assert flags & GroupFlag.ARCHIVED and not flags & GroupFlag.GROUP
    history = await ada.get(f"/channels/{group['id']}/messages")
    assert history.status_code == 200 and history.json()[0]["content"] == "last words"
    refused = await ada.post(f"/channels/{group['id']}/messages", json={"content": "more"})
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert await directory(ada, guild) == []
    assert await members_of(ada, group) == sorted([(str(owner.id), True), (str(ada.id), False)])
    assert (await ada.delete(me(group))).status_code == 204
    assert group["id"] not in await channel_ids(ada, guild)


async def test_guests_neither_browse_nor_join_groups_but_an_admin_may_add_them(api: Api) -> None:
    place = await guests.community(api)
    guest = await guests.join_as_guest(api, place.code)
    group = await make_group(place.owner, place.guild)
    for response in (
        await guest.get(f"/guilds/{place.guild['id']}/groups"),
        await guest.put(me(group)),
        await guest.post(f"/channels/{group['id']}/join-requests", json={}),
    ):
        assert response.status_code == 403 and error_code(response) == 40002
    assert (await place.owner.put(member_path(group, guest))).status_code == 204
    assert group["id"] in await channel_ids(guest, place.guild)
