"""Discord's UDP voice packets as townhall reads and writes them, against discord.py's own code."""

from __future__ import annotations

import secrets
import struct

import discord

from townhall.media.discord_udp import (
    decrypt,
    discovery_response,
    discovery_ssrc,
    encrypt,
)


def test_discord_py_s_discovery_request_is_read_and_the_answer_parses_as_it_expects() -> None:
    request = bytearray(74)
    struct.pack_into(
        ">HHI", request, 0, 1, 70, 1234
    )  # what DiscordVoiceWebSocket.discover_ip sends
    assert discovery_ssrc(bytes(request)) == 1234
    answer = discovery_response(1234, "127.0.0.1", 50123)
    assert len(answer) == 74 and answer[1] == 0x02
    # discord.py's parsing: ASCII from byte 8 to the first NUL, port in the last two bytes.
    assert answer[8 : answer.index(0, 8)].decode() == "127.0.0.1"
    assert struct.unpack_from(">H", answer, len(answer) - 2)[0] == 50123


class _Sender:
    """The state discord.py's VoiceClient encrypts with (its key and nonce counter)."""

    checked_add = discord.VoiceClient.checked_add

    def __init__(self, secret_key: list[int]) -> None:
        self.secret_key = secret_key
        self._incr_nonce = 7


def test_a_packet_discord_py_encrypts_decrypts_and_one_townhall_encrypts_round_trips() -> None:
    key = secrets.token_bytes(32)
    client = _Sender(list(key))
    header = bytes((0x80, 0x78)) + struct.pack(">HII", 5, 960, 42)
    packet = discord.VoiceClient._encrypt_aead_xchacha20_poly1305_rtpsize(
        client,  # type: ignore[arg-type]
        header,
        b"opus frame",
    )
    assert decrypt(key, packet) == (header, b"opus frame")
    assert decrypt(secrets.token_bytes(32), packet) is None
    assert decrypt(key, packet[:-1] + bytes((packet[-1] ^ 1,))) is None
    mine = encrypt(key, header, b"to the bot", 3)
    assert decrypt(key, mine) == (header, b"to the bot")
