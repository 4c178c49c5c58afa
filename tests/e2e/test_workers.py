"""Several worker processes on one port (TOWNHALL_WORKERS): one system that uses every core."""

from __future__ import annotations

import subprocess

from tests.conftest import Account
from tests.e2e.conftest import register, unique
from tests.gateway.client import GatewayClient
from tests.server_process import Deployment, Server, townhall_command

GUILDS, GUILD_MESSAGES = 1 << 0, 1 << 9


def two_workers(deployment: Deployment) -> Server:
    return deployment.start(
        TOWNHALL_WORKERS="2",
        TOWNHALL_BUS_URL="redis://127.0.0.1:6379/0",
        TOWNHALL_BUS_CHANNEL=unique("workers"),
        TOWNHALL_HEARTBEAT_INTERVAL_MS="5000",
    )


def account(server: Server, name: str) -> Account:
    made = register(server, unique(name))
    return Account(int(made["user_id"]), name, made["token"], None)  # type: ignore[arg-type]


async def session_on_each_worker(server: Server, token: str) -> list[GatewayClient]:
    """Connect until sessions on both workers exist (the kernel picks the worker)."""
    by_worker: dict[str, GatewayClient] = {}
    extra = []
    for _ in range(40):
        client = GatewayClient(server.gateway)
        await client.connect()
        ready = await client.identify(token, GUILDS | GUILD_MESSAGES)
        url = ready["resume_gateway_url"]
        if url in by_worker:
            extra.append(client)
        else:
            by_worker[url] = client
        if len(by_worker) == 2:
            break
    for client in extra:
        await client.close()
    assert len(by_worker) == 2, "both workers accept connections on the one port"
    return list(by_worker.values())


async def test_a_message_sent_through_one_worker_reaches_sessions_on_both(
    deployment: Deployment,
) -> None:
    server = two_workers(deployment)
    alice = account(server, "alice")
    with server.client(alice.token) as http:
        channel = http.post("/guilds", json={"name": "Workers"}).json()["system_channel_id"]
    sessions = await session_on_each_worker(server, alice.token)
    with server.client(alice.token) as http:
        for n in range(10):
            sent = http.post(f"/channels/{channel}/messages", json={"content": f"hello {n}"})
            assert sent.status_code == 200
    for session in sessions:
        got = [(await session.wait_for("MESSAGE_CREATE"))["content"] for _ in range(10)]
        assert got == [f"hello {n}" for n in range(10)]
        await session.close()


async def test_a_dropped_session_resumes_at_its_own_worker_and_misses_nothing(
    deployment: Deployment,
) -> None:
    server = two_workers(deployment)
    alice = account(server, "alice")
    with server.client(alice.token) as http:
        channel = http.post("/guilds", json={"name": "Workers"}).json()["system_channel_id"]
    for session in await session_on_each_worker(server, alice.token):
        resume_at, session_id, seq = (
            session.ready["resume_gateway_url"],
            session.session_id,
            session.seq,
        )
        await session.close(4000)  # not a clean close: the session waits for a RESUME
        with server.client(alice.token) as http:
            sent = http.post(f"/channels/{channel}/messages", json={"content": "while away"})
        assert sent.status_code == 200
        again = GatewayClient(resume_at)
        await again.connect()
        await again.send(6, {"token": alice.token, "session_id": session_id, "seq": seq})
        # The message is replayed before RESUMED if this worker had it from the bus by then,
        # or arrives live just after: either way exactly once. (The second session's `seq` was
        # read before it took in the first round's message, so that one is replayed too.)
        seen: list[str] = []
        created: list[str] = []
        while "RESUMED" not in seen or sent.json()["id"] not in created:
            payload = await again.receive(10)
            if payload.get("t") == "MESSAGE_CREATE":
                assert payload["d"]["content"] == "while away"
                created.append(payload["d"]["id"])
            if payload.get("t"):
                seen.append(payload["t"])
        assert len(created) == len(set(created)), "a message was delivered twice"
        await again.close()


def test_several_workers_without_a_bus_refuse_to_start_and_say_why(deployment: Deployment) -> None:
    result = subprocess.run(
        townhall_command("serve", "--port", "0", "--data-dir", str(deployment.data_dir)),
        env=deployment.environment(TOWNHALL_WORKERS="2"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "TOWNHALL_BUS_URL" in result.stderr
