"""A webhook's messages and changes reach gateway sessions (a real server over loopback)."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from tests.conftest import Api
from tests.gateway.client import connected
from tests.gateway.conftest import remote, server
from tests.server_process import Server

__all__ = ["remote", "server"]
GUILDS, GUILD_WEBHOOKS, GUILD_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 5, 1 << 9, 1 << 15


async def test_execute_delivers_message_create_and_changes_webhooks_update(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    await bob.join(alice, channel_id)
    bob_gw = await connected(
        server, bob, GUILDS | GUILD_WEBHOOKS | GUILD_MESSAGES | MESSAGE_CONTENT
    )
    created = await alice.post(f"/channels/{channel_id}/webhooks", json={"name": "Alerts"})
    assert created.status_code == 200, created.text
    webhook = created.json()
    update = await bob_gw.wait_for("WEBHOOKS_UPDATE")
    assert update == {"guild_id": guild["id"], "channel_id": channel_id}
    executed = await remote.http.post(
        f"/webhooks/{webhook['id']}/{webhook['token']}", json={"content": "disk full"}
    )
    assert executed.status_code == 204, executed.text
    message = await bob_gw.wait_for("MESSAGE_CREATE")
    assert message["content"] == "disk full" and message["webhook_id"] == webhook["id"]
    assert message["author"]["id"] == webhook["id"] and message["author"]["bot"] is True
    assert "member" not in message
    await bob_gw.close()


async def test_discord_py_sends_through_a_webhook(server: Server, remote: Api) -> None:
    """What an integration written for Discord does, with discord.py's REST base at townhall."""
    alice = await remote.account()
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    webhook = (await alice.post(f"/channels/{channel_id}/webhooks", json={"name": "Relay"})).json()
    old_base = discord.http.Route.BASE
    discord.http.Route.BASE = server.api
    try:
        async with aiohttp.ClientSession() as session:
            hook = discord.Webhook.partial(int(webhook["id"]), webhook["token"], session=session)
            sent = await hook.send("from discord.py", username="Relay bot", wait=True)
            assert sent.webhook_id == int(webhook["id"]) and sent.author.bot
            assert sent.author.name == "Relay bot" and sent.content == "from discord.py"
            fetched = await hook.fetch_message(sent.id)
            assert fetched.content == "from discord.py"
            await hook.delete_message(sent.id)
            with pytest.raises(discord.NotFound):
                await hook.fetch_message(sent.id)
            bad = discord.Webhook.partial(int(webhook["id"]), "wrong", session=session)
            with pytest.raises(discord.HTTPException) as refused:
                await bad.send("nope")
            assert refused.value.status == 401 and refused.value.code == 50027
    finally:
        discord.http.Route.BASE = old_base
