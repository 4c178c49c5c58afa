"""An unmodified discord.py 2.7 bot uses threads and forum posts through discord.py's own API:
`message.create_thread`, `channel.create_thread(type=private_thread)`, `thread.send`,
`on_thread_create`, `on_thread_member_join`, `ForumChannel.create_thread(name=, content=,
applied_tags=)`, `thread.edit(archived=True)`, `guild.active_threads()`, and `thread.me` (from the
answers and, once a thread reopens, from THREAD_MEMBER_UPDATE)."""

from __future__ import annotations

import asyncio

import discord
import pytest

from tests.conftest import Api
from tests.e2e.bots import add_bot


class Threader(discord.Client):
    """Records the threads it hears of and who joins them (GUILD_MEMBERS for the joins)."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        intents.message_content = True
        super().__init__(intents=intents)
        self.ready = asyncio.Event()
        self.created: asyncio.Queue[discord.Thread] = asyncio.Queue()
        self.joined: asyncio.Queue[discord.ThreadMember] = asyncio.Queue()
        self.messages: asyncio.Queue[discord.Message] = asyncio.Queue()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.created.put(thread)

    async def on_thread_member_join(self, member: discord.ThreadMember) -> None:
        await self.joined.put(member)

    async def on_message(self, message: discord.Message) -> None:
        if message.author != self.user:
            await self.messages.put(message)


async def _next(queue: asyncio.Queue[discord.Thread]) -> discord.Thread:
    return await asyncio.wait_for(queue.get(), 10)


@pytest.mark.usefixtures("pointed_at")
async def test_a_discord_py_bot_starts_joins_and_archives_threads_and_forum_posts(
    remote: Api,
) -> None:
    owner, player = await remote.account("owner"), await remote.account("player")
    guild = await owner.guild("Tennis club")
    general = guild["system_channel_id"]
    await player.join(owner, general)
    made = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={"name": "questions", "type": 15, "available_tags": [{"name": "courts"}]},
    )
    assert made.status_code == 201, made.text
    forum_id = int(made.json()["id"])
    tag_id = int(made.json()["available_tags"][0]["id"])
    asked = await player.post(f"/channels/{general}/messages", json={"content": "Doubles Sunday?"})
    assert asked.status_code == 200
    bot = await add_bot(owner, guild["id"], name="Umpire")

    client = Threader()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    try:
        await asyncio.wait_for(client.ready.wait(), 30)
        found = client.get_guild(int(guild["id"]))
        assert found is not None
        channel = found.get_channel(int(general))
        assert isinstance(channel, discord.TextChannel)

        message = await channel.fetch_message(int(asked.json()["id"]))
        thread = await message.create_thread(name="Sunday doubles")
        assert thread.id == message.id and thread.parent_id == channel.id
        assert thread.me is not None and thread.me.id == bot.user_id  # the answer's `member`
        assert thread.type is discord.ChannelType.public_thread and thread.owner_id == bot.user_id
        assert (await _next(client.created)).id == thread.id
        sent = await thread.send("Courts 3 and 4 are free")
        assert sent.channel.id == thread.id

        joined = await player.put(f"/channels/{thread.id}/thread-members/@me")
        assert joined.status_code == 204
        member = await asyncio.wait_for(client.joined.get(), 10)
        assert member.id == player.id and member.thread_id == thread.id
        reply = await player.post(f"/channels/{thread.id}/messages", json={"content": "I'm in"})
        assert reply.status_code == 200
        heard = await asyncio.wait_for(client.messages.get(), 10)
        assert heard.content == "I'm in" and heard.channel.id == thread.id

        private = await channel.create_thread(
            name="Umpires only", type=discord.ChannelType.private_thread
        )
        assert private.type is discord.ChannelType.private_thread and private.is_private()
        assert (await _next(client.created)).id == private.id

        forum = found.get_channel(forum_id)
        assert isinstance(forum, discord.ForumChannel)
        courts = forum.get_tag(tag_id)
        assert courts is not None and courts.name == "courts"
        post = await forum.create_thread(
            name="Court 2 net is torn", content="Can someone fix it?", applied_tags=[courts]
        )
        assert post.thread.parent_id == forum.id and post.message.id == post.thread.id
        assert post.message.content == "Can someone fix it?"
        assert [t.name for t in post.thread.applied_tags] == ["courts"]
        assert (await _next(client.created)).id == post.thread.id

        archived = await thread.edit(archived=True)
        assert archived.archived is True
        active = await found.active_threads()
        assert {t.id for t in active} == {private.id, post.thread.id}

        # Reopened: discord.py let the archived thread go; THREAD_UPDATE brings it back and
        # THREAD_MEMBER_UPDATE tells the bot it is still a member (before the next message).
        await player.patch(f"/channels/{thread.id}", json={"archived": False})
        back = await player.post(f"/channels/{thread.id}/messages", json={"content": "Back"})
        assert back.status_code == 200
        assert (await asyncio.wait_for(client.messages.get(), 10)).content == "Back"
        reopened = found.get_thread(thread.id)
        assert reopened is not None and not reopened.archived
        assert reopened.me is not None and reopened.me.id == bot.user_id
    finally:
        await client.close()
        runner.cancel()
