"""Anonymous gateway sessions: a visitor without an account follows public channels live, hears
nothing else, loses a channel the moment it stops being public, and can do nothing but watch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Account, Api
from tests.gateway.client import ALL_UNPRIVILEGED, GatewayClient, Recorder, recording
from tests.server_process import Server, new_deployment
from townhall.config import Settings
from townhall.domain.channels import ChannelFlag
from townhall.gateway.anonymous import MAX_FOLLOWED

WEB_PUBLIC = int(ChannelFlag.WEB_PUBLIC)
VIEW_CHANNEL = 1 << 10
GUILD_SUBSCRIPTIONS, GUILD_SUBSCRIPTIONS_BULK = 14, 37
VISITOR_EVENTS = {
    "READY",
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "GUILD_DELETE",
    "MESSAGE_CREATE",
    "MESSAGE_UPDATE",
    "MESSAGE_DELETE",
    "MESSAGE_DELETE_BULK",
    "MESSAGE_REACTION_ADD",
    "MESSAGE_REACTION_REMOVE",
    "MESSAGE_REACTION_REMOVE_ALL",
    "MESSAGE_REACTION_REMOVE_EMOJI",
    "CHANNEL_PINS_UPDATE",
}


@dataclass
class Community:
    """Alice's guild: #general and #news public, #members-only not; Bob is a member."""

    alice: Account
    bob: Account
    guild_id: str
    general: str
    news: str
    private: str


async def community(api: Api) -> Community:
    alice, bob = await api.account("alice"), await api.account("bob")
    guild = await alice.guild("Open club")
    general = guild["system_channel_id"]
    news = (await alice.post(f"/guilds/{guild['id']}/channels", json={"name": "news"})).json()
    private = await alice.post(f"/guilds/{guild['id']}/channels", json={"name": "members-only"})
    for channel_id in (general, news["id"]):
        opened = await alice.patch(f"/channels/{channel_id}", json={"flags": WEB_PUBLIC})
        assert opened.status_code == 200, opened.text
    await bob.join(alice, general)
    return Community(alice, bob, guild["id"], general, news["id"], private.json()["id"])


async def anonymous(server: Server, intents: int = ALL_UNPRIVILEGED) -> Recorder:
    """An anonymous session, recording from its READY on."""
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(
        2, {"token": "", "anonymous": True, "intents": intents, "properties": {"os": "web"}}
    )
    client.ready = await client.wait_for("READY")
    client.session_id = client.ready["session_id"]
    return Recorder(client)


def subscriptions(guild_id: str, *channel_ids: str) -> dict[str, Any]:
    channels = {channel_id: [[0, 99]] for channel_id in channel_ids}
    return {"subscriptions": {guild_id: {"typing": True, "channels": channels}}}


async def follow(visitor: Recorder, guild_id: str, *channel_ids: str, expect: list[str]) -> None:
    """Ask to follow channels; wait for the CHANNEL_CREATE of each one expected to be followed."""
    before = len(visitor.dispatches("CHANNEL_CREATE"))
    await visitor.client.send(GUILD_SUBSCRIPTIONS_BULK, subscriptions(guild_id, *channel_ids))

    def followed(recorder: Recorder) -> bool:
        return len(recorder.dispatches("CHANNEL_CREATE")) >= before + len(expect)

    await visitor.until(followed)
    created = [p["d"]["id"] for p in visitor.dispatches("CHANNEL_CREATE")[before:]]
    assert sorted(created) == sorted(expect)


async def say(account: Account, channel_id: str, content: str) -> dict[str, Any]:
    sent = await account.post(f"/channels/{channel_id}/messages", json={"content": content})
    assert sent.status_code == 200, sent.text
    body: dict[str, Any] = sent.json()
    return body


def contents(visitor: Recorder, event: str = "MESSAGE_CREATE") -> list[str]:
    """What people wrote (system messages, such as a pin's or a join's, left out)."""
    return [p["d"]["content"] for p in visitor.dispatches(event) if p["d"].get("type", 0) == 0]


def channels_heard(visitor: Recorder) -> set[str]:
    return {p["d"]["channel_id"] for p in visitor.dispatches() if "channel_id" in p["d"]}


async def test_anonymous_sessions_are_capped_per_address(server: Server) -> None:
    # First in the module: no other test's visitors are still counted on this server.
    visitors = [await anonymous(server) for _ in range(Settings().visitors_per_address)]
    one_more = GatewayClient(server.gateway)
    await one_more.connect()
    await one_more.send(2, {"token": "", "anonymous": True, "intents": 0})
    assert await one_more.closed_with() == 4008
    await visitors[0].client.close()
    await visitors[0].close()
    # A place freed is a place taken: once the server has seen the close, the next one gets in.
    for _attempt in range(100):
        retry = GatewayClient(server.gateway)
        await retry.connect()
        await retry.send(2, {"token": "", "anonymous": True, "intents": 0})
        first = await retry.receive()
        if first.get("t") == "READY":
            break
        assert await retry.closed_with() == 4008
    else:
        raise AssertionError("the freed place was never given again")
    await retry.close()
    for visitor in visitors[1:]:
        await visitor.client.close()
        await visitor.close()


async def test_visitor_identifies_without_a_token_and_is_nobody(server: Server) -> None:
    visitor = await anonymous(server)
    ready = visitor.client.ready
    assert ready["user"] is None
    assert ready["session_type"] == "anonymous"
    assert ready["guilds"] == [] and ready["private_channels"] == []
    await visitor.client.close()
    await visitor.close()


async def test_an_empty_token_without_the_anonymous_flag_still_fails(server: Server) -> None:
    for identify in (
        {"token": "", "intents": ALL_UNPRIVILEGED, "properties": {}},
        {"token": "not-a-token", "anonymous": True, "intents": ALL_UNPRIVILEGED},
    ):
        client = GatewayClient(server.gateway)
        await client.connect()
        await client.send(2, identify)
        assert await client.closed_with() == 4004
    bad_intents = GatewayClient(server.gateway)
    await bad_intents.connect()
    await bad_intents.send(2, {"token": None, "anonymous": True, "intents": "all"})
    assert await bad_intents.closed_with() == 4013


async def test_visitor_follows_a_public_channel_live_and_hears_nothing_else(
    server: Server, remote: Api
) -> None:
    c = await community(remote)
    bob_gw = await recording(server, c.bob)
    visitor = await anonymous(server)
    await follow(visitor, c.guild_id, c.general, c.private, expect=[c.general])
    created = visitor.dispatches("CHANNEL_CREATE")[0]["d"]
    assert (created["name"], created["flags"]) == ("general", WEB_PUBLIC)

    hello = await say(c.bob, c.general, "hello visitors")
    await say(c.alice, c.private, "members only")
    await c.alice.post(f"/channels/{c.general}/typing")
    await c.alice.post(f"/channels/{c.private}/typing")
    path = f"/channels/{c.general}/messages/{hello['id']}"
    assert (await c.bob.patch(path, json={"content": "hello, visitors"})).status_code == 200
    assert (await c.alice.put(f"{path}/reactions/%F0%9F%91%8B/@me")).status_code == 204
    pin = await c.alice.put(f"/channels/{c.general}/messages/pins/{hello['id']}")
    assert pin.status_code == 204
    patched = await c.alice.patch(f"/channels/{c.general}", json={"topic": "all welcome"})
    assert patched.status_code == 200
    assert (await c.alice.patch(f"/guilds/{c.guild_id}", json={"name": "Renamed"})).is_success
    third = await remote.account("carol")
    await third.join(c.alice, c.general)
    assert (await c.bob.delete(path)).status_code == 204
    await say(c.alice, c.general, "marker")
    await visitor.message("marker")

    assert contents(visitor) == ["hello visitors", "marker"]
    updates = visitor.dispatches("MESSAGE_UPDATE")
    assert [(p["d"]["content"], p["d"]["pinned"]) for p in updates] == [
        ("hello, visitors", False),
        ("hello, visitors", True),
    ]
    assert [p["d"]["emoji"]["name"] for p in visitor.dispatches("MESSAGE_REACTION_ADD")] == ["👋"]
    assert [p["d"]["id"] for p in visitor.dispatches("MESSAGE_DELETE")] == [hello["id"]]
    assert [p["d"]["topic"] for p in visitor.dispatches("CHANNEL_UPDATE")] == ["all welcome"]
    assert len(visitor.dispatches("CHANNEL_PINS_UPDATE")) == 1
    assert channels_heard(visitor) == {c.general}
    types = {p["t"] for p in visitor.dispatches()}
    assert types <= VISITOR_EVENTS, types - VISITOR_EVENTS
    first = visitor.dispatches("MESSAGE_CREATE")[0]["d"]
    assert "email" not in first["author"]
    # Members are told as before, the visitor changes nothing for them.
    await bob_gw.message("marker")
    assert "members only" in contents(bob_gw)
    for recorder in (visitor, bob_gw):
        await recorder.client.close()
        await recorder.close()


async def test_visitor_stops_hearing_a_channel_the_moment_it_stops_being_public(
    server: Server, remote: Api
) -> None:
    c = await community(remote)
    visitor = await anonymous(server)
    await follow(visitor, c.guild_id, c.general, c.news, expect=[c.general, c.news])
    await say(c.alice, c.general, "while open")

    closed = await c.alice.patch(f"/channels/{c.general}", json={"flags": 0})
    assert closed.status_code == 200
    await say(c.alice, c.general, "after closing")
    await say(c.alice, c.news, "marker one")
    await visitor.message("marker one")
    assert [p["d"]["id"] for p in visitor.dispatches("CHANNEL_DELETE")] == [c.general]
    assert contents(visitor) == ["while open", "marker one"]

    # Hiding #news from @everyone closes it for visitors too, its flag notwithstanding.
    hidden = {"type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}
    put = await c.alice.put(f"/channels/{c.news}/permissions/{c.guild_id}", json=hidden)
    assert put.status_code == 204
    await say(c.alice, c.news, "hidden now")
    # Asking again for both: neither is public any more, so neither is followed.
    reopened = await c.alice.patch(f"/channels/{c.general}", json={"flags": WEB_PUBLIC})
    assert reopened.status_code == 200
    await follow(visitor, c.guild_id, c.general, c.news, expect=[c.general])
    await say(c.alice, c.news, "still hidden")
    await say(c.alice, c.general, "marker two")
    await visitor.message("marker two")
    assert [p["d"]["id"] for p in visitor.dispatches("CHANNEL_DELETE")] == [c.general, c.news]
    assert contents(visitor) == ["while open", "marker one", "marker two"]

    # Deleting the channel ends it with the deletion itself.
    assert (await c.alice.delete(f"/channels/{c.general}")).status_code == 200
    await visitor.until(lambda r: len(r.dispatches("CHANNEL_DELETE")) == 3)
    assert visitor.dispatches("CHANNEL_DELETE")[-1]["d"]["name"] == "general"
    await visitor.client.close()
    await visitor.close()


async def test_everyone_losing_read_history_closes_every_public_channel_of_the_guild(
    server: Server, remote: Api
) -> None:
    c = await community(remote)
    other = await community(remote)
    visitor = await anonymous(server)
    await follow(visitor, c.guild_id, c.general, c.news, expect=[c.general, c.news])
    await follow(visitor, other.guild_id, other.general, expect=[other.general])
    everyone = (await c.alice.get(f"/guilds/{c.guild_id}/roles")).json()[0]
    without = int(everyone["permissions"]) & ~(1 << 16)
    changed = await c.alice.patch(
        f"/guilds/{c.guild_id}/roles/{c.guild_id}", json={"permissions": str(without)}
    )
    assert changed.status_code == 200, changed.text
    await say(c.alice, c.general, "unseen")
    await say(other.alice, other.general, "marker")
    await visitor.message("marker")
    assert sorted(p["d"]["id"] for p in visitor.dispatches("CHANNEL_DELETE")) == sorted(
        [c.general, c.news]
    )
    assert contents(visitor) == ["marker"]
    await visitor.client.close()
    await visitor.close()


async def test_a_deleted_guild_ends_its_channels_for_visitors(server: Server, remote: Api) -> None:
    c = await community(remote)
    visitor = await anonymous(server)
    await follow(visitor, c.guild_id, c.general, expect=[c.general])
    assert (await c.alice.delete(f"/guilds/{c.guild_id}")).status_code == 204
    await visitor.until(lambda r: bool(r.dispatches("GUILD_DELETE")))
    assert visitor.dispatches("GUILD_DELETE")[0]["d"]["id"] == c.guild_id
    await visitor.client.close()
    await visitor.close()


async def test_visitor_follows_at_most_a_few_channels_and_an_empty_update_unfollows(
    server: Server, remote: Api
) -> None:
    c = await community(remote)
    extra = []
    for n in range(MAX_FOLLOWED):
        made = await c.alice.post(f"/guilds/{c.guild_id}/channels", json={"name": f"open-{n}"})
        extra.append(made.json()["id"])
        assert (
            await c.alice.patch(f"/channels/{extra[-1]}", json={"flags": WEB_PUBLIC})
        ).is_success
    visitor = await anonymous(server)
    await follow(visitor, c.guild_id, *extra[:4], expect=extra[:4])
    bulk = subscriptions(c.guild_id, *extra[:4])
    other = await community(remote)
    bulk["subscriptions"][other.guild_id] = {
        "channels": {other.general: [[0, 99]], other.news: [[0, 99]]}
    }
    await visitor.client.send(GUILD_SUBSCRIPTIONS_BULK, bulk)
    await visitor.until(lambda r: len(r.dispatches("CHANNEL_CREATE")) == 5)
    for channel_id in (*extra[:4], other.general, other.news):
        await say(
            other.alice if channel_id in (other.general, other.news) else c.alice,
            channel_id,
            f"in {channel_id}",
        )
    await say(other.alice, other.general, "marker")
    await visitor.message("marker")
    followed = {p["d"]["id"] for p in visitor.dispatches("CHANNEL_CREATE")}
    assert len(followed) == MAX_FOLLOWED
    assert channels_heard(visitor) == followed

    # op 14, `{}`: the guild's channels are no longer followed.
    await visitor.client.send(GUILD_SUBSCRIPTIONS, {"guild_id": c.guild_id, "channels": {}})
    await say(c.alice, extra[0], "not followed any more")
    await say(other.alice, other.general, "marker two")
    await visitor.message("marker two")
    assert "not followed any more" not in contents(visitor)
    await visitor.client.close()
    await visitor.close()


async def test_visitor_can_do_nothing_but_watch(server: Server, remote: Api) -> None:
    c = await community(remote)
    alice_gw = await recording(server, c.alice)
    visitor = await anonymous(server)
    client = visitor.client
    await client.send(3, {"status": "online", "activities": [], "since": None, "afk": False})
    voice = next(
        ch for ch in (await c.alice.get(f"/guilds/{c.guild_id}/channels")).json() if ch["type"] == 2
    )
    await client.send(
        4,
        {"guild_id": c.guild_id, "channel_id": voice["id"], "self_mute": False, "self_deaf": False},
    )
    await client.send(8, {"guild_id": c.guild_id, "query": "", "limit": 0, "nonce": "n"})
    await follow(visitor, c.guild_id, c.general, expect=[c.general])
    await say(c.alice, c.general, "marker")
    await visitor.message("marker")
    types = {p["t"] for p in visitor.dispatches()}
    assert types == {"READY", "CHANNEL_CREATE", "MESSAGE_CREATE"}
    await alice_gw.message("marker")
    assert not alice_gw.dispatches("VOICE_STATE_UPDATE")
    assert not [p for p in alice_gw.dispatches("PRESENCE_UPDATE") if p["d"]["user"]["id"] == "0"]
    # Nothing to resume: a visitor identifies again.
    again = GatewayClient(server.gateway)
    await again.connect()
    await again.send(6, {"token": "", "session_id": client.session_id, "seq": 1})
    invalid = await again.receive()
    assert (invalid["op"], invalid["d"]) == (9, False)
    await client.send(2, {"token": "", "anonymous": True, "intents": 0})
    await visitor.until(lambda r: r.closed_code is not None)
    assert visitor.closed_code == 4005
    for recorder in (visitor, alice_gw):
        await recorder.client.close()
        await recorder.close()
    await again.close()


async def test_the_visitor_cap_per_address_is_a_setting(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with new_deployment("sqlite", tmp_path_factory.mktemp("visitor-cap") / "data") as deployment:
        small = deployment.start(TOWNHALL_VISITORS_PER_ADDRESS="2")
        visitors = [await anonymous(small) for _ in range(2)]
        one_more = GatewayClient(small.gateway)
        await one_more.connect()
        await one_more.send(2, {"token": "", "anonymous": True, "intents": 0})
        assert await one_more.closed_with() == 4008
        for visitor in visitors:
            await visitor.client.close()
            await visitor.close()
