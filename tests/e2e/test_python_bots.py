"""Acceptance: unmodified py-cord 2.8 and nextcord 3.2 bots do the round trip with townhall.

Each runs in a virtual environment of its own (`scripts/ensure-python-bots`, which `make test`
runs): py-cord and discord.py both install a package named `discord`, and nextcord 3 needs Python
3.12. An outside run found that py-cord never became ready (it asks for the default soundboard
sounds first), that its replies were refused (`message_reference.type: null`), and that nextcord
logged a 404 and a traceback on every connect (it fetches the application's commands).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api
from tests.e2e.bots import add_bot
from tests.server_process import Server

ROOT = Path(__file__).parents[2]
BOTS = Path(__file__).parent / "python_bots"


async def next_step(lines: asyncio.StreamReader, step: str, timeout: float = 30) -> dict[str, Any]:
    while True:
        raw = await asyncio.wait_for(lines.readline(), timeout)
        assert raw, f"the bot exited before {step!r}"
        report: dict[str, Any] = json.loads(raw)
        assert report["step"] != "error", report["message"]
        if report["step"] == step:
            return report


@pytest.mark.parametrize("library", ["pycord", "nextcord"])
async def test_bot_logs_in_hears_replies_reacts_reads_edits_and_deletes(
    sqlite_server: Server, remote: Api, library: str
) -> None:
    python = ROOT / ".venv" / "bots" / library / "bin" / "python"
    assert python.exists(), "run scripts/ensure-python-bots (make test does)"
    owner = await remote.account(f"{library}owner")
    guild = await owner.guild(f"{library} guild")
    bot = await add_bot(owner, guild["id"], name=f"{library} bot")
    env = {**os.environ, "TOWNHALL_API": f"{sqlite_server.url}/api", "TOWNHALL_TOKEN": bot.token}
    process = await asyncio.create_subprocess_exec(
        str(python),
        str(BOTS / f"{library}_bot.py"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        ready = await next_step(process.stdout, "ready")
        assert ready == {"step": "ready", "user": str(bot.user_id), "guilds": [guild["id"]]}
        channel_id = guild["system_channel_id"]
        sent = await owner.post(f"/channels/{channel_id}/messages", json={"content": "ping"})
        assert sent.status_code == 200, sent.text
        heard = await next_step(process.stdout, "heard")
        assert heard == {
            "step": "heard",
            "content": "ping",
            "guild": guild["id"],
            "author": str(owner.id),
        }
        replied = await next_step(process.stdout, "replied")
        assert replied["reference"] == sent.json()["id"]
        history = await next_step(process.stdout, "history")
        assert history["ids"][:2] == [replied["id"], sent.json()["id"]]
        edited = await next_step(process.stdout, "edited")
        assert edited["content"] == "pong (edited)"
        done = await next_step(process.stdout, "done")
        gone = await owner.get(f"/channels/{channel_id}/messages/{done['reply']}")
        assert gone.status_code == 404
        original = (await owner.get(f"/channels/{channel_id}/messages/{sent.json()['id']}")).json()
        assert original["reactions"][0]["emoji"]["name"] == "\u2705"
        await asyncio.wait_for(process.wait(), 30)
        errors = (await process.stderr.read()).decode(errors="replace")
        assert "Traceback" not in errors and "404" not in errors, errors
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
