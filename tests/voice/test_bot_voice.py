"""Bots in voice: Discord's UDP transport bridged to the SFU, by hand and with discord.py itself.

A browser stand-in (the aiortc peer of tests/media/clients.py) is in the channel; the bot's Opus
must reach it as a tone, and the browser's tone must reach the bot, sealed with the bot's key.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.conftest import Account, Api
from tests.e2e.bots import add_bot
from tests.server_process import Server
from tests.voice.bots import (
    OpusTones,
    UdpBot,
    opus_packets,
    play_into_voice,
    write_opus_tone,
)
from tests.voice.conftest import Participant, VoiceSocket, identified, voice_channel
from tests.voice.test_voice_media import enter
from townhall.media.discord_udp import MODE


async def play(bot: UdpBot, packets: list[bytes], key: bytes | None = None) -> None:
    """Paced as discord.py paces them: one 20 ms packet every 20 ms."""
    for packet in packets:
        bot.send_opus(packet, key)
        await asyncio.sleep(0.02)


async def next_of(
    socket: VoiceSocket, op: int, passed: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The data of the next frame with `op`; others (such as who speaks) go by, into `passed`."""
    while True:
        frame = await socket.receive()
        if frame["op"] == op:
            data: dict[str, Any] = frame["d"]
            return data
        if passed is not None:
            passed.append(frame)


async def speaking_frame(
    socket: VoiceSocket, passed: list[dict[str, Any]], **wanted: Any
) -> dict[str, Any]:
    """The op 5 frame whose data has these values, among those passed or those still to come."""

    def matches(frame: dict[str, Any]) -> bool:
        return frame["op"] == 5 and all(frame["d"].get(k) == v for k, v in wanted.items())

    for frame in passed:
        if matches(frame):
            return frame
    while not matches(frame := await socket.receive()):
        pass
    return frame


async def tones_heard_by(
    bot: UdpBot, wanted: int, packets: int = 200
) -> tuple[set[int | None], int | None]:
    """Open what reaches the bot and decode it, until `wanted` is heard (or `packets` went by).

    Returns the tones heard and the SSRC that carried `wanted`."""
    tones = OpusTones()
    heard: set[int | None] = set()
    for _ in range(packets):
        packet = await asyncio.wait_for(bot.received.get(), 10)
        opened = bot.opened(packet)
        assert opened is not None, "every packet to a bot is sealed with its key"
        header, payload = opened
        assert header[1] & 0x7F == 120 and len(header) == 12
        tone = tones.tone(payload)
        heard.add(tone)
        if tone == wanted:
            return heard, int.from_bytes(header[8:12], "big")
    return heard, None


async def test_a_bot_on_discords_udp_transport_is_heard_and_hears_the_others(
    server: Server, remote: Api, participants: list[Participant], tmp_path: Path
) -> None:
    alice, robot = await remote.account(), await remote.account()
    guild = await alice.guild()
    await robot.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)
    a = await enter(server, alice, guild, voice, 400, participants)

    rec, socket, ready = await identified(server, robot, guild, voice)
    assert MODE in ready["modes"] and ready["ip"] == "127.0.0.1" and ready["port"] > 0
    bot = await UdpBot.open(ready["ssrc"], (ready["ip"], ready["port"]))
    try:
        assert await bot.discover() == bot.address
        host, port = bot.address
        await socket.send(
            1, {"protocol": "udp", "data": {"address": host, "port": port, "mode": MODE}}
        )
        passed: list[dict[str, Any]] = []
        described = await next_of(socket, 4, passed)
        assert described["mode"] == MODE and described["dave_protocol_version"] == 0
        assert len(described["secret_key"]) == 32
        bot.key = bytes(described["secret_key"])
        await a.frame(11, user_ids=[str(robot.id)])

        write_opus_tone(tmp_path / "forged.ogg", 1000, 1.0)
        write_opus_tone(tmp_path / "tone.ogg", 700, 4.0)
        # Packets sealed with another key are dropped: none of the forged tone reaches Alice,
        # though the real packets sent after them do.
        await play(bot, opus_packets(tmp_path / "forged.ogg"), key=bytes(32))
        speaking = asyncio.get_running_loop().create_task(
            play(bot, opus_packets(tmp_path / "tone.ogg"))
        )
        await a.peer.until(lambda: 700 in a.peer.tones_heard(), "Alice hears the bot")
        await a.frame(5, user_id=str(robot.id), speaking=1)
        assert 1000 not in a.peer.all_tones_kept()

        heard, alices_ssrc = await tones_heard_by(bot, 400)
        assert 400 in heard, f"the bot hears Alice (heard {heard})"
        # Discord's voice-receive code learns whose packets an SSRC carries from op 5.
        await speaking_frame(socket, passed, user_id=str(alice.id), ssrc=alices_ssrc)

        muted = await alice.patch(f"/guilds/{guild['id']}/members/{robot.id}", json={"mute": True})
        assert muted.status_code == 200, muted.text
        await a.frame(5, user_id=str(robot.id), speaking=0)
        speaking.cancel()
    finally:
        bot.close()
        await socket.ws.close()
        await rec.close()


async def test_video_sizes_that_are_not_sizes_close_the_voice_connection(
    server: Server, remote: Api
) -> None:
    """op 15 from a client says how large it shows each video (simulcast); it is checked."""
    person = await remote.account()
    guild = await person.guild()
    rec, socket, _ready = await identified(server, person, guild, voice_channel(guild))
    await socket.send(15, {"sizes": [{"user_id": "1", "source": "camera", "height": 360}]})
    await socket.send(3, {"t": 7})  # the good one is taken quietly: the heartbeat is answered
    assert await next_of(socket, 6) == {"t": 7}
    await socket.send(15, {"sizes": [{"user_id": "1", "source": "microphone", "height": 360}]})
    assert await socket.closed_with() == 4002
    await rec.close()


async def test_a_bot_asking_for_an_encryption_mode_we_do_not_offer_is_refused(
    server: Server, remote: Api
) -> None:
    robot = await remote.account()
    guild = await robot.guild()
    rec, socket, _ready = await identified(server, robot, guild, voice_channel(guild))
    selected = {"address": "127.0.0.1", "port": 5000, "mode": "xsalsa20_poly1305"}
    await socket.send(1, {"protocol": "udp", "data": selected})
    assert await socket.closed_with() == 4016
    await rec.close()


async def test_an_unmodified_discord_py_bot_joins_voice_and_plays_an_opus_file_alice_hears(
    server: Server, remote: Api, participants: list[Participant], tmp_path: Path
) -> None:
    """`await channel.connect()` and `voice_client.play(...)`: what a music bot does."""
    owner: Account = await remote.account()
    guild = await owner.guild("Radio")
    bot = await add_bot(owner, guild["id"], name="Radio")
    voice = voice_channel(guild)
    a = await enter(server, owner, guild, voice, 400, participants)
    write_opus_tone(tmp_path / "jingle.ogg", 1300, 3.0)
    playing = asyncio.get_running_loop().create_task(
        play_into_voice(server.url, bot.token, int(voice), tmp_path / "jingle.ogg", tmp_path)
    )
    await a.frame(11, user_ids=[str(bot.user_id)])
    await a.peer.until(lambda: 1300 in a.peer.tones_heard(), "Alice hears the bot")
    await a.frame(5, user_id=str(bot.user_id), speaking=1)
    await asyncio.wait_for(playing, 30)  # it played to the end, and left
    await a.frame(13, user_id=str(bot.user_id))
