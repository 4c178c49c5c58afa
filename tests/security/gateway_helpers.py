"""Shared by the gateway cases: a guild of people online together, and what the server logged."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Account, Api
from tests.gateway.client import GatewayClient, connected
from tests.server_process import Server

DOCUMENTED_CLOSE_CODES = frozenset({1000, 1001, *range(4000, 4015)} - {4006})
"""RFC 6455's normal closes and Discord's gateway close codes (4006 is no longer used)."""


async def online_guild(
    server: Server, remote: Api, members: int
) -> tuple[list[Account], list[GatewayClient], dict[str, Any]]:
    """An owner and `members - 1` others in one guild, each with an identified gateway session."""
    owner = await remote.account("owner")
    guild = await owner.guild()
    accounts = [owner]
    for _ in range(members - 1):
        member = await remote.account("member")
        await member.join(owner, guild["system_channel_id"])
        accounts.append(member)
    clients = [await connected(server, account) for account in accounts]
    return accounts, clients, guild


async def still_connected(client: GatewayClient) -> bool:
    """The server still answers this session's heartbeats."""
    await client.send(1, client.seq)
    try:
        while True:
            payload = await client.receive(5)
            if payload["op"] == 11:
                return True
    except Exception:
        return False


async def close_all(clients: list[GatewayClient]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def server_failures(server: Server) -> list[str]:
    """Log lines with an error or a traceback: a client must never cause one."""
    text = server.log.read_text(errors="replace") if server.log.exists() else ""
    return [
        line
        for line in text.splitlines()
        if '"level":"error"' in line or "Traceback" in line or '"level":"critical"' in line
    ]
