"""The Janus backend, through real Janus servers (`janus_process.py`) and aiortc clients.

Everyone's microphone plays their own tone; AudioBridge sends each listener the room's mix minus
their own voice on audio slot 0, so a listener's decoded frames hold the other speakers' tones
together. Requests carry Janus's api_secret and signed tokens, rooms are made with the plugin's
admin_key and get per-room secrets and pins, as a deployment would have them. The last tests
need no Janus: they check the SDP fitting (`janus_sdp.py`) on a Chromium-shaped offer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from itertools import count
from pathlib import Path

import pytest
import pytest_asyncio

from tests.media.clients import ALL_RIGHTS, TALKER, Client, tones_present
from tests.media.janus_process import (
    ADMIN_KEY,
    API_SECRET,
    TOKEN_SECRET,
    JanusNamespace,
    janus_namespace,
)
from townhall.media import AudioSlot, BadOffer, MediaError, Offer, Rights
from townhall.media.janus import JanusBackend
from townhall.media.janus_api import JanusError
from townhall.media.janus_sdp import (
    Section,
    complete_answer,
    join,
    microphone_mid,
    offer_for_janus,
    split,
)

TONES = (400, 700, 1000)
MUTED = Rights(speak=False, video=True, hear=True)
_room_ids = count(1_300_000_000_000_000_000)


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusNamespace]:
    with janus_namespace(tmp_path_factory.mktemp("janus")) as namespace:
        yield namespace


def make_backend(
    janus: JanusNamespace, urls: list[str] | None = None, **overrides: str
) -> JanusBackend:
    settings = {
        "admin_key": ADMIN_KEY,
        "api_secret": API_SECRET,
        "token_secret": TOKEN_SECRET,
        "room_key": "townhall-room-key",
    }
    settings.update(overrides)
    return JanusBackend(urls or janus.urls, **settings)


@pytest_asyncio.fixture
async def backend(janus: JanusNamespace) -> AsyncIterator[JanusBackend]:
    made = make_backend(janus)
    yield made
    await made.close()


@pytest.fixture
def person(
    janus: JanusNamespace,
    client: Callable[..., Client],
) -> Callable[..., Client]:
    """A client whose ICE candidates are on our end of the veth pair towards Janus."""
    return lambda *args, **kwargs: client(*args, address=janus.client_address, **kwargs)


def room_on(backend: JanusBackend, server: int) -> int:
    """A new snowflake-sized room id that the backend places on `backend.servers[server]`."""
    return next(r for r in _room_ids if backend.place(r) is backend.servers[server])


def heard(listener: Client, frames: int = 3) -> set[int]:
    """The tones in each of the latest `frames` frames of audio slot 0 (all must agree)."""
    latest = list(listener.frames.get("0", ()))[-frames:]
    found = [frozenset(tones_present(frame, TONES)) for frame in latest]
    return set(found[0]) if len(found) == frames and len(set(found)) == 1 else set()


async def test_people_hear_each_other_in_the_mix_and_video_is_answered_inactive(
    backend: JanusBackend, person: Callable[..., Client]
) -> None:
    room = room_on(backend, 0)
    alice, bob, carol = person(1, 400, camera=True), person(2, 700), person(3, 1000)

    answer = await alice.join(backend, room)
    await bob.join(backend, room)
    await carol.join(backend, room)

    assert answer.streams == [AudioSlot("0", 0)]
    directions = {t.mid: t.currentDirection for t in alice.pc.getTransceivers()}
    assert directions == {"0": "sendrecv", "1": "inactive", "2": "inactive", "3": "inactive"}
    assert backend.video_streams(room) == []
    await alice.until(lambda: heard(alice) == {700, 1000}, "alice hears bob and carol")
    await bob.until(lambda: heard(bob) == {400, 1000}, "bob hears alice and carol")
    await carol.until(lambda: heard(carol) == {400, 700}, "carol hears alice and bob")
    await carol.until(lambda: carol.listener.is_speaking(1), "carol sees alice speaking")
    assert backend.members(room) == [1, 2, 3]
    assert sorted(await backend.janus_participants(room) or []) == [1, 2, 3]


async def test_a_participant_without_speak_is_not_in_the_mix_until_allowed(
    backend: JanusBackend, person: Callable[..., Client]
) -> None:
    room = room_on(backend, 0)
    muted, talker, listener = person(1, 400), person(2, 700), person(3)
    await muted.join(backend, room)
    await talker.join(backend, room, TALKER)
    await listener.join(backend, room)
    await listener.until(lambda: heard(listener) == {400, 700}, "both in the mix")

    backend.set_rights(room, 1, MUTED)

    await listener.until(lambda: heard(listener) == {700}, "only the talker")
    await listener.until(lambda: not listener.listener.is_speaking(1), "the muted not speaking")
    # The talker's audio is the clock: 50 more frames of it, and the muted tone in none.
    start = listener.frame_counts["0"]
    await listener.until(lambda: listener.frame_counts["0"] >= start + 50, "50 more frames")
    latest = list(listener.frames["0"])[-50:]
    assert all(tones_present(frame, TONES) == {700} for frame in latest)

    backend.set_rights(room, 1, ALL_RIGHTS)

    await listener.until(lambda: heard(listener) == {400, 700}, "both in the mix again")


async def test_a_participant_who_may_not_hear_gets_nothing_until_renegotiated(
    backend: JanusBackend, person: Callable[..., Client]
) -> None:
    room = room_on(backend, 0)
    deaf, other = person(1, 400), person(2, 700)

    answer = await deaf.join(backend, room, TALKER)
    await other.join(backend, room)

    assert answer.streams == []
    await other.until(lambda: other.frame_counts.get("0", 0) >= 50, "50 frames of the deaf one")
    assert heard(other) == {400}
    assert deaf.received == []  # not one RTP packet from Janus, while the other got 50 frames

    backend.set_rights(room, 1, ALL_RIGHTS)
    assert deaf.listener.streams_changes == 1  # the client is asked for a new offer
    answer = await deaf.renegotiate(backend, room)

    assert answer.streams == [AudioSlot("0", 0)]
    await deaf.until(lambda: heard(deaf) == {700}, "hears the other after renegotiating")


async def test_leaving_empties_the_room_on_janus(
    backend: JanusBackend, person: Callable[..., Client]
) -> None:
    room = room_on(backend, 1)
    alice, bob = person(1, 400), person(2, 700)
    await alice.join(backend, room)
    await bob.join(backend, room)
    await alice.until(lambda: heard(alice) == {700}, "alice hears bob")

    await backend.disconnect(room, 1)

    assert await backend.janus_participants(room) == [2]
    assert backend.members(room) == [2]
    await backend.disconnect(room, 2)
    assert await backend.janus_participants(room) is None  # the room is gone from Janus
    assert backend.members(room) == []
    await backend.disconnect(room, 2)  # leaving twice is fine


async def test_two_townhall_nodes_put_a_room_on_the_same_janus(
    janus: JanusNamespace,
    backend: JanusBackend,
    person: Callable[..., Client],
) -> None:
    other_node = make_backend(janus)
    try:
        spread = {backend.place(r).url for r in range(100)}
        assert spread == set(janus.urls)
        room = room_on(backend, 1)
        assert other_node.place(room).url == backend.place(room).url
        alice, bob = person(1, 400), person(2, 700)

        await alice.join(backend, room)
        await bob.join(other_node, room)

        await alice.until(lambda: heard(alice) == {700}, "alice hears bob, from the other node")
        await bob.until(lambda: heard(bob) == {400}, "bob hears alice, from the other node")
        assert sorted(await other_node.janus_participants(room) or []) == [1, 2]
    finally:
        await other_node.close()


async def test_rooms_on_a_server_that_is_down_fail_to_join_and_the_others_do_not(
    janus: JanusNamespace, person: Callable[..., Client]
) -> None:
    down = f"http://{janus.janus_address}:8090/janus"  # nothing listens there
    cluster = make_backend(janus, [janus.urls[0], down])
    try:
        alice, bob = person(1, 400), person(2, 700)
        on_down = next(r for r in _room_ids if cluster.place(r).url == down)
        with pytest.raises(MediaError):
            await cluster.connect(on_down, 1, await alice.offer(), ALL_RIGHTS, alice.listener)

        answer = await bob.join(cluster, room_on(cluster, 0))

        assert cluster.members(on_down) == []
        assert answer.streams == [AudioSlot("0", 0)]
    finally:
        await cluster.close()


@pytest.mark.parametrize(
    ("wrong", "code"),
    [({"api_secret": "wrong", "token_secret": "wrong"}, 403), ({"token_secret": "wrong"}, 405)],
    ids=["no valid secret or token", "a token not signed for the plugin"],
)
async def test_requests_without_valid_credentials_are_refused(
    janus: JanusNamespace, person: Callable[..., Client], wrong: dict[str, str], code: int
) -> None:
    refused = make_backend(janus, **wrong)
    try:
        alice = person(1, 400)
        offer = await alice.offer()
        room = room_on(refused, 0)
        with pytest.raises(JanusError) as error:
            await refused.connect(room, 1, offer, ALL_RIGHTS, alice.listener)
        assert error.value.code == code
        assert refused.members(room) == []
    finally:
        await refused.close()


async def test_an_offer_whose_first_audio_line_is_not_the_microphone_is_refused(
    backend: JanusBackend, person: Callable[..., Client]
) -> None:
    alice = person(1, 400)
    offer = await alice.offer()
    swapped = Offer(offer.sdp, {"1": "microphone"})

    with pytest.raises(BadOffer, match="first audio m-line"):
        await backend.connect(room_on(backend, 0), 1, swapped, ALL_RIGHTS, alice.listener)


CHROMIUM_OFFER = (Path(__file__).parent / "chromium_offer.sdp").read_text().replace("\n", "\r\n")
JANUS_ANSWER = "\r\n".join(
    [
        "v=0",
        "o=- 1 1 IN IP4 10.77.0.2",
        "s=AudioBridge 1",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=fingerprint:sha-256 2A:AF:FA:FC",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 10.77.0.2",
        "a=sendrecv",
        "a=mid:0",
        "a=rtcp-mux",
        "a=ice-ufrag:Cc6x",
        "a=ice-pwd:veDkZAbKdy8uSr2UzrwsYP",
        "a=setup:active",
        "a=rtpmap:111 opus/48000/2",
        "a=candidate:1 1 udp 2015363327 10.77.0.2 50436 typ host",
        "",
    ]
)


@pytest.mark.parametrize(("hear", "direction"), [(True, "sendrecv"), (False, "sendonly")])
def test_janus_is_offered_the_microphone_alone(hear: bool, direction: str) -> None:
    _, sections = split(offer_for_janus(CHROMIUM_OFFER, "0", hear))

    assert [(s.mid, s.direction) for s in sections] == [("0", direction)]
    assert "a=group:BUNDLE 0\r\n" in offer_for_janus(CHROMIUM_OFFER, "0", hear)


def test_the_answer_keeps_every_offered_line_inactive_and_a_stopped_one_rejected() -> None:
    session, offered = split(CHROMIUM_OFFER)
    stopped = Section((offered[4].lines[0].replace(" 9 ", " 0 ", 1), *offered[4].lines[1:]))
    offer = join(session, [*offered[:4], stopped])

    answer = complete_answer(offer, JANUS_ANSWER)

    session, sections = split(answer)
    assert [(s.mid, s.port, s.direction) for s in sections] == [
        ("0", 9, "sendrecv"),
        ("1", 9, "inactive"),
        ("2", 9, "inactive"),
        ("3", 9, "inactive"),
        ("4", 0, "inactive"),
    ]
    assert "a=group:BUNDLE 0 1 2 3" in session
    assert "a=ice-ufrag:Cc6x" in sections[3].lines and "a=rtpmap:96 VP8/90000" in sections[3].lines
    assert sections[0].lines == split(JANUS_ANSWER)[1][0].lines


def test_a_microphone_that_is_not_the_first_audio_line_is_refused() -> None:
    with pytest.raises(BadOffer):
        microphone_mid(CHROMIUM_OFFER, {"1": "microphone"})
    assert microphone_mid(CHROMIUM_OFFER, {"0": "microphone", "3": "camera"}) == "0"
