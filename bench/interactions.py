"""From a person's command to the bot: `POST /interactions` until INTERACTION_CREATE arrives on
the bot's gateway session, and the bot's answer (`POST …/callback`, a message).

`python -m bench.interactions [sqlite|postgresql …]`. One member invokes a guild command 200
times in a row (after 20 to warm up) on one keep-alive connection; the bot's session reads
each INTERACTION_CREATE and answers it with CHANNEL_MESSAGE_WITH_SOURCE before the next one.
Printed, not asserted (docs/performance.md, "Interactions").
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import httpx
import orjson
import websockets

from bench import community, report
from bench.server import townhall

WARM_UP = 20
INVOCATIONS = 200
COMMAND = {"name": "roll", "description": "Roll a die", "type": 1}


async def _bot(api: str, owner: community.Account, guild_id: int) -> tuple[int, str]:
    """An application with its bot in the guild: (application id, bot token)."""
    auth = {"Authorization": owner.token}
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        created = await http.post("/applications", json={"name": "Dice"}, headers=auth)
        created.raise_for_status()
        app_id = int(created.json()["id"])
        token = (await http.post(f"/applications/{app_id}/bot/reset", headers=auth)).json()
        authorized = await http.post(
            f"/oauth2/authorize?client_id={app_id}&scope=bot&permissions=3072",
            json={"guild_id": str(guild_id), "permissions": "3072", "authorize": True},
            headers=auth,
        )
        authorized.raise_for_status()
    return app_id, token["token"]


async def _read_until(ws: Any, event: str) -> dict[str, Any]:
    while True:
        payload = orjson.loads(await ws.recv())
        if payload.get("t") == event:
            data: dict[str, Any] = payload["d"]
            return data


async def run(api: str, gateway: str) -> dict[str, Any]:
    group = await community.build(api, 1)
    invoker = group.members[0]
    app_id, bot_token = await _bot(api, group.owner, group.guild_id)
    bot_auth = {"Authorization": f"Bot {bot_token}"}
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        synced = await http.put(
            f"/applications/{app_id}/guilds/{group.guild_id}/commands",
            json=[COMMAND],
            headers=bot_auth,
        )
        synced.raise_for_status()
        command = synced.json()[0]
        async with websockets.connect(gateway, max_size=None) as ws:
            orjson.loads(await ws.recv())  # HELLO
            identify = {"token": bot_token, "intents": 0, "properties": {"os": "linux"}}
            await ws.send(orjson.dumps({"op": 2, "d": identify}).decode())
            await _read_until(ws, "READY")
            body = {
                "type": 2,
                "application_id": str(app_id),
                "guild_id": str(group.guild_id),
                "channel_id": str(group.channel_id),
                "session_id": "bench",
                "data": {"id": command["id"], "name": "roll", "type": 1},
            }
            member_auth = {"Authorization": invoker.token}
            delivered: list[float] = []
            answered: list[float] = []
            for i in range(WARM_UP + INVOCATIONS):
                started = time.perf_counter()
                response = await http.post(
                    "/interactions", json={**body, "nonce": str(i)}, headers=member_auth
                )
                if response.status_code != 204:
                    raise RuntimeError(f"invoke failed: {response.status_code} {response.text}")
                interaction = await asyncio.wait_for(_read_until(ws, "INTERACTION_CREATE"), 10)
                arrived = time.perf_counter()
                reply = await http.post(
                    f"/interactions/{interaction['id']}/{interaction['token']}/callback",
                    json={"type": 4, "data": {"content": f"You rolled {i % 6 + 1}"}},
                )
                done = time.perf_counter()
                if reply.status_code != 204:
                    raise RuntimeError(f"callback failed: {reply.status_code} {reply.text}")
                if i >= WARM_UP:
                    delivered.append((arrived - started) * 1000)
                    answered.append((done - arrived) * 1000)
    return {
        "invocations": INVOCATIONS,
        "post_to_interaction_create": report.summarize_ms(delivered),
        "callback_with_message": report.summarize_ms(answered),
    }


def measure_backend(backend: str) -> dict[str, Any]:
    with townhall(backend, "interactions") as server:
        return asyncio.run(run(server.api, server.gateway))


def main(argv: list[str]) -> None:
    backends = argv or ["sqlite", "postgresql"]
    results = {backend: measure_backend(backend) for backend in backends}
    results["machine"] = report.machine()
    path = report.write("interactions", results)
    for backend in backends:
        r = results[backend]
        created, reply = r["post_to_interaction_create"], r["callback_with_message"]
        print(
            f"{backend}: POST /interactions → INTERACTION_CREATE p50 {created['p50_ms']} ms, "
            f"p99 {created['p99_ms']} ms; callback p50 {reply['p50_ms']} ms, "
            f"p99 {reply['p99_ms']} ms ({r['invocations']} invocations)"
        )
    print(f"written to {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
