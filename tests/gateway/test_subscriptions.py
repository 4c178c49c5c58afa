"""Guild subscriptions (op 14, op 37): a client gets typing and reactions only from the channels it
shows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Account, Api
from tests.e2e.bots import add_bot
from tests.gateway.client import ALL_UNPRIVILEGED, GatewayClient, connected
from tests.server_process import Server

GUILD_SUBSCRIPTIONS, GUILD_SUBSCRIPTIONS_BULK, REQUEST_GUILD_MEMBERS = 14, 37, 8


async def two_channels(remote: Api) -> tuple[Account, Account, str, str, str]:
    """Alice's guild with two text channels, and Bob in it."""
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    first = guild["system_channel_id"]
    made = await alice.post(f"/guilds/{guild['id']}/channels", json={"name": "second"})
    assert made.status_code == 201, made.text
    await bob.join(alice, first)
    return alice, bob, guild["id"], first, made.json()["id"]


async def settled(client: GatewayClient, guild_id: str, nonce: str) -> None:
    """Wait until the server has handled what the client sent before: payloads of one connection
    are handled in order, and a member request with a nonce is answered."""
    request = {"guild_id": guild_id, "query": "", "limit": 1, "nonce": nonce}
    await client.send(REQUEST_GUILD_MEMBERS, request)
    await client.wait_for("GUILD_MEMBERS_CHUNK", nonce=nonce)


def typing_in(payloads: list[dict[str, Any]]) -> list[str]:
    return [p["d"]["channel_id"] for p in payloads if p.get("t") == "TYPING_START"]


async def test_session_that_subscribed_gets_typing_only_from_its_channels(
    server: Server, remote: Api
) -> None:
    alice, bob, guild_id, first, second = await two_channels(remote)
    bob_gw = await connected(server, bob)
    await bob_gw.send(
        GUILD_SUBSCRIPTIONS,
        {
            "guild_id": guild_id,
            "typing": True,
            "threads": True,
            "activities": True,
            "channels": {first: [[0, 99]]},
        },
    )
    await settled(bob_gw, guild_id, "one")
    assert (await alice.post(f"/channels/{second}/typing")).status_code == 204
    assert (await alice.post(f"/channels/{first}/typing")).status_code == 204
    assert typing_in(await bob_gw.collect_until("TYPING_START", channel_id=first)) == [first]

    # The client shows the other channel now (op 37, as newer clients send it).
    bulk = {"subscriptions": {guild_id: {"typing": True, "channels": {second: [[0, 99]]}}}}
    await bob_gw.send(GUILD_SUBSCRIPTIONS_BULK, bulk)
    await settled(bob_gw, guild_id, "two")
    assert (await alice.post(f"/channels/{first}/typing")).status_code == 204
    assert (await alice.post(f"/channels/{second}/typing")).status_code == 204
    assert typing_in(await bob_gw.collect_until("TYPING_START", channel_id=second)) == [second]

    # An update without `channels` leaves them; `{}` unsubscribes the guild.
    await bob_gw.send(GUILD_SUBSCRIPTIONS, {"guild_id": guild_id, "typing": True})
    await settled(bob_gw, guild_id, "three")
    assert (await alice.post(f"/channels/{second}/typing")).status_code == 204
    assert typing_in(await bob_gw.collect_until("TYPING_START")) == [second]
    await bob_gw.send(GUILD_SUBSCRIPTIONS, {"guild_id": guild_id, "channels": {}})
    await settled(bob_gw, guild_id, "four")
    assert (await alice.post(f"/channels/{second}/typing")).status_code == 204
    marker = await alice.post(f"/channels/{second}/messages", json={"content": "marker"})
    assert marker.status_code == 200
    assert typing_in(await bob_gw.collect_until("MESSAGE_CREATE", content="marker")) == []
    await bob_gw.close()


async def test_sessions_that_never_subscribed_still_get_typing_everywhere(
    server: Server, remote: Api
) -> None:
    alice, bob, guild_id, first, second = await two_channels(remote)
    bot = await add_bot(alice, guild_id)
    bot_gw = GatewayClient(server.gateway)
    await bot_gw.connect()
    await bot_gw.identify(bot.token, ALL_UNPRIVILEGED)
    plain_gw = await connected(server, bob)  # Bob's second device, which never sends op 14
    subscribed_gw = await connected(server, bob)
    await subscribed_gw.send(
        GUILD_SUBSCRIPTIONS, {"guild_id": guild_id, "channels": {first: [[0, 99]]}}
    )
    await settled(subscribed_gw, guild_id, "one")
    assert (await alice.post(f"/channels/{second}/typing")).status_code == 204
    assert (await alice.post(f"/channels/{first}/typing")).status_code == 204
    for client in (bot_gw, plain_gw):
        received = await client.collect_until("TYPING_START", channel_id=first)
        assert typing_in(received) == [second, first]
    assert typing_in(await subscribed_gw.collect_until("TYPING_START")) == [first]
    for client in (bot_gw, plain_gw, subscribed_gw):
        await client.close()


async def test_subscribed_session_still_gets_typing_in_direct_messages(
    server: Server, remote: Api
) -> None:
    alice, bob, guild_id, first, _second = await two_channels(remote)
    bob_gw = await connected(server, bob)
    await bob_gw.send(GUILD_SUBSCRIPTIONS, {"guild_id": guild_id, "channels": {first: [[0, 99]]}})
    await settled(bob_gw, guild_id, "one")
    dm = await alice.post("/users/@me/channels", json={"recipient_id": str(bob.id)})
    assert dm.status_code == 200, dm.text
    assert (await alice.post(f"/channels/{dm.json()['id']}/typing")).status_code == 204
    typing = await bob_gw.wait_for("TYPING_START")
    assert typing["channel_id"] == dm.json()["id"] and "guild_id" not in typing
    await bob_gw.close()


THUMBS_UP = "%F0%9F%91%8D"


async def react(account: Account, channel_id: str, message_id: str) -> None:
    path = f"/channels/{channel_id}/messages/{message_id}/reactions/{THUMBS_UP}/@me"
    assert (await account.put(path)).status_code == 204


async def posted(account: Account, channel_id: str, content: str) -> str:
    made = await account.post(f"/channels/{channel_id}/messages", json={"content": content})
    assert made.status_code == 200, made.text
    message_id: str = made.json()["id"]
    return message_id


def reactions_in(payloads: list[dict[str, Any]]) -> list[str]:
    return [
        p["d"]["channel_id"]
        for p in payloads
        if str(p.get("t", "")).startswith("MESSAGE_REACTION_")
    ]


async def test_session_that_subscribed_gets_reactions_only_from_its_channels(
    server: Server, remote: Api
) -> None:
    alice, bob, guild_id, first, second = await two_channels(remote)
    here, there = await posted(alice, first, "here"), await posted(alice, second, "there")
    bob_gw = await connected(server, bob)
    bulk = {"subscriptions": {guild_id: {"typing": True, "channels": {first: [[0, 99]]}}}}
    await bob_gw.send(GUILD_SUBSCRIPTIONS_BULK, bulk)
    await settled(bob_gw, guild_id, "one")
    await react(alice, second, there)
    await react(bob, second, there)  # not even their own, from a channel not shown
    removed = await alice.delete(f"/channels/{second}/messages/{there}/reactions/{THUMBS_UP}")
    assert removed.status_code == 204
    await posted(alice, second, "marker")  # after the reactions, in their channel
    await react(alice, first, here)
    received = await bob_gw.collect_until("MESSAGE_REACTION_ADD", channel_id=first)
    assert [p["d"].get("content") for p in received if p.get("t") == "MESSAGE_CREATE"] == ["marker"]
    assert reactions_in(received) == [first]
    await bob_gw.close()


async def test_subscribed_thread_gets_its_reactions_beside_its_channel(
    server: Server, remote: Api
) -> None:
    alice, bob, guild_id, first, second = await two_channels(remote)
    made = await alice.post(f"/channels/{first}/threads", json={"name": "side", "type": 11})
    assert made.status_code == 201, made.text
    thread = made.json()["id"]
    in_thread, there = await posted(alice, thread, "in thread"), await posted(alice, second, "x")
    bob_gw = await connected(server, bob)
    channels = {first: [[0, 99]], thread: [[0, 99]]}  # the channel and its open thread panel
    await bob_gw.send(GUILD_SUBSCRIPTIONS, {"guild_id": guild_id, "channels": channels})
    await settled(bob_gw, guild_id, "one")
    await react(alice, second, there)
    await react(alice, thread, in_thread)
    received = await bob_gw.collect_until("MESSAGE_REACTION_ADD", channel_id=thread)
    assert reactions_in(received) == [thread]
    await bob_gw.close()


async def test_sessions_that_never_subscribed_still_get_reactions_everywhere(
    server: Server, remote: Api
) -> None:
    alice, bob, guild_id, first, second = await two_channels(remote)
    here, there = await posted(alice, first, "here"), await posted(alice, second, "there")
    bot = await add_bot(alice, guild_id)
    bot_gw = GatewayClient(server.gateway)
    await bot_gw.connect()
    await bot_gw.identify(bot.token, ALL_UNPRIVILEGED)
    plain_gw = await connected(server, bob)
    await react(alice, second, there)
    await react(alice, first, here)
    for client in (bot_gw, plain_gw):
        received = await client.collect_until("MESSAGE_REACTION_ADD", channel_id=first)
        assert reactions_in(received) == [second, first]
        await client.close()


async def test_subscribed_session_still_gets_reactions_in_direct_messages(
    server: Server, remote: Api
) -> None:
    alice, bob, guild_id, first, _second = await two_channels(remote)
    bob_gw = await connected(server, bob)
    await bob_gw.send(GUILD_SUBSCRIPTIONS, {"guild_id": guild_id, "channels": {first: [[0, 99]]}})
    await settled(bob_gw, guild_id, "one")
    dm = await alice.post("/users/@me/channels", json={"recipient_id": str(bob.id)})
    assert dm.status_code == 200, dm.text
    dm_id = dm.json()["id"]
    await react(alice, dm_id, await posted(alice, dm_id, "hello"))
    reaction = await bob_gw.wait_for("MESSAGE_REACTION_ADD")
    assert reaction["channel_id"] == dm_id
    await bob_gw.close()


@pytest.mark.parametrize(
    ("op", "data"),
    [
        (GUILD_SUBSCRIPTIONS, "not an object"),
        (GUILD_SUBSCRIPTIONS, {"channels": {}}),
        (GUILD_SUBSCRIPTIONS, {"guild_id": "1", "typing": "yes"}),
        (GUILD_SUBSCRIPTIONS, {"guild_id": "1", "channels": [1]}),
        (GUILD_SUBSCRIPTIONS, {"guild_id": "1", "channels": {"2": []}}),
        (GUILD_SUBSCRIPTIONS, {"guild_id": "1", "channels": {"2": [[0, 400]]}}),
        (GUILD_SUBSCRIPTIONS, {"guild_id": "1", "channels": {"x": [[0, 99]]}}),
        (GUILD_SUBSCRIPTIONS, {"guild_id": "1", "channels": {str(c): [[0, 99]] for c in range(6)}}),
        (GUILD_SUBSCRIPTIONS, {"guild_id": "1", "members": "everyone"}),
        (GUILD_SUBSCRIPTIONS_BULK, {"subscriptions": [1]}),
        (GUILD_SUBSCRIPTIONS_BULK, {"subscriptions": {"1": {"channels": {"2": "all"}}}}),
    ],
)
async def test_malformed_guild_subscriptions_close_with_4002(
    server: Server, remote: Api, op: int, data: object
) -> None:
    alice = await remote.account()
    client = await connected(server, alice)
    await client.send(op, data)
    assert await client.closed_with() == 4002


async def test_subscriptions_to_guilds_one_is_not_in_are_ignored(
    server: Server, remote: Api
) -> None:
    _alice, _bob, guild_id, first, _second = await two_channels(remote)
    outsider = await remote.account()
    own = await outsider.guild()
    client = await connected(server, outsider)
    bulk = {"subscriptions": {guild_id: {"typing": True, "channels": {first: [[0, 99]]}}}}
    await client.send(GUILD_SUBSCRIPTIONS_BULK, bulk)
    await settled(client, own["id"], "one")  # still connected, and answered
    await client.close()
