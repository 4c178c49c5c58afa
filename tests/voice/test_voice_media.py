"""Voice end to end through a real server: gateway op 4, the voice gateway, and media over
WebRTC to the embedded SFU, with aiortc peers shaped like the browser (tests/media/clients.py)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Account, Api
from tests.media.clients import Client
from tests.server_process import Server, new_deployment
from tests.voice.conftest import (
    Participant,
    identified,
    identify,
    joined,
    open_voice,
    voice_channel,
)


async def enter(
    server: Server,
    account: Account,
    guild: dict[str, Any],
    channel_id: str,
    tone: int,
    made: list[Participant],
) -> Participant:
    rec, socket, _ready = await identified(server, account, guild, channel_id)
    person = Participant(account, rec, socket, Client(account.id, tone))
    made.append(person)
    await person.negotiate()
    return person


def hears(peer: Client, tone: int) -> Callable[[], bool]:
    return lambda: tone in peer.tones_heard()


async def test_people_in_a_voice_channel_hear_each_other_and_a_server_mute_silences_one(
    server: Server, remote: Api, participants: list[Participant]
) -> None:
    alice, bob, carol = [await remote.account() for _ in range(3)]
    guild = await alice.guild()
    for member in (bob, carol):
        await member.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)
    a = await enter(server, alice, guild, voice, 400, participants)
    b = await enter(server, bob, guild, voice, 700, participants)
    # Each learns who else has media in the room.
    assert (await b.frame(11))["d"]["user_ids"] == [str(alice.id)]
    assert str(bob.id) in (await a.frame(11, user_ids=[str(bob.id)]))["d"]["user_ids"]
    await a.peer.until(lambda: 700 in a.peer.tones_heard(), "Alice hears Bob")
    await b.frame(5, user_id=str(alice.id), speaking=1)
    await a.frame(5, user_id=str(bob.id), speaking=1)
    c = await enter(server, carol, guild, voice, 1000, participants)
    # Carol, coming in while Alice and Bob talk, is told they are speaking.
    await c.frame(5, user_id=str(alice.id), speaking=1)
    await c.frame(5, user_id=str(bob.id), speaking=1)

    await a.peer.until(lambda: {700, 1000} <= a.peer.tones_heard(), "Alice hears Bob and Carol")
    await b.peer.until(lambda: {400, 1000} <= b.peer.tones_heard(), "Bob hears Alice and Carol")
    await c.peer.until(lambda: {400, 700} <= c.peer.tones_heard(), "Carol hears Alice and Bob")
    assert 400 not in a.peer.all_tones_kept(), "nobody hears themself"
    muted = await alice.patch(f"/guilds/{guild['id']}/members/{bob.id}", json={"mute": True})
    assert muted.status_code == 200, muted.text
    mark = len(a.frames)
    await a.frame(5, after=mark, user_id=str(bob.id), speaking=0)
    # Carol's voice is the clock: while a second of hers arrives, none of Bob's does.
    bob_mid = next(m for m in a.peer.audio_mids() if a.peer.tone_in(m, frames=1) == 700)
    carol_mid = next(m for m in a.peer.audio_mids() if a.peer.tone_in(m, frames=1) == 1000)
    bob_before, carol_before = len(a.peer.packets_on(bob_mid)), len(a.peer.packets_on(carol_mid))
    await a.peer.until(
        lambda: len(a.peer.packets_on(carol_mid)) >= carol_before + 50, "a second of Carol"
    )
    assert len(a.peer.packets_on(bob_mid)) == bob_before

    unmuted = await alice.patch(f"/guilds/{guild['id']}/members/{bob.id}", json={"mute": False})
    assert unmuted.status_code == 200
    await a.frame(5, after=mark, user_id=str(bob.id), speaking=1)
    await a.peer.until(lambda: len(a.peer.packets_on(bob_mid)) > bob_before + 10, "Bob again")


async def test_leaving_the_channel_ends_the_media_and_the_others_hear_of_it(
    server: Server, remote: Api, participants: list[Participant]
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)
    a = await enter(server, alice, guild, voice, 400, participants)
    b = await enter(server, bob, guild, voice, 700, participants)
    await a.peer.until(hears(a.peer, 700), "Alice hears Bob")

    await b.rec.client.send(4, {"guild_id": guild["id"], "channel_id": None})
    assert await b.closed() == 4014
    await a.frame(13, user_id=str(bob.id))


async def test_an_offer_to_watch_many_streams_fits_although_it_is_larger_than_gateway_frames(
    server: Server, remote: Api, participants: list[Participant]
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    rec, update = await joined(server, alice, guild, voice_channel(guild))
    socket = await open_voice(update["endpoint"])
    await socket.send(0, identify(alice, rec, update))
    assert (await socket.receive())["op"] == 2
    peer = Client(alice.id, 400, camera=True)
    for _ in range(12):
        peer.watch()
    person = Participant(alice, rec, socket, peer)
    participants.append(person)
    offer = await peer.offer()
    assert len(offer.sdp) > 4096
    described = await person.negotiate()
    assert described["sdp"].startswith("v=0")


async def test_when_the_process_carrying_a_room_dies_its_people_are_told_to_reconnect(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With TOWNHALL_VOICE_WORKERS, media runs in worker processes; one killed closes its
    rooms' voice connections with 4015, and connecting again works on the restarted worker."""
    data_dir = tmp_path_factory.mktemp("voice-workers") / "data"
    with new_deployment("sqlite", data_dir) as deployment:
        server = deployment.start(TOWNHALL_VOICE_ADDRESSES="127.0.0.1", TOWNHALL_VOICE_WORKERS="1")
        async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
            remote = Api(http)
            alice = await remote.account()
            guild = await alice.guild()
            made: list[Participant] = []
            try:
                first = await enter(server, alice, guild, voice_channel(guild), 400, made)
                (worker,) = children(server.process.pid)
                os.kill(worker, signal.SIGKILL)
                assert await first.closed() == 4015
                again = await enter(server, alice, guild, voice_channel(guild), 400, made)
                assert again.closed_code is None
                assert children(server.process.pid) != [worker]
            finally:
                for each in made:
                    await each.close()
                    await each.peer.close()


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def received_share(peer: Client, mid: str) -> float:
    """Of the packets the SFU numbered on this slot since the first that arrived, the share that
    arrived (the SFU numbers each slot's packets without gaps)."""
    numbers = [p.sequence for p in peer.packets_on(mid)]
    if len(numbers) < 2:
        return 0.0
    span = (numbers[-1] - numbers[0]) & 0xFFFF
    return len(set(numbers)) / (span + 1)


async def test_eight_people_talking_at_once_each_receive_their_three_loudest_without_loss(
    server: Server, remote: Api, participants: list[Participant]
) -> None:
    owner = await remote.account()
    guild = await owner.guild()
    people = [owner] + [await remote.account() for _ in range(7)]
    for person in people[1:]:
        await person.join(owner, guild["system_channel_id"])
    voice = voice_channel(guild)
    tones = (400, 700, 1000, 1300, 1600, 1900, 2200, 2500)
    room = [
        await enter(server, person, guild, voice, tone, participants)
        for person, tone in zip(people, tones, strict=True)
    ]
    for each in room:
        await each.peer.until(
            lambda each=each: all(
                len(each.peer.packets_on(mid)) >= 100 for mid in each.peer.audio_mids()
            ),
            "two seconds on each of its three slots",
        )
    for each in room:
        assert each.peer.tone not in each.peer.all_tones_kept()
        for mid in each.peer.audio_mids():
            assert received_share(each.peer, mid) >= 0.95, (each.account.id, mid)


async def test_a_kicked_member_s_media_stops_at_once(
    server: Server, remote: Api, participants: list[Participant]
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)
    a = await enter(server, alice, guild, voice, 400, participants)
    b = await enter(server, bob, guild, voice, 700, participants)
    await a.peer.until(hears(a.peer, 700), "Alice hears Bob")
    kicked = await alice.delete(f"/guilds/{guild['id']}/members/{bob.id}")
    assert kicked.status_code == 204
    assert await b.closed() == 4014
    await a.frame(13, user_id=str(bob.id))  # the SFU let go of his media


async def test_without_speak_in_the_channel_ones_audio_is_not_forwarded(
    server: Server, remote: Api, participants: list[Participant]
) -> None:
    alice, bob, carol = [await remote.account() for _ in range(3)]
    guild = await alice.guild()
    for member in (bob, carol):
        await member.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)
    a = await enter(server, alice, guild, voice, 400, participants)
    await enter(server, bob, guild, voice, 700, participants)
    await enter(server, carol, guild, voice, 1000, participants)
    await a.peer.until(lambda: {700, 1000} <= a.peer.tones_heard(), "Alice hears both")
    bob_mid = next(m for m in a.peer.audio_mids() if a.peer.tone_in(m, frames=1) == 700)
    carol_mid = next(m for m in a.peer.audio_mids() if a.peer.tone_in(m, frames=1) == 1000)
    mark = len(a.frames)
    speak = 1 << 21
    denied = await alice.put(
        f"/channels/{voice}/permissions/{bob.id}",
        json={"type": 1, "allow": "0", "deny": str(speak)},
    )
    assert denied.status_code == 204
    await a.frame(5, after=mark, user_id=str(bob.id), speaking=0)
    bob_before, carol_before = len(a.peer.packets_on(bob_mid)), len(a.peer.packets_on(carol_mid))
    await a.peer.until(
        lambda: len(a.peer.packets_on(carol_mid)) >= carol_before + 50, "a second of Carol"
    )
    assert len(a.peer.packets_on(bob_mid)) == bob_before
