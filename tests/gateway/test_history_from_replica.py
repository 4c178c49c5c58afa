"""A history page of someone online: their permissions come from the node's guild replica (no
member read), and it answers as the database would, at once after a change of permissions."""

from __future__ import annotations

from typing import Any

from tests.conftest import Account, Api
from tests.gateway.client import connected
from tests.server_process import Server

VIEW_CHANNEL, READ_MESSAGE_HISTORY = 1 << 10, 1 << 16


async def page(account: Account, channel_id: str) -> tuple[int, Any]:
    """The page, asked twice: a change of the channel makes the node read it again (the usual
    path), and the second answer comes from the channel in memory and the replica."""
    first = await account.get(f"/channels/{channel_id}/messages?limit=50")
    again = await account.get(f"/channels/{channel_id}/messages?limit=50")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    return first.status_code, first.json()


async def deny(owner: Account, channel_id: str, member: Account, permissions: int) -> None:
    overwrite = {"type": 1, "allow": "0", "deny": str(permissions)}
    path = f"/channels/{channel_id}/permissions/{member.id}"
    assert (await owner.put(path, json=overwrite)).status_code == 204


async def test_an_online_readers_history_page_is_the_same_and_follows_permission_changes(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    await bob.join(alice, channel_id)
    for text in ("first", "second"):
        sent = await alice.post(f"/channels/{channel_id}/messages", json={"content": text})
        assert sent.status_code == 200, sent.text
    offline = await page(bob, channel_id)
    assert offline[0] == 200 and [m["content"] for m in offline[1]] == ["second", "first"]

    bob_gw = await connected(server, bob)  # now this node holds the guild's replica
    assert await page(bob, channel_id) == offline

    await deny(alice, channel_id, bob, READ_MESSAGE_HISTORY)
    assert await page(bob, channel_id) == (200, [])
    await deny(alice, channel_id, bob, VIEW_CHANNEL)
    status, body = await page(bob, channel_id)
    assert status == 403 and body["code"] == 50001
    removed = await alice.delete(f"/channels/{channel_id}/permissions/{bob.id}")
    assert removed.status_code == 204
    assert await page(bob, channel_id) == offline
    await bob_gw.close()
