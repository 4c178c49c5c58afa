"""Voice states over the gateway: op 4 joins, moves and leaves; who hears of it; moderators.

Every absence is proved by order: each session's events arrive in log order, so an event that did
not come before a later marker (a message both may see) never comes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Account, Api, error_code
from tests.gateway.client import ALL_INTENTS, Recorder, recording
from tests.server_process import Server

VOICE_STATES = 1 << 7
INTENTS = ALL_INTENTS | VOICE_STATES
VIEW_CHANNEL, CONNECT, MOVE_MEMBERS = 1 << 10, 1 << 20, 1 << 24


def voice_channel(guild: dict[str, Any]) -> str:
    return next(str(c["id"]) for c in guild["channels"] if c["type"] == 2)


async def new_voice_channel(owner: Account, guild: dict[str, Any], **fields: Any) -> str:
    created = await owner.post(
        f"/guilds/{guild['id']}/channels", json={"name": "Room", "type": 2, **fields}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def join(rec: Recorder, guild_id: str, channel_id: str | None, **flags: bool) -> None:
    await rec.client.send(
        4,
        {
            "guild_id": guild_id,
            "channel_id": channel_id,
            "self_mute": flags.get("self_mute", False),
            "self_deaf": flags.get("self_deaf", False),
        },
    )


def voice_updates(rec: Recorder, user: Account) -> list[dict[str, Any]]:
    return [
        p["d"] for p in rec.dispatches("VOICE_STATE_UPDATE") if p["d"]["user_id"] == str(user.id)
    ]


async def update_of(
    rec: Recorder, user: Account, channel_id: str | None, count: int = 1
) -> dict[str, Any]:
    """Wait for the `count`-th VOICE_STATE_UPDATE of `user` showing them in `channel_id`."""

    def arrived(r: Recorder) -> bool:
        return sum(u["channel_id"] == channel_id for u in voice_updates(r, user)) >= count

    await rec.until(arrived)
    return [u for u in voice_updates(rec, user) if u["channel_id"] == channel_id][count - 1]


async def dispatched(rec: Recorder, event_type: str, count: int = 1) -> dict[str, Any]:
    """Wait for the `count`-th dispatch of this type; its data."""
    await rec.until(lambda r: len(r.dispatches(event_type)) >= count)
    data: dict[str, Any] = rec.dispatches(event_type)[count - 1]["d"]
    return data


async def marker(sender: Account, channel_id: str, *recorders: Recorder) -> None:
    """Send a message and wait until every recorder has it."""
    text = f"marker {id(recorders)}-{len(recorders[0].payloads)}"
    sent = await sender.post(f"/channels/{channel_id}/messages", json={"content": text})
    assert sent.status_code == 200, sent.text
    for rec in recorders:
        await rec.message(text)


def before_marker(rec: Recorder, text_prefix: str = "marker ") -> list[dict[str, Any]]:
    """The dispatches up to the last marker message."""
    last = max(
        i
        for i, p in enumerate(rec.payloads)
        if p.get("t") == "MESSAGE_CREATE" and str(p["d"].get("content", "")).startswith(text_prefix)
    )
    return rec.payloads[:last]


async def test_joining_tells_everyone_who_sees_the_channel_and_gives_the_joiner_a_voice_server(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    text, voice = guild["system_channel_id"], voice_channel(guild)
    await bob.join(alice, text)
    alice_rec, bob_rec = (
        await recording(server, alice, INTENTS),
        await recording(server, bob, INTENTS),
    )

    await join(alice_rec, guild["id"], voice, self_mute=True)

    seen = await update_of(bob_rec, alice, voice)
    assert seen["guild_id"] == guild["id"]
    assert seen["session_id"] == alice_rec.client.session_id
    assert seen["self_mute"] is True and seen["self_deaf"] is False
    assert seen["mute"] is False and seen["deaf"] is False and seen["suppress"] is False
    assert seen["member"]["user"]["id"] == str(alice.id)
    await update_of(alice_rec, alice, voice)
    await alice_rec.until(lambda r: bool(r.dispatches("VOICE_SERVER_UPDATE")))
    server_update = alice_rec.dispatches("VOICE_SERVER_UPDATE")[0]["d"]
    assert server_update["guild_id"] == guild["id"]
    assert server_update["endpoint"].endswith("/voice")
    assert server_update["token"]
    # Bob joined nothing: he gets no voice server.
    await marker(alice, text, bob_rec)
    assert not [p for p in before_marker(bob_rec) if p.get("t") == "VOICE_SERVER_UPDATE"]

    # Someone connecting later sees Alice in the channel, and REST agrees.
    later = await recording(server, bob, INTENTS)
    created = later.dispatches("GUILD_CREATE")[0]["d"]
    states = created["voice_states"]
    assert [(s["user_id"], s["channel_id"]) for s in states] == [(str(alice.id), voice)]
    me = await alice.get(f"/guilds/{guild['id']}/voice-states/@me")
    assert me.status_code == 200, me.text
    assert me.json()["channel_id"] == voice
    other = await bob.get(f"/guilds/{guild['id']}/voice-states/{alice.id}")
    assert other.json()["self_mute"] is True

    await join(alice_rec, guild["id"], None)
    left = await update_of(bob_rec, alice, None)
    assert left["session_id"] == alice_rec.client.session_id
    gone = await alice.get(f"/guilds/{guild['id']}/voice-states/@me")
    assert gone.status_code == 404 and error_code(gone) == 10065
    for rec in (alice_rec, bob_rec, later):
        await rec.close()


async def test_a_member_without_connect_cannot_join_and_nobody_hears_of_an_attempt(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    text, voice = guild["system_channel_id"], voice_channel(guild)
    await bob.join(alice, text)
    denied = await alice.put(
        f"/channels/{voice}/permissions/{bob.id}",
        json={"type": 1, "allow": "0", "deny": str(CONNECT)},
    )
    assert denied.status_code == 204
    alice_rec, bob_rec = (
        await recording(server, alice, INTENTS),
        await recording(server, bob, INTENTS),
    )

    await join(bob_rec, guild["id"], voice)
    await marker(alice, text, alice_rec, bob_rec)
    # The refused join reached nobody, and the REST state says Bob is not connected.
    assert not [p for p in before_marker(alice_rec) if p.get("t") == "VOICE_STATE_UPDATE"]
    assert not [p for p in before_marker(bob_rec) if p.get("t", "").startswith("VOICE_")]
    state = await bob.get(f"/guilds/{guild['id']}/voice-states/@me")
    assert state.status_code == 404
    for rec in (alice_rec, bob_rec):
        await rec.close()


async def test_a_full_channel_refuses_members_but_not_those_who_may_move_members(
    server: Server, remote: Api
) -> None:
    alice, bob, carol = [await remote.account() for _ in range(3)]
    guild = await alice.guild()
    text = guild["system_channel_id"]
    room = await new_voice_channel(alice, guild, user_limit=1)
    for member in (bob, carol):
        await member.join(alice, text)
    recs = [await recording(server, a, INTENTS) for a in (alice, bob, carol)]
    alice_rec, bob_rec, carol_rec = recs

    await join(bob_rec, guild["id"], room)
    await update_of(alice_rec, bob, room)
    await join(carol_rec, guild["id"], room)  # full: refused
    await join(alice_rec, guild["id"], room)  # the owner may move members: allowed
    await update_of(bob_rec, alice, room)
    await marker(alice, text, *recs)
    assert not [u for u in voice_updates(bob_rec, carol)]
    occupants = {
        p["d"]["user_id"]
        for p in recs[2].dispatches("VOICE_STATE_UPDATE")
        if p["d"]["channel_id"] == room
    }
    assert occupants == {str(bob.id), str(alice.id)}
    for rec in recs:
        await rec.close()


async def test_who_cannot_see_the_channel_never_hears_of_it_and_sees_a_leave_on_moving_away(
    server: Server, remote: Api
) -> None:
    alice, bob, carol = [await remote.account() for _ in range(3)]
    guild = await alice.guild()
    text, open_room = guild["system_channel_id"], voice_channel(guild)
    for member in (bob, carol):
        await member.join(alice, text)
    hidden = {"id": str(carol.id), "type": 1, "allow": "0", "deny": str(VIEW_CHANNEL)}
    hidden_room = await new_voice_channel(alice, guild, permission_overwrites=[hidden])
    recs = [await recording(server, a, INTENTS) for a in (alice, bob, carol)]
    alice_rec, bob_rec, carol_rec = recs

    await join(bob_rec, guild["id"], open_room)
    assert (await update_of(carol_rec, bob, open_room))["channel_id"] == open_room
    # Alice (the owner) moves Bob into the room Carol cannot see.
    moved = await alice.patch(
        f"/guilds/{guild['id']}/members/{bob.id}", json={"channel_id": hidden_room}
    )
    assert moved.status_code == 200, moved.text
    assert (await update_of(alice_rec, bob, hidden_room))["channel_id"] == hidden_room
    # For Carol, Bob left voice; she never learns of the hidden room.
    left = await update_of(carol_rec, bob, None)
    assert left["user_id"] == str(bob.id)
    # Bob's own session hears the move and gets a voice server for the new room.
    await update_of(bob_rec, bob, hidden_room)
    await bob_rec.until(lambda r: len(r.dispatches("VOICE_SERVER_UPDATE")) == 2)
    await marker(alice, text, *recs)
    assert hidden_room not in str(before_marker(carol_rec))
    rejoin = await recording(server, carol, INTENTS)
    assert rejoin.dispatches("GUILD_CREATE")[0]["d"]["voice_states"] == []
    for rec in (*recs, rejoin):
        await rec.close()


async def test_moving_and_disconnecting_need_move_members_and_a_connected_member(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    text, voice = guild["system_channel_id"], voice_channel(guild)
    other = await new_voice_channel(alice, guild)
    await bob.join(alice, text)
    member_path = f"/guilds/{guild['id']}/members"

    not_connected = await alice.patch(f"{member_path}/{bob.id}", json={"channel_id": other})
    assert not_connected.status_code == 400 and error_code(not_connected) == 40032
    alice_rec, bob_rec = (
        await recording(server, alice, INTENTS),
        await recording(server, bob, INTENTS),
    )
    await join(alice_rec, guild["id"], voice)
    await update_of(bob_rec, alice, voice)
    refused = await bob.patch(f"{member_path}/{alice.id}", json={"channel_id": other})
    assert refused.status_code == 403 and error_code(refused) == 50013
    not_voice = await alice.patch(f"{member_path}/{alice.id}", json={"channel_id": text})
    assert not_voice.status_code == 400 and error_code(not_voice) == 50035

    await join(bob_rec, guild["id"], voice)
    await update_of(alice_rec, bob, voice)
    muted = await alice.patch(f"{member_path}/{bob.id}", json={"mute": True, "deaf": True})
    assert muted.status_code == 200, muted.text
    await alice_rec.until(lambda r: any(u["mute"] for u in voice_updates(r, bob)))
    shown = [u for u in voice_updates(alice_rec, bob) if u["mute"]]
    assert shown[0]["deaf"] is True and shown[0]["channel_id"] == voice

    disconnected = await alice.patch(f"{member_path}/{bob.id}", json={"channel_id": None})
    assert disconnected.status_code == 200, disconnected.text
    await update_of(bob_rec, bob, None)
    gone = await bob.get(f"/guilds/{guild['id']}/voice-states/@me")
    assert gone.status_code == 404
    for rec in (alice_rec, bob_rec):
        await rec.close()


async def test_leaving_the_guild_or_closing_the_session_ends_the_voice_state(
    server: Server, remote: Api
) -> None:
    alice, bob, carol = [await remote.account() for _ in range(3)]
    guild = await alice.guild()
    text, voice = guild["system_channel_id"], voice_channel(guild)
    for member in (bob, carol):
        await member.join(alice, text)
    alice_rec = await recording(server, alice, INTENTS)
    bob_rec, carol_rec = (
        await recording(server, bob, INTENTS),
        await recording(server, carol, INTENTS),
    )
    await join(bob_rec, guild["id"], voice)
    await join(carol_rec, guild["id"], voice)
    await update_of(alice_rec, bob, voice)
    await update_of(alice_rec, carol, voice)

    kicked = await alice.delete(f"/guilds/{guild['id']}/members/{bob.id}")
    assert kicked.status_code == 204
    await update_of(alice_rec, bob, None)
    await alice_rec.until(lambda r: bool(r.dispatches("GUILD_MEMBER_REMOVE")))
    # The leave came before the removal, as a client needs it.
    order = [
        p["t"]
        for p in alice_rec.dispatches()
        if p["t"] in ("VOICE_STATE_UPDATE", "GUILD_MEMBER_REMOVE")
    ]
    assert order[-2:] == ["VOICE_STATE_UPDATE", "GUILD_MEMBER_REMOVE"]

    await carol_rec.close()  # a clean close ends the session, and the voice state with it
    await update_of(alice_rec, carol, None)
    later = await recording(server, alice, INTENTS)
    assert later.dispatches("GUILD_CREATE")[0]["d"]["voice_states"] == []
    for rec in (alice_rec, bob_rec, later):
        await rec.close()


async def test_a_person_is_in_one_voice_channel_at_a_time_across_guilds(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    first, second = await alice.guild("First"), await alice.guild("Second")
    rec = await recording(server, alice, INTENTS)
    await join(rec, first["id"], voice_channel(first))
    await update_of(rec, alice, voice_channel(first))
    await join(rec, second["id"], voice_channel(second))
    await update_of(rec, alice, voice_channel(second))
    left = await update_of(rec, alice, None)
    assert left["guild_id"] == first["id"]
    assert (await alice.get(f"/guilds/{first['id']}/voice-states/@me")).status_code == 404
    await rec.close()


async def test_people_joining_a_nearly_full_channel_at_once_never_overfill_it(
    server: Server, remote: Api
) -> None:
    owner = await remote.account()
    guild = await owner.guild()
    text = guild["system_channel_id"]
    room = await new_voice_channel(owner, guild, user_limit=2)
    people = [await remote.account() for _ in range(5)]
    for person in people:
        await person.join(owner, text)
    owner_rec = await recording(server, owner, INTENTS)
    recs = [await recording(server, person, INTENTS) for person in people]

    def acks(rec: Recorder) -> int:
        return sum(1 for p in rec.payloads if p.get("op") == 11)

    before = [acks(rec) for rec in recs]
    await asyncio.gather(*(join(rec, guild["id"], room) for rec in recs))
    # A heartbeat is answered after the op 4 before it was handled: then every join is decided.
    for rec in recs:
        await rec.client.send(1, rec.client.seq)
    for rec, count in zip(recs, before, strict=True):
        await rec.until(lambda r, count=count: acks(r) > count)
    await marker(owner, text, owner_rec)
    joined = {
        p["d"]["user_id"]
        for p in before_marker(owner_rec)
        if p.get("t") == "VOICE_STATE_UPDATE" and p["d"]["channel_id"] == room
    }
    assert len(joined) == 2
    for rec in (owner_rec, *recs):
        await rec.close()


async def test_voice_states_are_read_only_by_members_who_can_see_the_channel(
    server: Server, remote: Api
) -> None:
    alice, bob, outsider = [await remote.account() for _ in range(3)]
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    hidden = {"id": str(bob.id), "type": 1, "allow": "0", "deny": str(VIEW_CHANNEL)}
    room = await new_voice_channel(alice, guild, permission_overwrites=[hidden])
    rec = await recording(server, alice, INTENTS)
    await join(rec, guild["id"], room)
    await update_of(rec, alice, room)
    path = f"/guilds/{guild['id']}/voice-states/{alice.id}"
    assert (await alice.get(path)).status_code == 200
    unseen = await bob.get(path)
    assert unseen.status_code == 404 and error_code(unseen) == 10065
    stranger = await outsider.get(path)
    assert stranger.status_code == 403 and error_code(stranger) == 50001
    not_in = await outsider.patch(
        f"/guilds/{guild['id']}/voice-states/@me", json={"channel_id": room, "suppress": True}
    )
    assert not_in.status_code == 403
    await rec.close()
