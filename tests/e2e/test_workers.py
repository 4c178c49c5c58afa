"""Several worker processes on one port (TOWNHALL_WORKERS): one system that uses every core."""

from __future__ import annotations

import subprocess
import time

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
    """Connect until sessions on both workers exist (the kernel picks the worker).

    The server answers /healthz once its first worker listens; on a loaded machine the second may
    take seconds more to bind the port, so this tries until a deadline rather than a fixed count.
    """
    by_worker: dict[str, GatewayClient] = {}
    deadline = time.monotonic() + 60
    while len(by_worker) < 2 and time.monotonic() < deadline:
        client = GatewayClient(server.gateway)
        await client.connect()
        ready = await client.identify(token, GUILDS | GUILD_MESSAGES)
        url = ready["resume_gateway_url"]
        if url in by_worker:
            await client.close()
        else:
            by_worker[url] = client
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


async def test_people_whose_sessions_are_on_different_workers_meet_in_one_voice_room(
    deployment: Deployment,
) -> None:
    """A room's media must meet in one process: its voice endpoint names one worker's port."""
    from tests.gateway.client import Recorder
    from tests.media.clients import Client
    from tests.voice.conftest import open_voice

    server = deployment.start(
        TOWNHALL_WORKERS="2",
        TOWNHALL_BUS_URL="redis://127.0.0.1:6379/0",
        TOWNHALL_BUS_CHANNEL=unique("voice-workers"),
        TOWNHALL_VOICE_ADDRESSES="127.0.0.1",
    )
    alice, bob = account(server, "alice"), account(server, "bob")
    with server.client(alice.token) as http:
        guild = http.post("/guilds", json={"name": "Workers"}).json()
        invite = http.post(f"/channels/{guild['system_channel_id']}/invites", json={}).json()
        room = next(
            c["id"] for c in http.get(f"/guilds/{guild['id']}/channels").json() if c["type"] == 2
        )
    with server.client(bob.token) as http:
        assert http.post(f"/invites/{invite['code']}").status_code == 200
    alice_sessions = await session_on_each_worker(server, alice.token)
    bob_sessions = await session_on_each_worker(server, bob.token)
    # Alice on one worker, Bob on the other.
    alice_gw = alice_sessions[0]
    bob_gw = next(
        s
        for s in bob_sessions
        if s.ready["resume_gateway_url"] != alice_gw.ready["resume_gateway_url"]
    )
    for extra in (*alice_sessions[1:], *(s for s in bob_sessions if s is not bob_gw)):
        await extra.close()
    peers: list[Client] = []
    try:
        endpoints, sockets = [], []
        for person, gw, tone in ((alice, alice_gw, 400), (bob, bob_gw, 700)):
            rec = Recorder(gw)
            await gw.send(4, {"guild_id": guild["id"], "channel_id": room})
            await rec.until(lambda r: bool(r.dispatches("VOICE_SERVER_UPDATE")))
            update = rec.dispatches("VOICE_SERVER_UPDATE")[0]["d"]
            endpoints.append(update["endpoint"])
            socket = await open_voice(update["endpoint"])
            await socket.send(
                0,
                {
                    "server_id": guild["id"],
                    "user_id": str(person.id),
                    "session_id": gw.session_id,
                    "token": update["token"],
                },
            )
            assert (await socket.receive())["op"] == 2
            peer = Client(person.id, tone)
            peers.append(peer)
            offer = await peer.offer()
            await socket.send(
                1, {"protocol": "webrtc", "data": offer.sdp, "sources": dict(offer.sources)}
            )
            sockets.append(socket)
        assert endpoints[0] == endpoints[1]
        # Bob's socket tells him Alice is in the room: both reached the same process.
        frames = []
        while not any(f["op"] == 11 and str(alice.id) in f["d"]["user_ids"] for f in frames):
            frames.append(await sockets[1].receive())
    finally:
        for peer in peers:
            await peer.close()
        await alice_gw.close()
        await bob_gw.close()
