"""Bots on Discord's UDP transport in a room, on the embedded SFU and in worker processes.

The bot is `tests/voice/bots.py`'s `UdpBot` (discovery and sealed RTP by hand); the others are
aiortc peers (`clients.py`). Each side must hear the other's tone; a bot on the wrong worker's
address is refused, and a bot without the right to speak is heard by nobody.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.media.clients import ALL_RIGHTS, Client, RecordingListener
from tests.voice.bots import OpusTones, UdpBot, opus_packets, write_opus_tone
from townhall.media import EmbeddedSfu, MediaBackend, NotConnected, Rights, WorkerPoolSfu
from townhall.media.backend import BotOffer

NOT_SPEAKING = Rights(speak=False, video=True, hear=True)


@pytest_asyncio.fixture
async def pool() -> AsyncIterator[WorkerPoolSfu]:
    backend = WorkerPoolSfu(2, host_addresses=["127.0.0.1"])
    await backend.start()
    yield backend
    await backend.close()


@pytest_asyncio.fixture(params=["embedded", "workers"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[EmbeddedSfu | WorkerPoolSfu]:
    made: EmbeddedSfu | WorkerPoolSfu
    if request.param == "embedded":
        made = EmbeddedSfu(host_addresses=["127.0.0.1"])
    else:
        made = WorkerPoolSfu(2, host_addresses=["127.0.0.1"])
        await made.start()
    yield made
    await made.close()


@pytest.fixture(scope="module")
def tone_packets(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    path = tmp_path_factory.mktemp("bots") / "tone.ogg"
    write_opus_tone(path, 1900, 6.0)
    return opus_packets(path)


async def bot_joins(
    backend: MediaBackend, room_id: int, user_id: int, rights: Rights = ALL_RIGHTS
) -> tuple[UdpBot, RecordingListener]:
    endpoint = await backend.bot_endpoint(room_id)
    assert endpoint is not None
    bot = await UdpBot.open(secrets.randbelow(2**31) + 1, endpoint)
    bot.key = secrets.token_bytes(32)
    listener = RecordingListener(lambda: None)
    offer = BotOffer(bot.ssrc, await bot.discover(), bot.key, endpoint)
    await backend.connect_bot(room_id, user_id, offer, rights, listener)
    return bot, listener


async def speak(bot: UdpBot, packets: list[bytes]) -> None:
    for packet in packets:
        bot.send_opus(packet)
        await asyncio.sleep(0.02)


async def hears(bot: UdpBot, tone: int) -> None:
    tones = OpusTones()
    while True:
        opened = bot.opened(await asyncio.wait_for(bot.received.get(), 10))
        assert opened is not None
        if tones.tone(opened[1]) == tone:
            return


async def test_a_bot_and_a_browser_hear_each_other(
    backend: EmbeddedSfu | WorkerPoolSfu, client: Callable[..., Client], tone_packets: list[bytes]
) -> None:
    alice = client(1, 400)
    await alice.join(backend, 7)
    bot, _ = await bot_joins(backend, 7, 2)
    speaking = asyncio.get_running_loop().create_task(speak(bot, tone_packets))
    try:
        await alice.until(lambda: 1900 in alice.tones_heard(), "alice hears the bot")
        await alice.until(lambda: alice.listener.is_speaking(2), "the bot shows as speaking")
        await hears(bot, 400)
        # Alice says how large she shows a camera (simulcast); the room carries on.
        backend.set_video_sizes(7, 1, {(2, "camera"): 360})
        assert backend.members(7) == [1, 2]
        await backend.disconnect(7, 2)
        assert backend.members(7) == [1]
    finally:
        speaking.cancel()
        bot.close()


async def test_a_bot_is_told_whose_voice_each_of_its_ssrcs_carries(
    backend: EmbeddedSfu | WorkerPoolSfu, client: Callable[..., Client]
) -> None:
    """Two people talk at once; every packet the bot gets holds the tone of the person its SSRC
    was last named for (what discord.py's voice receive relies on), and browsers are not told."""
    alice, carol = client(1, 400), client(3, 700)
    await alice.join(backend, 7)
    await carol.join(backend, 7)
    bot, listener = await bot_joins(backend, 7, 2)
    try:
        tones = {1: 400, 3: 700}
        decoders: dict[int, OpusTones] = {}
        matched: set[int] = set()
        for _ in range(500):  # 5 s of two voices
            if matched == {1, 3}:
                break
            packet = await asyncio.wait_for(bot.received.get(), 10)
            opened = bot.opened(packet)
            assert opened is not None
            header, payload = opened
            ssrc = int.from_bytes(header[8:12], "big")
            tone = decoders.setdefault(ssrc, OpusTones()).tone(payload)
            speaker = listener.slot_speakers.get(ssrc)
            # In worker processes the name goes through the pool while the packets go straight
            # out: the first few may come first (as with Discord, whose op 5 may come late too).
            if speaker is not None and tone is not None:
                assert tone == tones[speaker], f"SSRC {ssrc} named for {speaker} carries {tone}"
                matched.add(speaker)
        assert matched == {1, 3}, f"named SSRCs carried the right voices for {matched} only"
        assert alice.listener.slot_speakers == {} and carol.listener.slot_speakers == {}
    finally:
        bot.close()


async def test_a_bot_without_the_right_to_speak_is_heard_by_nobody(
    sfu: EmbeddedSfu, client: Callable[..., Client], tone_packets: list[bytes]
) -> None:
    alice = client(1, 400)
    await alice.join(sfu, 8)
    quiet, _ = await bot_joins(sfu, 8, 2, NOT_SPEAKING)
    loud, _ = await bot_joins(sfu, 8, 3)
    # The quiet bot speaks first, on its own, for half a second, and goes on: had any of it
    # been forwarded, Alice would see it speaking before the other bot, which starts later.
    await speak(quiet, tone_packets[:25])
    quiet_task = asyncio.get_running_loop().create_task(speak(quiet, tone_packets[25:]))
    loud_task = asyncio.get_running_loop().create_task(speak(loud, tone_packets))
    try:
        await alice.until(lambda: alice.listener.is_speaking(3), "the allowed bot speaks")
        assert not alice.listener.is_speaking(2)
        await hears(quiet, 400)  # it still hears
    finally:
        quiet_task.cancel()
        loud_task.cancel()
        quiet.close()
        loud.close()


async def test_a_bot_sent_to_another_workers_address_is_refused(
    pool: WorkerPoolSfu, client: Callable[..., Client]
) -> None:
    alice = client(1, 400)
    await alice.join(pool, 9)
    elsewhere = await pool.bot_endpoint(10)  # a new room goes to the other, emptier worker
    here = await pool.bot_endpoint(9)
    assert elsewhere != here
    offer = BotOffer(1234, ("127.0.0.1", 9), secrets.token_bytes(32), elsewhere)
    with pytest.raises(NotConnected):
        await pool.connect_bot(9, 2, offer, ALL_RIGHTS, RecordingListener(lambda: None))
    assert pool.members(9) == [1]


def test_bots_opus_file_is_what_discord_sends(tmp_path: Path) -> None:
    write_opus_tone(tmp_path / "t.ogg", 400, 1.0)
    packets = opus_packets(tmp_path / "t.ogg")
    assert 45 <= len(packets) <= 51  # 20 ms packets
    assert OpusTones().tone(packets[10]) == 400
