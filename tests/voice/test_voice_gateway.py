"""The voice gateway (`/voice`): who may open it, and what ends it. Real server, real sockets."""

from __future__ import annotations

from tests.conftest import Api
from tests.server_process import Server
from tests.voice.conftest import identify, joined, open_voice, voice_channel


async def test_the_token_of_voice_server_update_opens_the_voice_gateway_and_nothing_else_does(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    rec, update = await joined(server, alice, guild, voice_channel(guild))
    assert update["endpoint"] == server.url.removeprefix("http://") + "/voice"

    for wrong in (
        {"token": update["token"][:-2] + "00"},
        {"user_id": str(bob.id)},
        {"session_id": "not-the-session"},
        {"server_id": "1"},
    ):
        socket = await open_voice(update["endpoint"])
        await socket.send(0, identify(alice, rec, update, **wrong))
        assert await socket.closed_with() == 4004, wrong

    socket = await open_voice(update["endpoint"])
    await socket.send(1, {"protocol": "webrtc", "data": "v=0"})
    assert await socket.closed_with() == 4003  # not identified yet

    socket = await open_voice(update["endpoint"])
    await socket.send(0, identify(alice, rec, update))
    ready = await socket.receive()
    assert ready["op"] == 2 and ready["d"]["ssrc"] > 0 and "webrtc" in ready["d"]["modes"]
    await socket.send(3, {"t": 1234})
    assert await socket.receive() == {"op": 6, "d": {"t": 1234}}
    await socket.send(1, {"protocol": "sctp", "data": {"address": "1.2.3.4"}})
    assert await socket.closed_with() == 4012  # neither webrtc nor Discord's udp
    await rec.close()


async def test_a_moderator_moving_or_disconnecting_someone_closes_their_voice_connection(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    other = await alice.post(f"/guilds/{guild['id']}/channels", json={"name": "Side", "type": 2})
    rec, update = await joined(server, bob, guild, voice_channel(guild))
    socket = await open_voice(update["endpoint"])
    await socket.send(0, identify(bob, rec, update))
    assert (await socket.receive())["op"] == 2

    moved = await alice.patch(
        f"/guilds/{guild['id']}/members/{bob.id}", json={"channel_id": other.json()["id"]}
    )
    assert moved.status_code == 200, moved.text
    assert await socket.closed_with() == 4014
    # The move brought a voice server for the new channel; its token opens a new connection.
    await rec.until(lambda r: len(r.dispatches("VOICE_SERVER_UPDATE")) == 2)
    update = rec.dispatches("VOICE_SERVER_UPDATE")[-1]["d"]
    socket = await open_voice(update["endpoint"])
    await socket.send(0, identify(bob, rec, update))
    assert (await socket.receive())["op"] == 2

    gone = await alice.patch(f"/guilds/{guild['id']}/members/{bob.id}", json={"channel_id": None})
    assert gone.status_code == 200
    assert await socket.closed_with() == 4014
    await rec.close()


async def test_a_second_voice_connection_of_the_same_person_replaces_the_first(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    rec, update = await joined(server, alice, guild, voice_channel(guild))
    first = await open_voice(update["endpoint"])
    await first.send(0, identify(alice, rec, update))
    assert (await first.receive())["op"] == 2
    second = await open_voice(update["endpoint"])
    await second.send(0, identify(alice, rec, update))
    assert (await second.receive())["op"] == 2
    assert await first.closed_with() == 4006
    await second.send(3, {"t": 1})
    assert (await second.receive())["op"] == 6
    await rec.close()


async def test_asking_again_for_the_same_voice_state_brings_a_fresh_token(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    voice = voice_channel(guild)
    rec, first = await joined(server, alice, guild, voice)
    again = {"guild_id": guild["id"], "channel_id": voice, "self_mute": False, "self_deaf": False}
    await rec.client.send(4, again)
    await rec.until(lambda r: len(r.dispatches("VOICE_SERVER_UPDATE")) == 2)
    second = rec.dispatches("VOICE_SERVER_UPDATE")[1]["d"]
    assert second["endpoint"] == first["endpoint"]
    socket = await open_voice(second["endpoint"])
    await socket.send(0, identify(alice, rec, second))
    assert (await socket.receive())["op"] == 2
    # A real change (muting oneself) is not a refresh: no voice server comes with it.
    await rec.client.send(4, again | {"self_mute": True})
    await rec.until(lambda r: any(p["d"]["self_mute"] for p in r.dispatches("VOICE_STATE_UPDATE")))
    await rec.client.send(4, again | {"self_mute": True})
    await rec.until(lambda r: len(r.dispatches("VOICE_SERVER_UPDATE")) == 3)
    kinds = [p["t"] for p in rec.dispatches() if p["t"].startswith("VOICE_")]
    assert kinds[-2:] == ["VOICE_STATE_UPDATE", "VOICE_SERVER_UPDATE"]
    await rec.close()


async def test_the_voice_gateway_answers_with_a_trailing_slash_as_discord_py_connects(
    server: Server,
) -> None:
    endpoint = server.url.removeprefix("http://") + "/voice/"
    socket = await open_voice(endpoint)  # asserts HELLO
    await socket.ws.close()


async def test_the_embedded_sfu_announces_no_separate_video_and_refuses_its_connections(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    rec, update = await joined(server, alice, guild, voice_channel(guild))
    for selection in (
        {"protocol": "webrtc", "connection": "video_publisher", "data": "v=0", "sources": {}},
        {"protocol": "webrtc", "connection": "sideways", "data": "v=0"},
    ):
        socket = await open_voice(update["endpoint"])
        await socket.send(0, identify(alice, rec, update))
        ready = await socket.receive()
        assert ready["op"] == 2 and "video_transport" not in ready["d"]
        await socket.send(1, selection)
        assert await socket.closed_with() == 4002, selection
    await rec.close()
