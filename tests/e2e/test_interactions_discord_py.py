"""An unmodified discord.py 2.7 bot with `app_commands` and `discord.ui`: it syncs its global
and guild commands with `tree.sync()`, a person runs them over REST (`POST /interactions`, as
Discord's client does) and sees the bot's answers on their gateway session: a reply, a button
click answered by editing the message, a modal, an ephemeral reply that only they get, and a
deferred answer completed by `followup.send`; and in the DM with the bot (`allowed_contexts`,
`dm_only`, a button there), a command whose `discord.Attachment` option it reads."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.conftest import Account, Api
from tests.e2e.bots import add_bot
from tests.gateway.client import GatewayClient, connected
from tests.server_process import Server

EPHEMERAL, LOADING = 1 << 6, 1 << 7


class Vote(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Yes", style=discord.ButtonStyle.success, custom_id="vote:yes")
    async def yes(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(
            content=f"{interaction.user.display_name} voted yes", view=None
        )


class Feedback(discord.ui.Modal, title="Feedback"):
    summary: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Summary", max_length=50)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks for: {self.summary.value}")


class Helper(discord.Client):
    """A bot as its author writes one: commands on a tree, synced once ready."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.synced = asyncio.Event()
        self.guild_id = guild_id
        self.global_count = 0
        self.guild_count = 0
        guild = discord.Object(guild_id)

        @self.tree.command(description="Say hello")
        @app_commands.describe(who="Whom to greet", times="How often")
        async def hello(
            interaction: discord.Interaction,
            who: discord.Member,
            times: app_commands.Range[int, 1, 5] = 1,
        ) -> None:
            await interaction.response.send_message(f"Hello {who.display_name} x{times}")

        @self.tree.command(description="A secret")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Only you see this", ephemeral=True)

        @self.tree.command(description="Vote", guild=guild)
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Vote now", view=Vote())

        @self.tree.command(description="Tell us", guild=guild)
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Feedback())

        @self.tree.command(description="Think first", guild=guild)
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("Thought it through")

    async def on_ready(self) -> None:
        self.global_count = len(await self.tree.sync())
        self.guild_count = len(await self.tree.sync(guild=discord.Object(self.guild_id)))
        self.synced.set()


async def commands_of(account: Account, guild_id: str, channel_id: str) -> dict[str, Any]:
    response = await account.get(
        f"/guilds/{guild_id}/application-command-index", params={"channel_id": channel_id}
    )
    assert response.status_code == 200, response.text
    return {c["name"]: c for c in response.json()["application_commands"]}


def run(
    command: dict[str, Any], guild_id: str, channel_id: str, nonce: str, **data: Any
) -> dict[str, Any]:
    return {
        "type": 2,
        "application_id": command["application_id"],
        "guild_id": guild_id,
        "channel_id": channel_id,
        "session_id": "web",
        "nonce": nonce,
        "data": {
            "id": command["id"],
            "name": command["name"],
            "type": command["type"],
            "version": command["version"],
            **data,
        },
    }


async def post(account: Account, body: dict[str, Any]) -> None:
    response = await account.post("/interactions", json=body)
    assert response.status_code == 204, response.text


@pytest.mark.usefixtures("pointed_at")
async def test_a_discord_py_bot_answers_commands_buttons_and_modals(
    remote: Api, sqlite_server: Server
) -> None:
    owner = await remote.account("owner")
    member = await remote.account("member")
    guild = await owner.guild("Bot club")
    guild_id = guild["id"]
    channel_id = next(c["id"] for c in guild["channels"] if c["type"] == 0)
    await member.join(owner, channel_id)
    bot = await add_bot(owner, guild_id, name="Helper")
    client = Helper(int(guild_id))
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    member_gw: GatewayClient | None = None
    owner_gw: GatewayClient | None = None
    try:
        await asyncio.wait_for(client.synced.wait(), 30)
        assert (client.global_count, client.guild_count) == (2, 3)
        found = await commands_of(member, guild_id, channel_id)
        assert set(found) == {"hello", "secret", "vote", "feedback", "slow"}
        assert found["vote"]["guild_id"] == guild_id and "guild_id" not in found["hello"]
        member_gw = await connected(sqlite_server, member)
        owner_gw = await connected(sqlite_server, owner)

        options = [
            {"name": "who", "type": 6, "value": str(owner.id)},
            {"name": "times", "type": 4, "value": 2},
        ]
        await post(member, run(found["hello"], guild_id, channel_id, "n-hello", options=options))
        hello = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert hello["content"] == f"Hello {owner.username} x2" and hello["type"] == 20
        assert hello["author"]["id"] == str(bot.user_id)
        assert hello["interaction_metadata"]["user"]["id"] == str(member.id)
        success = await member_gw.wait_for("INTERACTION_SUCCESS", timeout=15)
        assert success["nonce"] == "n-hello"

        await post(member, run(found["vote"], guild_id, channel_id, "n-vote"))
        ballot = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert ballot["content"] == "Vote now"
        button = ballot["components"][0]["components"][0]
        assert button["custom_id"] == "vote:yes" and button["label"] == "Yes"
        click = {
            "type": 3,
            "application_id": str(bot.application_id),
            "guild_id": guild_id,
            "channel_id": channel_id,
            "message_id": ballot["id"],
            "session_id": "web",
            "nonce": "n-click",
            "data": {"component_type": 2, "custom_id": "vote:yes"},
        }
        await post(member, click)
        voted = await member_gw.wait_for("MESSAGE_UPDATE", timeout=15, id=ballot["id"])
        assert voted["content"] == f"{member.username} voted yes" and voted["components"] == []

        await post(member, run(found["feedback"], guild_id, channel_id, "n-modal"))
        modal = await member_gw.wait_for("INTERACTION_MODAL_CREATE", timeout=15)
        assert modal["title"] == "Feedback" and modal["nonce"] == "n-modal"
        text_input = modal["components"][0]["components"][0]
        submit = {
            "type": 5,
            "application_id": str(bot.application_id),
            "guild_id": guild_id,
            "channel_id": channel_id,
            "session_id": "web",
            "nonce": "n-submit",
            "data": {
                "id": modal["id"],
                "custom_id": modal["custom_id"],
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 4, "custom_id": text_input["custom_id"], "value": "great"}
                        ],
                    }
                ],
            },
        }
        await post(member, submit)
        thanks = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert thanks["content"] == "Thanks for: great"
        assert thanks["interaction_metadata"]["type"] == 5

        await post(member, run(found["secret"], guild_id, channel_id, "n-secret"))
        secret = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert secret["content"] == "Only you see this" and secret["flags"] & EPHEMERAL
        history = (await owner.get(f"/channels/{channel_id}/messages")).json()
        assert secret["id"] not in [m["id"] for m in history]

        await post(member, run(found["slow"], guild_id, channel_id, "n-slow"))
        thinking = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert thinking["flags"] & LOADING and thinking["content"] == ""
        done = await member_gw.wait_for("MESSAGE_UPDATE", timeout=15, id=thinking["id"])
        assert done["content"] == "Thought it through" and not done["flags"] & LOADING

        # The owner's session got every message but the ephemeral one: it saw the later
        # deferred answer, in log order, with nothing of the secret before it.
        before = await owner_gw.collect_until("MESSAGE_UPDATE", timeout=15, id=thinking["id"])
        contents = [p["d"].get("content") for p in before if p.get("t") == "MESSAGE_CREATE"]
        assert "Only you see this" not in contents
        assert f"Hello {owner.username} x2" in contents and "Thanks for: great" in contents
    finally:
        for gateway in (member_gw, owner_gw):
            if gateway is not None:
                await gateway.close()
        await client.close()
        runner.cancel()


class Confirm(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Sure", custom_id="dm:sure")
    async def sure(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="Confirmed in private", view=None)


class Clerk(discord.Client):
    """A bot with commands for its DMs (`allowed_contexts`, `dm_only`) and one that takes a
    file (`discord.Attachment`), as its author writes them."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.synced = asyncio.Event()
        self.contexts: list[Any] = []

        @self.tree.command(description="Where am I")
        @app_commands.allowed_contexts(guilds=True, dms=True)
        async def where(interaction: discord.Interaction) -> None:
            self.contexts.append(
                (interaction.guild_id, type(interaction.channel).__name__, interaction.user.id)
            )
            place = "a DM" if interaction.guild is None else "a guild"
            await interaction.response.send_message(f"You are in {place}", view=Confirm())

        @self.tree.command(description="Private only")
        @app_commands.dm_only()
        async def whisper(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("psst", ephemeral=True)
            await interaction.followup.send("and once more, quietly", ephemeral=True)

        @self.tree.command(description="Check a file")
        @app_commands.allowed_contexts(guilds=True, dms=True)
        async def checksum(
            interaction: discord.Interaction, file: discord.Attachment, label: str = "file"
        ) -> None:
            data = await file.read()
            digest = hashlib.sha256(data).hexdigest()[:12]
            await interaction.response.send_message(
                f"{label}: {file.filename} {file.size} bytes {digest}"
            )

    async def on_ready(self) -> None:
        await self.tree.sync()
        self.synced.set()


@pytest.mark.usefixtures("pointed_at")
async def test_a_discord_py_bot_answers_in_its_dm_and_reads_a_file_option(
    remote: Api, sqlite_server: Server
) -> None:
    owner = await remote.account("owner")
    member = await remote.account("member")
    guild = await owner.guild("Clerk club")
    channel_id = next(c["id"] for c in guild["channels"] if c["type"] == 0)
    await member.join(owner, channel_id)
    bot = await add_bot(owner, guild["id"], name="Clerk")
    client = Clerk()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    member_gw: GatewayClient | None = None
    try:
        await asyncio.wait_for(client.synced.wait(), 30)
        opened = await member.post("/users/@me/channels", json={"recipient_id": str(bot.user_id)})
        dm = opened.json()["id"]
        index = await member.get(f"/channels/{dm}/application-command-index")
        found = {c["name"]: c for c in index.json()["application_commands"]}
        assert set(found) == {"where", "whisper", "checksum"}
        assert found["whisper"]["contexts"] == [1]
        member_gw = await connected(sqlite_server, member)

        await post(member, {**run(found["where"], guild["id"], dm, "n-where"), "guild_id": None})
        answer = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert answer["content"] == "You are in a DM" and answer["channel_id"] == dm
        assert client.contexts == [(None, "DMChannel", member.id)]
        click = {
            "type": 3,
            "application_id": str(bot.application_id),
            "channel_id": dm,
            "message_id": answer["id"],
            "session_id": "web",
            "nonce": "n-sure",
            "data": {"component_type": 2, "custom_id": "dm:sure"},
        }
        await post(member, click)
        confirmed = await member_gw.wait_for("MESSAGE_UPDATE", timeout=15, id=answer["id"])
        assert confirmed["content"] == "Confirmed in private" and confirmed["components"] == []

        await post(member, {**run(found["whisper"], guild["id"], dm, "n-psst"), "guild_id": None})
        psst = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        quietly = await member_gw.wait_for("MESSAGE_CREATE", timeout=15)
        assert (psst["content"], quietly["content"]) == ("psst", "and once more, quietly")
        assert psst["flags"] & EPHEMERAL and quietly["flags"] & EPHEMERAL
        shown = [m["content"] for m in (await member.get(f"/channels/{dm}/messages")).json()]
        assert shown == ["Confirmed in private"]
        in_guild = await member.post(
            "/interactions", json=run(found["whisper"], guild["id"], channel_id, "n-no")
        )
        assert in_guild.status_code == 404  # not a command of the guild's channels

        report = b"%PDF-1.4 minutes of the meeting\n" * 40
        upload = await member.post(
            "/uploads",
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(len(report)),
                "Upload-Metadata": "filename " + base64.b64encode(b"minutes.pdf").decode(),
                "Content-Type": "application/offset+octet-stream",
            },
            content=report,
        )
        assert upload.status_code == 201, upload.text
        upload_id = upload.headers["Location"].rsplit("/", 1)[1]
        with_file = run(
            found["checksum"],
            guild["id"],
            channel_id,
            "n-file",
            options=[
                {"name": "file", "type": 11, "value": 0},
                {"name": "label", "type": 3, "value": "notes"},
            ],
            attachments=[{"id": "0", "filename": "minutes.pdf", "uploaded_filename": upload_id}],
        )
        await post(member, with_file)
        checked = await member_gw.wait_for("MESSAGE_CREATE", timeout=15, channel_id=channel_id)
        digest = hashlib.sha256(report).hexdigest()[:12]
        assert checked["content"] == f"notes: minutes.pdf {len(report)} bytes {digest}"
    finally:
        if member_gw is not None:
            await member_gw.close()
        await client.close()
        runner.cancel()
