"""Voice rooms spread over worker processes: media flows through the workers, the pool signals.

Real worker processes (`python -m townhall.media.worker`) and real aiortc peers on loopback
(`clients.py`). A listener here is a plain object in the test's process, so every speaking and
streams event it records has crossed from a worker through the pool.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from tests.media.clients import ALL_RIGHTS, TALKER, Client
from townhall.media import (
    Answer,
    BadOffer,
    NotConnected,
    Offer,
    Rights,
    StreamInfo,
    VideoSlot,
    WorkerPoolSfu,
)
from townhall.media.workers import split_ports

NOT_SPEAKING = Rights(speak=False, video=True, hear=True)
PORTS = (45000, 45999)


@pytest_asyncio.fixture
async def pool() -> AsyncIterator[WorkerPoolSfu]:
    backend = WorkerPoolSfu(2, host_addresses=["127.0.0.1"], port_range=PORTS)
    await backend.start()
    yield backend
    await backend.close()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def candidate_port(answer: Answer) -> int:
    line = next(line for line in answer.sdp.splitlines() if line.startswith("a=candidate:"))
    return int(line.split()[5])


def share_of(port: int) -> int:
    return next(
        i for i, share in enumerate(split_ports(PORTS, 2)) if share and share[0] <= port <= share[1]
    )


async def test_two_rooms_live_on_two_workers_where_people_hear_each_other_as_allowed(
    pool: WorkerPoolSfu, client: Callable[..., Client]
) -> None:
    alice, bob = client(1, 400), client(2, 1000)
    dave, erin = client(4, 1600), client(5)
    alice_answer = await alice.join(pool, 1)
    await bob.join(pool, 1)
    dave_answer = await dave.join(pool, 2, TALKER)
    await erin.join(pool, 2)

    assert pool.members(1) == [1, 2] and pool.members(2) == [4, 5]
    assert pool.worker_pid(1) != pool.worker_pid(2)
    assert {pool.worker_pid(1), pool.worker_pid(2)} == set(pool.worker_pids)
    assert {share_of(candidate_port(alice_answer)), share_of(candidate_port(dave_answer))} == {0, 1}
    await alice.until(lambda: 1000 in alice.tones_heard(), "alice hears bob")
    await bob.until(lambda: 400 in bob.tones_heard(), "bob hears alice")
    await erin.until(lambda: 1600 in erin.tones_heard(), "erin hears dave, in the other worker")
    await bob.until(lambda: bob.listener.is_speaking(1), "bob's listener sees alice speaking")
    assert alice.all_tones_kept() == {1000} and erin.all_tones_kept() == {1600}

    alice_mid = next(m for m in bob.audio_mids() if bob.tone_in(m) == 400)
    bob_mid = next(m for m in alice.audio_mids() if alice.tone_in(m) == 1000)
    alice_then, bob_then = len(bob.packets_on(alice_mid)), len(alice.packets_on(bob_mid))
    pool.set_rights(1, 1, NOT_SPEAKING)
    await alice.until(
        lambda: len(alice.packets_on(bob_mid)) >= bob_then + 50, "50 more packets of bob's"
    )
    # Only what was already on the wire when the right was taken away may still arrive.
    assert len(bob.packets_on(alice_mid)) <= alice_then + 3
    await bob.until(lambda: not bob.listener.is_speaking(1), "alice's indicator off")


async def test_a_viewer_is_told_of_a_camera_and_watches_it_through_the_pool(
    pool: WorkerPoolSfu, client: Callable[..., Client]
) -> None:
    viewer = client(1)
    seen_when_told: list[list[StreamInfo]] = []
    told = viewer.listener.streams_changed

    def streams_changed() -> None:  # what the voice gateway does: read the list when told
        seen_when_told.append(pool.video_streams(7))
        told()

    viewer.listener.streams_changed = streams_changed  # type: ignore[method-assign]
    await viewer.join(pool, 7)
    publisher = client(2, 400, camera=True)
    await publisher.join(pool, 7, TALKER)

    await viewer.until(lambda: viewer.listener.streams_changes == 1, "told to renegotiate")
    assert seen_when_told == [[StreamInfo(2, "camera")]]
    assert pool.video_streams(7) == [StreamInfo(2, "camera")]
    viewer.watch()
    answer = await viewer.renegotiate(pool, 7)

    video = [s for s in answer.streams if isinstance(s, VideoSlot)]
    assert video == [VideoSlot(mid=video[0].mid, user_id=2, source="camera")]
    await viewer.until(lambda: len(viewer.video_sizes.get(video[0].mid, [])) >= 5, "5 frames")
    assert set(viewer.video_sizes[video[0].mid]) == {(160, 120)}


async def test_media_errors_keep_their_type_across_the_socket(
    pool: WorkerPoolSfu, client: Callable[..., Client]
) -> None:
    someone, other = client(1), client(2)
    offer = await someone.offer()
    mic_mid = next(iter(offer.sources))
    with pytest.raises(BadOffer):
        bad = Offer(offer.sdp, {mic_mid: "camera"})
        await pool.connect(9, 1, bad, ALL_RIGHTS, someone.listener)
    assert pool.members(9) == [] and pool.worker_pid(9) is None

    await other.join(pool, 9)
    with pytest.raises(NotConnected):  # asked of the worker: the room lives there
        await pool.renegotiate(9, 1, offer)
    assert pool.members(9) == [2]


async def test_a_connect_given_up_on_leaves_nobody_behind_in_the_worker(
    pool: WorkerPoolSfu, client: Callable[..., Client]
) -> None:
    other, given_up = client(1), client(2, camera=True)
    await other.join(pool, 11)
    joining = asyncio.get_running_loop().create_task(
        pool.connect(11, 2, await given_up.offer(), ALL_RIGHTS, given_up.listener)
    )
    await asyncio.sleep(0)  # the request is on its way
    joining.cancel()
    with pytest.raises(asyncio.CancelledError):
        await joining

    # The worker finishes the connect it was given, then undoes it: the camera came and went.
    await other.until(lambda: other.listener.streams_changes == 2, "told of it twice")
    assert pool.members(11) == [1] and pool.video_streams(11) == []


async def test_a_killed_worker_loses_its_rooms_and_is_started_again(
    pool: WorkerPoolSfu, client: Callable[..., Client]
) -> None:
    lost: list[int] = []
    room_lost = asyncio.Event()

    def on_room_lost(room_id: int) -> None:
        lost.append(room_id)
        room_lost.set()

    pool.on_room_lost = on_room_lost
    alice, bob, carol = client(1, 400), client(2, 1000), client(3, 1600)
    await alice.join(pool, 1)
    await bob.join(pool, 1)
    await carol.join(pool, 2)
    doomed, survivor = pool.worker_pid(1), pool.worker_pid(2)
    assert doomed is not None and survivor is not None and doomed != survivor
    await alice.until(lambda: 1000 in alice.tones_heard(), "alice hears bob")

    os.kill(doomed, signal.SIGKILL)
    await asyncio.wait_for(room_lost.wait(), 10)

    assert lost == [1]
    assert pool.members(1) == [] and pool.video_streams(1) == []
    with pytest.raises(NotConnected):
        await pool.renegotiate(1, 1, Offer(sdp=""))
    with pytest.raises(NotConnected):
        pool.set_rights(1, 2, NOT_SPEAKING)
    await pool.disconnect(1, 1)  # as after any other end of the media: nothing to do
    assert pool.members(2) == [3] and pool.worker_pid(2) == survivor

    again, other = client(4, 1300), client(5, 1900)
    await again.join(pool, 1)
    await other.join(pool, 1)
    restarted = pool.worker_pid(1)
    assert restarted not in (doomed, survivor) and set(pool.worker_pids) == {restarted, survivor}
    await again.until(lambda: 1900 in again.tones_heard(), "hearing each other after the restart")
    await other.until(lambda: 1300 in other.tones_heard(), "both ways")

    await pool.close()
    assert all(gone(pid) for pid in (doomed, survivor, restarted) if pid is not None)


async def test_closing_the_pool_ends_every_worker_process(client: Callable[..., Client]) -> None:
    pool = WorkerPoolSfu(2, host_addresses=["127.0.0.1"])
    someone = client(1, 400)
    await someone.join(pool, 1)  # the first connect starts the workers
    pids = pool.worker_pids
    assert len(pids) == 2 and pool.members(1) == [1]

    await pool.close()

    assert [pid for pid in pids if not gone(pid)] == []
    assert pool.worker_pids == [] and pool.members(1) == []


def test_a_port_range_is_split_between_the_workers_without_overlap() -> None:
    assert split_ports((50000, 50009), 3) == [(50000, 50002), (50003, 50005), (50006, 50009)]
    assert split_ports(None, 2) == [None, None]
    with pytest.raises(ValueError):
        split_ports((50000, 50001), 3)
