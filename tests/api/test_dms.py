"""DMs and group DMs: /users/@me/channels, /channels/{id} on private channels, recipients."""

from __future__ import annotations

from typing import Any

from tests.conftest import Account, Api, error_code
from townhall.events.event import Envelope


async def open_dm(account: Account, other: Account) -> dict[str, Any]:
    response = await account.post("/users/@me/channels", json={"recipient_id": str(other.id)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def acquainted(first: Account, *others: Account) -> None:
    """Give everyone a guild in common: messages and group DMs need one (actions/dm_privacy.py)."""
    guild = await first.guild("Shared")
    for other in {o.id: o for o in others if o.id != first.id}.values():
        await other.join(first, guild["system_channel_id"])


async def group(owner: Account, *others: Account) -> dict[str, Any]:
    await acquainted(owner, *others)
    response = await owner.post(
        "/users/@me/channels", json={"recipients": [str(o.id) for o in others]}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def listed_ids(account: Account) -> list[str]:
    response = await account.get("/users/@me/channels")
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


def recipient_ids(channel: dict[str, Any]) -> set[int]:
    return {int(u["id"]) for u in channel["recipients"]}


async def accounts(api: Api, count: int) -> list[Account]:
    return [await api.account("gdm") for _ in range(count)]


# POST /users/@me/channels: DMs


async def test_dm_lists_only_the_other_user_as_recipient(
    api: Api, published: list[Envelope]
) -> None:
    alice, bob = await api.account("alice"), await api.account("bob")
    dm = await open_dm(alice, bob)
    assert dm["type"] == 1
    assert [u["id"] for u in dm["recipients"]] == [str(bob.id)]
    assert dm["recipients"][0]["username"] == bob.username
    assert "guild_id" not in dm
    created = [e for e in published if e.type == "CHANNEL_CREATE"]
    assert [e.user_ids for e in created] == [frozenset({alice.id})]


async def test_two_users_opening_a_dm_from_both_sides_share_one_channel(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    from_alice = await open_dm(alice, bob)
    from_bob = await open_dm(bob, alice)
    again = await open_dm(alice, bob)
    assert from_alice["id"] == from_bob["id"] == again["id"]
    assert [u["id"] for u in from_bob["recipients"]] == [str(alice.id)]
    assert await listed_ids(alice) == await listed_ids(bob) == [from_alice["id"]]


async def test_dm_with_an_unknown_user_is_10013_and_with_oneself_is_refused(api: Api) -> None:
    alice = await api.account()
    unknown = await alice.post("/users/@me/channels", json={"recipient_id": "123456"})
    assert (unknown.status_code, error_code(unknown)) == (404, 10013)
    myself = await alice.post("/users/@me/channels", json={"recipient_id": str(alice.id)})
    assert (myself.status_code, error_code(myself)) == (400, 50033)
    assert await listed_ids(alice) == []


async def test_invalid_dm_bodies_are_refused_and_create_nothing(api: Api) -> None:
    alice = await api.account()
    for body in ({}, {"recipient_id": "bob"}, {"recipients": "bob"}, {"recipient_id": -1}):
        response = await alice.post("/users/@me/channels", json=body)
        assert (response.status_code, error_code(response)) == (400, 50035), body
    assert await listed_ids(alice) == []


async def test_a_third_user_cannot_read_someone_elses_dm(api: Api) -> None:
    alice, bob, eve = await api.account(), await api.account(), await api.account()
    dm = await open_dm(alice, bob)
    response = await eve.get(f"/channels/{dm['id']}")
    assert (response.status_code, error_code(response)) == (403, 50001)
    assert (await bob.get(f"/channels/{dm['id']}")).json()["recipients"][0]["id"] == str(alice.id)


# GET /users/@me/channels and DELETE /channels/{dm}


async def test_closing_a_dm_hides_it_for_the_closer_only_until_reopened(
    api: Api, published: list[Envelope]
) -> None:
    alice, bob = await api.account(), await api.account()
    dm = await open_dm(alice, bob)
    published.clear()
    closed = await alice.delete(f"/channels/{dm['id']}")
    assert closed.status_code == 200
    assert closed.json()["id"] == dm["id"]
    assert await listed_ids(alice) == []
    assert await listed_ids(bob) == [dm["id"]]
    assert [(e.type, e.user_ids) for e in published] == [("CHANNEL_DELETE", frozenset({alice.id}))]
    reopened = await open_dm(alice, bob)
    assert reopened["id"] == dm["id"]
    assert await listed_ids(alice) == [dm["id"]]


async def test_user_lists_dms_and_group_dms(api: Api) -> None:
    alice, bob, carol = await api.account(), await api.account(), await api.account()
    dm = await open_dm(alice, bob)
    gdm = await group(carol, alice)
    response = await alice.get("/users/@me/channels")
    assert response.status_code == 200
    by_id = {c["id"]: c for c in response.json()}
    assert set(by_id) == {dm["id"], gdm["id"]}
    assert recipient_ids(by_id[gdm["id"]]) == {carol.id}
    assert by_id[gdm["id"]]["owner_id"] == str(carol.id)


async def test_listing_dms_needs_a_signed_in_user(api: Api) -> None:
    response = await api.http.get("/users/@me/channels")
    assert response.status_code == 401


# POST /users/@me/channels: group DMs


async def test_group_dm_is_owned_by_its_creator_and_announced_to_everyone(
    api: Api, published: list[Envelope]
) -> None:
    owner, bob, carol = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob, carol, bob)
    assert gdm["type"] == 3
    assert gdm["owner_id"] == str(owner.id)
    assert recipient_ids(gdm) == {bob.id, carol.id}
    created = [e for e in published if e.type == "CHANNEL_CREATE"]
    assert {u for e in created for u in e.user_ids or ()} == {owner.id, bob.id, carol.id}
    seen_by_bob = await bob.get(f"/channels/{gdm['id']}")
    assert recipient_ids(seen_by_bob.json()) == {owner.id, carol.id}


async def test_group_dm_from_access_tokens(api: Api) -> None:
    owner, bob = await api.account(), await api.account()
    response = await owner.post(
        "/users/@me/channels", json={"access_tokens": [bob.token], "nicks": {str(bob.id): "Bobby"}}
    )
    assert response.status_code == 200, response.text
    assert recipient_ids(response.json()) == {bob.id}
    bad = await owner.post("/users/@me/channels", json={"access_tokens": ["nope"]})
    assert (bad.status_code, error_code(bad)) == (400, 50035)


async def test_group_dm_holds_at_most_thirty_two_people(api: Api) -> None:
    owner = await api.account()
    others = await accounts(api, 32)
    full = await group(owner, *others[:31])
    assert len(full["recipients"]) == 31
    too_many = await owner.post(
        "/users/@me/channels", json={"recipients": [str(o.id) for o in others]}
    )
    assert (too_many.status_code, error_code(too_many)) == (400, 30004)
    assert await listed_ids(owner) == [full["id"]]


async def test_group_dm_with_an_unknown_user_is_refused(api: Api) -> None:
    owner, bob = await api.account(), await api.account()
    response = await owner.post("/users/@me/channels", json={"recipients": [str(bob.id), "999"]})
    assert (response.status_code, error_code(response)) == (404, 10013)
    assert await listed_ids(owner) == []


# PATCH /channels/{group dm}


async def test_any_recipient_renames_a_group_dm(api: Api, published: list[Envelope]) -> None:
    owner, bob = await api.account(), await api.account()
    gdm = await group(owner, bob)
    published.clear()
    response = await bob.patch(f"/channels/{gdm['id']}", json={"name": "Weekend plans"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Weekend plans"
    assert (await owner.get(f"/channels/{gdm['id']}")).json()["name"] == "Weekend plans"
    updates = [e for e in published if e.type == "CHANNEL_UPDATE"]
    assert {u for e in updates for u in e.user_ids or ()} == {owner.id, bob.id}


async def test_outsider_cannot_rename_a_group_dm(api: Api) -> None:
    owner, bob, eve = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob)
    response = await eve.patch(f"/channels/{gdm['id']}", json={"name": "mine"})
    assert (response.status_code, error_code(response)) == (403, 50001)


async def test_a_dm_cannot_be_renamed_and_bad_names_change_nothing(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    dm = await open_dm(alice, bob)
    rename_dm = await alice.patch(f"/channels/{dm['id']}", json={"name": "ours"})
    assert (rename_dm.status_code, error_code(rename_dm)) == (400, 50024)
    gdm = await group(alice, bob)
    too_long = await alice.patch(f"/channels/{gdm['id']}", json={"name": "n" * 101})
    assert (too_long.status_code, error_code(too_long)) == (400, 50035)
    assert (await alice.get(f"/channels/{gdm['id']}")).json()["name"] is None


# PUT /channels/{id}/recipients/{user_id}


async def test_any_recipient_adds_someone_to_a_group_dm(
    api: Api, published: list[Envelope]
) -> None:
    owner, bob, carol = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob)
    await acquainted(bob, carol)
    published.clear()
    response = await bob.put(f"/channels/{gdm['id']}/recipients/{carol.id}")
    assert response.status_code == 204
    assert recipient_ids((await owner.get(f"/channels/{gdm['id']}")).json()) == {bob.id, carol.id}
    assert gdm["id"] in await listed_ids(carol)
    events = {(e.type, u) for e in published for u in e.user_ids or ()}
    assert events == {
        ("CHANNEL_CREATE", carol.id), ("CHANNEL_UPDATE", owner.id), ("CHANNEL_UPDATE", bob.id),
    }  # fmt: skip


async def test_outsider_cannot_add_to_a_group_dm(api: Api) -> None:
    owner, bob, eve = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob)
    response = await eve.put(f"/channels/{gdm['id']}/recipients/{eve.id}")
    assert (response.status_code, error_code(response)) == (403, 50001)
    assert recipient_ids((await owner.get(f"/channels/{gdm['id']}")).json()) == {bob.id}


async def test_adding_beyond_thirty_two_or_an_unknown_user_or_to_a_dm_is_refused(
    api: Api,
) -> None:
    owner = await api.account()
    others = await accounts(api, 32)
    gdm = await group(owner, *others[:31])
    full = await owner.put(f"/channels/{gdm['id']}/recipients/{others[31].id}")
    assert (full.status_code, error_code(full)) == (400, 30004)
    unknown = await owner.put(f"/channels/{gdm['id']}/recipients/31337")
    assert (unknown.status_code, error_code(unknown)) == (404, 10013)
    malformed = await owner.put(f"/channels/{gdm['id']}/recipients/someone")
    assert (malformed.status_code, error_code(malformed)) == (400, 50035)
    assert len((await owner.get(f"/channels/{gdm['id']}")).json()["recipients"]) == 31
    dm = await open_dm(owner, others[0])
    into_dm = await owner.put(f"/channels/{dm['id']}/recipients/{others[1].id}")
    assert (into_dm.status_code, error_code(into_dm)) == (400, 50024)


# DELETE /channels/{id}/recipients/{user_id} and leaving


async def test_owner_removes_a_recipient(api: Api, published: list[Envelope]) -> None:
    owner, bob, carol = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob, carol)
    published.clear()
    response = await owner.delete(f"/channels/{gdm['id']}/recipients/{bob.id}")
    assert response.status_code == 204
    assert recipient_ids((await owner.get(f"/channels/{gdm['id']}")).json()) == {carol.id}
    gone = await bob.get(f"/channels/{gdm['id']}")
    assert (gone.status_code, error_code(gone)) == (403, 50001)
    events = {(e.type, u) for e in published for u in e.user_ids or ()}
    assert ("CHANNEL_DELETE", bob.id) in events
    assert ("CHANNEL_UPDATE", carol.id) in events


async def test_recipient_who_is_not_owner_cannot_remove_others_but_can_leave(api: Api) -> None:
    owner, bob, carol = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob, carol)
    refused = await bob.delete(f"/channels/{gdm['id']}/recipients/{carol.id}")
    assert (refused.status_code, error_code(refused)) == (403, 50013)
    left = await bob.delete(f"/channels/{gdm['id']}/recipients/{bob.id}")
    assert left.status_code == 204
    assert recipient_ids((await owner.get(f"/channels/{gdm['id']}")).json()) == {carol.id}


async def test_outsider_cannot_remove_recipients(api: Api) -> None:
    owner, bob, eve = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob)
    response = await eve.delete(f"/channels/{gdm['id']}/recipients/{bob.id}")
    assert (response.status_code, error_code(response)) == (403, 50001)
    assert recipient_ids((await owner.get(f"/channels/{gdm['id']}")).json()) == {bob.id}


async def test_removing_someone_not_in_the_group_or_from_a_dm_is_refused(api: Api) -> None:
    owner, bob, eve = await api.account(), await api.account(), await api.account()
    gdm = await group(owner, bob)
    absent = await owner.delete(f"/channels/{gdm['id']}/recipients/{eve.id}")
    assert (absent.status_code, error_code(absent)) == (404, 10013)
    dm = await open_dm(owner, bob)
    from_dm = await owner.delete(f"/channels/{dm['id']}/recipients/{bob.id}")
    assert (from_dm.status_code, error_code(from_dm)) == (400, 50024)
    assert recipient_ids((await owner.get(f"/channels/{gdm['id']}")).json()) == {bob.id}


async def test_owner_leaving_passes_ownership_and_the_last_to_leave_deletes_it(api: Api) -> None:
    owner, bob = await api.account(), await api.account()
    gdm = await group(owner, bob)
    left = await owner.delete(f"/channels/{gdm['id']}")
    assert left.status_code == 200
    assert left.json()["id"] == gdm["id"]
    after = (await bob.get(f"/channels/{gdm['id']}")).json()
    assert (after["owner_id"], after["recipients"]) == (str(bob.id), [])
    assert await listed_ids(owner) == []
    assert (await bob.delete(f"/channels/{gdm['id']}")).status_code == 200
    gone = await bob.get(f"/channels/{gdm['id']}")
    assert (gone.status_code, error_code(gone)) == (404, 10003)
