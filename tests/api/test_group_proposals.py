"""Group proposals (docs/communities.md): members propose groups (or a channel they run), the
community's admins decide."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_groups import channel_ids, community, directory, members_of
from tests.conftest import Account, Api, error_code, event_types, text_channel
from townhall.domain.groups import GroupFlag
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope


def proposals_path(guild: dict[str, Any]) -> str:
    return f"/guilds/{guild['id']}/group-proposals"


async def propose(account: Account, guild: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await account.post(proposals_path(guild), json=body)
    assert response.status_code == 201, response.text
    proposal: dict[str, Any] = response.json()
    return proposal


async def proposals_of(account: Account, guild: dict[str, Any], **params: Any) -> list[Any]:
    response = await account.get(proposals_path(guild), params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def decide(
    account: Account, guild: dict[str, Any], proposal: dict[str, Any], status: int
) -> Any:
    path = f"{proposals_path(guild)}/{proposal['id']}"
    return await account.patch(path, json={"status": status})


async def test_an_approved_proposal_becomes_a_group_with_its_proposer_as_admin(
    api: Api, published: list[Envelope]
) -> None:
    owner, guild, (ada, bob) = await community(api)
    proposal = await propose(ada, guild, name="Chess Club", topic="Tuesdays", group_join_policy=1)
    assert proposal["name"] == "chess-club" and proposal["topic"] == "Tuesdays"
    assert proposal["group_join_policy"] == 1 and proposal["status"] == 0
    assert proposal["user"]["id"] == str(ada.id) and proposal["channel_id"] is None
    assert event_types(published).count("GROUP_PROPOSAL_CREATE") == 2  # admins, and Ada
    assert await proposals_of(owner, guild) == [proposal]
    assert await proposals_of(ada, guild) == [proposal]
    assert await proposals_of(bob, guild) == []  # others see their own only

    published.clear()
    approved = await decide(owner, guild, proposal, 1)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == 1 and body["decided_by"] == str(owner.id) and body["channel_id"]
    assert event_types(published) == [
        "CHANNEL_CREATE",
        "GROUP_PROPOSAL_UPDATE",
        "GROUP_PROPOSAL_UPDATE",
    ]
    (listed,) = await directory(bob, guild)
    assert listed["id"] == body["channel_id"] and listed["group_join_policy"] == 1
    assert listed["name"] == "chess-club" and listed["topic"] == "Tuesdays"
    group = {"id": body["channel_id"]}
    assert await members_of(ada, group) == [(str(ada.id), True)]
    assert body["channel_id"] not in await channel_ids(bob, guild)
    assert await proposals_of(owner, guild) == []
    assert [p["id"] for p in await proposals_of(ada, guild, status=1)] == [proposal["id"]]
    again = await decide(owner, guild, proposal, 2)
    assert again.status_code == 400 and error_code(again) == 50035


async def test_a_declined_proposal_makes_nothing(api: Api) -> None:
    owner, guild, (ada,) = await community(api, 1)
    proposal = await propose(ada, guild, name="quiet")
    declined = await decide(owner, guild, proposal, 2)
    assert declined.status_code == 200 and declined.json()["status"] == 2
    assert declined.json()["channel_id"] is None
    assert await directory(ada, guild) == []
    assert [p["id"] for p in await proposals_of(owner, guild, status=2)] == [proposal["id"]]


async def test_a_member_links_a_channel_they_run_and_approval_makes_it_a_group(api: Api) -> None:
    owner, guild, (ada, bob) = await community(api)
    made = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "parents"})
    assert made.status_code == 201, made.text
    channel = made.json()
    runs = str(int(P.VIEW_CHANNEL | P.MANAGE_ROLES))
    given = await owner.put(
        f"/channels/{channel['id']}/permissions/{ada.id}",
        json={"type": 1, "allow": runs, "deny": "0"},
    )
    assert given.status_code == 204
    refused = await bob.post(proposals_path(guild), json={"channel_id": channel["id"]})
    assert refused.status_code == 403 and error_code(refused) == 50013
    proposal = await propose(ada, guild, channel_id=channel["id"])
    assert proposal["channel_id"] == channel["id"] and proposal["name"] == "parents"
    assert channel["id"] in await channel_ids(bob, guild)

    approved = await decide(owner, guild, proposal, 1)
    assert approved.status_code == 200, approved.text
    assert approved.json()["channel_id"] == channel["id"]
    flags = (await owner.get(f"/channels/{channel['id']}")).json()["flags"]
    assert flags & GroupFlag.GROUP
    assert channel["id"] not in await channel_ids(bob, guild)  # a group hides from @everyone
    assert [g["id"] for g in await directory(bob, guild)] == [channel["id"]]
    assert (str(ada.id), True) in await members_of(ada, channel)
    twice = await ada.post(proposals_path(guild), json={"channel_id": channel["id"]})
    assert twice.status_code == 400 and error_code(twice) == 50035


async def test_only_the_communitys_admins_decide(api: Api, app: FastAPI) -> None:
    _owner, guild, (ada, bob) = await community(api)
    proposal = await propose(ada, guild, name="mine")
    for account in (ada, bob):
        refused = await decide(account, guild, proposal, 1)
        assert refused.status_code == 403 and error_code(refused) == 50013
    await store_setup.give_role(app, guild["id"], [bob.id], int(P.MANAGE_CHANNELS))
    assert [p["id"] for p in await proposals_of(bob, guild)] == [proposal["id"]]
    assert (await decide(bob, guild, proposal, 2)).status_code == 200


async def test_the_proposer_withdraws_a_pending_proposal_and_nobody_else_can(
    api: Api, published: list[Envelope]
) -> None:
    owner, guild, (ada, bob) = await community(api)
    proposal = await propose(ada, guild, name="mine")
    for account in (bob, owner):
        refused = await account.delete(f"{proposals_path(guild)}/{proposal['id']}")
        assert refused.status_code == 403 and error_code(refused) == 50013
    published.clear()
    withdrawn = await ada.delete(f"{proposals_path(guild)}/{proposal['id']}")
    assert withdrawn.status_code == 204
    assert event_types(published).count("GROUP_PROPOSAL_DELETE") == 2
    assert await proposals_of(owner, guild) == []
    gone = await ada.delete(f"{proposals_path(guild)}/{proposal['id']}")
    assert gone.status_code == 404 and error_code(gone) == 10073
    decided = await propose(ada, guild, name="other")
    assert (await decide(owner, guild, decided, 2)).status_code == 200
    late = await ada.delete(f"{proposals_path(guild)}/{decided['id']}")
    assert late.status_code == 400 and error_code(late) == 50035


async def test_at_most_ten_pending_proposals_per_person(api: Api) -> None:
    _owner, guild, (ada, bob) = await community(api)
    for i in range(10):
        await propose(ada, guild, name=f"idea {i}")
    refused = await ada.post(proposals_path(guild), json={"name": "one more"})
    assert refused.status_code == 400 and error_code(refused) == 30062
    await propose(bob, guild, name="bob's idea")


async def test_proposals_need_a_community_and_a_member(api: Api) -> None:
    owner = await api.account("owner")
    guild = await owner.guild("Not a community")
    refused = await owner.post(proposals_path(guild), json={"name": "x"})
    assert refused.status_code == 400 and error_code(refused) == 50024
    stranger = await api.account("stranger")
    _owner, club, _people = await community(api, 0)
    for response in (
        await stranger.post(proposals_path(club), json={"name": "x"}),
        await stranger.get(proposals_path(club)),
    ):
        assert response.status_code == 403 and error_code(response) == 50001


async def test_bad_input_and_unknown_ids_are_refused(api: Api) -> None:
    owner, guild, (ada,) = await community(api, 1)
    for body in (
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "x", "topic": "t" * 1025},
        {"name": "x", "group_join_policy": 5},
        {"channel_id": "1"},
        {"channel_id": text_channel(guild)["id"], "name": None},
    ):
        bad = await ada.post(proposals_path(guild), json=body)
        expected = 403 if body.get("channel_id") == text_channel(guild)["id"] else 400
        assert bad.status_code == expected, (body, bad.text)
    voice = next(c for c in guild["channels"] if c["type"] == 2)
    bad = await owner.post(proposals_path(guild), json={"channel_id": voice["id"]})
    assert bad.status_code == 400 and error_code(bad) == 50035
    proposal = await propose(ada, guild, name="fine")
    for status in (0, 3):
        bad = await decide(owner, guild, proposal, status)
        assert bad.status_code == 400 and error_code(bad) == 50035
    unknown = await decide(owner, guild, {"id": "1"}, 1)
    assert unknown.status_code == 404 and error_code(unknown) == 10073
    bad = await owner.get(proposals_path(guild), params={"status": 9})
    assert bad.status_code == 400 and error_code(bad) == 50035
    assert [p["status"] for p in await proposals_of(owner, guild)] == [0]
