"""Bots through Janus: Discord's UDP transport on the townhall node, plain RTP to the AudioBridge.

A bot speaks Discord's UDP protocol to the node's `BotEndpoint` (`bots.py`: IP discovery,
`aead_xchacha20_poly1305_rtpsize`), exactly as with the embedded SFU. The node joins it to the
room's AudioBridge as a *plain RTP* participant (`join` with an `rtp` object; the room must
be created with `allow_rtp_participants`) and relays, one `BotRelay` socket per bot:

- the bot's packets, opened by its `BotLink`, go as plain RTP (Opus, payload type 120) to the
  port Janus answered the join with;
- the room's mix, which Janus sends to the relay's address (minus the bot's own voice), goes to
  the bot sealed with its key, on one SSRC of the relay's own: a mix has no per-speaker SSRCs.

Janus sends a plain RTP participant nothing until a packet of theirs arrived (that is when it
sets the participant's media up), so the relay sends one packet of Opus silence on a throwaway
SSRC when it starts: a bot that only listens hears the room at once, and Janus's SSRC switching
keeps the bot's own packets, which come later, in sequence after it. Janus 1.1.2 reads no audio
level from plain RTP, so it reports no `talking` for a bot.
"""

from __future__ import annotations

import asyncio
import random
import socket
from urllib.parse import urlsplit

from townhall.media.backend import MediaError
from townhall.media.bots import OPUS_PAYLOAD_TYPE, BotLink
from townhall.media.ice import bind_udp
from townhall.media.rtp import build_rtp

OPUS_SILENCE = b"\xf8\xff\xfe"
"""One 20 ms Opus frame of silence (what discord.py sends at the end of speech)."""


async def source_address(url: str) -> str:
    """The address of ours that packets to the host of `url` leave from (the route's source)."""
    host = urlsplit(url).hostname or "127.0.0.1"
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, 9, family=socket.AF_INET, type=socket.SOCK_DGRAM)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(found[0][4])  # UDP: no packet is sent, the kernel only picks a route
            address: str = probe.getsockname()[0]
    except OSError as error:
        raise MediaError(f"no route to the Janus server {host}: {error}") from error
    return address


class BotRelay(asyncio.DatagramProtocol):
    """One bot's plain RTP leg to its AudioBridge participant; `link`: its side to the bot."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.address: tuple[str, int] = ("", 0)
        self.janus: tuple[str, int] | None = None
        """Where Janus takes this participant's RTP (and sends the mix from)."""
        self.link: BotLink | None = None
        self.hear = True
        self.ssrc = random.randrange(1, 1 << 32)
        """The mix's SSRC towards the bot."""

    @classmethod
    async def open(cls, janus_url: str, ports: range | None) -> BotRelay:
        """A socket on the address that reaches the Janus server of `janus_url`."""
        relay = cls()
        host = await source_address(janus_url)
        transport = await bind_udp(asyncio.get_running_loop(), relay, host, ports)
        if transport is None:
            raise MediaError(f"could not bind UDP towards Janus on {host} (ports {ports})")
        relay.transport = transport
        relay.address = transport.get_extra_info("sockname")[:2]
        return relay

    def start(self, janus: tuple[str, int]) -> None:
        """Janus answered the join: send it the packet that makes it start sending the mix."""
        self.janus = janus
        other_ssrc = random.randrange(1, 1 << 32)
        sequence, timestamp = random.randrange(1 << 16), random.randrange(1 << 32)
        self.to_janus(
            build_rtp(
                False, OPUS_PAYLOAD_TYPE, sequence, timestamp, other_ssrc, False, b"", OPUS_SILENCE
            )
        )

    def to_janus(self, packet: bytes) -> None:
        """A packet of the bot's, opened (plain RTP with an audio level), on to Janus."""
        if self.janus is not None and self.transport is not None:
            self.transport.sendto(packet, self.janus)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if addr != self.janus or self.link is None or not self.hear or len(data) < 12:
            return
        start = 12 + 4 * (data[0] & 0x0F)
        if data[0] & 0x10:  # Janus writes none today; a bot reads a bare 12-byte header
            if len(data) < start + 4:
                return
            start += 4 + 4 * int.from_bytes(data[start + 2 : start + 4], "big")
        if len(data) <= start:
            return
        header = (
            bytes((0x80 | (data[0] & 0x20), data[1])) + data[2:8] + self.ssrc.to_bytes(4, "big")
        )
        self.link.send_rtp(header + data[start:])

    async def close(self) -> None:
        if self.link is not None:
            await self.link.close()
            self.link = None
        if self.transport is not None:
            self.transport.close()
            self.transport = None
