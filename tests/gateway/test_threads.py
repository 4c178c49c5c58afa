"""Threads on the gateway (docs/threads.md): each event reaches who may see the thread and no one
else; GUILD_CREATE lists the active threads one sees; gaining a channel syncs its threads.
"Not at all" is proven by order: a later marker message arrives first."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Account, Api
from tests.gateway.client import ALL_INTENTS, Recorder, recording
from tests.server_process import Server, new_deployment

VIEW_CHANNEL = 1 << 10
GUILD_MEMBERS_INTENT = 1 << 1


async def _club(remote: Api, people: int) -> tuple[Account, list[Account], dict[str, Any]]:
    owner = await remote.account("owner")
    guild = await owner.guild("Chess club")
    members = [await remote.account("member") for _ in range(people)]
    for person in members:
        await person.join(owner, guild["system_channel_id"])
    return owner, members, guild


async def _marker(owner: Account, channel_id: str, text: str, *sessions: Recorder) -> None:
    posted = await owner.post(f"/channels/{channel_id}/messages", json={"content": text})
    assert posted.status_code == 200, posted.text
    for session in sessions:
        await session.message(text)


def _before(recorder: Recorder, marker: str) -> list[dict[str, Any]]:
    seen = recorder.dispatches()
    end = next(
        i
        for i, p in enumerate(seen)
        if p["t"] == "MESSAGE_CREATE" and p["d"].get("content") == marker
    )
    return seen[:end]


def _about(payloads: list[dict[str, Any]], thread_id: str) -> list[str]:
    """The dispatches among these that concern the thread (its events, its messages)."""
    return [
        p["t"]
        for p in payloads
        if p["d"].get("id") == thread_id or p["d"].get("channel_id") == thread_id
    ]


async def test_a_private_threads_events_reach_its_members_and_managers_only(
    server: Server, remote: Api
) -> None:
    owner, (creator, other), guild = await _club(remote, 2)
    general = guild["system_channel_id"]
    sessions = {p.id: await recording(server, p) for p in (owner, creator, other)}
    made = await creator.post(f"/channels/{general}/threads", json={"name": "Just us", "type": 12})
    assert made.status_code == 201, made.text
    thread = made.json()
    said = await creator.post(f"/channels/{thread['id']}/messages", json={"content": "secret"})
    assert said.status_code == 200
    await sessions[owner.id].message("secret")  # the owner may manage threads: sees it
    await sessions[creator.id].message("secret")
    await _marker(owner, general, "after the secret", *sessions.values())

    created = sessions[creator.id].dispatches("THREAD_CREATE")
    assert [c["d"]["id"] for c in created] == [thread["id"]]
    assert created[0]["d"]["newly_created"] is True and created[0]["d"]["type"] == 12
    assert _about(_before(sessions[other.id], "after the secret"), thread["id"]) == []

    added = await creator.put(f"/channels/{thread['id']}/thread-members/{other.id}")
    assert added.status_code == 204
    more = await creator.post(f"/channels/{thread['id']}/messages", json={"content": "welcome"})
    assert more.status_code == 200
    await sessions[other.id].message("welcome")
    theirs = _about(sessions[other.id].dispatches(), thread["id"])
    expected = ["THREAD_CREATE", "THREAD_MEMBERS_UPDATE", "THREAD_MEMBER_UPDATE", "MESSAGE_CREATE"]
    assert theirs == expected, theirs
    joined = next(p["d"] for p in sessions[other.id].dispatches("THREAD_CREATE"))
    assert joined["member"]["user_id"] == str(other.id) and "newly_created" not in joined

    removed = await creator.delete(f"/channels/{thread['id']}/thread-members/{other.id}")
    assert removed.status_code == 204
    again = await creator.post(f"/channels/{thread['id']}/messages", json={"content": "gone"})
    assert again.status_code == 200
    await sessions[creator.id].message("gone")
    await _marker(owner, general, "after the removal", *sessions.values())
    after = _about(sessions[other.id].dispatches(), thread["id"])
    assert after[-1] == "THREAD_MEMBERS_UPDATE" and "gone" not in {
        p["d"].get("content") for p in sessions[other.id].dispatches("MESSAGE_CREATE")
    }
    for session in sessions.values():
        await session.close()


async def test_guild_create_lists_the_active_threads_one_sees_with_ones_own_membership(
    server: Server, remote: Api
) -> None:
    _owner, (creator, other), guild = await _club(remote, 2)
    general = guild["system_channel_id"]
    public = (
        await creator.post(f"/channels/{general}/threads", json={"name": "Open", "type": 11})
    ).json()
    private = (
        await creator.post(f"/channels/{general}/threads", json={"name": "Closed", "type": 12})
    ).json()
    old = (
        await creator.post(f"/channels/{general}/threads", json={"name": "Old", "type": 11})
    ).json()
    assert (await creator.patch(f"/channels/{old['id']}", json={"archived": True})).is_success

    mine = await recording(server, creator)
    theirs = await recording(server, other)
    (created,) = mine.dispatches("GUILD_CREATE")
    listed = {t["id"]: t for t in created["d"]["threads"]}
    assert set(listed) == {public["id"], private["id"]}
    assert listed[private["id"]]["member"]["join_timestamp"]
    assert "user_id" not in listed[private["id"]]["member"]
    (seen,) = theirs.dispatches("GUILD_CREATE")
    assert [t["id"] for t in seen["d"]["threads"]] == [public["id"]]
    assert "member" not in seen["d"]["threads"][0]
    assert all(c["id"] not in listed for c in created["d"]["channels"])
    for session in (mine, theirs):
        await session.close()


async def test_gaining_a_channel_syncs_its_active_threads(server: Server, remote: Api) -> None:
    owner, (member,), guild = await _club(remote, 1)
    hidden = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={
            "name": "staff",
            "permission_overwrites": [{"id": guild["id"], "type": 0, "deny": str(VIEW_CHANNEL)}],
        },
    )
    assert hidden.status_code == 201, hidden.text
    channel_id = hidden.json()["id"]
    thread = (
        await owner.post(f"/channels/{channel_id}/threads", json={"name": "Rota", "type": 11})
    ).json()
    session = await recording(server, member)
    assert session.dispatches("GUILD_CREATE")[0]["d"]["threads"] == []
    opened = await owner.put(
        f"/channels/{channel_id}/permissions/{member.id}",
        json={"type": 1, "allow": str(VIEW_CHANNEL)},
    )
    assert opened.status_code == 204

    await session.until(lambda r: bool(r.dispatches("THREAD_LIST_SYNC")))
    kinds = [
        p["t"] for p in session.dispatches() if p["t"] in ("CHANNEL_CREATE", "THREAD_LIST_SYNC")
    ]
    assert kinds == ["CHANNEL_CREATE", "THREAD_LIST_SYNC"]
    (sync,) = session.dispatches("THREAD_LIST_SYNC")
    assert sync["d"]["channel_ids"] == [channel_id]
    assert [t["id"] for t in sync["d"]["threads"]] == [thread["id"]] and sync["d"]["members"] == []
    await session.close()


async def test_thread_members_update_reaches_the_joiner_and_guild_members_intent_holders(
    server: Server, remote: Api
) -> None:
    owner, (joiner, quiet), guild = await _club(remote, 2)
    general = guild["system_channel_id"]
    thread = (
        await owner.post(f"/channels/{general}/threads", json={"name": "Openings", "type": 11})
    ).json()
    everything = await recording(server, owner, ALL_INTENTS)
    without_members = await recording(server, quiet, ALL_INTENTS & ~GUILD_MEMBERS_INTENT)
    own = await recording(server, joiner, ALL_INTENTS & ~GUILD_MEMBERS_INTENT)
    joined = await joiner.put(f"/channels/{thread['id']}/thread-members/@me")
    assert joined.status_code == 204
    await _marker(owner, general, "after the join", everything, without_members, own)

    heard = [
        p["d"] for p in _before(everything, "after the join") if p["t"] == "THREAD_MEMBERS_UPDATE"
    ]
    assert [m["user_id"] for h in heard for m in h["added_members"]] == [str(joiner.id)]
    assert heard[0]["member_count"] == 2
    assert _about(_before(without_members, "after the join"), thread["id"]) == []
    mine = [p["t"] for p in _before(own, "after the join") if p["t"].startswith("THREAD_")]
    assert mine == ["THREAD_CREATE", "THREAD_MEMBERS_UPDATE", "THREAD_MEMBER_UPDATE"], mine
    for session in (everything, without_members, own):
        await session.close()


async def test_archiving_and_deleting_reach_who_sees_the_thread(
    server: Server, remote: Api
) -> None:
    owner, (member,), guild = await _club(remote, 1)
    general = guild["system_channel_id"]
    session = await recording(server, member)
    thread = (
        await owner.post(f"/channels/{general}/threads", json={"name": "Endgames", "type": 11})
    ).json()
    assert (await owner.patch(f"/channels/{thread['id']}", json={"archived": True})).is_success
    assert (await owner.delete(f"/channels/{thread['id']}")).is_success
    await session.until(lambda r: bool(r.dispatches("THREAD_DELETE")))
    kinds = [p["t"] for p in session.dispatches() if p["t"].startswith("THREAD_")]
    assert kinds == ["THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE"]
    update = session.dispatches("THREAD_UPDATE")[0]["d"]
    assert update["thread_metadata"]["archived"] is True
    deleted = session.dispatches("THREAD_DELETE")[0]["d"]
    assert deleted == {
        "id": thread["id"],
        "guild_id": guild["id"],
        "parent_id": general,
        "type": 11,
    }
    await session.close()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Two nodes of one installation (PostgreSQL and Redis): replicas learn threads from the
    bus alone."""
    with new_deployment("postgresql", tmp_path_factory.mktemp("threads") / "data") as deployment:
        shared = {
            "TOWNHALL_BUS_URL": "redis://127.0.0.1:6379/0",
            "TOWNHALL_BUS_CHANNEL": f"townhall-test-{uuid.uuid4().hex}",
        }
        yield deployment.start(**shared), deployment.start(**shared)


async def test_a_private_thread_started_on_one_node_reaches_its_members_on_another(
    two_nodes: tuple[Server, Server],
) -> None:
    node_a, node_b = two_nodes
    async with httpx.AsyncClient(base_url=node_b.api, timeout=20) as http:
        remote = Api(http)
        owner, (creator, friend, other), guild = await _club(remote, 3)
        general = guild["system_channel_id"]
        sessions = {p.id: await recording(node_a, p) for p in (creator, friend, other)}
        made = await creator.post(f"/channels/{general}/threads", json={"name": "Us", "type": 12})
        thread = made.json()
        await sessions[creator.id].until(lambda r: bool(r.dispatches("THREAD_CREATE")))
        added = await creator.put(f"/channels/{thread['id']}/thread-members/{friend.id}")
        assert added.status_code == 204
        said = await creator.post(f"/channels/{thread['id']}/messages", json={"content": "psst"})
        assert said.status_code == 200
        for person in (creator, friend):
            await sessions[person.id].message("psst")
        await _marker(owner, general, "after psst", *sessions.values())
        assert _about(_before(sessions[other.id], "after psst"), thread["id"]) == []
        for session in sessions.values():
            await session.close()
