"""Setting up a bot the way its author would: an application, a token, and an authorization."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import discord
import yarl

from tests.conftest import Account

BOT_PERMISSIONS = (
    (1 << 10)  # VIEW_CHANNEL
    | (1 << 11)  # SEND_MESSAGES
    | (1 << 16)  # READ_MESSAGE_HISTORY
    | (1 << 6)  # ADD_REACTIONS
    | (1 << 28)  # MANAGE_ROLES
    | (1 << 4)  # MANAGE_CHANNELS
    | (1 << 13)  # MANAGE_MESSAGES
)
MESSAGE_CONTENT_FLAG = 1 << 18
GUILD_MEMBERS_FLAG = 1 << 14


@dataclass
class Bot:
    application_id: int
    user_id: int
    token: str


async def add_bot(owner: Account, guild_id: str, name: str = "Helper") -> Bot:
    """Create an application with MESSAGE_CONTENT, reset its token, authorize it into a guild."""
    created = await owner.post("/applications", json={"name": name})
    assert created.status_code == 201, created.text
    app = created.json()
    flags = MESSAGE_CONTENT_FLAG | GUILD_MEMBERS_FLAG
    assert (
        await owner.patch(f"/applications/{app['id']}", json={"flags": flags})
    ).status_code == 200
    token = (await owner.post(f"/applications/{app['id']}/bot/reset")).json()["token"]
    authorized = await owner.post(
        f"/oauth2/authorize?client_id={app['id']}&scope=bot&permissions={BOT_PERMISSIONS}",
        json={"guild_id": guild_id, "permissions": str(BOT_PERMISSIONS), "authorize": True},
    )
    assert authorized.status_code == 200, authorized.text
    return Bot(int(app["id"]), int(app["bot"]["id"]), token)


@contextlib.contextmanager
def discord_py_pointed_at(api: str, gateway: str) -> Iterator[None]:
    """What a bot author changes: discord.py's REST base and its gateway."""
    socket = discord.gateway.DiscordWebSocket
    old_base, old_gateway = discord.http.Route.BASE, socket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api
    socket.DEFAULT_GATEWAY = yarl.URL(gateway)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        socket.DEFAULT_GATEWAY = old_gateway
