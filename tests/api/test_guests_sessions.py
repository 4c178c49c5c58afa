"""A guest's end on a real server: the expiry job made at the join outlives a kill -9, runs when
due on the restarted server, and everyone else's sessions hear each removal as it happens."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Account
from tests.gateway.client import GatewayClient, Recorder, recording
from tests.server_process import Deployment, Server, new_deployment
from tests.waiting import eventually

THUMBS_UP = "%F0%9F%91%8D"
DAY_MS = 86_400_000


@pytest.fixture
def deployment(backend: str, tmp_path: Path) -> Iterator[Deployment]:
    with new_deployment(backend, tmp_path / "data") as fresh:
        yield fresh


def account(server: Server, prefix: str) -> Account:
    username = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with server.client() as http:
        made = http.post(
            "/auth/register", json={"username": username, "password": "correct horse battery"}
        )
    assert made.status_code == 201, made.text
    body = made.json()
    return Account(int(body["user_id"]), username, body["token"], None)  # type: ignore[arg-type]


def call(server: Server, token: str, method: str, path: str, **kwargs: Any) -> Any:
    with server.client(token) as http:
        answer = http.request(method, path, **kwargs)
    assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
    return answer.json() if answer.content else None


def erased(deployment: Deployment, user_id: int) -> bool:
    return deployment.sql(f"SELECT count(*) FROM users WHERE id = {user_id}") == [(0,)]


async def test_a_guest_erased_after_a_restart_is_seen_going_by_everyone_else(
    deployment: Deployment,
) -> None:
    server = deployment.start()
    owner, member = account(server, "owner"), account(server, "member")
    guild = call(server, owner.token, "POST", "/guilds", json={"name": "Evening class"})
    call(server, owner.token, "PATCH", f"/guilds/{guild['id']}", json={"guests_enabled": True})
    channel_id = guild["system_channel_id"]
    plain = call(server, owner.token, "POST", f"/channels/{channel_id}/invites", json={})
    call(server, member.token, "POST", f"/invites/{plain['code']}")
    link = call(
        server,
        owner.token,
        "POST",
        f"/channels/{channel_id}/invites",
        json={"flags": 1, "max_age": 3600},
    )
    with server.client() as http:
        joined = http.post(f"/invites/{link['code']}/guest", json={"global_name": "Visitor"})
    assert joined.status_code == 200, joined.text
    guest_id, guest_token = int(joined.json()["user_id"]), joined.json()["token"]
    welcome = call(
        server, owner.token, "POST", f"/channels/{channel_id}/messages", json={"content": "hi"}
    )
    wrote = {
        call(server, guest_token, "POST", f"/channels/{channel_id}/messages", json={"content": c})[
            "id"
        ]
        for c in ("hello", "thanks for having me")
    }
    call(
        server,
        guest_token,
        "PUT",
        f"/channels/{channel_id}/messages/{welcome['id']}/reactions/{THUMBS_UP}/@me",
    )
    server.kill()

    restarted = deployment.start()
    watcher: Recorder = await recording(restarted, member)
    try:
        past = int(time.time() * 1000) - 1000
        deployment.sql(f"UPDATE guests SET expires_at = {past} WHERE user_id = {guest_id}")
        deployment.sql(f"UPDATE jobs SET run_at = {past} WHERE unique_key = 'guest:{guest_id}'")

        def heard_everything(r: Recorder) -> bool:
            deleted = {p["d"]["id"] for p in r.dispatches("MESSAGE_DELETE")}
            removed = [p["d"] for p in r.dispatches("GUILD_MEMBER_REMOVE") if p["d"]["guild_id"]]
            return wrote <= deleted and any(g["user"]["id"] == str(guest_id) for g in removed)

        await watcher.until(heard_everything, timeout=60)
        reactions = [
            p["d"]
            for p in watcher.dispatches("MESSAGE_REACTION_REMOVE")
            if p["d"]["user_id"] == str(guest_id)
        ]
        assert [(r["message_id"], r["emoji"]["name"]) for r in reactions] == [(welcome["id"], "👍")]
        deleted = [p["d"]["id"] for p in watcher.dispatches("MESSAGE_DELETE")]
        assert sorted(deleted) == sorted(wrote)  # once each, nothing of anyone else's
    finally:
        await watcher.close()
    await eventually(lambda: erased(deployment, guest_id), 30, "the guest's row is gone")
    for table, column in (
        ("messages", "author_id"),
        ("reactions", "user_id"),
        ("members", "user_id"),
        ("tokens", "user_id"),
        ("guests", "user_id"),
    ):
        assert deployment.sql(f"SELECT count(*) FROM {table} WHERE {column} = {guest_id}") == [
            (0,)
        ], table
    with restarted.client(guest_token) as http:
        assert http.get("/users/@me").status_code == 401
    with restarted.client(member.token) as http:
        left = http.get(f"/channels/{channel_id}/messages").json()
    assert [m["content"] for m in left] == ["hi"]


def last_active(deployment: Deployment, user_id: int) -> int:
    rows = deployment.sql(f"SELECT last_active_at FROM guests WHERE user_id = {user_id}")
    return int(rows[0][0])


async def resume(server: Server, token: str, session_id: str, seq: int | None) -> int | None:
    """RESUME the session, then drop the connection again as a phone does; the last seq."""
    again = GatewayClient(server.gateway)
    await again.connect()
    await again.send(6, {"token": token, "session_id": session_id, "seq": seq})
    await again.wait_for("RESUMED")
    await again.close(4000)
    return again.seq


async def test_a_guests_identify_and_resume_count_as_activity_written_once_a_quarter_hour(
    deployment: Deployment,
) -> None:
    server = deployment.start()
    owner = account(server, "owner")
    guild = call(server, owner.token, "POST", "/guilds", json={"name": "Reading group"})
    call(server, owner.token, "PATCH", f"/guilds/{guild['id']}", json={"guests_enabled": True})
    link = call(
        server,
        owner.token,
        "POST",
        f"/channels/{guild['system_channel_id']}/invites",
        json={"flags": 1, "max_age": 86400},
    )
    with server.client() as http:
        joined = http.post(f"/invites/{link['code']}/guest", json={"global_name": "Visitor"})
    assert joined.status_code == 200, joined.text
    guest_id, token = int(joined.json()["user_id"]), joined.json()["token"]
    at_join = last_active(deployment, guest_id)

    client = GatewayClient(server.gateway)
    await client.connect()
    await client.identify(token)
    session_id, seq = client.session_id, client.seq
    assert session_id is not None
    await client.close(4000)  # not a clean close: the session may resume
    seq = await resume(server, token, session_id, seq)
    assert last_active(deployment, guest_id) == at_join, "the join was minutes ago: no write"

    # Two days idle (as the sweep would see it), then a RESUME: the idle time starts again.
    deployment.sql(
        f"UPDATE guests SET last_active_at = {at_join - 2 * DAY_MS} WHERE user_id = {guest_id}"
    )
    before = int(time.time() * 1000)
    await resume(server, token, session_id, seq)
    assert last_active(deployment, guest_id) >= before

    # And an IDENTIFY likewise.
    deployment.sql(
        f"UPDATE guests SET last_active_at = {at_join - 2 * DAY_MS} WHERE user_id = {guest_id}"
    )
    before = int(time.time() * 1000)
    again = GatewayClient(server.gateway)
    await again.connect()
    await again.identify(token)
    await again.close()
    assert last_active(deployment, guest_id) >= before
