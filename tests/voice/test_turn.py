"""TURN through a real coturn: townhall mints the credentials, coturn checks them by itself.

A private `turnserver` (Debian's coturn, `scripts/ensure-coturn`) runs on 127.0.0.1 with
`--use-auth-secret`, as an operator would run it (docs/voice.md, "Behind NAT: TURN"), and a real
townhall server is given its URL and secret. One person's aiortc peer may use only relayed
candidates (`iceTransportPolicy` relay: no host candidate at all), so everything it sends and
hears crosses coturn; coturn's own log counts the packets it relayed for that username.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import random
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aioice import stun, turn
from aiortc import RTCIceServer

from tests.conftest import Api
from tests.media.clients import Client
from tests.server_process import Server, free_port, new_deployment
from tests.voice.conftest import (
    Participant,
    identified,
    voice_channel,
)

TTL_SECONDS = 600
REALM = "townhall.test"


@dataclass
class Coturn:
    process: subprocess.Popen[bytes]
    port: int
    secret: str
    log_file: Path

    @property
    def turn_url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    @property
    def stun_url(self) -> str:
        return f"stun:127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    async def logged(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        """The first line of coturn's log matching `pattern`, once it is written."""
        deadline = time.monotonic() + timeout
        while (found := re.search(pattern, self.log())) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"coturn never logged {pattern!r}:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.1)  # coturn's log is a file: nothing to await but its growth
        return found


def answers_stun(port: int) -> bool:
    """Whether something on 127.0.0.1:port answers a STUN Binding request (RFC 5389)."""
    request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.settimeout(0.2)
        probe.sendto(bytes(request), ("127.0.0.1", port))
        try:
            reply = stun.parse_message(probe.recv(2048))
        except (TimeoutError, ConnectionRefusedError, ValueError):
            return False
    return reply.transaction_id == request.transaction_id


@pytest.fixture(scope="module")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Coturn]:
    binary = shutil.which("turnserver")
    assert binary, "coturn is not installed: run scripts/ensure-coturn"
    directory = tmp_path_factory.mktemp("coturn")
    port, secret = free_port(), secrets.token_hex(16)
    relay_low = random.randrange(40000, 59000, 100)
    log_file = directory / "turn.log"
    process = subprocess.Popen(
        [
            binary,
            "-n",  # no /etc/turnserver.conf: only these flags
            "--verbose",  # logs each allocation and what it relayed, per username
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            f"--realm={REALM}",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            f"--min-port={relay_low}",
            f"--max-port={relay_low + 99}",
            "--allow-loopback-peers",  # the SFU is on 127.0.0.1 too
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            f"--userdb={directory / 'turndb.sqlite'}",
            f"--pidfile={directory / 'turnserver.pid'}",
            f"--log-file={log_file}",
            "--simple-log",
            "--no-stdout-log",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Coturn(process, port, secret, log_file)
    try:
        deadline = time.monotonic() + 10
        while not answers_stun(port):
            assert process.poll() is None, f"turnserver exited:\n{server.log()[-3000:]}"
            assert time.monotonic() < deadline, f"turnserver did not answer:\n{server.log()}"
            time.sleep(0.05)  # it is still binding its sockets; nothing to await
        yield server
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def townhall_with_turn(
    tmp_path_factory: pytest.TempPathFactory, name: str, coturn: Coturn, secret: str
) -> Iterator[Server]:
    """A townhall server that hands out coturn's URLs and credentials made with `secret`."""
    with new_deployment("sqlite", tmp_path_factory.mktemp(name) / "data") as deployment:
        yield deployment.start(
            TOWNHALL_VOICE_ADDRESSES="127.0.0.1",
            TOWNHALL_TURN_URLS=f"{coturn.stun_url},{coturn.turn_url}",
            TOWNHALL_TURN_SECRET=secret,
            TOWNHALL_TURN_TTL_SECONDS=str(TTL_SECONDS),
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, coturn: Coturn) -> Iterator[Server]:
    with townhall_with_turn(tmp_path_factory, "turn", coturn, coturn.secret) as started:
        yield started


@pytest_asyncio.fixture(loop_scope="session")
async def remote(server: Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.api, timeout=20) as http:
        yield Api(http)


def relay_servers(ready: dict[str, Any]) -> list[RTCIceServer]:
    return [RTCIceServer(**server) for server in ready["ice_servers"]]


def candidate_types(sdp: str) -> list[str]:
    return re.findall(r"^a=candidate:.* typ (\w+)", sdp, flags=re.MULTILINE)


async def test_a_person_whose_media_can_only_go_through_turn_hears_and_is_heard(
    server: Server, remote: Api, coturn: Coturn, participants: list[Participant]
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    voice = voice_channel(guild)

    rec, voice_socket, ready = await identified(server, alice, guild, voice)
    a = Participant(alice, rec, voice_socket, Client(alice.id, 400))
    participants.append(a)
    await a.negotiate()

    before = time.time()
    rec, voice_socket, ready = await identified(server, bob, guild, voice)
    stun_entry, turn_entry = ready["ice_servers"]
    assert stun_entry == {"urls": [coturn.stun_url]}
    assert turn_entry["urls"] == [coturn.turn_url]
    expiry, user_id = turn_entry["username"].split(":")
    assert user_id == str(bob.id)
    assert before + TTL_SECONDS - 1 <= int(expiry) <= time.time() + TTL_SECONDS
    expected = hmac.new(coturn.secret.encode(), turn_entry["username"].encode(), hashlib.sha1)
    assert turn_entry["credential"] == base64.b64encode(expected.digest()).decode()

    b = Participant(bob, rec, voice_socket, Client(bob.id, 700, relay=relay_servers(ready)))
    participants.append(b)
    await b.negotiate()
    offered = b.peer.pc.localDescription.sdp
    assert set(candidate_types(offered)) == {"relay"}, "Bob offers no other way in but TURN"

    await a.peer.until(lambda: 700 in a.peer.tones_heard(), "Alice hears Bob through TURN")
    await b.peer.until(lambda: 400 in b.peer.tones_heard(), "Bob hears Alice through TURN")
    username = re.escape(turn_entry["username"])
    await coturn.logged(rf"user <{username}>: incoming packet ALLOCATE processed, success")
    bob_mid = next(m for m in a.peer.audio_mids() if a.peer.tone_in(m, frames=1) == 700)
    await a.peer.until(lambda: len(a.peer.packets_on(bob_mid)) >= 100, "two seconds of Bob")
    await b.peer.until(lambda: len(b.peer.received) >= 100, "two seconds of Alice")

    # Bob hangs up: coturn ends his allocation and logs what it relayed for him, both ways
    # (`usage`: rp received from Bob, sp sent to Bob). All of it went through coturn.
    await b.peer.close()
    usage = await coturn.logged(
        rf"usage: realm=<{REALM}>, username=<{username}>, rp=(\d+), rb=\d+, sp=(\d+)"
    )
    from_bob, to_bob = int(usage[1]), int(usage[2])
    assert from_bob >= len(a.peer.packets_on(bob_mid)), usage[0]
    assert to_bob >= len(b.peer.received), usage[0]


async def test_credentials_made_with_another_secret_get_no_allocation(
    tmp_path_factory: pytest.TempPathFactory, coturn: Coturn
) -> None:
    with townhall_with_turn(tmp_path_factory, "turn-wrong", coturn, "not-coturn-s") as wrong:
        async with httpx.AsyncClient(base_url=wrong.api, timeout=20) as http:
            alice = await Api(http).account()
            guild = await alice.guild()
            rec, voice_socket, ready = await identified(wrong, alice, guild, voice_channel(guild))
            try:
                turn_entry = ready["ice_servers"][1]
                with pytest.raises(stun.TransactionFailed) as refused:
                    await turn.create_turn_endpoint(
                        asyncio.DatagramProtocol,
                        server_addr=("127.0.0.1", coturn.port),
                        username=turn_entry["username"],
                        password=turn_entry["credential"],
                        transport="udp",
                    )
                assert refused.value.response.attributes["ERROR-CODE"][0] == 401
                username = re.escape(turn_entry["username"])
                await coturn.logged(rf"user <{username}>: .* error 401: Unauthorized")
                # A browser-like peer allowed only relayed candidates has nothing to offer.
                peer = Client(alice.id, 400, relay=relay_servers(ready))
                try:
                    offer = await peer.offer()
                    assert candidate_types(offer.sdp) == []
                finally:
                    await peer.close()
            finally:
                await voice_socket.ws.close()
                await rec.close()
