"""Request bodies over their route's limit get 413 before they are read.

The probe: a 100 MB JSON body to `POST /messages` was read and answered 200 (RSS +166 MiB), and an
unauthenticated 100 MB `/auth/login` was read in full.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator

import orjson

from tests.conftest import Api, error_code
from tests.server_process import Server

HUNDRED_MB = 100 * 1024 * 1024


async def test_a_json_body_over_256_kib_is_refused_with_413(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    padding = "x" * (256 * 1024)
    response = await owner.post(
        f"/channels/{channel_id}/messages", json={"content": "hi", "padding": padding}
    )
    assert (response.status_code, error_code(response)) == (413, 40005)
    assert (await owner.get(f"/channels/{channel_id}/messages")).json() == []
    # A body under the limit is read as usual.
    fine = await owner.post(
        f"/channels/{channel_id}/messages", json={"content": "hi", "padding": "x" * 1000}
    )
    assert fine.status_code == 200, fine.text


async def test_a_chunked_body_is_cut_off_at_the_limit(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"content": "hi", "padding": "'
        for _ in range(100):
            yield b"x" * 4096
        yield b'"}'

    response = await owner.post(
        f"/channels/{guild['system_channel_id']}/messages",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert (response.status_code, error_code(response)) == (413, 40005)


async def test_sign_in_and_sign_up_take_at_most_16_kib(api: Api) -> None:
    big = {"login": "someone", "password": "p" * 20_000}
    assert (await api.http.post("/auth/login", json=big)).status_code == 413
    sign_up = {"username": "newcomer", "password": "p" * 20_000}
    assert (await api.http.post("/auth/register", json=sign_up)).status_code == 413


def answer_to_declared_body(server: Server, path: str, token: str | None) -> tuple[bytes, float]:
    """Send only the headers of a 100 MB POST; what the server says, and how fast."""
    host, port = server.url.removeprefix("http://").split(":")
    head = (
        f"POST /api/v10{path} HTTP/1.1\r\nHost: townhall\r\n"
        f"Content-Type: application/json\r\nContent-Length: {HUNDRED_MB}\r\n"
        + (f"Authorization: {token}\r\n" if token else "")
        + "\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head.encode() + b'{"content": "')
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        elapsed = time.monotonic() - started
        # The server closes the connection: the other 100 MB are never read.
        sock.settimeout(5)
        rest = sock.recv(65536)
        while rest:
            rest = sock.recv(65536)
    return answer, elapsed


async def test_a_declared_100_mb_body_is_answered_413_without_being_sent(
    server: Server, remote: Api
) -> None:
    owner = await remote.account()
    guild = await owner.guild()
    answer, elapsed = answer_to_declared_body(
        server, f"/channels/{guild['system_channel_id']}/messages", owner.token
    )
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:200]
    assert orjson.loads(rest.partition(b"\r\n\r\n")[2])["code"] == 40005
    assert elapsed < 5
    anonymous, _elapsed = answer_to_declared_body(server, "/auth/login", None)
    assert anonymous.startswith(b"HTTP/1.1 413")
