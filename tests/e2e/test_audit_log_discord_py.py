"""An unmodified discord.py 2.7 bot reads townhall's moderation log through its own API:
`on_audit_log_entry_create` and `guild.audit_logs(action=AuditLogAction.message_delete)`."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import discord
import pytest

from tests.conftest import Api
from tests.e2e.bots import add_bot

VIEW_AUDIT_LOG = 1 << 7


class Moderator(discord.Client):
    """Hears new audit log entries (GUILD_MODERATION is a default intent)."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.ready = asyncio.Event()
        self.entries: asyncio.Queue[discord.AuditLogEntry] = asyncio.Queue()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_audit_log_entry_create(self, entry: discord.AuditLogEntry) -> None:
        await self.entries.put(entry)


@pytest.mark.usefixtures("pointed_at")
async def test_a_discord_py_bot_reads_who_deleted_whose_message(remote: Api) -> None:
    owner, member = await remote.account("owner"), await remote.account("member")
    guild = await owner.guild("Moderated club")
    general = guild["system_channel_id"]
    await member.join(owner, general)
    bot = await add_bot(owner, guild["id"], name="Auditor")
    role = await owner.post(
        f"/guilds/{guild['id']}/roles", json={"name": "audit", "permissions": str(VIEW_AUDIT_LOG)}
    )
    given = await owner.put(
        f"/guilds/{guild['id']}/members/{bot.user_id}/roles/{role.json()['id']}"
    )
    assert given.status_code == 204, given.text

    client = Moderator()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    try:
        await asyncio.wait_for(client.ready.wait(), 30)
        posted = await member.post(f"/channels/{general}/messages", json={"content": "spam"})
        message_id = posted.json()["id"]
        deleted = await owner.delete(
            f"/channels/{general}/messages/{message_id}",
            headers={"X-Audit-Log-Reason": quote("advertising")},
        )
        assert deleted.status_code == 204

        heard = await asyncio.wait_for(client.entries.get(), 20)
        assert heard.action is discord.AuditLogAction.message_delete
        assert heard.user_id == owner.id and heard.reason == "advertising"
        assert heard.target is not None and heard.target.id == member.id
        assert heard.extra.count == 1 and heard.extra.channel.id == int(general)

        found = client.get_guild(int(guild["id"]))
        assert found is not None
        entries = [e async for e in found.audit_logs(action=discord.AuditLogAction.message_delete)]
        (entry,) = entries
        assert entry.id == heard.id
        assert entry.user is not None and entry.user.id == owner.id
        assert entry.target is not None and entry.target.id == member.id
        assert entry.extra.count == 1 and entry.extra.channel.id == int(general)
        assert entry.reason == "advertising"
        assert entry.created_at.year >= 2025
    finally:
        await client.close()
        runner.cancel()
