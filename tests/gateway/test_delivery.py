"""Who receives what: permission-filtered delivery, intents, and visibility changes."""

from __future__ import annotations

from tests.conftest import Api
from tests.e2e.bots import add_bot
from tests.gateway.client import GatewayClient, connected
from tests.server_process import Server

VIEW_CHANNEL = 1 << 10
GUILD_MESSAGES, MESSAGE_CONTENT, GUILDS = 1 << 9, 1 << 15, 1 << 0


def dispatches(payloads: list[dict[str, object]], event_type: str) -> list[dict[str, object]]:
    return [p["d"] for p in payloads if p.get("t") == event_type]  # type: ignore[misc]


async def test_message_reaches_members_who_can_view_and_nobody_else(
    server: Server, remote: Api
) -> None:
    alice, bob, carol, outsider = [await remote.account() for _ in range(4)]
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    await bob.join(alice, channel_id)
    await carol.join(alice, channel_id)
    hidden = await alice.put(
        f"/channels/{channel_id}/permissions/{carol.id}",
        json={"type": 1, "allow": "0", "deny": str(VIEW_CHANNEL)},
    )
    assert hidden.status_code == 204, hidden.text
    bob_gw, carol_gw, outsider_gw = (
        await connected(server, bob),
        await connected(server, carol),
        await connected(server, outsider),
    )
    sent = await alice.post(f"/channels/{channel_id}/messages", json={"content": "members only"})
    assert sent.status_code == 200
    received = await bob_gw.wait_for("MESSAGE_CREATE")
    assert received["content"] == "members only"
    assert received["guild_id"] == guild["id"]
    assert received["id"] == sent.json()["id"]
    assert dispatches(await carol_gw.collect(0.8), "MESSAGE_CREATE") == []
    assert dispatches(await outsider_gw.collect(0.2), "MESSAGE_CREATE") == []
    for client in (bob_gw, carol_gw, outsider_gw):
        await client.close()


async def test_overwrite_that_hides_a_channel_sends_channel_delete_and_revealing_sends_create(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    await bob.join(alice, channel_id)
    bob_gw = await connected(server, bob)
    deny = {"type": 1, "allow": "0", "deny": str(VIEW_CHANNEL)}
    assert (
        await alice.put(f"/channels/{channel_id}/permissions/{bob.id}", json=deny)
    ).status_code == 204
    deleted = await bob_gw.wait_for("CHANNEL_DELETE")
    assert deleted["id"] == channel_id
    assert (await alice.delete(f"/channels/{channel_id}/permissions/{bob.id}")).status_code == 204
    created = await bob_gw.wait_for("CHANNEL_CREATE")
    assert created["id"] == channel_id
    await bob_gw.close()


async def test_role_change_reveals_a_private_channel_to_the_member(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    role = (await alice.post(f"/guilds/{guild['id']}/roles", json={"name": "Staff"})).json()
    private = await alice.post(
        f"/guilds/{guild['id']}/channels",
        json={
            "name": "staff-room",
            "type": 0,
            "permission_overwrites": [
                {"id": guild["id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
                {"id": role["id"], "type": 0, "allow": str(VIEW_CHANNEL), "deny": "0"},
            ],
        },
    )
    assert private.status_code == 201, private.text
    bob_gw = await connected(server, bob)
    assert private.json()["id"] not in {c["id"] for c in bob_gw.guild_creates[0]["channels"]}
    assert (
        await alice.put(f"/guilds/{guild['id']}/members/{bob.id}/roles/{role['id']}")
    ).status_code == 204
    revealed = await bob_gw.wait_for("CHANNEL_CREATE")
    assert revealed["id"] == private.json()["id"]
    assert (
        await alice.delete(f"/guilds/{guild['id']}/members/{bob.id}/roles/{role['id']}")
    ).status_code == 204
    assert (await bob_gw.wait_for("CHANNEL_DELETE"))["id"] == private.json()["id"]
    await bob_gw.close()


async def test_kicked_member_gets_guild_delete_and_nothing_more(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    await bob.join(alice, channel_id)
    bob_gw = await connected(server, bob)
    assert (await alice.delete(f"/guilds/{guild['id']}/members/{bob.id}")).status_code == 204
    assert (await bob_gw.wait_for("GUILD_DELETE"))["id"] == guild["id"]
    assert (
        await alice.post(f"/channels/{channel_id}/messages", json={"content": "after"})
    ).status_code == 200
    later = await bob_gw.collect(0.8)
    assert dispatches(later, "MESSAGE_CREATE") == []
    await bob_gw.close()


async def test_bot_without_message_content_sees_empty_content_unless_mentioned(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    bot = await add_bot(alice, guild["id"], name="Nosy")
    bot_gw = GatewayClient(server.gateway)
    await bot_gw.connect()
    await bot_gw.send(2, {"token": bot.token, "intents": GUILDS | GUILD_MESSAGES, "properties": {}})
    await bot_gw.wait_for("GUILD_CREATE")
    channel_id = guild["system_channel_id"]
    await alice.post(f"/channels/{channel_id}/messages", json={"content": "secret plans"})
    plain = await bot_gw.wait_for("MESSAGE_CREATE")
    assert plain["content"] == ""
    await alice.post(f"/channels/{channel_id}/messages", json={"content": f"hey <@{bot.user_id}>"})
    mentioned = await bot_gw.wait_for("MESSAGE_CREATE")
    assert mentioned["content"] == f"hey <@{bot.user_id}>"
    await bot_gw.close()


async def test_bot_asking_for_message_content_without_the_grant_is_closed_with_4014(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    app = (await alice.post("/applications", json={"name": "Ungranted"})).json()
    token = (await alice.post(f"/applications/{app['id']}/bot/reset")).json()["token"]
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(2, {"token": token, "intents": GUILDS | MESSAGE_CONTENT, "properties": {}})
    assert await client.closed_with() == 4014
    assert guild["id"]


async def test_typing_reaches_other_members(server: Server, remote: Api) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    await bob.join(alice, channel_id)
    bob_gw = await connected(server, bob)
    assert (await alice.post(f"/channels/{channel_id}/typing")).status_code == 204
    typing = await bob_gw.wait_for("TYPING_START")
    assert typing["user_id"] == str(alice.id) and typing["channel_id"] == channel_id
    await bob_gw.close()


async def test_direct_messages_reach_only_the_two_people(server: Server, remote: Api) -> None:
    alice, bob, carol = await remote.account(), await remote.account(), await remote.account()
    shared = await alice.guild()  # people write to each other when they share a guild
    await bob.join(alice, shared["system_channel_id"])
    bob_gw, carol_gw = await connected(server, bob), await connected(server, carol)
    dm = await alice.post("/users/@me/channels", json={"recipient_id": str(bob.id)})
    assert dm.status_code == 200, dm.text
    sent = await alice.post(f"/channels/{dm.json()['id']}/messages", json={"content": "just us"})
    assert sent.status_code == 200
    received = await bob_gw.wait_for("MESSAGE_CREATE")
    assert received["content"] == "just us" and "guild_id" not in received
    assert dispatches(await carol_gw.collect(0.8), "MESSAGE_CREATE") == []
    await bob_gw.close()
    await carol_gw.close()


async def test_reactions_and_deletes_are_dispatched(server: Server, remote: Api) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    channel_id = guild["system_channel_id"]
    await bob.join(alice, channel_id)
    bob_gw = await connected(server, bob)
    message = (
        await alice.post(f"/channels/{channel_id}/messages", json={"content": "react"})
    ).json()
    await bob_gw.wait_for("MESSAGE_CREATE")
    assert (
        await alice.put(
            f"/channels/{channel_id}/messages/{message['id']}/reactions/%F0%9F%91%8D/@me"
        )
    ).status_code == 204
    added = await bob_gw.wait_for("MESSAGE_REACTION_ADD")
    assert added["emoji"]["name"] == "\N{THUMBS UP SIGN}" and added["user_id"] == str(alice.id)
    assert (
        await alice.patch(
            f"/channels/{channel_id}/messages/{message['id']}", json={"content": "edited"}
        )
    ).status_code == 200
    assert (await bob_gw.wait_for("MESSAGE_UPDATE"))["content"] == "edited"
    assert (
        await alice.delete(f"/channels/{channel_id}/messages/{message['id']}")
    ).status_code == 204
    deleted = await bob_gw.wait_for("MESSAGE_DELETE")
    assert deleted == {"id": message["id"], "channel_id": channel_id, "guild_id": guild["id"]}
    await bob_gw.close()
