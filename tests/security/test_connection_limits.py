"""Connections that never identify, too many connections from one address, and slow headers.

The probe kept a connection that only heartbeats open for good, had 2,000 of them accepted, and
held trickled request headers without a timeout.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
import websockets

from tests.conftest import Api
from tests.gateway.client import GatewayClient, connected
from tests.security.gateway_helpers import close_all, server_failures
from tests.server_process import Server, new_deployment

CONNECTIONS_PER_ADDRESS = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with new_deployment("sqlite", tmp_path_factory.mktemp("limits") / "data") as deployment:
        yield deployment.start(
            TOWNHALL_HEARTBEAT_INTERVAL_MS="1000",
            TOWNHALL_GATEWAY_IDENTIFY_TIMEOUT_SECONDS="1.5",
            TOWNHALL_GATEWAY_CONNECTIONS_PER_ADDRESS=str(CONNECTIONS_PER_ADDRESS),
            TOWNHALL_HTTP_HEADER_TIMEOUT_SECONDS="1",
        )


async def test_a_connection_that_only_heartbeats_is_closed_with_4003(server: Server) -> None:
    client = GatewayClient(server.gateway)  # heartbeats every 0.7 s, never identifies
    await client.connect()
    started = time.monotonic()
    assert await asyncio.wait_for(client.closed_with(), 10) == 4003
    assert 1.0 < time.monotonic() - started < 5.0


async def test_an_identified_session_is_not_closed_by_the_identify_deadline(
    server: Server, remote: Api
) -> None:
    account = await remote.account()
    client = await connected(server, account)
    # Past the deadline, the session still answers heartbeats.
    seen = await client.collect(2.5)
    assert any(p["op"] == 11 for p in seen)
    await client.send(1, client.seq)
    assert (await client.receive())["op"] == 11
    await client.close()


async def test_connections_from_one_address_are_capped_and_slots_come_back(
    server: Server, remote: Api
) -> None:
    account = await remote.account()
    clients = [await connected(server, account) for _ in range(CONNECTIONS_PER_ADDRESS)]
    with pytest.raises(websockets.InvalidStatus) as refused:
        await GatewayClient(server.gateway).connect()
    assert refused.value.response.status_code == 403
    await clients.pop().close()
    # The slot is given back once the server has seen the close.
    deadline = time.monotonic() + 5
    while True:
        try:
            clients.append(await connected(server, account))
            break
        except websockets.InvalidStatus:
            assert time.monotonic() < deadline, "the slot never came back"
            await asyncio.sleep(0.05)
    await close_all(clients)
    assert server_failures(server) == []


def test_trickled_request_headers_are_cut_off_at_the_deadline(server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /api/v10/gateway HTTP/1.1\r\nHost: townhall\r\n")
        started = time.monotonic()
        closed = False
        for _ in range(40):  # one header byte every 0.25 s: never a complete request
            try:
                sock.sendall(b"X")
                if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed = True
                break
            time.sleep(0.25)
        assert closed, "the server waited for the headers for 10 s"
        assert time.monotonic() - started < 3.0


def test_a_silent_connection_is_closed_at_the_header_deadline(server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < 3.0
