"""Cameras through the Janus backend's VideoRoom (`janus_video.py`), with real Janus servers
(`janus_process.py`) and aiortc clients: each person has the AudioBridge connection of
`clients.py`, a publisher connection when they show their camera and a subscriber connection that
answers the offers the backend relays (`janus_peers.py`). Frames are counted as decoded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio

from tests.media.clients import ALL_RIGHTS, Client
from tests.media.janus_peers import Publisher, Subscriber, VideoRecordingListener, until
from tests.media.janus_process import JanusNamespace, janus_namespace
from tests.media.test_janus import make_backend, room_on
from townhall.media import Rights, Source, StreamInfo, VideoSlot
from townhall.media.janus import JanusBackend

NO_STREAM = Rights(speak=True, video=False, hear=True)


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusNamespace]:
    with janus_namespace(tmp_path_factory.mktemp("janus")) as namespace:
        yield namespace


@pytest_asyncio.fixture
async def backend(janus: JanusNamespace) -> AsyncIterator[JanusBackend]:
    made = make_backend(janus)
    yield made
    await made.close()


class Member:
    """One person's three connections to the backend, and their listener."""

    def __init__(self, backend: JanusBackend, room_id: int, user_id: int, address: str) -> None:
        self.backend, self.room_id, self.user_id, self.address = backend, room_id, user_id, address
        self.progress = asyncio.Event()
        self.listener = VideoRecordingListener(self.progress.set)
        self.audio = Client(user_id, address=address)
        self.publisher: Publisher | None = None
        self.subscriber = Subscriber(address, self.progress)
        self.answered = 0

    async def join(self, rights: Rights = ALL_RIGHTS) -> None:
        offer = await self.audio.offer()
        answer = await self.backend.connect(
            self.room_id, self.user_id, offer, rights, self.listener
        )
        await self.audio.accept(answer)

    async def show_camera(self, sources: tuple[Source, ...] = ("camera",)) -> bool:
        """Offer a publisher connection; False if the backend refused it."""
        if self.publisher is not None:
            await self.publisher.close()
        self.publisher = Publisher(self.address, sources)
        answer = await self.backend.publish(
            self.room_id, self.user_id, await self.publisher.offer()
        )
        if answer is None:
            return False
        await self.publisher.accept(answer)
        return True

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait for `condition`, answering the subscriber offers that arrive meanwhile."""

        def answered_or(check: Callable[[], bool]) -> Callable[[], bool]:
            return lambda: self.answered < len(self.listener.video_offers) or check()

        while True:
            await until(self.progress, answered_or(condition), what)
            if self.answered == len(self.listener.video_offers):
                return
            offer = self.listener.video_offers[self.answered]
            self.answered += 1
            sdp = await self.subscriber.answer(offer)
            await self.backend.answer_video(self.room_id, self.user_id, sdp)

    def watched(self) -> list[VideoSlot]:
        offers = self.listener.video_offers[: self.answered]
        return offers[-1].streams if offers else []

    async def close(self) -> None:
        await self.audio.close()
        await self.subscriber.close()
        if self.publisher is not None:
            await self.publisher.close()


@pytest_asyncio.fixture
async def members(janus: JanusNamespace) -> AsyncIterator[Callable[..., Member]]:
    made: list[Member] = []

    def make(backend: JanusBackend, room_id: int, user_id: int) -> Member:
        made.append(Member(backend, room_id, user_id, janus.client_address))
        return made[-1]

    yield make
    for member in made:
        await member.close()


async def test_a_camera_reaches_a_viewer_and_stops_when_its_publisher_leaves(
    backend: JanusBackend, members: Callable[..., Member]
) -> None:
    room = room_on(backend, 0)
    alice, bob = members(backend, room, 1), members(backend, room, 2)
    await alice.join()
    await bob.join()

    assert await alice.show_camera()

    await bob.until(lambda: backend.video_streams(room) == [StreamInfo(1, "camera")], "listed")
    await bob.until(lambda: bob.listener.streams_changes >= 1, "bob is told of the camera")
    await bob.until(lambda: bob.subscriber.frames_of(1) >= 10, "10 frames of alice's camera")
    assert bob.watched() == [VideoSlot(bob.watched()[0].mid, 1, "camera")]
    assert bob.subscriber.sizes == {(160, 120)}
    assert alice.listener.video_offers == [], "one's own camera is not offered to oneself"
    assert alice.listener.streams_changes == 0

    await backend.disconnect(room, 1)

    await bob.until(lambda: backend.video_streams(room) == [], "the camera is gone")
    await bob.until(lambda: bob.watched() == [], "an offer without alice's camera, answered")
    # Bob's audio is the clock: a second of it arrives, and (almost) no more video frames.
    frames, audio = bob.subscriber.frames_of(1), bob.audio.frame_counts.get("0", 0)
    await bob.until(lambda: bob.audio.frame_counts.get("0", 0) >= audio + 50, "a second")
    assert bob.subscriber.frames_of(1) <= frames + 2


async def test_a_participant_without_stream_cannot_publish_until_allowed_and_loses_it(
    backend: JanusBackend, members: Callable[..., Member]
) -> None:
    room = room_on(backend, 1)
    alice, bob = members(backend, room, 1), members(backend, room, 2)
    await alice.join(NO_STREAM)
    await bob.join()

    assert not await alice.show_camera()
    assert backend.video_streams(room) == []

    backend.set_rights(room, 1, ALL_RIGHTS)
    assert alice.listener.streams_changes == 1, "asked to offer the camera again"
    assert await alice.show_camera()
    await bob.until(lambda: bob.subscriber.frames_of(1) >= 5, "5 frames once allowed")

    backend.set_rights(room, 1, NO_STREAM)

    await alice.until(lambda: alice.listener.unpublished == 1, "alice's publisher is closed")
    await bob.until(lambda: backend.video_streams(room) == [], "no longer listed")
    await bob.until(lambda: bob.watched() == [], "an offer without it, answered")


async def test_a_viewer_on_another_townhall_node_sees_the_camera(
    janus: JanusNamespace, backend: JanusBackend, members: Callable[..., Member]
) -> None:
    other_node = make_backend(janus)
    try:
        room = room_on(backend, 1)
        alice, bob = members(backend, room, 1), members(other_node, room, 2)
        await alice.join()
        assert await alice.show_camera()

        await bob.join()  # on the other node, after the camera is on

        # Listed by Janus once its media flows, to the other node's watcher too.
        listed = [StreamInfo(1, "camera")]
        await bob.until(lambda: other_node.video_streams(room) == listed, "listed there")
        await bob.until(lambda: bob.subscriber.frames_of(1) >= 5, "5 frames through the other")
    finally:
        await other_node.close()


async def test_a_camera_and_then_a_screen_as_well_reach_a_viewer(
    backend: JanusBackend, members: Callable[..., Member]
) -> None:
    room = room_on(backend, 0)
    alice, bob = members(backend, room, 1), members(backend, room, 2)
    await alice.join()
    await bob.join()
    assert await alice.show_camera()
    await bob.until(lambda: bob.subscriber.frames_of(1) >= 5, "5 frames of the camera")

    assert await alice.show_camera(("camera", "screen"))  # a new publisher with both

    both = [StreamInfo(1, "camera"), StreamInfo(1, "screen")]
    await bob.until(lambda: backend.video_streams(room) == both, "both listed")
    await bob.until(
        lambda: sorted(s.source for s in bob.watched()) == ["camera", "screen"], "both watched"
    )
    frames = {s.source: bob.subscriber.frames.get(s.mid, 0) for s in bob.watched()}
    await bob.until(
        lambda: all(
            bob.subscriber.frames.get(s.mid, 0) >= frames[s.source] + 5 for s in bob.watched()
        ),
        "5 more frames of each",
    )
