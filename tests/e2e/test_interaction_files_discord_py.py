"""An unmodified discord.py 2.7 bot answering with files: `response.send_message(file=…)`,
`followup.send(file=…)`, `edit_original_response(attachments=[…])`, and an ephemeral answer with
a file that only its invoker may download."""

from __future__ import annotations

import asyncio
import io
from typing import Any
from urllib.parse import urlsplit

import discord
import httpx
import pytest
from discord import app_commands

from tests.conftest import Api
from tests.e2e.bots import add_bot
from tests.e2e.test_interactions_discord_py import commands_of, post, run
from tests.gateway.client import GatewayClient, connected
from tests.server_process import Server

EPHEMERAL = 1 << 6


def text_file(name: str, data: bytes) -> discord.File:
    return discord.File(io.BytesIO(data), filename=name)


class Reporter(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.synced = asyncio.Event()
        self.edited = asyncio.Event()

        @self.tree.command(description="A report")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Report", file=text_file("r.txt", b"v1"))
            await interaction.followup.send("Details", file=text_file("details.txt", b"more"))
            original = await interaction.original_response()
            await interaction.edit_original_response(
                attachments=[*original.attachments, text_file("chart.txt", b"v2")]
            )
            self.edited.set()

        @self.tree.command(description="Your receipt")
        async def receipt(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                "Only yours", file=text_file("receipt.txt", b"paid"), ephemeral=True
            )

    async def on_ready(self) -> None:
        await self.tree.sync()
        self.synced.set()


async def get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(url, headers=headers)


@pytest.mark.usefixtures("pointed_at")
async def test_a_discord_py_bot_answers_with_files(remote: Api, sqlite_server: Server) -> None:
    owner = await remote.account("owner")
    member = await remote.account("member")
    guild = await owner.guild("Reports")
    guild_id = guild["id"]
    channel_id = next(c["id"] for c in guild["channels"] if c["type"] == 0)
    await member.join(owner, channel_id)
    bot = await add_bot(owner, guild_id, name="Reporter")
    client = Reporter()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    member_gw: GatewayClient | None = None
    try:
        await asyncio.wait_for(client.synced.wait(), 30)
        found = await commands_of(member, guild_id, channel_id)
        member_gw = await connected(sqlite_server, member)

        await post(member, run(found["report"], guild_id, channel_id, "n-report"))
        answer = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert answer["content"] == "Report"
        assert [a["filename"] for a in answer["attachments"]] == ["r.txt"]
        details = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert details["attachments"][0]["filename"] == "details.txt"
        assert (await get(details["attachments"][0]["url"])).content == b"more"
        changed = await member_gw.wait_for("MESSAGE_UPDATE", timeout=15, id=answer["id"])
        await asyncio.wait_for(client.edited.wait(), 15)
        assert [a["filename"] for a in changed["attachments"]] == ["r.txt", "chart.txt"]
        assert (await get(changed["attachments"][1]["url"])).content == b"v2"

        await post(member, run(found["receipt"], guild_id, channel_id, "n-receipt"))
        secret: dict[str, Any] = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert secret["flags"] & EPHEMERAL and secret["content"] == "Only yours"
        (paper,) = secret["attachments"]
        bare = sqlite_server.url + urlsplit(paper["url"]).path
        assert (await get(bare, member.headers)).content == b"paid"
        refused = await get(bare, owner.headers)
        assert refused.status_code == 404
    finally:
        if member_gw is not None:
            await member_gw.close()
        await client.close()
        runner.cancel()
