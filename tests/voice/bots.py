"""What a bot brings to voice: Opus files, Discord's UDP transport, and wss:// in front of us.

- `write_opus_tone` makes an Ogg Opus file of a tone (PyAV's libopus), `opus_packets` reads its
  packets back: what a bot author's `FFmpegOpusAudio`/`OpusFileSource` plays.
- `UdpBot` speaks Discord's UDP protocol by hand (IP discovery, `aead_xchacha20_poly1305_rtpsize`)
  for tests that look at packets; discord.py's own `VoiceClient` is used where a bot is the point.
- `TlsProxy`: discord.py always opens the voice gateway with wss://, so the test puts a TLS
  terminating proxy, with a certificate made for 127.0.0.1, in front of the real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import fractions
import ipaddress
import ssl
import struct
import urllib.parse
from pathlib import Path
from typing import cast

import aiohttp
import av
import discord
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.e2e.bots import discord_py_pointed_at
from tests.media.clients import FRAME_SAMPLES, SAMPLE_RATE, dominant_tone, tone_pcm
from townhall.media.discord_udp import decrypt, encrypt


def write_opus_tone(path: Path, frequency: int, seconds: float) -> None:
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=SAMPLE_RATE, layout="stereo")
        pcm = tone_pcm(frequency, 0.3)
        stereo = b"".join(pcm[i : i + 2] * 2 for i in range(0, len(pcm), 2))
        for index in range(int(seconds * SAMPLE_RATE / FRAME_SAMPLES)):
            frame = av.AudioFrame(format="s16", layout="stereo", samples=FRAME_SAMPLES)
            frame.planes[0].update(stereo)
            frame.sample_rate = SAMPLE_RATE
            frame.pts = index * FRAME_SAMPLES
            frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def opus_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(audio=0) if p.size]


class OpusFileSource(discord.AudioSource):
    """A bot author's source of pre-encoded Opus: one 20 ms packet per `read`."""

    def __init__(self, path: Path) -> None:
        self.packets = iter(opus_packets(path))

    def is_opus(self) -> bool:
        return True

    def read(self) -> bytes:
        return next(self.packets, b"")


class OpusTones:
    """Decodes Opus packets and tells the tone each holds."""

    def __init__(self) -> None:
        self.decoder = av.CodecContext.create("opus", "r")
        self.resampler = av.AudioResampler(format="s16", layout="stereo", rate=SAMPLE_RATE)

    def tone(self, packet: bytes) -> int | None:
        tones = set()
        for frame in self.decoder.decode(av.Packet(packet)):
            for pcm in self.resampler.resample(frame):
                tones.add(dominant_tone(bytes(pcm.planes[0])))
        return tones.pop() if len(tones) == 1 else None


class UdpBot(asyncio.DatagramProtocol):
    """Discord's voice UDP by hand: discovery, sealed RTP out, sealed RTP in."""

    def __init__(self, ssrc: int) -> None:
        self.ssrc = ssrc
        self.key = b""
        self.received: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None
        self.sequence = self.counter = 0

    @classmethod
    async def open(cls, ssrc: int, server: tuple[str, int]) -> UdpBot:
        bot = cls(ssrc)
        await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: bot, local_addr=("127.0.0.1", 0), remote_addr=server
        )
        return bot

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port

    async def discover(self) -> tuple[str, int]:
        """Discord's IP discovery, parsed as discord.py parses it."""
        assert self.transport is not None
        self.transport.sendto(struct.pack("!HHI66x", 1, 70, self.ssrc))
        answer = await asyncio.wait_for(self.received.get(), 5)
        assert len(answer) == 74 and answer[:2] == b"\x00\x02"
        host = answer[8 : answer.index(0, 8)].decode("ascii")
        return host, struct.unpack_from("!H", answer, 72)[0]

    def send_opus(self, payload: bytes, key: bytes | None = None) -> None:
        """One packet as discord.py builds it (payload type 120, no extension)."""
        assert self.transport is not None
        header = struct.pack(
            "!BBHII", 0x80, 0x78, self.sequence & 0xFFFF, self.sequence * FRAME_SAMPLES, self.ssrc
        )
        self.sequence += 1
        self.counter += 1
        self.transport.sendto(encrypt(key or self.key, header, payload, self.counter))

    def opened(self, packet: bytes) -> tuple[bytes, bytes] | None:
        return decrypt(self.key, packet)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _certificate() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


class TlsProxy:
    """wss:// and https:// on 127.0.0.1:`port`, passed on as plain TCP to the real server."""

    def __init__(self, target_port: int, directory: Path) -> None:
        self.target_port = target_port
        certificate, key = _certificate()
        (directory / "cert.pem").write_bytes(certificate)
        (directory / "key.pem").write_bytes(key)
        self.server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
        self.client_context = ssl.create_default_context(cadata=certificate.decode())
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", 0, ssl=self.server_context
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            writer.close()
            return
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.get_running_loop().create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(Exception):
                sink.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._pipes):
            task.cancel()


class _Speaker(discord.Client):
    def __init__(self, connector: aiohttp.BaseConnector) -> None:
        super().__init__(intents=discord.Intents.default(), connector=connector)
        self.ready = asyncio.Event()

    async def on_ready(self) -> None:
        self.ready.set()


async def play_into_voice(
    server_url: str, token: str, channel_id: int, opus: Path, directory: Path
) -> None:
    """An unmodified discord.py bot: log in, `channel.connect()`, `play()` the file to its end.

    Through a `TlsProxy`, as discord.py opens its voice gateway with wss:// only."""
    parts = urllib.parse.urlsplit(server_url)
    assert parts.port is not None
    proxy = TlsProxy(parts.port, directory)
    await proxy.start()
    client = _Speaker(aiohttp.TCPConnector(ssl=proxy.client_context))
    with discord_py_pointed_at(f"{server_url}/api/v10", f"wss://127.0.0.1:{proxy.port}/"):
        runner = asyncio.get_running_loop().create_task(client.start(token))
        try:
            await asyncio.wait_for(client.ready.wait(), 30)
            channel = client.get_channel(channel_id)
            assert isinstance(channel, discord.VoiceChannel)
            voice_client: discord.VoiceClient = await asyncio.wait_for(channel.connect(), 30)
            finished = asyncio.Event()
            loop = asyncio.get_running_loop()
            voice_client.play(
                OpusFileSource(opus), after=lambda _error: loop.call_soon_threadsafe(finished.set)
            )
            await finished.wait()
            await voice_client.disconnect()
        finally:
            await client.close()
            await asyncio.wait_for(runner, 30)
            await proxy.close()
