"""The moderation log: deleting someone else's message writes Discord's audit log entry."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.conftest import Account, Api, error_code, event_types
from tests.gateway.client import connected
from tests.gateway.conftest import remote, server
from tests.server_process import Server
from townhall.events.event import Envelope

__all__ = ["remote", "server"]
VIEW_CHANNEL, MANAGE_MESSAGES, VIEW_AUDIT_LOG = 1 << 10, 1 << 13, 1 << 7
GUILDS, GUILD_MODERATION, GUILD_MESSAGES = 1 << 0, 1 << 2, 1 << 9
MESSAGE_DELETE, MESSAGE_BULK_DELETE = 72, 73


async def guild_with(owner: Account, *members: Account) -> dict[str, Any]:
    guild = await owner.guild("Chess club")
    for member in members:
        await member.join(owner, guild["system_channel_id"])
    return guild


async def say(author: Account, channel_id: str, content: str) -> dict[str, Any]:
    sent = await author.post(f"/channels/{channel_id}/messages", json={"content": content})
    assert sent.status_code == 200, sent.text
    message: dict[str, Any] = sent.json()
    return message


def audit_log(guild: dict[str, Any], query: str = "") -> str:
    return f"/guilds/{guild['id']}/audit-logs" + (f"?{query}" if query else "")


async def test_deleting_someone_elses_message_writes_an_entry_with_the_reason(
    api: Api, published: list[Envelope]
) -> None:
    owner, member = await api.account(), await api.account()
    guild = await guild_with(owner, member)
    general = guild["system_channel_id"]
    message = await say(member, general, "buy cheap pawns")
    reason = "spam, again ✓"
    deleted = await owner.delete(
        f"/channels/{general}/messages/{message['id']}",
        headers={"X-Audit-Log-Reason": quote(reason)},
    )
    assert deleted.status_code == 204
    assert event_types(published)[-2:] == ["MESSAGE_DELETE", "GUILD_AUDIT_LOG_ENTRY_CREATE"]

    found = await owner.get(audit_log(guild, f"action_type={MESSAGE_DELETE}"))
    assert found.status_code == 200
    body = found.json()
    (entry,) = body["audit_log_entries"]
    assert entry["action_type"] == MESSAGE_DELETE
    assert (entry["user_id"], entry["target_id"]) == (str(owner.id), str(member.id))
    assert entry["options"] == {"channel_id": general, "count": "1", "message_id": message["id"]}
    assert entry["reason"] == reason
    assert sorted(int(u["id"]) for u in body["users"]) == sorted([owner.id, member.id])
    for empty in ("integrations", "webhooks", "guild_scheduled_events", "threads"):
        assert body[empty] == []
    assert body["application_commands"] == [] and body["auto_moderation_rules"] == []


async def test_deleting_ones_own_message_writes_nothing(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await guild_with(owner, member)
    general = guild["system_channel_id"]
    mine = await say(member, general, "oops")
    assert (await member.delete(f"/channels/{general}/messages/{mine['id']}")).status_code == 204
    own = await say(owner, general, "typo")
    assert (await owner.delete(f"/channels/{general}/messages/{own['id']}")).status_code == 204
    assert (await owner.get(audit_log(guild))).json()["audit_log_entries"] == []


async def test_a_bulk_delete_is_one_entry_with_its_count(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await guild_with(owner, member)
    general = guild["system_channel_id"]
    ids = [(await say(member, general, f"flood {n}"))["id"] for n in range(3)]
    bulk = await owner.post(f"/channels/{general}/messages/bulk-delete", json={"messages": ids})
    assert bulk.status_code == 204, bulk.text
    (entry,) = (await owner.get(audit_log(guild))).json()["audit_log_entries"]
    assert entry["action_type"] == MESSAGE_BULK_DELETE
    assert entry["target_id"] == general and entry["options"] == {"count": "3"}


async def test_filters_and_pages_newest_first_or_oldest_after(api: Api) -> None:
    owner, ada, bob = await api.account(), await api.account(), await api.account()
    guild = await guild_with(owner, ada, bob)
    general = guild["system_channel_id"]
    role = await owner.post(
        f"/guilds/{guild['id']}/roles", json={"name": "mods", "permissions": str(MANAGE_MESSAGES)}
    )
    await owner.put(f"/guilds/{guild['id']}/members/{ada.id}/roles/{role.json()['id']}")
    for n in range(3):
        message = await say(bob, general, f"off topic {n}")
        moderator = owner if n != 1 else ada
        gone = await moderator.delete(f"/channels/{general}/messages/{message['id']}")
        assert gone.status_code == 204
    newest = (await owner.get(audit_log(guild))).json()["audit_log_entries"]
    assert [e["user_id"] for e in newest] == [str(owner.id), str(ada.id), str(owner.id)]
    ids = [e["id"] for e in newest]
    assert ids == sorted(ids, key=int, reverse=True)
    by_ada = (await owner.get(audit_log(guild, f"user_id={ada.id}"))).json()
    assert [e["id"] for e in by_ada["audit_log_entries"]] == [ids[1]]
    before = (await owner.get(audit_log(guild, f"before={ids[0]}&limit=1"))).json()
    assert [e["id"] for e in before["audit_log_entries"]] == [ids[1]]
    after = (await owner.get(audit_log(guild, f"after={ids[2]}"))).json()
    assert [e["id"] for e in after["audit_log_entries"]] == [ids[1], ids[0]]
    assert (await owner.get(audit_log(guild, "action_type=1"))).json()["audit_log_entries"] == []


async def test_only_audit_log_viewers_read_it_and_bad_queries_are_refused(api: Api) -> None:
    owner, member, stranger = await api.account(), await api.account(), await api.account()
    guild = await guild_with(owner, member)
    refused = await member.get(audit_log(guild))
    assert refused.status_code == 403 and error_code(refused) == 50013
    outsider = await stranger.get(audit_log(guild))
    assert outsider.status_code == 403 and error_code(outsider) == 50001
    for query in ("limit=0", "limit=101", "before=x", "action_type=-1"):
        bad = await owner.get(audit_log(guild, query))
        assert bad.status_code == 400 and error_code(bad) == 50035, query
    role = await owner.post(
        f"/guilds/{guild['id']}/roles",
        json={"name": "auditors", "permissions": str(VIEW_AUDIT_LOG)},
    )
    await owner.put(f"/guilds/{guild['id']}/members/{member.id}/roles/{role.json()['id']}")
    assert (await member.get(audit_log(guild))).status_code == 200


async def test_a_group_admin_reads_their_groups_entries_only(api: Api) -> None:
    owner, admin, member = await api.account(), await api.account(), await api.account()
    guild = await guild_with(owner, admin, member)
    general = guild["system_channel_id"]
    created = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={
            "name": "juniors",
            "permission_overwrites": [
                {"id": guild["id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
                {"id": str(member.id), "type": 1, "allow": str(VIEW_CHANNEL), "deny": "0"},
                {
                    "id": str(admin.id),
                    "type": 1,
                    "allow": str(VIEW_CHANNEL | MANAGE_MESSAGES),
                    "deny": "0",
                },
            ],
        },
    )
    group = created.json()["id"]
    in_group = await say(member, group, "rude words")
    assert (await admin.delete(f"/channels/{group}/messages/{in_group['id']}")).status_code == 204
    elsewhere = await say(member, general, "more rude words")
    assert (
        await owner.delete(f"/channels/{general}/messages/{elsewhere['id']}")
    ).status_code == 204

    mine = await admin.get(audit_log(guild, f"channel_id={group}"))
    assert mine.status_code == 200
    (entry,) = mine.json()["audit_log_entries"]
    assert entry["options"]["channel_id"] == group and entry["user_id"] == str(admin.id)
    for query in ("", f"channel_id={general}"):
        refused = await admin.get(audit_log(guild, query))
        assert refused.status_code == 403 and error_code(refused) == 50013, query
    unknown = await owner.get(audit_log(guild, f"channel_id={int(group) + 1}"))
    assert unknown.status_code == 404 and error_code(unknown) == 10003
    everything = (await owner.get(audit_log(guild))).json()["audit_log_entries"]
    assert len(everything) == 2


async def test_new_entries_reach_audit_log_viewers_over_the_gateway(
    server: Server, remote: Api
) -> None:
    owner, member = await remote.account(), await remote.account()
    guild = await guild_with(owner, member)
    general = guild["system_channel_id"]
    owner_gw = await connected(server, owner, GUILDS | GUILD_MODERATION | GUILD_MESSAGES)
    member_gw = await connected(server, member, GUILDS | GUILD_MODERATION | GUILD_MESSAGES)
    try:
        message = await say(member, general, "spam")
        gone = await owner.delete(f"/channels/{general}/messages/{message['id']}")
        assert gone.status_code == 204
        entry = await owner_gw.wait_for("GUILD_AUDIT_LOG_ENTRY_CREATE")
        assert entry["guild_id"] == guild["id"] and entry["action_type"] == MESSAGE_DELETE
        assert entry["target_id"] == str(member.id)
        later = await say(owner, general, "after the deletion")
        seen = await member_gw.collect_until("MESSAGE_CREATE", id=later["id"])
        assert "GUILD_AUDIT_LOG_ENTRY_CREATE" not in [p.get("t") for p in seen]
    finally:
        await owner_gw.close()
        await member_gw.close()
