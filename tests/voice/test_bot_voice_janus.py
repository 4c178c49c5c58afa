"""Bots in voice through Janus: a real townhall server with `TOWNHALL_MEDIA_BACKEND=janus`, real
Janus servers in their own network namespace (`tests/media/janus_process.py`), a browser stand-in
(aiortc) on our end of the veth pair, and a bot on Discord's UDP transport to the townhall node,
first by hand (as tests/voice/test_bot_voice.py drives one), then an unmodified discord.py bot.

The node relays the bot to the room's AudioBridge as a plain RTP participant: the browser must
hear the bot's tone in Janus's mix, and the bot must hear the browser's, on one SSRC (the mix).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tests.conftest import Account, Api
from tests.e2e.bots import add_bot
from tests.media.clients import SAMPLE_RATE, Client, tones_present
from tests.media.janus_process import (
    ADMIN_KEY,
    API_SECRET,
    TOKEN_SECRET,
    JanusNamespace,
    janus_namespace,
)
from tests.server_process import Server, new_deployment
from tests.voice.bots import UdpBot, opus_packets, play_into_voice, write_opus_tone
from tests.voice.conftest import Participant, identified, voice_channel
from tests.voice.test_bot_voice import next_of, play
from tests.voice.test_voice_janus import enter
from tests.waiting import eventually_async
from townhall.media.discord_udp import MODE
from townhall.media.janus import JanusBackend

TONES = (400, 700, 1300)


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusNamespace]:
    with janus_namespace(tmp_path_factory.mktemp("janus")) as namespace:
        yield namespace


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, janus: JanusNamespace) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("bot-voice-janus") / "data"
    with new_deployment("sqlite", data_dir) as deployment:
        yield deployment.start(
            TOWNHALL_MEDIA_BACKEND="janus",
            TOWNHALL_JANUS_URLS=",".join(janus.urls),
            TOWNHALL_JANUS_ADMIN_KEY=ADMIN_KEY,
            TOWNHALL_JANUS_API_SECRET=API_SECRET,
            TOWNHALL_JANUS_TOKEN_SECRET=TOKEN_SECRET,
            TOWNHALL_VOICE_ADDRESSES="127.0.0.1",  # where the node's bot socket listens
        )


def hears(peer: Client, tone: int, present: bool = True, frames: int = 3) -> bool:
    """Whether the latest `frames` frames of the mix all hold `tone` (or, `present=False`, none
    of them does)."""
    latest = list(peer.frames.get("0", ()))[-frames:]
    return len(latest) == frames and all(
        (tone in tones_present(frame, TONES)) == present for frame in latest
    )


async def bot_hears(bot: UdpBot, tone: int, packets: int = 500) -> set[int]:
    """Open and decode what reaches the bot until three packets in a row hold `tone`; returns
    the SSRCs they came on."""
    decoder = av.CodecContext.create("opus", "r")
    resampler = av.AudioResampler(format="s16", layout="stereo", rate=SAMPLE_RATE)
    ssrcs: set[int] = set()
    run = 0
    for _ in range(packets):
        opened = bot.opened(await asyncio.wait_for(bot.received.get(), 10))
        assert opened is not None, "every packet to a bot is sealed with its key"
        header, payload = opened
        assert header[1] & 0x7F == 120 and len(header) == 12
        ssrcs.add(int.from_bytes(header[8:12], "big"))
        found: set[int] = set()
        for frame in decoder.decode(av.Packet(payload)):
            for pcm in resampler.resample(frame):
                found |= tones_present(bytes(pcm.planes[0]), TONES)
        run = run + 1 if tone in found else 0
        if run == 3:
            return ssrcs
    raise AssertionError(f"the bot did not hear {tone} in {packets} packets")


async def test_a_bot_on_discords_udp_transport_is_heard_through_janus_and_hears_the_mix(
    server: Server,
    remote: Api,
    janus: JanusNamespace,
    participants: list[Participant],
    tmp_path: Path,
) -> None:
    alice, robot = await remote.account(), await remote.account()
    guild = await alice.guild()
    await robot.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)
    a = await enter(server, janus, alice, guild, 400, participants)

    rec, socket, ready = await identified(server, robot, guild, voice)
    assert MODE in ready["modes"] and ready["ip"] == "127.0.0.1" and ready["port"] > 0
    bot = await UdpBot.open(ready["ssrc"], (ready["ip"], ready["port"]))
    speaking: asyncio.Task[None] | None = None
    try:
        assert await bot.discover() == bot.address
        host, port = bot.address
        await socket.send(
            1, {"protocol": "udp", "data": {"address": host, "port": port, "mode": MODE}}
        )
        described = await next_of(socket, 4)
        assert described["mode"] == MODE and len(described["secret_key"]) == 32
        bot.key = bytes(described["secret_key"])
        await a.frame(11, user_ids=[str(robot.id)])

        # A bot that has not said a word hears the room already.
        assert len(await bot_hears(bot, 400)) == 1, "the mix comes on one SSRC"
        write_opus_tone(tmp_path / "tone.ogg", 700, 10.0)
        speaking = asyncio.get_running_loop().create_task(
            play(bot, opus_packets(tmp_path / "tone.ogg"))
        )
        await a.peer.until(lambda: hears(a.peer, 700), "Alice hears the bot through Janus")

        # Server mute takes SPEAK away: Janus mutes the bot, and Alice stops hearing it while
        # it goes on sending.
        muted = await alice.patch(f"/guilds/{guild['id']}/members/{robot.id}", json={"mute": True})
        assert muted.status_code == 200, muted.text
        await a.peer.until(
            lambda: hears(a.peer, 700, present=False, frames=50), "50 frames without the bot"
        )
        assert not speaking.done()
    finally:
        if speaking is not None:
            speaking.cancel()
        bot.close()
        await socket.ws.close()
        await rec.close()


async def test_an_unmodified_discord_py_bot_plays_through_janus(
    server: Server,
    remote: Api,
    janus: JanusNamespace,
    participants: list[Participant],
    tmp_path: Path,
) -> None:
    """`await channel.connect()` and `voice_client.play(...)`, with Janus carrying the room."""
    owner: Account = await remote.account()
    guild = await owner.guild("Radio")
    bot = await add_bot(owner, guild["id"], name="Radio")
    voice = voice_channel(guild)
    a = await enter(server, janus, owner, guild, 400, participants)
    write_opus_tone(tmp_path / "jingle.ogg", 1300, 4.0)
    playing = asyncio.get_running_loop().create_task(
        play_into_voice(server.url, bot.token, int(voice), tmp_path / "jingle.ogg", tmp_path)
    )
    await a.frame(11, user_ids=[str(bot.user_id)])
    await a.peer.until(lambda: hears(a.peer, 1300), "Alice hears the bot through Janus")
    observer = JanusBackend(janus.urls, api_secret=API_SECRET, token_secret=TOKEN_SECRET)
    try:
        in_room = await observer.janus_participants(int(voice))
        assert sorted(in_room or []) == sorted([owner.id, bot.user_id])
        await asyncio.wait_for(playing, 30)  # it played to the end, and left
        await a.frame(13, user_id=str(bot.user_id))

        async def only_the_owner() -> bool:
            return await observer.janus_participants(int(voice)) == [owner.id]

        await eventually_async(only_the_owner, 10, "the bot's participant is gone from Janus")
    finally:
        await observer.close()
