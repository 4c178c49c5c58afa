"""A real `townhall serve` process over real HTTP, and the operator's `townhall admin` beside it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import Deployment, Server, register, unique
from tests.gateway.client import GatewayClient
from townhall.store import users as user_store
from townhall.store.database import create_engine

PASSWORD = "correct horse battery"


def login(server: Server, name: str, password: str = PASSWORD) -> httpx.Response:
    with server.client() as http:
        return http.post("/auth/login", json={"login": name, "password": password})


def create_guild_with_invite(server: Server, token: str) -> tuple[dict[str, Any], str]:
    with server.client(token) as http:
        guild = http.post("/guilds", json={"name": "Club house"})
        assert guild.status_code == 201, guild.text
        channel_id = guild.json()["system_channel_id"]
        invite = http.post(f"/channels/{channel_id}/invites", json={"max_uses": 5})
        assert invite.status_code == 200, invite.text
    return guild.json(), invite.json()["code"]


def guild_ids(server: Server, token: str) -> list[str]:
    with server.client(token) as http:
        response = http.get("/users/@me/guilds")
    assert response.status_code == 200, response.text
    return [g["id"] for g in response.json()]


def test_two_people_register_and_meet_in_a_guild_over_real_http(server: Server) -> None:
    alice = register(server, unique("alice"))
    bob = register(server, unique("bob"))
    with server.client(alice["token"]) as as_alice, server.client(bob["token"]) as as_bob:
        guild = as_alice.post("/guilds", json={"name": "Chess club"})
        assert guild.status_code == 201
        assert guild.headers["content-type"] == "application/json"
        channel_id = guild.json()["system_channel_id"]
        invite = as_alice.post(f"/channels/{channel_id}/invites", json={})
        assert invite.status_code == 200
        assert invite.headers["content-type"] == "application/json"
        code = invite.json()["code"]

        preview = as_bob.get(f"/invites/{code}")
        assert preview.json()["guild"]["name"] == "Chess club"
        joined = as_bob.post(f"/invites/{code}")
        assert joined.status_code == 200
        assert joined.headers["content-type"] == "application/json"

        seen_by_bob = as_bob.get(f"/guilds/{guild.json()['id']}")
        assert seen_by_bob.status_code == 200
        assert seen_by_bob.json()["name"] == "Chess club"
    assert guild.json()["id"] in guild_ids(server, bob["token"])


def test_errors_from_a_real_server_are_discord_json(server: Server) -> None:
    with server.client("not-a-token") as http:
        response = http.get("/users/@me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["code"] == 0


def test_admin_create_user_makes_an_account_that_signs_in_to_the_running_server(
    shared_deployment: Deployment, server: Server
) -> None:
    name = unique("carol")
    created = shared_deployment.admin("create-user", name, "--password-stdin", password=PASSWORD)
    assert created.returncode == 0, created.stderr
    user_id = created.stdout.strip()
    signed_in = login(server, name)
    assert signed_in.status_code == 200
    assert signed_in.json()["user_id"] == user_id


async def test_admin_make_admin_and_revoke_admin_change_the_stored_account(
    shared_deployment: Deployment, server: Server
) -> None:
    name = unique("dave")
    user_id = int(register(server, name)["user_id"])
    assert shared_deployment.admin("make-admin", name).returncode == 0
    assert await is_instance_admin(shared_deployment, user_id)
    assert shared_deployment.admin("revoke-admin", str(user_id)).returncode == 0
    assert not await is_instance_admin(shared_deployment, user_id)


def test_admin_commands_fail_cleanly_for_an_unknown_user(shared_deployment: Deployment) -> None:
    result = shared_deployment.admin("make-admin", unique("nobody"))
    assert result.returncode == 1
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr


def test_admin_reset_password_signs_the_user_out_and_sets_the_new_password(
    shared_deployment: Deployment, server: Server
) -> None:
    name = unique("erin")
    old_token = register(server, name)["token"]
    new_password = "a brand new one"
    reset = shared_deployment.admin(
        "reset-password", name, "--password-stdin", password=new_password
    )
    assert reset.returncode == 0, reset.stderr
    with server.client(old_token) as http:
        assert http.get("/users/@me").status_code == 401
    assert login(server, name).status_code == 400
    assert login(server, name, new_password).status_code == 200


async def test_an_operator_password_reset_ends_the_users_open_sessions_at_once(
    shared_deployment: Deployment, server: Server
) -> None:
    """The CLI's events wait in the outbox; the running server adopts them within seconds."""
    name = unique("frank")
    registered = register(server, name)
    token = registered["token"]
    with server.client(token) as http:
        assert http.get("/users/@me").status_code == 200  # the token is now in the server's cache
    session = GatewayClient(server.gateway)
    await session.connect()
    await session.identify(token)
    reset = shared_deployment.admin("reset-password", name, "--password-stdin", password="x" * 12)
    assert reset.returncode == 0, reset.stderr
    assert await session.closed_with(timeout=15) == 4004
    with server.client(token) as http:
        assert http.get("/users/@me").status_code == 401


def test_closed_registration_refuses_sign_up_but_operators_can_still_create_users(
    deployment: Deployment,
) -> None:
    server = deployment.start(TOWNHALL_REGISTRATION="closed")
    with server.client() as http:
        refused = http.post("/auth/register", json={"username": unique("x"), "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["code"] == 40002
    name = unique("frank")
    created = deployment.admin("create-user", name, "--password-stdin", password=PASSWORD)
    assert created.returncode == 0, created.stderr
    assert login(server, name).status_code == 200


def test_invite_only_registration_needs_a_valid_invite_and_joins_its_guild(
    deployment: Deployment,
) -> None:
    server = deployment.start(TOWNHALL_REGISTRATION="invite")
    owner = unique("owner")
    made = deployment.admin("create-user", owner, "--password-stdin", password=PASSWORD)
    assert made.returncode == 0, made.stderr
    token = login(server, owner).json()["token"]
    guild, code = create_guild_with_invite(server, token)

    with server.client() as http:
        without = http.post("/auth/register", json={"username": unique("g"), "password": PASSWORD})
        assert without.status_code == 403
        bogus = http.post(
            "/auth/register",
            json={"username": unique("g"), "password": PASSWORD, "invite": "doesnotexist"},
        )
        assert bogus.status_code in (400, 403, 404)
        assert bogus.json()["code"] != 0
    guest = register(server, unique("guest"), invite=code)
    assert guild["id"] in guild_ids(server, guest["token"])


async def is_instance_admin(deployment: Deployment, user_id: int) -> bool:
    url = deployment.database_url or f"sqlite:///{deployment.data_dir / 'townhall.sqlite3'}"
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            user = await user_store.get_user(conn, user_id)
    finally:
        await engine.dispose()
    assert user is not None
    return user.is_admin
