"""A guild full of members, made through the public API as real users would make it."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import httpx

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Account:
    user_id: int
    token: str


@dataclass(frozen=True)
class Community:
    owner: Account
    guild_id: int
    channel_id: int
    """The guild's `general` text channel (its system channel)."""
    members: list[Account]
    invite: str


async def register(http: httpx.AsyncClient, prefix: str) -> Account:
    username = f"{prefix}_{uuid.uuid4().hex[:10]}"
    response = await http.post("/auth/register", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    body = response.json()
    return Account(int(body["user_id"]), body["token"])


async def join(http: httpx.AsyncClient, account: Account, invite: str) -> None:
    response = await http.post(f"/invites/{invite}", headers={"Authorization": account.token})
    response.raise_for_status()


async def build(api: str, members: int, concurrency: int = 8) -> Community:
    """An owner, a guild, one reusable invite, and `members` more accounts who joined through it."""
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        owner = await register(http, "owner")
        auth = {"Authorization": owner.token}
        guild = await http.post("/guilds", json={"name": "Benchmark guild"}, headers=auth)
        guild.raise_for_status()
        guild_id = int(guild.json()["id"])
        channel_id = int(guild.json()["system_channel_id"])
        invite = await http.post(f"/channels/{channel_id}/invites", json={}, headers=auth)
        invite.raise_for_status()
        code = invite.json()["code"]
        gate = asyncio.Semaphore(concurrency)

        async def member(index: int) -> Account:
            async with gate:
                account = await register(http, f"member{index}")
                await join(http, account, code)
                return account

        joined = await asyncio.gather(*(member(i) for i in range(members)))
    return Community(owner, guild_id, channel_id, list(joined), code)
