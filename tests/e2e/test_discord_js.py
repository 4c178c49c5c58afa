"""Acceptance: an unmodified discord.js 14 bot (from npm) does the round trip with townhall."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import Api
from tests.e2e.bots import add_bot
from tests.server_process import Server

BOT_DIR = Path(__file__).parent / "js"


async def next_step(lines: asyncio.StreamReader, step: str, timeout: float = 30) -> dict[str, Any]:
    while True:
        raw = await asyncio.wait_for(lines.readline(), timeout)
        assert raw, f"the bot exited before {step!r}"
        report: dict[str, Any] = json.loads(raw)
        assert report["step"] != "error", report["message"]
        if report["step"] == step:
            return report


async def test_discord_js_bot_logs_in_hears_replies_reacts_reads_edits_and_deletes(
    sqlite_server: Server, remote: Api
) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed (make test installs the bot's packages with npm)"
    assert (BOT_DIR / "node_modules" / "discord.js").is_dir(), "run scripts/ensure-js-deps"
    owner = await remote.account("jsowner")
    guild = await owner.guild("discord.js guild")
    bot = await add_bot(owner, guild["id"], name="JsBot")
    env = {**os.environ, "TOWNHALL_API": f"{sqlite_server.url}/api", "TOWNHALL_TOKEN": bot.token}
    process = await asyncio.create_subprocess_exec(
        node, "bot.js", cwd=BOT_DIR, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        ready = await next_step(process.stdout, "ready")
        assert ready["user"] == str(bot.user_id)
        assert ready["guilds"] == [guild["id"]]
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
        history = await next_step(process.stdout, "history")
        assert sent.json()["id"] in history["ids"]
        edited = await next_step(process.stdout, "edited")
        assert edited["content"] == "pong (edited)"
        done = await next_step(process.stdout, "done")
        assert (
            await owner.get(f"/channels/{channel_id}/messages/{done['reply']}")
        ).status_code == 404
        original = (await owner.get(f"/channels/{channel_id}/messages/{sent.json()['id']}")).json()
        assert original["reactions"][0]["emoji"]["name"] == "\u2705"
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_discord_js_bot_downloads_a_file_and_sends_one(
    sqlite_server: Server, remote: Api
) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed (make test installs the bot's packages with npm)"
    owner = await remote.account("jsfiles")
    guild = await owner.guild("discord.js files")
    bot = await add_bot(owner, guild["id"], name="JsFiles")
    env = {**os.environ, "TOWNHALL_API": f"{sqlite_server.url}/api", "TOWNHALL_TOKEN": bot.token}
    process = await asyncio.create_subprocess_exec(
        node, "files_bot.js", cwd=BOT_DIR, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        await next_step(process.stdout, "ready")
        channel_id = guild["system_channel_id"]
        sent = await owner.post(
            f"/channels/{channel_id}/messages",
            data={"payload_json": json.dumps({"content": "my notes"})},
            files={"files[0]": ("notes.txt", b"meeting at nine\n", "text/plain")},
        )
        assert sent.status_code == 200, sent.text
        heard = await next_step(process.stdout, "heard")
        assert heard == {
            "step": "heard",
            "name": "notes.txt",
            "size": 16,
            "type": "text/plain; charset=utf-8",
            "text": "meeting at nine\n",
        }
        answer = await next_step(process.stdout, "sent")
        assert answer["name"] == "from js.txt" and answer["description"] == "a note"
        stored = (await owner.get(f"/channels/{channel_id}/messages/{answer['id']}")).json()
        (attachment,) = stored["attachments"]
        assert attachment["size"] == len(b"made by discord.js\n")
        download = await remote.http.get(attachment["url"])
        assert download.content == b"made by discord.js\n"
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
