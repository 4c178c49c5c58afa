"""A guild becomes a community of groups (COMMUNITY feature) with an announcement channel."""

from __future__ import annotations

from tests.conftest import Api, error_code, event_types
from townhall.events.event import Envelope

SEND_MESSAGES = 1 << 11


async def test_turning_community_on_makes_an_announcement_channel_members_only_read(
    api: Api, published: list[Envelope]
) -> None:
    owner, member = await api.account(), await api.account()
    guild = await owner.guild("Sports club")
    await member.join(owner, guild["system_channel_id"])
    assert guild["features"] == [] and guild["announcements_channel_id"] is None

    turned = await owner.patch(f"/guilds/{guild['id']}", json={"features": ["COMMUNITY"]})
    assert turned.status_code == 200, turned.text
    body = turned.json()
    assert body["features"] == ["COMMUNITY"]
    announcements_id = body["announcements_channel_id"]
    assert announcements_id is not None
    assert event_types(published)[-2:] == ["CHANNEL_CREATE", "GUILD_UPDATE"]

    channel = (await member.get(f"/channels/{announcements_id}")).json()
    assert (channel["type"], channel["name"]) == (5, "announcements")
    refused = await member.post(f"/channels/{announcements_id}/messages", json={"content": "hi"})
    assert refused.status_code == 403 and error_code(refused) == 50013
    posted = await owner.post(
        f"/channels/{announcements_id}/messages", json={"content": "Training moves to 6 pm"}
    )
    assert posted.status_code == 200, posted.text
    history = await member.get(f"/channels/{announcements_id}/messages")
    assert [m["content"] for m in history.json()] == ["Training moves to 6 pm"]
    seen = (await member.get(f"/guilds/{guild['id']}")).json()
    assert seen["features"] == ["COMMUNITY"]
    listed = (await member.get("/users/@me/guilds")).json()
    assert next(g for g in listed if g["id"] == guild["id"])["features"] == ["COMMUNITY"]


async def test_turning_it_off_and_on_again_keeps_one_announcement_channel(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    path = f"/guilds/{guild['id']}"
    first = (await owner.patch(path, json={"features": ["COMMUNITY"]})).json()
    off = (await owner.patch(path, json={"features": []})).json()
    assert off["features"] == []
    assert off["announcements_channel_id"] == first["announcements_channel_id"]
    again = (await owner.patch(path, json={"features": ["COMMUNITY", "NEWS"]})).json()
    assert again["features"] == ["COMMUNITY"]
    assert again["announcements_channel_id"] == first["announcements_channel_id"]
    channels = (await owner.get(f"{path}/channels")).json()
    assert [c["id"] for c in channels if c["type"] == 5] == [first["announcements_channel_id"]]


async def test_a_deleted_announcement_channel_is_forgotten_and_made_again(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    path = f"/guilds/{guild['id']}"
    first = (await owner.patch(path, json={"features": ["COMMUNITY"]})).json()
    deleted = await owner.delete(f"/channels/{first['announcements_channel_id']}")
    assert deleted.status_code == 200
    assert (await owner.get(path)).json()["announcements_channel_id"] is None
    again = (await owner.patch(path, json={"features": ["COMMUNITY"]})).json()
    assert again["announcements_channel_id"] not in (None, first["announcements_channel_id"])


async def test_a_named_announcement_channel_must_be_one_of_the_guild(api: Api) -> None:
    owner = await api.account()
    guild, other = await owner.guild(), await owner.guild("Other")
    path = f"/guilds/{guild['id']}"
    general = guild["system_channel_id"]
    made = await owner.post(f"{path}/channels", json={"name": "news", "type": 5})
    foreign = await owner.post(f"/guilds/{other['id']}/channels", json={"name": "x", "type": 5})
    for wrong in (general, foreign.json()["id"], "123456789012345678"):
        refused = await owner.patch(
            path, json={"features": ["COMMUNITY"], "announcements_channel_id": wrong}
        )
        assert refused.status_code == 400 and error_code(refused) == 50035, wrong
    assert (await owner.get(path)).json()["features"] == []
    chosen = await owner.patch(
        path, json={"features": ["COMMUNITY"], "announcements_channel_id": made.json()["id"]}
    )
    assert chosen.json()["announcements_channel_id"] == made.json()["id"]
    channels = (await owner.get(f"{path}/channels")).json()
    assert [c["id"] for c in channels if c["type"] == 5] == [made.json()["id"]]


async def test_only_manage_guild_turns_a_guild_into_a_community(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, guild["system_channel_id"])
    refused = await member.patch(f"/guilds/{guild['id']}", json={"features": ["COMMUNITY"]})
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert (await owner.get(f"/guilds/{guild['id']}")).json()["features"] == []
    bad = await owner.patch(f"/guilds/{guild['id']}", json={"features": "COMMUNITY"})
    assert bad.status_code == 400 and error_code(bad) == 50035
