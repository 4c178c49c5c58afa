"""Bots in voice rooms: Discord's UDP transport, bridged to the SFU's forwarding.

A bot (discord.py's `VoiceClient`, discord.js's `@discordjs/voice`) does not speak WebRTC: after
the voice gateway's READY it sends an IP discovery packet to the address READY gave, then plain
RTP with its payload sealed by `aead_xchacha20_poly1305_rtpsize` (`discord_udp.py`) under the key
that SESSION_DESCRIPTION gave it. Each process that carries rooms has one `BotEndpoint`: one UDP
socket for all its bots, told apart by the SSRC that READY assigned (and a packet counts only if
it authenticates with that bot's key).

To the room a bot is an ordinary `Participant` whose link is a `BotLink` and whose negotiation is
fixed (`bot_negotiation`): mid "0" publishes its microphone (Opus, payload type 120, as Discord
sends it), mids "1".."n" are its audio slots. Incoming packets are opened and handed on as plain
RTP carrying an RFC 6464 audio level, since bots send none: Opus frames of more than three bytes
count as voice at `BOT_VOICE_LEVEL`, smaller ones (silence, DTX) as silence. So a bot is chosen
among the loudest speakers, and its speaking indicator lights, like anyone else's. Outgoing slot
packets are sealed for the bot and sent to the address its packets come from (at first, the
address it said it discovered in SELECT_PROTOCOL).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence

from aioice.ice import get_host_addresses

from townhall.media.backend import BotOffer, MediaError
from townhall.media.discord_udp import (
    DISCOVERY_SIZE,
    decrypt,
    discovery_response,
    discovery_ssrc,
    encrypt,
)
from townhall.media.ice import bind_udp
from townhall.media.negotiation import LinePlan, NegotiatedLine, Negotiation
from townhall.media.rtp import AUDIO_LEVEL_URI, audio_level_extension, build_rtp

logger = logging.getLogger(__name__)

OPUS_PAYLOAD_TYPE = 120
"""What Discord and its libraries send Opus as."""
LEVEL_EXTENSION_ID = 1
"""The id of the audio level written into a bot's packets on their way into the room."""
BOT_VOICE_LEVEL = 30
"""-dBov given to a bot's voice frames: ordinary speech (RFC 6464: 0 loudest, 127 silence)."""
SILENCE_LEVEL = 127
SILENT_FRAME_BYTES = 3
"""Opus frames this small carry no sound (discord.py ends speech with F8 FF FE, DTX is smaller)."""


def bot_negotiation(ssrc: int, audio_slots: int) -> Negotiation:
    """The fixed "negotiation" of a bot: its microphone on mid 0, its slots on mids 1..n."""
    level = {AUDIO_LEVEL_URI: LEVEL_EXTENSION_ID}
    opus = NegotiatedLine(codecs={OPUS_PAYLOAD_TYPE: "audio/opus"}, clock_rate=48000)
    plans = [
        LinePlan("0", "audio", "microphone", None, None, ssrc, level),
        *(
            LinePlan(str(slot + 1), "audio", None, slot, None, None, {})
            for slot in range(audio_slots)
        ),
    ]
    ssrcs = {plan.mid: random.randrange(1, 1 << 32) for plan in plans}
    return Negotiation(plans=plans, lines={plan.mid: opus for plan in plans}, ssrcs=ssrcs)


class BotEndpoint(asyncio.DatagramProtocol):
    """The UDP socket of one process's bots: IP discovery for anyone, RTP by SSRC."""

    def __init__(self) -> None:
        self.links: dict[int, BotLink] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.address: tuple[str, int] = ("", 0)

    @classmethod
    async def open(cls, host_addresses: Sequence[str] | None, ports: range | None) -> BotEndpoint:
        """Bind on the first of `host_addresses` (None: the first non-loopback address)."""
        addresses = list(host_addresses or get_host_addresses(use_ipv4=True, use_ipv6=False))
        endpoint = cls()
        for host in addresses or ["127.0.0.1"]:
            transport = await bind_udp(asyncio.get_running_loop(), endpoint, host, ports)
            if transport is not None:
                endpoint.transport = transport
                endpoint.address = transport.get_extra_info("sockname")[:2]
                return endpoint
        raise MediaError(f"could not bind UDP for bots on {addresses} (ports {ports})")

    def link(self, offer: BotOffer, on_rtp: Callable[[bytes], None]) -> BotLink:
        if offer.ssrc in self.links:
            raise MediaError(f"SSRC {offer.ssrc} is in use by another bot")
        link = self.links[offer.ssrc] = BotLink(self, offer, on_rtp)
        return link

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) == DISCOVERY_SIZE and (ssrc := discovery_ssrc(data)) is not None:
            # Answered for anyone, as a STUN server would: it tells no more than the sender's
            # own address, and the answer is no larger than the question.
            self.send(discovery_response(ssrc, addr[0], addr[1]), addr)
            return
        if len(data) < 12 or 192 <= data[1] <= 223:
            return  # not RTP (RTCP, which bots' libraries do not need answered)
        link = self.links.get(int.from_bytes(data[8:12], "big"))
        if link is not None:
            link.received(data, addr)

    def send(self, packet: bytes, address: tuple[str, int]) -> None:
        if self.transport is not None:
            self.transport.sendto(packet, address)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None


class BotLink:
    """One bot's side of the endpoint: the media link of its `Participant`."""

    names_slot_speakers = True

    def __init__(
        self, endpoint: BotEndpoint, offer: BotOffer, on_rtp: Callable[[bytes], None]
    ) -> None:
        self.endpoint = endpoint
        self.ssrc = offer.ssrc
        self.remote = offer.address
        self.on_rtp = on_rtp
        self._key = offer.secret_key
        self._counter = random.randrange(1 << 32)

    @property
    def ready(self) -> bool:
        return self.endpoint.links.get(self.ssrc) is self

    def received(self, data: bytes, addr: tuple[str, int]) -> None:
        opened = decrypt(self._key, data)
        if opened is None:
            return
        header, plain = opened
        self.remote = addr
        if header[0] & 0x10:  # the extension's elements lead the sealed part
            plain = plain[4 * int.from_bytes(header[-2:], "big") :]
        level = BOT_VOICE_LEVEL if len(plain) > SILENT_FRAME_BYTES else SILENCE_LEVEL
        self.on_rtp(
            build_rtp(
                bool(header[1] & 0x80),
                header[1] & 0x7F,
                int.from_bytes(header[2:4], "big"),
                int.from_bytes(header[4:8], "big"),
                self.ssrc,
                bool(header[0] & 0x20),
                audio_level_extension(LEVEL_EXTENSION_ID, level),
                plain,
            )
        )

    def send_rtp(self, packet: bytes) -> None:
        """A slot's packet (12-byte header, no extension: bot slots write no level), sealed."""
        self._counter = (self._counter + 1) & 0xFFFFFFFF
        sealed = encrypt(self._key, packet[:12], packet[12:], self._counter)
        self.endpoint.send(sealed, self.remote)

    def send_rtcp(self, packet: bytes) -> None:
        """Bots' libraries read no RTCP: receiver reports are not sent to them."""

    async def close(self) -> None:
        if self.endpoint.links.get(self.ssrc) is self:
            del self.endpoint.links[self.ssrc]
