"""Voice and video through Janus: a real townhall server signals, real Janus servers (in their own
network namespace, `tests/media/janus_process.py`) carry the audio and the cameras, aiortc peers
talk and watch. Video goes on connections of its own (READY's `video_transport: "separate"`): a
publisher connection the client offers, a subscriber connection the server offers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Account, Api
from tests.media.clients import Client, tones_present
from tests.media.janus_peers import Publisher, Subscriber, until
from tests.media.janus_process import (
    ADMIN_KEY,
    API_SECRET,
    TOKEN_SECRET,
    JanusNamespace,
    janus_namespace,
)
from tests.server_process import Server, new_deployment
from tests.voice.conftest import Participant, identify, joined, open_voice, voice_channel
from townhall.media import Answer, VideoSlot
from townhall.media.backend import VideoOffer

TONES = (400, 700)


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusNamespace]:
    with janus_namespace(tmp_path_factory.mktemp("janus")) as namespace:
        yield namespace


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, janus: JanusNamespace) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("voice-janus") / "data"
    with new_deployment("sqlite", data_dir) as deployment:
        yield deployment.start(
            TOWNHALL_MEDIA_BACKEND="janus",
            TOWNHALL_JANUS_URLS=",".join(janus.urls),
            TOWNHALL_JANUS_ADMIN_KEY=ADMIN_KEY,
            TOWNHALL_JANUS_API_SECRET=API_SECRET,
            TOWNHALL_JANUS_TOKEN_SECRET=TOKEN_SECRET,
        )


async def enter(
    server: Server,
    janus: JanusNamespace,
    account: Account,
    guild: dict[str, Any],
    tone: int,
    made: list[Participant],
    channel_id: str | None = None,
) -> Participant:
    rec, update = await joined(server, account, guild, channel_id or voice_channel(guild))
    socket = await open_voice(update["endpoint"])
    await socket.send(0, identify(account, rec, update))
    ready = await socket.receive()
    assert ready["op"] == 2 and ready["d"]["video_transport"] == "separate"
    person = Participant(
        account, rec, socket, Client(account.id, tone, address=janus.client_address)
    )
    made.append(person)
    await person.negotiate()
    return person


def hears(peer: Client, tone: int) -> bool:
    latest = list(peer.frames.get("0", ()))[-3:]
    return len(latest) == 3 and all(tone in tones_present(frame, TONES) for frame in latest)


async def test_people_in_a_voice_channel_hear_each_other_through_janus(
    server: Server, remote: Api, janus: JanusNamespace, participants: list[Participant]
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    a = await enter(server, janus, alice, guild, 400, participants)
    b = await enter(server, janus, bob, guild, 700, participants)
    await a.peer.until(lambda: hears(a.peer, 700), "Alice hears Bob through Janus")
    await b.peer.until(lambda: hears(b.peer, 400), "Bob hears Alice through Janus")
    await a.frame(5, user_id=str(bob.id), speaking=1)


STREAM = 1 << 9


async def show_camera(person: Participant, janus: JanusNamespace) -> Publisher | None:
    """Offer a publisher connection with a camera; None if the server refused it."""
    publisher = Publisher(janus.client_address)
    offer = await publisher.offer()
    mark = len(person.frames)
    await person.socket.send(
        1,
        {
            "protocol": "webrtc",
            "connection": "video_publisher",
            "data": offer.sdp,
            "sources": dict(offer.sources),
        },
    )
    described = (await person.frame(4, after=mark, connection="video_publisher"))["d"]
    if described["sdp"] is None:
        await publisher.close()
        return None
    await publisher.accept(Answer(described["sdp"], []))
    return publisher


class Watcher:
    """Answers the server's subscriber offers (op 4 `video_subscriber`) as they come."""

    def __init__(self, person: Participant, janus: JanusNamespace) -> None:
        self.person = person
        self.progress = asyncio.Event()
        self.subscriber = Subscriber(janus.client_address, self.progress)
        self.answered = 0
        self._task = asyncio.get_running_loop().create_task(self._answer())

    async def _answer(self) -> None:
        seen = 0
        while True:
            frame = await self.person.frame(4, after=seen, connection="video_subscriber")
            seen = self.person.frames.index(frame) + 1
            d = frame["d"]
            assert d["type"] == "offer"
            slots = [VideoSlot(s["mid"], int(s["user_id"]), s["source"]) for s in d["streams"]]
            sdp = await self.subscriber.answer(VideoOffer(d["sdp"], slots))
            await self.person.socket.send(
                1, {"protocol": "webrtc", "connection": "video_subscriber", "data": sdp}
            )
            self.answered += 1
            self.progress.set()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.subscriber.close()


async def test_a_camera_goes_through_janus_only_with_stream_and_stops_when_its_owner_leaves(
    server: Server, remote: Api, janus: JanusNamespace, participants: list[Participant]
) -> None:
    alice, bob, carol = [await remote.account() for _ in range(3)]
    guild = await alice.guild()
    for member in (bob, carol):
        await member.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)
    denied = await alice.put(
        f"/channels/{voice}/permissions/{carol.id}",
        json={"type": 1, "allow": "0", "deny": str(STREAM)},
    )
    assert denied.status_code == 204
    a = await enter(server, janus, alice, guild, 400, participants)
    b = await enter(server, janus, bob, guild, 700, participants)
    c = await enter(server, janus, carol, guild, 1000, participants)
    watcher = Watcher(b, janus)
    camera = None
    try:
        camera = await show_camera(a, janus)
        assert camera is not None

        streams = await b.frame(15, streams=[{"user_id": str(alice.id), "source": "camera"}])
        assert streams["d"]["streams"] == [{"user_id": str(alice.id), "source": "camera"}]
        await until(
            watcher.progress,
            lambda: watcher.subscriber.frames_of(alice.id) >= 10,
            "Bob decodes 10 frames of Alice's camera through Janus",
        )
        assert watcher.subscriber.streams[0].source == "camera"
        assert await show_camera(c, janus) is None, "Carol has no STREAM: refused"

        mark = len(b.frames)
        await a.socket.ws.close()

        await b.frame(15, after=mark, streams=[])
        await b.frame(13, after=mark, user_id=str(alice.id))
        await until(
            watcher.progress,
            lambda: watcher.subscriber.streams == [] and watcher.answered >= 2,
            "a subscriber offer without Alice's camera, answered",
        )
    finally:
        await watcher.close()
        if camera is not None:
            await camera.close()


async def test_on_a_stage_only_speakers_publish_video_through_janus(
    server: Server, remote: Api, janus: JanusNamespace, participants: list[Participant]
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    created = await alice.post(
        f"/guilds/{guild['id']}/channels", json={"name": "Town hall", "type": 13}
    )
    assert created.status_code == 201, created.text
    stage = str(created.json()["id"])
    a = await enter(server, janus, alice, guild, 400, participants, stage)
    b = await enter(server, janus, bob, guild, 700, participants, stage)
    watcher = Watcher(a, janus)
    cameras: list[Publisher] = []
    try:
        assert await show_camera(b, janus) is None, "the audience may not show video"

        mark = len(b.frames)
        brought_up = await alice.patch(
            f"/guilds/{guild['id']}/voice-states/{bob.id}",
            json={"channel_id": stage, "suppress": False},
        )
        assert brought_up.status_code == 204, brought_up.text
        await b.frame(15, after=mark)  # may publish now: offer again
        camera = await show_camera(b, janus)
        assert camera is not None
        cameras.append(camera)
        await until(
            watcher.progress,
            lambda: watcher.subscriber.frames_of(bob.id) >= 5,
            "Alice decodes 5 frames of the speaker's camera",
        )

        mark = len(b.frames)
        stepped_down = await alice.patch(
            f"/guilds/{guild['id']}/voice-states/{bob.id}",
            json={"channel_id": stage, "suppress": True},
        )
        assert stepped_down.status_code == 204, stepped_down.text
        await b.frame(4, after=mark, connection="video_publisher", sdp=None)
        await until(
            watcher.progress,
            lambda: watcher.subscriber.streams == [] and watcher.answered >= 2,
            "an offer without Bob's camera once he is in the audience again",
        )
    finally:
        await watcher.close()
        for each in cameras:
            await each.close()


async def test_video_connections_come_after_the_main_one_and_are_named(
    server: Server, remote: Api, janus: JanusNamespace
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    rec, update = await joined(server, alice, guild, voice_channel(guild))
    for selection in (
        {"protocol": "webrtc", "connection": "video_publisher", "data": "v=0", "sources": {}},
        {"protocol": "webrtc", "connection": "video_subscriber", "data": "v=0"},
        {"protocol": "webrtc", "connection": "sideways", "data": "v=0"},
    ):
        socket = await open_voice(update["endpoint"])
        await socket.send(0, identify(alice, rec, update))
        assert (await socket.receive())["op"] == 2
        await socket.send(1, selection)
        assert await socket.closed_with() == 4002, selection  # no main connection yet
    await rec.close()
