"""An unmodified discord.py 2.7 bot in a community: it sees the COMMUNITY feature, the groups it
was given as text channels with every member's overwrite, hears members join as
`on_guild_channel_update`, adds a member with discord.py's own `set_permissions`, and posts in
the announcement channel once allowed to."""

from __future__ import annotations

import asyncio

import discord
import pytest

from tests.conftest import Api
from tests.e2e.bots import add_bot

SEND_MESSAGES = 1 << 11


class Watcher(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.ready = asyncio.Event()
        self.channel_updates: asyncio.Queue[discord.abc.GuildChannel] = asyncio.Queue()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_guild_channel_update(
        self, _before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        await self.channel_updates.put(after)


@pytest.mark.usefixtures("pointed_at")
async def test_a_discord_py_bot_sees_groups_as_channels_and_posts_announcements(
    remote: Api,
) -> None:
    owner, player, parent = [await remote.account(p) for p in ("owner", "player", "parent")]
    guild = await owner.guild("Football club")
    for person in (player, parent):
        await person.join(owner, guild["system_channel_id"])
    community = await owner.patch(f"/guilds/{guild['id']}", json={"features": ["COMMUNITY"]})
    announcements_id = int(community.json()["announcements_channel_id"])
    made = await owner.post(f"/guilds/{guild['id']}/groups", json={"name": "under-12"})
    assert made.status_code == 201, made.text
    group_id = int(made.json()["id"])
    bot = await add_bot(owner, guild["id"], name="Coach")
    added = await owner.put(
        f"/channels/{group_id}/group-members/{bot.user_id}", json={"admin": True}
    )
    assert added.status_code == 204, added.text
    allowed = await owner.put(
        f"/channels/{announcements_id}/permissions/{bot.user_id}",
        json={"type": 1, "allow": str(SEND_MESSAGES), "deny": "0"},
    )
    assert allowed.status_code == 204, allowed.text

    client = Watcher()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    try:
        await asyncio.wait_for(client.ready.wait(), 30)
        found = client.get_guild(int(guild["id"]))
        assert found is not None and "COMMUNITY" in found.features
        group = found.get_channel(group_id)
        assert isinstance(group, discord.TextChannel) and group.name == "under-12"
        assert group.overwrites_for(found.default_role).view_channel is False
        assert {t.id for t in group.overwrites} >= {owner.id, bot.user_id}

        joined = await player.put(f"/channels/{group_id}/group-members/@me")
        assert joined.status_code == 204, joined.text
        updated = await asyncio.wait_for(client.channel_updates.get(), 20)
        assert updated.id == group_id
        assert player.id in {t.id for t in updated.overwrites}

        member = await found.fetch_member(parent.id)
        await group.set_permissions(member, view_channel=True)
        listed = await owner.get(f"/channels/{group_id}/group-members")
        assert str(parent.id) in {m["user"]["id"] for m in listed.json()}

        news = found.get_channel(announcements_id)
        assert isinstance(news, discord.TextChannel) and news.is_news()
        sent = await news.send("Training moves to 6 pm")
        history = await parent.get(f"/channels/{announcements_id}/messages")
        assert [m["id"] for m in history.json()] == [str(sent.id)]
    finally:
        await client.close()
        await runner
