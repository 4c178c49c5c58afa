"""Groups on the gateway: each member gets the group as they see it, and only what changed.

A group's member list is its member overwrites. A member joining must reach the joiner as one
CHANNEL_CREATE (with the role overwrites and their own), the group's admins and bots as the whole
channel, and the group's other members not at all: otherwise every join would cost the group's
size squared. "Not at all" is proven by order: a later marker message arrives first.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Account, Api
from tests.gateway.client import Recorder, recording
from tests.server_process import Server


async def _group(admin: Account, guild_id: str, name: str = "under-12") -> dict[str, Any]:
    made = await admin.post(f"/guilds/{guild_id}/groups", json={"name": name})
    assert made.status_code == 201, made.text
    group: dict[str, Any] = made.json()
    return group


def _member_ids(channel: dict[str, Any]) -> set[str]:
    return {o["id"] for o in channel["permission_overwrites"] if o["type"] == 1}


def _before_marker(recorder: Recorder, marker: str) -> list[dict[str, Any]]:
    """The dispatches the session received before the marker message."""
    seen = recorder.dispatches()
    end = next(
        i
        for i, p in enumerate(seen)
        if p["t"] == "MESSAGE_CREATE" and p["d"].get("content") == marker
    )
    return seen[:end]


async def test_a_join_reaches_the_joiner_and_the_admins_and_no_other_member(
    server: Server, remote: Api
) -> None:
    admin, early, joiner, outsider = [await remote.account() for _ in range(4)]
    guild = await admin.guild("Football club")
    general = guild["system_channel_id"]
    for person in (early, joiner, outsider):
        await person.join(admin, general)
    group = await _group(admin, guild["id"])
    assert (await early.put(f"/channels/{group['id']}/group-members/@me")).status_code == 204

    sessions = {p.id: await recording(server, p) for p in (admin, early, joiner, outsider)}
    early_view = next(
        c
        for p in sessions[early.id].dispatches("GUILD_CREATE")
        for c in p["d"]["channels"]
        if c["id"] == group["id"]
    )
    assert _member_ids(early_view) == {str(early.id)}, "another member's overwrite leaked"
    assert early_view["member_count"] == 2

    joined = await joiner.put(f"/channels/{group['id']}/group-members/@me")
    assert joined.status_code == 204, joined.text
    marker = "after the join"
    assert (await admin.post(f"/channels/{general}/messages", json={"content": marker})).is_success
    for recorder in sessions.values():
        await recorder.message(marker)

    created = [
        p["d"] for p in _before_marker(sessions[joiner.id], marker) if p["t"] == "CHANNEL_CREATE"
    ]
    assert [c["id"] for c in created] == [group["id"]]
    assert _member_ids(created[0]) == {str(joiner.id)}
    assert created[0]["member_count"] == 3

    updates = [
        p["d"] for p in _before_marker(sessions[admin.id], marker) if p["t"] == "CHANNEL_UPDATE"
    ]
    assert [_member_ids(u) for u in updates] == [{str(admin.id), str(early.id), str(joiner.id)}]

    for quiet in (early, outsider):
        about_group = [
            p
            for p in _before_marker(sessions[quiet.id], marker)
            if p["t"].startswith("CHANNEL_") and p["d"].get("id") == group["id"]
        ]
        assert about_group == [], quiet.username

    said = "members only"
    posted = await admin.post(f"/channels/{group['id']}/messages", json={"content": said})
    assert posted.status_code == 200
    after = "after the group message"
    assert (await admin.post(f"/channels/{general}/messages", json={"content": after})).is_success
    for person in (early, joiner):
        await sessions[person.id].message(said)
    await sessions[outsider.id].message(after)
    leaked = [
        p for p in sessions[outsider.id].dispatches("MESSAGE_CREATE") if p["d"]["content"] == said
    ]
    assert leaked == []
    for recorder in sessions.values():
        await recorder.close()


async def test_rest_shows_an_ordinary_member_their_own_overwrite_and_the_admin_all(
    server: Server, remote: Api
) -> None:
    admin, first, second = [await remote.account() for _ in range(3)]
    guild = await admin.guild()
    for person in (first, second):
        await person.join(admin, guild["system_channel_id"])
    group = await _group(admin, guild["id"])
    for person in (first, second):
        assert (await person.put(f"/channels/{group['id']}/group-members/@me")).status_code == 204

    seen = (await first.get(f"/channels/{group['id']}")).json()
    assert _member_ids(seen) == {str(first.id)} and seen["member_count"] == 3
    listed = (await first.get(f"/guilds/{guild['id']}/channels")).json()
    assert _member_ids(next(c for c in listed if c["id"] == group["id"])) == {str(first.id)}
    whole = (await admin.get(f"/channels/{group['id']}")).json()
    assert _member_ids(whole) == {str(admin.id), str(first.id), str(second.id)}
    assert whole["member_count"] == 3
