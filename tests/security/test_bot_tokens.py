"""A leaked bot token ends with its reset: bots have no password, and a reset revokes everything.

The probe set a password with `Authorization: Bot <token>` (no current password asked), signed in
as the bot with `POST /auth/login`, and kept that session after the owner reset the bot's token.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import Account, Api, direct_write, error_code
from tests.gateway.client import GatewayClient
from tests.server_process import Server
from townhall.store import users as user_store

NEW_PASSWORD = "stolen and kept forever"


async def bot_of(owner: Account, name: str = "Leaky") -> tuple[dict[str, Any], str]:
    created = await owner.post("/applications", json={"name": name})
    assert created.status_code == 201, created.text
    application: dict[str, Any] = created.json()
    reset = await owner.post(f"/applications/{application['id']}/bot/reset")
    assert reset.status_code == 200, reset.text
    return application, reset.json()["token"]


def as_bot(http: httpx.AsyncClient, token: str) -> dict[str, str]:
    return {"Authorization": f"Bot {token}"}


async def sign_in(http: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await http.post("/auth/login", json={"login": login, "password": password})


async def test_a_bot_cannot_give_itself_a_password_or_an_email(api: Api) -> None:
    owner = await api.account("owner")
    application, token = await bot_of(owner)
    for body in (
        {"new_password": NEW_PASSWORD},
        {"email": "bot@example.org"},
        {"password": "anything", "new_password": NEW_PASSWORD},
    ):
        response = await api.http.patch("/users/@me", json=body, headers=as_bot(api.http, token))
        assert (response.status_code, error_code(response)) == (400, 50035), body
        assert next(iter(response.json()["errors"])) in body
    username = application["bot"]["username"]
    assert (await sign_in(api.http, username, NEW_PASSWORD)).status_code == 400
    # A bot may still rename itself, as on Discord.
    renamed = await api.http.patch(
        "/users/@me", json={"username": f"{username}x"[:32]}, headers=as_bot(api.http, token)
    )
    assert renamed.status_code == 200, renamed.text


async def test_a_bot_that_has_a_password_cannot_sign_in_and_a_reset_removes_it(
    api: Api, app: FastAPI
) -> None:
    """A database written by the old server may hold a bot with a password."""
    owner = await api.account("owner")
    application, _token = await bot_of(owner, "Older")
    services = app.state.services
    hashed = await services.hash_password(NEW_PASSWORD)
    async with direct_write(services) as conn:
        await user_store.update_user(conn, int(application["id"]), {"password_hash": hashed})
    username = application["bot"]["username"]
    refused = await sign_in(api.http, username, NEW_PASSWORD)
    assert (refused.status_code, error_code(refused)) == (400, 50035)
    assert (await owner.post(f"/applications/{application['id']}/bot/reset")).status_code == 200
    async with services.engine.connect() as conn:
        assert await user_store.get_password_hash(conn, int(application["id"])) is None


async def test_resetting_the_token_ends_every_request_and_gateway_session_of_the_old_one(
    server: Server, remote: Api
) -> None:
    owner = await remote.account("owner")
    application, leaked = await bot_of(owner, "Gateway")
    thief = GatewayClient(server.gateway)
    await thief.connect()
    await thief.identify(leaked, intents=1)
    reset = await owner.post(f"/applications/{application['id']}/bot/reset")
    assert reset.status_code == 200
    assert await thief.closed_with() == 4004
    old = await remote.http.get("/users/@me", headers={"Authorization": f"Bot {leaked}"})
    assert old.status_code == 401
    new = await remote.http.get(
        "/users/@me", headers={"Authorization": f"Bot {reset.json()['token']}"}
    )
    assert new.status_code == 200
