"""Must-read announcements: who may send them, acknowledging, a person's list, the receipts."""

from __future__ import annotations

from typing import Any

from tests.api.test_applications import authorize, bot_account, create_app
from tests.conftest import Account, Api, error_code, event_types
from tests.gateway.client import connected
from tests.gateway.conftest import remote, server
from tests.server_process import Server
from townhall.events.event import Envelope

__all__ = ["remote", "server"]
MUST_READ = 1 << 30
VIEW_CHANNEL, MANAGE_MESSAGES, READ_HISTORY = 1 << 10, 1 << 13, 1 << 16
GUILDS, GUILD_MESSAGES = 1 << 0, 1 << 9


async def community(owner: Account, *members: Account) -> tuple[dict[str, Any], str]:
    """A community of `owner` with `members` joined, and its announcement channel."""
    guild = await owner.guild("Sports club")
    for member in members:
        await member.join(owner, guild["system_channel_id"])
    turned = await owner.patch(f"/guilds/{guild['id']}", json={"features": ["COMMUNITY"]})
    assert turned.status_code == 200, turned.text
    return guild, turned.json()["announcements_channel_id"]


async def must_read(author: Account, channel_id: str, content: str) -> dict[str, Any]:
    sent = await author.post(
        f"/channels/{channel_id}/messages", json={"content": content, "flags": MUST_READ}
    )
    assert sent.status_code == 200, sent.text
    message: dict[str, Any] = sent.json()
    return message


def receipts_path(message: dict[str, Any]) -> str:
    return f"/channels/{message['channel_id']}/messages/{message['id']}/receipts"


def ack_path(message: dict[str, Any]) -> str:
    return f"/channels/{message['channel_id']}/messages/{message['id']}/acknowledgement"


async def test_a_must_read_announcement_is_listed_until_acknowledged(
    api: Api, published: list[Envelope]
) -> None:
    owner, member = await api.account(), await api.account()
    guild, news = await community(owner, member)
    message = await must_read(owner, news, "Season starts Monday")
    assert message["flags"] & MUST_READ
    fetched = await member.get(f"/channels/{news}/messages/{message['id']}")
    assert fetched.json()["flags"] & MUST_READ

    listed = await member.get(f"/guilds/{guild['id']}/must-read")
    assert listed.status_code == 200
    assert [m["id"] for m in listed.json()] == [message["id"]]
    assert (await owner.get(f"/guilds/{guild['id']}/must-read")).json() == [], "its author"

    acknowledged = await member.put(ack_path(message))
    assert acknowledged.status_code == 204
    assert event_types(published)[-2:] == ["MESSAGE_ACKNOWLEDGE", "ANNOUNCEMENT_RECEIPTS_UPDATE"]
    again = await member.put(ack_path(message))
    assert again.status_code == 204
    assert event_types(published)[-1] == "ANNOUNCEMENT_RECEIPTS_UPDATE", "no second event"
    assert (await member.get(f"/guilds/{guild['id']}/must-read")).json() == []


async def test_the_newest_must_read_comes_first_and_plain_messages_never(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild, news = await community(owner, member)
    first = await must_read(owner, news, "Kit pickup on Friday")
    await owner.post(f"/channels/{news}/messages", json={"content": "just news"})
    second = await must_read(owner, guild["system_channel_id"], "Fees are due")
    listed = (await member.get(f"/guilds/{guild['id']}/must-read")).json()
    assert [m["id"] for m in listed] == [second["id"], first["id"]]


async def test_only_those_who_manage_messages_send_must_read(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild, news = await community(owner, member)
    general = guild["system_channel_id"]
    refused = await member.post(
        f"/channels/{general}/messages", json={"content": "read me!", "flags": MUST_READ}
    )
    assert refused.status_code == 403 and error_code(refused) == 50013
    history = (await owner.get(f"/channels/{general}/messages")).json()
    assert "read me!" not in [m["content"] for m in history]
    in_news = await member.post(f"/channels/{news}/messages", json={"content": "me too"})
    assert in_news.status_code == 403 and error_code(in_news) == 50013, "members read only"


async def test_acknowledging_what_is_not_must_read_or_unknown_is_refused(api: Api) -> None:
    owner, member, stranger = await api.account(), await api.account(), await api.account()
    guild, news = await community(owner, member)
    plain = (await owner.post(f"/channels/{news}/messages", json={"content": "hi"})).json()
    refused = await member.put(ack_path(plain))
    assert refused.status_code == 400 and error_code(refused) == 50035
    unknown = await member.put(f"/channels/{news}/messages/{int(plain['id']) + 1}/acknowledgement")
    assert unknown.status_code == 404 and error_code(unknown) == 10008
    message = await must_read(owner, news, "AGM in May")
    outsider = await stranger.put(ack_path(message))
    assert outsider.status_code == 403 and error_code(outsider) == 50001
    not_member = await stranger.get(f"/guilds/{guild['id']}/must-read")
    assert not_member.status_code == 403 and error_code(not_member) == 50001


async def test_receipts_count_who_sees_read_and_acknowledged(api: Api) -> None:
    owner, ada, bob = await api.account(), await api.account(), await api.account()
    _guild, news = await community(owner, ada, bob)
    message = await must_read(owner, news, "New training times")
    counts = await owner.get(receipts_path(message))
    assert counts.status_code == 200
    assert counts.json() == {"member_count": 3, "read_count": 1, "acknowledged_count": 1}

    assert (await ada.put(ack_path(message))).status_code == 204
    read = await bob.post(f"/channels/{news}/messages/{message['id']}/ack", json={})
    assert read.status_code == 200, read.text
    counts = (await owner.get(receipts_path(message))).json()
    assert counts == {"member_count": 3, "read_count": 2, "acknowledged_count": 2}

    pending = owner.get
    unread = await pending(receipts_path(message) + "/pending?kind=unread")
    assert unread.status_code == 200
    expected_unread = [ada.id]  # the author read it by sending it
    assert [int(u["id"]) for u in unread.json()] == expected_unread
    unacked = (await pending(receipts_path(message) + "/pending?kind=unacknowledged")).json()
    assert [int(u["id"]) for u in unacked] == [bob.id]
    unread_path = receipts_path(message) + "/pending?kind=unread&limit=1"
    assert [int(u["id"]) for u in (await pending(unread_path)).json()] == [ada.id]
    assert (await pending(unread_path + f"&after={ada.id}")).json() == []


async def test_members_see_no_receipts_and_bad_queries_are_refused(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    _guild, news = await community(owner, member)
    message = await must_read(owner, news, "Pitch closed")
    for path in (receipts_path(message), receipts_path(message) + "/pending?kind=unread"):
        refused = await member.get(path)
        assert refused.status_code == 403 and error_code(refused) == 50013, path
    for query in ("kind=unseen", "kind=unread&limit=0", "kind=unread&limit=1001", ""):
        bad = await owner.get(receipts_path(message) + "/pending?" + query)
        assert bad.status_code == 400 and error_code(bad) == 50035, query
    plain = (await owner.post(f"/channels/{news}/messages", json={"content": "x"})).json()
    not_must_read = await owner.get(receipts_path(plain))
    assert not_must_read.status_code == 400 and error_code(not_must_read) == 50035


async def test_a_groups_receipts_count_its_members_only(api: Api) -> None:
    """@everyone denied VIEW_CHANNEL, members as member overwrites: as a group is made."""
    owner, ada, bob, cy = [await api.account() for _ in range(4)]
    guild, _news = await community(owner, ada, bob, cy)
    created = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={
            "name": "under-12s",
            "permission_overwrites": [
                {"id": guild["id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
                {"id": str(ada.id), "type": 1, "allow": str(VIEW_CHANNEL), "deny": "0"},
                {
                    "id": str(bob.id),
                    "type": 1,
                    "allow": str(VIEW_CHANNEL | MANAGE_MESSAGES),
                    "deny": "0",
                },
            ],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()["id"]
    message = await must_read(bob, group, "Bring shin pads")
    counts = (await bob.get(receipts_path(message))).json()
    assert counts == {"member_count": 3, "read_count": 1, "acknowledged_count": 1}
    assert (await cy.get(f"/guilds/{guild['id']}/must-read")).json() == []
    assert [m["id"] for m in (await ada.get(f"/guilds/{guild['id']}/must-read")).json()] == [
        message["id"]
    ]
    unacked = (await bob.get(receipts_path(message) + "/pending?kind=unacknowledged")).json()
    assert sorted(int(u["id"]) for u in unacked) == sorted([owner.id, ada.id])


async def test_a_role_denied_the_channel_is_not_counted(api: Api) -> None:
    owner, ada, bob = await api.account(), await api.account(), await api.account()
    guild, news = await community(owner, ada, bob)
    role = (await owner.post(f"/guilds/{guild['id']}/roles", json={"name": "suspended"})).json()
    added = await owner.put(f"/guilds/{guild['id']}/members/{bob.id}/roles/{role['id']}")
    assert added.status_code == 204, added.text
    denied = await owner.put(
        f"/channels/{news}/permissions/{role['id']}",
        json={"type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
    )
    assert denied.status_code == 204, denied.text
    message = await must_read(owner, news, "Members only")
    read = await bob.post(f"/channels/{news}/messages/{message['id']}/ack", json={})
    assert read.status_code == 403
    counts = (await owner.get(receipts_path(message))).json()
    assert counts == {"member_count": 2, "read_count": 1, "acknowledged_count": 1}
    unread = (await owner.get(receipts_path(message) + "/pending?kind=unread")).json()
    assert [int(u["id"]) for u in unread] == [ada.id]


async def test_bots_are_not_counted_or_listed_as_members_who_should_read(api: Api) -> None:
    owner, ada = await api.account(), await api.account()
    guild, news = await community(owner, ada)
    app = await create_app(owner, "Helper")
    added = await authorize(owner, app, guild["id"], VIEW_CHANNEL | READ_HISTORY)
    assert added.status_code == 200, added.text
    bot = await bot_account(owner, app)
    group = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={
            "name": "coaches",
            "permission_overwrites": [
                {"id": guild["id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
                {"id": str(ada.id), "type": 1, "allow": str(VIEW_CHANNEL), "deny": "0"},
                {"id": str(bot.id), "type": 1, "allow": str(VIEW_CHANNEL), "deny": "0"},
            ],
        },
    )
    assert group.status_code == 201, group.text
    for channel_id in (news, group.json()["id"]):  # everyone sees it; only its members see it
        message = await must_read(owner, channel_id, "Kit check on Sunday")
        expected = {"member_count": 2, "read_count": 1, "acknowledged_count": 1}
        assert (await owner.get(receipts_path(message))).json() == expected, channel_id
        unread = (await owner.get(receipts_path(message) + "/pending?kind=unread")).json()
        assert [int(u["id"]) for u in unread] == [ada.id], channel_id
        unacked = (await owner.get(receipts_path(message) + "/pending?kind=unacknowledged")).json()
        assert [int(u["id"]) for u in unacked] == [ada.id], channel_id

        read = await bot.post(f"/channels/{channel_id}/messages/{message['id']}/ack", json={})
        assert read.status_code == 200, read.text
        assert (await bot.put(ack_path(message))).status_code == 204
        assert (await owner.get(receipts_path(message))).json() == expected, "the bot changes none"


# -- over the gateway (a real server) ----------------------------------------------------------


async def test_managers_hear_receipts_move_and_the_member_hears_their_acknowledgement(
    server: Server, remote: Api
) -> None:
    owner, member = await remote.account(), await remote.account()
    _guild, news = await community(owner, member)
    message = await must_read(owner, news, "Final on Saturday")
    owner_gw = await connected(server, owner, GUILDS | GUILD_MESSAGES)
    member_gw = await connected(server, member, GUILDS | GUILD_MESSAGES)
    try:
        read = await member.post(f"/channels/{news}/messages/{message['id']}/ack", json={})
        assert read.status_code == 200, read.text
        counts = await owner_gw.wait_for("ANNOUNCEMENT_RECEIPTS_UPDATE")
        assert counts == {
            "guild_id": message["guild_id"],
            "channel_id": news,
            "message_id": message["id"],
            "member_count": 2,
            "read_count": 2,
            "acknowledged_count": 1,
        }
        assert (await member.put(ack_path(message))).status_code == 204
        counts = await owner_gw.wait_for("ANNOUNCEMENT_RECEIPTS_UPDATE")
        assert (counts["read_count"], counts["acknowledged_count"]) == (2, 2)
        seen = await member_gw.collect_until("MESSAGE_ACKNOWLEDGE")
        assert seen[-1]["d"] == {
            "channel_id": news,
            "message_id": message["id"],
            "guild_id": message["guild_id"],
        }
        assert "ANNOUNCEMENT_RECEIPTS_UPDATE" not in [p.get("t") for p in seen], "not a manager"
    finally:
        await owner_gw.close()
        await member_gw.close()
