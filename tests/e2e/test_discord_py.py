"""Acceptance: an unmodified discord.py 2.7 bot, pointed at townhall the two ways its docs allow."""

from __future__ import annotations

import asyncio
import io
import json

import discord
import pytest

from tests.conftest import Account, Api
from tests.e2e.bots import Bot, add_bot
from tests.server_process import Server


class Recording(discord.Client):
    """A bot that records what it hears, for the test to assert on."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents)
        self.ready = asyncio.Event()
        self.heard: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.role_created: asyncio.Queue[discord.Role] = asyncio.Queue()
        self.channel_updated: asyncio.Queue[discord.abc.GuildChannel] = asyncio.Queue()
        self.reactions: asyncio.Queue[discord.RawReactionActionEvent] = asyncio.Queue()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and message.author.id != self.user.id:
            await self.heard.put(message)

    async def on_guild_role_create(self, role: discord.Role) -> None:
        await self.role_created.put(role)

    async def on_guild_channel_update(
        self, _before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        await self.channel_updated.put(after)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.reactions.put(payload)


class RecordingClient(Recording):
    pass


class RecordingShardedClient(Recording, discord.AutoShardedClient):
    pass


async def run_round_trip(
    client: Recording, bot: Bot, owner: Account, guild: dict[str, object]
) -> None:
    guild_id = int(str(guild["id"]))
    channel_id = int(str(guild["system_channel_id"]))
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    try:
        await asyncio.wait_for(client.ready.wait(), 30)
        assert client.user is not None and client.user.id == bot.user_id
        assert [g.id for g in client.guilds] == [guild_id]
        discord_guild = client.get_guild(guild_id)
        assert discord_guild is not None and discord_guild.get_channel(channel_id) is not None

        sent = await owner.post(f"/channels/{channel_id}/messages", json={"content": "hello bot"})
        assert sent.status_code == 200, sent.text
        heard = await asyncio.wait_for(client.heard.get(), 10)
        assert heard.content == "hello bot"
        assert heard.guild is not None and heard.guild.id == guild_id
        assert heard.author.id == owner.id

        reply = await heard.reply("hi human")
        await heard.add_reaction("\N{WHITE HEAVY CHECK MARK}")
        reaction = await asyncio.wait_for(client.reactions.get(), 10)
        assert (
            reaction.emoji.name == "\N{WHITE HEAVY CHECK MARK}" and reaction.message_id == heard.id
        )

        history = [m async for m in heard.channel.history(limit=10)]
        assert [m.id for m in history[:2]] == [reply.id, heard.id]
        assert history[0].reference is not None and history[0].reference.message_id == heard.id

        edited = await reply.edit(content="hi human (edited)")
        assert edited.content == "hi human (edited)" and edited.edited_at is not None
        seen_by_owner = await owner.get(f"/channels/{channel_id}/messages/{reply.id}")
        assert seen_by_owner.json()["content"] == "hi human (edited)"
        reactions = await owner.get(f"/channels/{channel_id}/messages/{heard.id}")
        assert reactions.json()["reactions"][0]["count"] == 1
        await reply.delete()
        gone = await owner.get(f"/channels/{channel_id}/messages/{reply.id}")
        assert gone.status_code == 404

        assert discord_guild is not None
        role = await discord_guild.create_role(
            name="Helpers", permissions=discord.Permissions(send_messages=True)
        )
        created = await asyncio.wait_for(client.role_created.get(), 10)
        assert created.id == role.id and created.name == "Helpers"
        channel = discord_guild.get_channel(channel_id)
        assert isinstance(channel, discord.TextChannel)
        await channel.set_permissions(role, send_messages=False, reason="quiet please")
        updated = await asyncio.wait_for(client.channel_updated.get(), 10)
        overwrite = updated.overwrites_for(role)
        assert overwrite.send_messages is False
        stored = await owner.get(f"/channels/{channel_id}")
        assert any(o["id"] == str(role.id) for o in stored.json()["permission_overwrites"])
    finally:
        await client.close()
        runner.cancel()


@pytest.mark.usefixtures("pointed_at")
async def test_plain_client_with_rest_base_and_gateway_changed_does_the_round_trip(
    remote: Api,
) -> None:
    owner = await remote.account("owner")
    guild = await owner.guild("Bots welcome")
    bot = await add_bot(owner, guild["id"])
    await run_round_trip(RecordingClient(), bot, owner, guild)


async def test_auto_sharded_client_needs_only_the_rest_base(
    sqlite_server: Server, remote: Api
) -> None:
    owner = await remote.account("owner")
    guild = await owner.guild("Sharded")
    bot = await add_bot(owner, guild["id"], name="Sharded")
    old_base = discord.http.Route.BASE
    discord.http.Route.BASE = sqlite_server.api
    try:
        await run_round_trip(RecordingShardedClient(), bot, owner, guild)
    finally:
        discord.http.Route.BASE = old_base


@pytest.mark.usefixtures("pointed_at")
async def test_files_go_both_ways_with_an_unmodified_bot(remote: Api) -> None:
    """`channel.send(file=discord.File(...))`, and `Attachment.read()` of a person's file."""
    owner = await remote.account("owner")
    guild = await owner.guild("Files")
    bot = await add_bot(owner, guild["id"], name="Filer")
    channel_id = int(str(guild["system_channel_id"]))
    client = RecordingClient()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    try:
        await asyncio.wait_for(client.ready.wait(), 30)
        channel = client.get_channel(channel_id)
        assert isinstance(channel, discord.TextChannel)
        report = b"quarterly numbers\n" * 100
        sent = await channel.send(
            "the report",
            file=discord.File(io.BytesIO(report), filename="report.txt", description="Q3"),
        )
        (mine,) = sent.attachments
        assert (mine.filename, mine.size, mine.description) == ("report.txt", len(report), "Q3")
        assert await mine.read() == report
        replaced = await sent.edit(
            attachments=[discord.File(io.BytesIO(b"v2\n"), filename="report-v2.txt")]
        )
        assert [a.filename for a in replaced.attachments] == ["report-v2.txt"]
        assert await replaced.attachments[0].read() == b"v2\n"
        emptied = await replaced.edit(content="no file any more", attachments=[])
        assert emptied.attachments == []

        posted = await owner.post(
            f"/channels/{channel_id}/messages",
            data={"payload_json": json.dumps({"content": "photo"})},
            files={"files[0]": ("dot.gif", GIF, "image/gif")},
        )
        assert posted.status_code == 200, posted.text
        heard = await asyncio.wait_for(client.heard.get(), 10)
        (theirs,) = heard.attachments
        assert theirs.content_type == "image/gif" and (theirs.width, theirs.height) == (1, 1)
        assert await theirs.read() == GIF
    finally:
        await client.close()
        runner.cancel()


GIF = bytes.fromhex(
    "47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b"
)
"""The smallest GIF: one white pixel."""


class VoiceWatcher(RecordingClient):
    """A bot that records voice state changes (GUILD_VOICE_STATES is a default intent)."""

    def __init__(self) -> None:
        super().__init__()
        self.voice_changes: asyncio.Queue[tuple[discord.Member, discord.VoiceState]] = (
            asyncio.Queue()
        )

    async def on_voice_state_update(
        self, member: discord.Member, _before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        await self.voice_changes.put((member, after))


@pytest.mark.usefixtures("pointed_at")
async def test_a_bot_sees_who_is_in_voice_moves_them_and_runs_a_stage(
    sqlite_server: Server, remote: Api
) -> None:
    """`on_voice_state_update`, `member.voice`, `member.move_to`, `edit(mute=...)`, stages."""
    from tests.gateway.client import ALL_INTENTS, recording

    owner = await remote.account("owner")
    guild = await owner.guild("Voice")
    bot = await add_bot(owner, guild["id"], name="Usher")
    ushers = await owner.post(
        f"/guilds/{guild['id']}/roles",
        json={"name": "Ushers", "permissions": str((1 << 4) | (1 << 22) | (1 << 24))},
    )  # MANAGE_CHANNELS, MUTE_MEMBERS, MOVE_MEMBERS
    given = await owner.put(
        f"/guilds/{guild['id']}/members/{bot.user_id}/roles/{ushers.json()['id']}"
    )
    assert given.status_code == 204, given.text
    room = next(int(c["id"]) for c in guild["channels"] if c["type"] == 2)
    client = VoiceWatcher()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    person = await recording(sqlite_server, owner, ALL_INTENTS | (1 << 7))
    try:
        await asyncio.wait_for(client.ready.wait(), 30)
        discord_guild = client.get_guild(int(guild["id"]))
        assert discord_guild is not None
        await person.client.send(4, {"guild_id": guild["id"], "channel_id": str(room)})
        member, after = await asyncio.wait_for(client.voice_changes.get(), 10)
        assert member.id == owner.id and after.channel is not None and after.channel.id == room
        assert member.voice is not None and member.voice.channel is not None

        side = await discord_guild.create_voice_channel("Side room")
        await member.move_to(side, reason="making room")
        moved, after = await asyncio.wait_for(client.voice_changes.get(), 10)
        assert moved.id == owner.id and after.channel is not None and after.channel.id == side.id
        await member.edit(mute=True)
        _, after = await asyncio.wait_for(client.voice_changes.get(), 10)
        assert after.mute is True

        stage = await discord_guild.create_stage_channel("Town hall")
        instance = await stage.create_instance(topic="Questions and answers")
        assert instance.topic == "Questions and answers"
        fetched = await client.fetch_stage_instance(stage.id)
        assert fetched.id == instance.id
        await instance.delete()
        await member.move_to(None)
        left, after = await asyncio.wait_for(client.voice_changes.get(), 10)
        assert left.id == owner.id and after.channel is None
    finally:
        await person.close()
        await client.close()
        runner.cancel()
