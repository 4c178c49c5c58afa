"""Groups on the gateway, against a real server per backend: a join is one CHANNEL_CREATE to the
person and one CHANNEL_UPDATE to the group's admins; join requests reach the group's managers
and the person asking; proposals reach the community's admins and the proposer; a group that
appears, changes its name or goes reaches every member's directory, guests' excepted.

Every absence is proved by order: a session's events arrive in log order, so an event that did
not come before a later marker message never comes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.api.test_groups import community, make_group, me, member_path
from tests.api.test_guests import join_as_guest
from tests.conftest import BACKENDS, Api, text_channel
from tests.gateway.client import Recorder, recording
from tests.gateway.test_voice_states import dispatched, marker
from tests.server_process import Server, new_deployment
from townhall.domain.guests import IS_GUEST_INVITE

GROUP_EVENTS = {
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "GROUP_JOIN_REQUEST_CREATE",
    "GROUP_JOIN_REQUEST_UPDATE",
    "GROUP_JOIN_REQUEST_DELETE",
    "GROUP_PROPOSAL_CREATE",
    "GROUP_PROPOSAL_UPDATE",
    "GROUP_PROPOSAL_DELETE",
    "GROUP_LISTING_CREATE",
    "GROUP_LISTING_UPDATE",
    "GROUP_LISTING_DELETE",
}


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    with new_deployment(request.param, tmp_path_factory.mktemp("groups") / "data") as deployment:
        yield deployment.start(TOWNHALL_HEARTBEAT_INTERVAL_MS="2000")


@pytest_asyncio.fixture(loop_scope="session")
async def remote(server: Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
        yield Api(http)


def seen(rec: Recorder, since: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """The group-related dispatches after the first `since` payloads."""
    return [(p["t"], p["d"]) for p in rec.payloads[since:] if p.get("t") in GROUP_EVENTS]


async def test_joining_is_a_channel_create_for_the_joiner_and_an_update_for_the_admin(
    server: Server, remote: Api
) -> None:
    owner, guild, (ada, bob) = await community(remote, 2)
    group = await make_group(owner, guild)
    general = text_channel(guild)["id"]
    owner_rec = await recording(server, owner)
    ada_rec = await recording(server, ada)
    bob_rec = await recording(server, bob)
    start = {rec: len(rec.payloads) for rec in (owner_rec, ada_rec, bob_rec)}

    assert (await ada.put(me(group))).status_code == 204
    created = await dispatched(ada_rec, "CHANNEL_CREATE")
    assert created["id"] == group["id"]
    own = [o for o in created["permission_overwrites"] if o["type"] == 1]
    assert [o["id"] for o in own] == [str(ada.id)]  # a member sees her own overwrite only
    updated = await dispatched(owner_rec, "CHANNEL_UPDATE")
    assert updated["id"] == group["id"]
    listed = {o["id"] for o in updated["permission_overwrites"] if o["type"] == 1}
    assert listed == {str(owner.id), str(ada.id)}  # the admin sees the whole list

    await marker(owner, general, owner_rec, ada_rec, bob_rec)
    assert [t for t, _ in seen(ada_rec, start[ada_rec])] == ["CHANNEL_CREATE"]
    assert [t for t, _ in seen(owner_rec, start[owner_rec])] == ["CHANNEL_UPDATE"]
    assert seen(bob_rec, start[bob_rec]) == []

    assert (await ada.delete(me(group))).status_code == 204
    deleted = await dispatched(ada_rec, "CHANNEL_DELETE")
    assert deleted["id"] == group["id"]
    for rec in (owner_rec, ada_rec, bob_rec):
        await rec.close()


async def test_a_request_reaches_the_admins_and_its_approval_opens_the_group_to_the_asker(
    server: Server, remote: Api
) -> None:
    owner, guild, (ada, bob) = await community(remote, 2)
    group = await make_group(owner, guild, "board", group_join_policy=1)
    assert (await owner.put(member_path(group, bob))).status_code == 204  # a plain member
    general = text_channel(guild)["id"]
    owner_rec = await recording(server, owner)
    ada_rec = await recording(server, ada)
    bob_rec = await recording(server, bob)
    start = {rec: len(rec.payloads) for rec in (owner_rec, ada_rec, bob_rec)}

    asked = await ada.post(f"/channels/{group['id']}/join-requests", json={"message": "hi"})
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert await dispatched(owner_rec, "GROUP_JOIN_REQUEST_CREATE") == request
    assert await dispatched(ada_rec, "GROUP_JOIN_REQUEST_CREATE") == request

    decided = await owner.patch(
        f"/channels/{group['id']}/join-requests/{request['id']}", json={"status": 1}
    )
    assert decided.status_code == 200, decided.text
    update = await dispatched(ada_rec, "GROUP_JOIN_REQUEST_UPDATE")
    assert update == decided.json() and update["status"] == 1
    created = await dispatched(ada_rec, "CHANNEL_CREATE")
    assert created["id"] == group["id"]
    assert await dispatched(owner_rec, "GROUP_JOIN_REQUEST_UPDATE") == update

    await marker(owner, general, owner_rec, ada_rec, bob_rec)
    assert [t for t, _ in seen(ada_rec, start[ada_rec])] == [
        "GROUP_JOIN_REQUEST_CREATE",
        "CHANNEL_CREATE",
        "GROUP_JOIN_REQUEST_UPDATE",
    ]
    assert [t for t, _ in seen(owner_rec, start[owner_rec])] == [
        "GROUP_JOIN_REQUEST_CREATE",
        "CHANNEL_UPDATE",
        "GROUP_JOIN_REQUEST_UPDATE",
    ]
    # Bob is in the group but does not manage it: no requests, and no member list changes.
    assert seen(bob_rec, start[bob_rec]) == []
    for rec in (owner_rec, ada_rec, bob_rec):
        await rec.close()


async def test_a_proposal_reaches_the_communitys_admins_and_the_proposer_only(
    server: Server, remote: Api
) -> None:
    owner, guild, (ada, bob) = await community(remote, 2)
    general = text_channel(guild)["id"]
    owner_rec = await recording(server, owner)
    ada_rec = await recording(server, ada)
    bob_rec = await recording(server, bob)
    start = {rec: len(rec.payloads) for rec in (owner_rec, ada_rec, bob_rec)}

    proposed = await ada.post(f"/guilds/{guild['id']}/group-proposals", json={"name": "chess"})
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()
    assert await dispatched(owner_rec, "GROUP_PROPOSAL_CREATE") == proposal
    assert await dispatched(ada_rec, "GROUP_PROPOSAL_CREATE") == proposal
    decided = await owner.patch(
        f"/guilds/{guild['id']}/group-proposals/{proposal['id']}", json={"status": 1}
    )
    assert decided.status_code == 200, decided.text
    assert await dispatched(ada_rec, "GROUP_PROPOSAL_UPDATE") == decided.json()
    created = await dispatched(ada_rec, "CHANNEL_CREATE")  # she is the new group's admin
    assert created["id"] == decided.json()["channel_id"]

    await marker(owner, general, owner_rec, ada_rec, bob_rec)
    assert [t for t, _ in seen(owner_rec, start[owner_rec])] == [
        "GROUP_PROPOSAL_CREATE",
        "GROUP_LISTING_CREATE",
        "CHANNEL_CREATE",
        "GROUP_PROPOSAL_UPDATE",
    ]
    # Bob hears of no proposal, only of the new group in the directory.
    assert [t for t, _ in seen(bob_rec, start[bob_rec])] == ["GROUP_LISTING_CREATE"]
    for rec in (owner_rec, ada_rec, bob_rec):
        await rec.close()


async def test_a_group_that_appears_changes_or_goes_reaches_every_members_directory_not_guests(
    server: Server, remote: Api
) -> None:
    owner, guild, (ada, bob) = await community(remote, 2)
    general = text_channel(guild)["id"]
    allowed = await owner.patch(f"/guilds/{guild['id']}", json={"guests_enabled": True})
    assert allowed.status_code == 200, allowed.text
    link = await owner.post(
        f"/channels/{general}/invites", json={"flags": IS_GUEST_INVITE, "max_age": 3600}
    )
    assert link.status_code == 200, link.text
    guest = await join_as_guest(remote, link.json()["code"])
    recs = [await recording(server, who) for who in (owner, ada, bob, guest)]
    owner_rec, ada_rec, bob_rec, guest_rec = recs
    start = {rec: len(rec.payloads) for rec in recs}

    group = await make_group(owner, guild, "chess", topic="Tuesdays")
    shared = {
        "guild_id": guild["id"],
        "id": group["id"],
        "name": "chess",
        "topic": "Tuesdays",
        "group_join_policy": 0,
        "member_count": 1,
    }
    assert await dispatched(ada_rec, "GROUP_LISTING_CREATE") == shared
    assert (await bob.put(me(group))).status_code == 204  # a join: no directory event
    renamed = await owner.patch(f"/channels/{group['id']}", json={"name": "chess-club"})
    assert renamed.status_code == 200, renamed.text
    changed = await dispatched(ada_rec, "GROUP_LISTING_UPDATE")
    assert changed == {**shared, "name": "chess-club", "member_count": 2}
    removed = await owner.delete(f"/guilds/{guild['id']}/groups/{group['id']}?mode=archive")
    assert removed.status_code == 200, removed.text
    gone = {"guild_id": guild["id"], "id": group["id"]}
    assert await dispatched(ada_rec, "GROUP_LISTING_DELETE") == gone
    other = await make_group(owner, guild, "darts")
    assert (await owner.delete(f"/channels/{other['id']}")).status_code == 200

    await marker(owner, general, *recs)
    listing = ["GROUP_LISTING_CREATE", "GROUP_LISTING_UPDATE", "GROUP_LISTING_DELETE"] * 2
    del listing[4]  # darts was never renamed
    assert [t for t, _ in seen(ada_rec, start[ada_rec])] == listing
    assert [t for t, _ in seen(bob_rec, start[bob_rec]) if t.startswith("GROUP_")] == listing
    owner_seen = [t for t, _ in seen(owner_rec, start[owner_rec])]
    assert [t for t in owner_seen if t.startswith("GROUP_")] == listing, "its admin too"
    assert seen(guest_rec, start[guest_rec]) == [], "guests do not browse the directory"
    for rec in recs:
        await rec.close()
