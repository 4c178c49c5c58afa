"""Announcement channels: members read, the team posts, and posts can be published (crossposted)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Account, Api, error_code

SEND_MESSAGES, VIEW_CHANNEL = 1 << 11, 1 << 10
CROSSPOSTED = 1 << 0


async def announcements(owner: Account, guild: dict[str, Any]) -> str:
    """An announcement channel where @everyone may read but not write, as communities set it up."""
    created = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={
            "name": "news",
            "type": 5,
            "permission_overwrites": [
                {"id": guild["id"], "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)}
            ],
        },
    )
    assert created.status_code == 201, created.text
    channel_id: str = created.json()["id"]
    return channel_id


async def test_members_read_announcements_but_only_the_team_posts(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, guild["system_channel_id"])
    news = await announcements(owner, guild)
    posted = await owner.post(f"/channels/{news}/messages", json={"content": "Match on Sunday"})
    assert posted.status_code == 200
    history = await member.get(f"/channels/{news}/messages")
    assert [m["content"] for m in history.json()] == ["Match on Sunday"]
    refused = await member.post(f"/channels/{news}/messages", json={"content": "me too"})
    assert error_code(refused) == 50013


async def test_publishing_marks_the_message_once(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    news = await announcements(owner, guild)
    message = (await owner.post(f"/channels/{news}/messages", json={"content": "Hi"})).json()
    published = await owner.post(f"/channels/{news}/messages/{message['id']}/crosspost")
    assert published.status_code == 200
    assert published.json()["flags"] & CROSSPOSTED
    again = await owner.post(f"/channels/{news}/messages/{message['id']}/crosspost")
    assert error_code(again) == 40033


async def test_only_the_author_or_a_moderator_publishes(api: Api) -> None:
    owner, member, stranger = await api.account(), await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, guild["system_channel_id"])
    news = await announcements(owner, guild)
    message = (await owner.post(f"/channels/{news}/messages", json={"content": "Hi"})).json()
    path = f"/channels/{news}/messages/{message['id']}/crosspost"
    assert error_code(await member.post(path)) == 50013
    assert error_code(await stranger.post(path)) == 50001
    unchanged = await owner.get(f"/channels/{news}/messages/{message['id']}")
    assert not unchanged.json()["flags"] & CROSSPOSTED


async def test_messages_outside_announcement_channels_cannot_be_published(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    channel = guild["system_channel_id"]
    message = (await owner.post(f"/channels/{channel}/messages", json={"content": "Hi"})).json()
    refused = await owner.post(f"/channels/{channel}/messages/{message['id']}/crosspost")
    assert refused.status_code == 400
    assert error_code(refused) == 50024
