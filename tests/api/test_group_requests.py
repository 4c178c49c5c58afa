"""Join requests (docs/communities.md): asking to join a closed group, the group's admins
deciding, the person withdrawing."""

from __future__ import annotations

from typing import Any

from tests.api.test_groups import channel_ids, community, directory, make_group, me, member_path
from tests.conftest import Account, Api, error_code, event_types, text_channel
from townhall.events.event import Envelope


def requests_path(group: dict[str, Any]) -> str:
    return f"/channels/{group['id']}/join-requests"


async def ask(account: Account, group: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await account.post(requests_path(group), json=body)
    assert response.status_code == 201, response.text
    request: dict[str, Any] = response.json()
    return request


async def requests_of(account: Account, group: dict[str, Any], **params: Any) -> list[Any]:
    response = await account.get(requests_path(group), params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def decide(
    account: Account, group: dict[str, Any], request: dict[str, Any], status: int
) -> Any:
    return await account.patch(f"{requests_path(group)}/{request['id']}", json={"status": status})


async def closed_group(api: Api, n: int = 2) -> tuple[Account, dict[str, Any], Any, list[Account]]:
    owner, guild, people = await community(api, n)
    return owner, guild, await make_group(owner, guild, "board", group_join_policy=1), people


async def test_a_request_waits_for_the_admins_and_approving_makes_a_member(
    api: Api, published: list[Envelope]
) -> None:
    owner, guild, group, (ada, _bob) = await closed_group(api)
    request = await ask(ada, group, message="I keep the minutes")
    assert request["status"] == 0 and request["message"] == "I keep the minutes"
    assert request["user_id"] == str(ada.id) and request["user"]["id"] == str(ada.id)
    assert request["channel_id"] == group["id"] and request["guild_id"] == guild["id"]
    assert request["decided_by"] is None and request["decided_at"] is None
    assert event_types(published).count("GROUP_JOIN_REQUEST_CREATE") == 2  # admins, and Ada
    assert await requests_of(owner, group) == [request]
    own = await ada.get("/users/@me/join-requests")
    assert own.status_code == 200 and own.json() == [request]
    assert (await directory(ada, guild))[0]["requested"] is True

    published.clear()
    approved = await decide(owner, group, request, 1)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == 1 and body["decided_by"] == str(owner.id) and body["decided_at"]
    assert event_types(published) == [
        "CHANNEL_UPDATE",
        "GROUP_JOIN_REQUEST_UPDATE",
        "GROUP_JOIN_REQUEST_UPDATE",
    ]
    assert group["id"] in await channel_ids(ada, guild)
    listed = (await directory(ada, guild))[0]
    assert listed["joined"] is True and listed["requested"] is False
    assert await requests_of(owner, group) == []
    assert [r["id"] for r in await requests_of(owner, group, status=1)] == [request["id"]]
    assert (await ada.get("/users/@me/join-requests")).json() == []
    again = await decide(owner, group, request, 2)
    assert again.status_code == 400 and error_code(again) == 50035


async def test_a_declined_request_leaves_the_group_closed_and_one_may_ask_again(api: Api) -> None:
    owner, guild, group, (ada, _bob) = await closed_group(api)
    request = await ask(ada, group)
    assert request["message"] is None
    declined = await decide(owner, group, request, 2)
    assert declined.status_code == 200 and declined.json()["status"] == 2
    assert group["id"] not in await channel_ids(ada, guild)
    assert [r["id"] for r in await requests_of(owner, group, status=2)] == [request["id"]]
    again = await ask(ada, group, message="please?")
    assert again["id"] != request["id"]


async def test_one_pending_request_per_person_and_group_and_none_for_open_groups(
    api: Api,
) -> None:
    owner, guild, group, (ada, _bob) = await closed_group(api)
    await ask(ada, group)
    twice = await ada.post(requests_path(group), json={})
    assert twice.status_code == 400 and error_code(twice) == 50035
    open_group = await make_group(owner, guild, "open")
    refused = await ada.post(requests_path(open_group), json={})
    assert refused.status_code == 400 and error_code(refused) == 50035
    member = await owner.post(requests_path(group), json={})  # its admin is a member already
    assert member.status_code == 400 and error_code(member) == 50035
    assert len(await requests_of(owner, group)) == 1


async def test_the_person_asking_withdraws_their_request(
    api: Api, published: list[Envelope]
) -> None:
    owner, _guild, group, (ada, _bob) = await closed_group(api)
    await ask(ada, group)
    published.clear()
    withdrawn = await ada.delete(f"{requests_path(group)}/@me")
    assert withdrawn.status_code == 204
    assert event_types(published).count("GROUP_JOIN_REQUEST_DELETE") == 2
    assert await requests_of(owner, group) == []
    none = await ada.delete(f"{requests_path(group)}/@me")
    assert none.status_code == 404 and error_code(none) == 10072


async def test_only_the_groups_managers_see_and_decide_requests(api: Api) -> None:
    owner, guild, group, (ada, bob) = await closed_group(api)
    request = await ask(ada, group)
    assert (await owner.put(member_path(group, bob))).status_code == 204  # a plain member
    for account, code in ((bob, 50013), (ada, 50001)):  # Ada does not even see the group
        listed = await account.get(requests_path(group))
        assert listed.status_code == 403 and error_code(listed) == code
        decided = await decide(account, group, request, 1)
        assert decided.status_code == 403 and error_code(decided) == code
    stranger = await api.account("stranger")
    refused = await stranger.post(requests_path(group), json={})
    assert refused.status_code == 403 and error_code(refused) == 50001
    assert [r["status"] for r in await requests_of(owner, group)] == [0]
    assert group["id"] not in await channel_ids(ada, guild)


async def test_adding_someone_who_asked_approves_their_request(api: Api) -> None:
    owner, guild, group, (ada, _bob) = await closed_group(api)
    request = await ask(ada, group)
    assert (await owner.put(member_path(group, ada))).status_code == 204
    (approved,) = await requests_of(owner, group, status=1)
    assert approved["id"] == request["id"] and approved["decided_by"] == str(owner.id)
    assert (await directory(ada, guild))[0]["joined"] is True


async def test_removing_a_group_drops_its_waiting_requests(api: Api) -> None:
    owner, guild, group, (ada, _bob) = await closed_group(api)
    await ask(ada, group)
    removed = await owner.delete(f"/guilds/{guild['id']}/groups/{group['id']}")
    assert removed.status_code == 200
    assert (await ada.get("/users/@me/join-requests")).json() == []


async def test_bad_input_and_unknown_ids_are_refused(api: Api) -> None:
    owner, guild, group, (ada, _bob) = await closed_group(api)
    long = await ada.post(requests_path(group), json={"message": "x" * 501})
    assert long.status_code == 400 and error_code(long) == 50035
    assert (await ask(ada, group, message="x" * 500))["message"] == "x" * 500
    request = (await requests_of(owner, group))[0]
    for status in (0, 3, "yes"):
        bad = await decide(owner, group, request, status)  # type: ignore[arg-type]
        assert bad.status_code == 400 and error_code(bad) == 50035, status
    bad = await owner.get(requests_path(group), params={"status": 7})
    assert bad.status_code == 400 and error_code(bad) == 50035
    unknown = await decide(owner, group, {"id": "1"}, 1)
    assert unknown.status_code == 404 and error_code(unknown) == 10072
    unknown = await ada.post("/channels/1/join-requests", json={})
    assert unknown.status_code == 404 and error_code(unknown) == 10003
    plain = await ada.post(requests_path(text_channel(guild)), json={})
    assert plain.status_code == 400 and error_code(plain) == 50024
    assert [r["status"] for r in await requests_of(owner, group)] == [0]


async def test_leaving_the_community_withdraws_requests_and_leaves_its_groups(
    api: Api, published: list[Envelope]
) -> None:
    owner, guild, group, (ada, bob) = await closed_group(api)
    request = await ask(ada, group)
    open_group = await make_group(owner, guild, "open one")
    assert (await bob.put(me(open_group))).status_code == 204
    assert (await ada.put(me(open_group))).status_code == 204
    assert (await ada.delete(f"/users/@me/guilds/{guild['id']}")).status_code == 204
    assert "GROUP_JOIN_REQUEST_DELETE" in event_types(published)
    assert await requests_of(owner, group) == []
    gone = await decide(owner, group, request, 1)
    assert gone.status_code == 404 and error_code(gone) == 10072
    listed = {g["id"]: g for g in await directory(owner, guild)}
    assert listed[open_group["id"]]["member_count"] == 2  # the owner and bob
    members = await owner.get(f"/channels/{open_group['id']}/group-members")
    assert str(ada.id) not in {m["user"]["id"] for m in members.json()}


async def test_joining_a_closed_group_directly_is_refused_even_after_asking(api: Api) -> None:
    _owner, _guild, group, (ada, _bob) = await closed_group(api)
    await ask(ada, group)
    refused = await ada.put(me(group))
    assert refused.status_code == 403 and error_code(refused) == 50013
