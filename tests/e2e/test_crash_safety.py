"""kill -9 in the middle of a burst of sends: every message the server acknowledged survives."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.e2e.conftest import Deployment, Server, register, unique

SENDERS = 8
ACKNOWLEDGED_BEFORE_KILL = 30
BURST_SECONDS = 60.0


async def history(server: Server, token: str, channel_id: str) -> dict[str, str]:
    """Every message in the channel, id → content, paging back with `before` as discord.py does."""
    found: dict[str, str] = {}
    before: str | None = None
    async with httpx.AsyncClient(base_url=server.api, headers={"Authorization": token}) as http:
        while True:
            params: dict[str, Any] = {"limit": 100}
            if before:
                params["before"] = before
            page = await http.get(f"/channels/{channel_id}/messages", params=params)
            assert page.status_code == 200, page.text
            messages = page.json()
            if not messages:
                return found
            found.update((m["id"], m["content"]) for m in messages)
            before = min(messages, key=lambda m: int(m["id"]))["id"]


async def test_every_acknowledged_message_survives_kill_9_and_restart(
    deployment: Deployment,
) -> None:
    server = deployment.start()
    alice = register(server, unique("alice"))
    token = alice["token"]
    with server.client(token) as http:
        guild = http.post("/guilds", json={"name": "Crash test"})
    channel_id = guild.json()["system_channel_id"]

    acknowledged: dict[str, str] = {}
    refused: list[str] = []
    cut_off = 0
    enough = asyncio.Event()

    async def sender(http: httpx.AsyncClient, worker: int) -> None:
        nonlocal cut_off
        for n in range(1000):
            content = f"worker {worker} message {n}"
            try:
                response = await http.post(
                    f"/channels/{channel_id}/messages", json={"content": content}
                )
            except httpx.TransportError:
                cut_off += 1  # in flight when the server died: may or may not be stored
                return
            if response.status_code != 200:
                refused.append(f"{response.status_code} {response.text}")
                return
            acknowledged[response.json()["id"]] = content
            if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                enough.set()

    limits = httpx.Limits(max_connections=SENDERS)
    async with httpx.AsyncClient(
        base_url=server.api, headers={"Authorization": token}, timeout=10.0, limits=limits
    ) as http:
        burst = [asyncio.create_task(sender(http, worker)) for worker in range(SENDERS)]
        try:
            await asyncio.wait_for(enough.wait(), BURST_SECONDS)
        finally:
            server.kill()  # SIGKILL while the senders are still sending
        await asyncio.wait_for(asyncio.gather(*burst), BURST_SECONDS)

    assert not refused, refused[:3]
    answered = len(acknowledged)
    assert answered >= ACKNOWLEDGED_BEFORE_KILL, f"only {answered} sends answered before the kill"
    assert cut_off >= 1, "the kill should land in the middle of the burst"

    restarted = deployment.start()
    stored = await history(restarted, token, channel_id)
    lost = {mid: content for mid, content in acknowledged.items() if stored.get(mid) != content}
    assert not lost, f"{len(lost)} of {answered} acknowledged messages lost: {list(lost)[:5]}"

    with restarted.client(token) as http:
        after = http.post(f"/channels/{channel_id}/messages", json={"content": "back again"})
    assert after.status_code == 200, after.text
    assert int(after.json()["id"]) > max(int(mid) for mid in stored)
