"""Bots through Janus: Discord's UDP transport on the node, plain RTP to a real AudioBridge.

The bot is `tests/voice/bots.py`'s `UdpBot` (discovery and sealed RTP by hand), on loopback as a
bot on the node's machine would be; the browsers are aiortc peers on our end of the veth pair
towards the Janus servers (`janus_process.py`). The node relays between the two.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Iterator

import av
import pytest
import pytest_asyncio

from tests.media.clients import ALL_RIGHTS, SAMPLE_RATE, Client, RecordingListener, tones_present
from tests.media.janus_process import (
    ADMIN_KEY,
    API_SECRET,
    TOKEN_SECRET,
    JanusNamespace,
    janus_namespace,
)
from tests.media.test_bots import speak
from tests.media.test_janus import room_on
from tests.voice.bots import UdpBot, opus_packets, write_opus_tone
from townhall.media import Rights
from townhall.media.backend import BotOffer
from townhall.media.janus import JanusBackend

BOT_TONE = 1000
TONES = (400, 700, BOT_TONE)
NOT_SPEAKING = Rights(speak=False, video=True, hear=True)
NOT_HEARING = Rights(speak=True, video=True, hear=False)


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusNamespace]:
    with janus_namespace(tmp_path_factory.mktemp("janus")) as namespace:
        yield namespace


@pytest_asyncio.fixture
async def backend(janus: JanusNamespace) -> AsyncIterator[JanusBackend]:
    made = JanusBackend(
        janus.urls,
        admin_key=ADMIN_KEY,
        api_secret=API_SECRET,
        token_secret=TOKEN_SECRET,
        room_key="townhall-room-key",
        bot_addresses=["127.0.0.1"],
    )
    yield made
    await made.close()


@pytest.fixture
def person(janus: JanusNamespace, client: Callable[..., Client]) -> Callable[..., Client]:
    return lambda *args, **kwargs: client(*args, address=janus.client_address, **kwargs)


@pytest.fixture(scope="module")
def tone_packets(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    path = tmp_path_factory.mktemp("bots") / "tone.ogg"
    write_opus_tone(path, BOT_TONE, 8.0)
    return opus_packets(path)


async def bot_joins(
    backend: JanusBackend, room_id: int, user_id: int, rights: Rights = ALL_RIGHTS
) -> tuple[UdpBot, RecordingListener]:
    endpoint = await backend.bot_endpoint(room_id)
    bot = await UdpBot.open(secrets.randbelow(2**31) + 1, endpoint)
    bot.key = secrets.token_bytes(32)
    offer = BotOffer(bot.ssrc, await bot.discover(), bot.key, endpoint)
    listener = RecordingListener(lambda: None)
    await backend.connect_bot(room_id, user_id, offer, rights, listener)
    return bot, listener


class MixTones:
    """Decodes the Opus a bot gets and tells every tone in each packet (a mix holds several)."""

    def __init__(self) -> None:
        self.decoder = av.CodecContext.create("opus", "r")
        self.resampler = av.AudioResampler(format="s16", layout="stereo", rate=SAMPLE_RATE)

    def tones(self, packet: bytes) -> set[int]:
        found: set[int] = set()
        for frame in self.decoder.decode(av.Packet(packet)):
            for pcm in self.resampler.resample(frame):
                found |= tones_present(bytes(pcm.planes[0]), TONES)
        return found


async def hears(bot: UdpBot, wanted: set[int], packets: int = 500) -> set[int]:
    """Read what reaches the bot until three packets in a row hold just the `wanted` tones;
    every packet must be sealed for it. Returns the SSRCs seen (the mix has one)."""
    mix, ssrcs, run = MixTones(), set(), 0
    for _ in range(packets):
        opened = bot.opened(await asyncio.wait_for(bot.received.get(), 10))
        assert opened is not None, "every packet to the bot is sealed with its key"
        header, payload = opened
        assert len(header) == 12 and header[1] & 0x7F == 120
        ssrcs.add(int.from_bytes(header[8:12], "big"))
        run = run + 1 if mix.tones(payload) == wanted else 0
        if run == 3:
            return ssrcs
    raise AssertionError(f"the bot did not hear {wanted} in {packets} packets")


def heard(listener: Client, frames: int = 3) -> set[int]:
    latest = list(listener.frames.get("0", ()))[-frames:]
    found = [frozenset(tones_present(frame, TONES)) for frame in latest]
    return set(found[0]) if len(found) == frames and len(set(found)) == 1 else set()


async def test_a_bot_and_a_browser_hear_each_other_through_janus(
    backend: JanusBackend, person: Callable[..., Client], tone_packets: list[bytes]
) -> None:
    room = room_on(backend, 0)
    alice = person(1, 400)
    await alice.join(backend, room)
    bot, _ = await bot_joins(backend, room, 2)
    try:
        # Before it says anything, the bot hears Alice (the node set its media up with Janus).
        assert len(await hears(bot, {400})) == 1
        speaking = asyncio.get_running_loop().create_task(speak(bot, tone_packets))
        await alice.until(lambda: heard(alice) == {BOT_TONE}, "alice hears the bot")
        assert backend.members(room) == [1, 2]
        assert sorted(await backend.janus_participants(room) or []) == [1, 2]
        # The mix the bot gets leaves out its own voice.
        assert len(await hears(bot, {400})) == 1
        speaking.cancel()

        await backend.disconnect(room, 2)

        assert await backend.janus_participants(room) == [1]
        assert backend.members(room) == [1]
    finally:
        bot.close()


async def test_a_bot_without_speak_is_not_heard_until_allowed(
    backend: JanusBackend, person: Callable[..., Client], tone_packets: list[bytes]
) -> None:
    room = room_on(backend, 1)
    alice, carol = person(1, 400), person(3, 700)
    await alice.join(backend, room)
    await carol.join(backend, room)
    bot, _ = await bot_joins(backend, room, 2, NOT_SPEAKING)
    speaking = asyncio.get_running_loop().create_task(speak(bot, tone_packets))
    try:
        await hears(bot, {400, 700})  # it hears, and has been sending for a while meanwhile
        # Carol is the clock: 50 frames of her, and the bot's tone in none.
        await alice.until(lambda: heard(alice) == {700}, "alice hears carol")
        start = alice.frame_counts["0"]
        await alice.until(lambda: alice.frame_counts["0"] >= start + 50, "50 more frames")
        assert all(BOT_TONE not in tones_present(f, TONES) for f in list(alice.frames["0"])[-50:])

        backend.set_rights(room, 2, ALL_RIGHTS)

        await alice.until(lambda: heard(alice) == {700, BOT_TONE}, "alice hears the bot now")
    finally:
        speaking.cancel()
        bot.close()


async def test_a_bot_that_may_not_hear_gets_nothing_until_allowed(
    backend: JanusBackend, person: Callable[..., Client]
) -> None:
    room = room_on(backend, 0)
    alice, carol = person(1, 400), person(3, 700)
    await alice.join(backend, room)
    bot, listener = await bot_joins(backend, room, 2, NOT_HEARING)
    await carol.join(backend, room)
    try:
        # Carol is the clock: 50 frames of Alice reach her, and not one packet the bot.
        await carol.until(lambda: carol.frame_counts.get("0", 0) >= 50, "50 frames of alice")
        assert bot.received.empty()

        backend.set_rights(room, 2, ALL_RIGHTS)

        assert listener.streams_changes == 0  # no offer to make again: the node lets it through
        await hears(bot, {400, 700})
    finally:
        bot.close()
