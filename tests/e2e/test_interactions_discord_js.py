"""An unmodified discord.js 14 bot registers a slash command with `SlashCommandBuilder`, answers
it with `interaction.reply` and a `ButtonBuilder` button, and the click with
`interaction.update`; a person drives it over REST and sees it on their gateway session."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from tests.conftest import Api
from tests.e2e.bots import add_bot
from tests.e2e.test_discord_js import next_step
from tests.gateway.client import connected
from tests.server_process import Server

BOT_DIR = Path(__file__).parent / "js"


async def test_a_discord_js_bot_answers_a_slash_command_and_a_button(
    sqlite_server: Server, remote: Api
) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed (make test installs the bot's packages with npm)"
    owner = await remote.account("jscommands")
    guild = await owner.guild("discord.js commands")
    channel_id = guild["system_channel_id"]
    bot = await add_bot(owner, guild["id"], name="JsCommands")
    env = {
        **os.environ,
        "TOWNHALL_API": f"{sqlite_server.url}/api",
        "TOWNHALL_TOKEN": bot.token,
        "TOWNHALL_GUILD": guild["id"],
    }
    process = await asyncio.create_subprocess_exec(
        node, "commands_bot.js", cwd=BOT_DIR, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    person = await connected(sqlite_server, owner)
    try:
        synced = await next_step(process.stdout, "synced")
        index = await owner.get(
            f"/guilds/{guild['id']}/application-command-index", params={"channel_id": channel_id}
        )
        (command,) = index.json()["application_commands"]
        assert [command["id"]] == synced["ids"]
        assert command["description_localizations"] == {
            "de": "Den Bot anpingen",
            "fr": "Pinger le bot",
        }
        invoked = await owner.post(
            "/interactions",
            json={
                "type": 2,
                "application_id": str(bot.application_id),
                "guild_id": guild["id"],
                "channel_id": channel_id,
                "nonce": "js-1",
                "data": {
                    "id": command["id"],
                    "name": "ping",
                    "type": 1,
                    "options": [{"name": "note", "type": 3, "value": "hi"}],
                },
            },
        )
        assert invoked.status_code == 204, invoked.text
        reply = await person.wait_for("MESSAGE_CREATE", timeout=20)
        assert reply["content"] == "pong (hi)" and reply["type"] == 20
        button = reply["components"][0]["components"][0]
        assert button["custom_id"] == "again" and button["style"] == 1
        assert (await next_step(process.stdout, "replied"))["user"] == str(owner.id)
        clicked = await owner.post(
            "/interactions",
            json={
                "type": 3,
                "application_id": str(bot.application_id),
                "guild_id": guild["id"],
                "channel_id": channel_id,
                "message_id": reply["id"],
                "nonce": "js-2",
                "data": {"component_type": 2, "custom_id": "again"},
            },
        )
        assert clicked.status_code == 204, clicked.text
        updated = await person.wait_for("MESSAGE_UPDATE", timeout=20, id=reply["id"])
        assert updated["content"] == "pong again" and updated["components"] == []
        assert (await next_step(process.stdout, "updated"))["message"] == reply["id"]
    finally:
        await person.close()
        if process.returncode is None:
            process.kill()
        await process.wait()
