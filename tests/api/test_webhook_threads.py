"""Webhooks into threads: `?thread_id=` posts into a thread of the webhook's channel, a forum's
webhook starts a post with `thread_name` (and `applied_tags`), with Discord's 2200xx errors."""

from __future__ import annotations

from typing import Any

from tests.api.test_forums import forum, tag_id
from tests.api.test_messages import guild_with_member, history
from tests.api.test_threads import edit, new_thread
from tests.api.test_webhooks import create, path
from tests.conftest import Api, error_code, event_types
from townhall.events.event import Envelope


async def test_a_webhook_posts_into_a_thread_of_its_channel_only(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    thread = await new_thread(member, channel_id, type=11)
    sent = await api.http.post(
        path(webhook),
        params={"wait": "true", "thread_id": thread["id"]},
        json={"content": "into the thread"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["channel_id"] == thread["id"]
    assert (await history(member, thread["id"]))[0]["content"] == "into the thread"
    assert "into the thread" not in [m["content"] for m in await history(member, channel_id)]
    counted = (await member.get(f"/channels/{thread['id']}")).json()
    assert counted["message_count"] == 1 and counted["member_count"] == 1  # not the webhook

    other = (await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "elsewhere"})).json()
    elsewhere = await new_thread(owner, other["id"], type=11)
    for wrong in (elsewhere["id"], other["id"], channel_id, "12345"):
        refused = await api.http.post(
            path(webhook), params={"thread_id": wrong}, json={"content": "x"}
        )
        assert refused.status_code == 404 and error_code(refused) == 10003, wrong
    assert await history(owner, elsewhere["id"]) == []

    message = path(webhook, f"/messages/{sent.json()['id']}")
    assert (await api.http.get(message)).status_code == 404  # not in the channel itself
    got = await api.http.get(message, params={"thread_id": thread["id"]})
    assert got.status_code == 200 and got.json()["content"] == "into the thread"
    changed = await api.http.patch(
        message, params={"thread_id": thread["id"]}, json={"content": "changed"}
    )
    assert changed.status_code == 200 and changed.json()["content"] == "changed"
    published.clear()
    gone = await api.http.delete(message, params={"thread_id": thread["id"]})
    assert gone.status_code == 204 and "MESSAGE_DELETE" in event_types(published)
    assert await history(member, thread["id"]) == []
    assert (await member.get(f"/channels/{thread['id']}")).json()["message_count"] == 0


async def test_posting_reopens_an_archived_thread_but_not_a_locked_one(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    thread = await new_thread(member, channel_id, type=11)
    assert (await edit(member, thread["id"], archived=True)).status_code == 200
    published.clear()
    reopened = await api.http.post(
        path(webhook), params={"thread_id": thread["id"]}, json={"content": "wake up"}
    )
    assert reopened.status_code == 204, reopened.text
    assert event_types(published)[:2] == ["THREAD_UPDATE", "MESSAGE_CREATE"]
    shown = (await member.get(f"/channels/{thread['id']}")).json()
    assert shown["thread_metadata"]["archived"] is False

    assert (await edit(owner, thread["id"], locked=True)).status_code == 200
    locked = await api.http.post(
        path(webhook), params={"thread_id": thread["id"]}, json={"content": "x"}
    )
    assert locked.status_code == 403 and error_code(locked) == 160005
    assert (await edit(owner, thread["id"], archived=True)).status_code == 200
    closed = await api.http.post(
        path(webhook), params={"thread_id": thread["id"]}, json={"content": "x"}
    )
    assert closed.status_code == 400 and error_code(closed) == 50083
    assert [m["content"] for m in await history(owner, thread["id"])] == ["wake up"]


async def forum_webhook(api: Api) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    owner, _member, guild, _channel_id = await guild_with_member(api)
    made = await forum(owner, guild["id"])
    return owner, made, await create(owner, made["id"], "Alerts")


async def test_a_forum_webhook_starts_a_post_whose_first_message_is_its_own(api: Api) -> None:
    owner, made, webhook = await forum_webhook(api)
    sent = await api.http.post(
        path(webhook),
        params={"wait": "true"},
        json={
            "content": "Disk almost full",
            "thread_name": "db-1 alert",
            "applied_tags": [tag_id(made, "bug")],
        },
    )
    assert sent.status_code == 200, sent.text
    message = sent.json()
    post = (await owner.get(f"/channels/{message['channel_id']}")).json()
    assert post["id"] == message["id"] and post["parent_id"] == made["id"]
    assert post["name"] == "db-1 alert" and post["applied_tags"] == [tag_id(made, "bug")]
    assert post["owner_id"] == webhook["id"] and post["member_count"] == 0
    assert message["webhook_id"] == webhook["id"] and message["content"] == "Disk almost full"

    into_post = await api.http.post(
        path(webhook), params={"thread_id": post["id"]}, json={"content": "now 99%"}
    )
    assert into_post.status_code == 204
    assert [m["content"] for m in await history(owner, post["id"])] == [
        "now 99%",
        "Disk almost full",
    ]


async def test_forum_webhooks_need_a_thread_and_others_cannot_start_one(api: Api) -> None:
    owner, made, webhook = await forum_webhook(api)
    plain = await api.http.post(path(webhook), json={"content": "where?"})
    assert plain.status_code == 400 and error_code(plain) == 220001
    assert "thread_name or thread_id" in plain.json()["message"]
    both = await api.http.post(
        path(webhook), params={"thread_id": "1"}, json={"content": "x", "thread_name": "x"}
    )
    assert both.status_code == 400 and error_code(both) == 220002
    slack = await api.http.post(path(webhook, "/slack"), json={"text": "hi"})
    assert slack.status_code == 400 and error_code(slack) == 220004
    empty = await api.http.post(path(webhook), json={"thread_name": "nothing in it"})
    assert empty.status_code == 400 and error_code(empty) == 50006
    assert (await owner.get(f"/guilds/{made['guild_id']}/threads/active")).json()["threads"] == []

    _owner, _member, _guild, channel_id = await guild_with_member(api)
    text_hook = await create(_owner, channel_id)
    named = await api.http.post(path(text_hook), json={"content": "x", "thread_name": "new"})
    assert named.status_code == 400 and error_code(named) == 220003


async def test_slack_and_github_shaped_bodies_go_into_threads_too(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    thread = await new_thread(member, channel_id, type=11)
    slack = await api.http.post(
        path(webhook, "/slack"),
        params={"wait": "true", "thread_id": thread["id"]},
        json={"text": "deploy done"},
    )
    assert slack.status_code == 200, slack.text
    assert slack.json()["channel_id"] == thread["id"]
    wrong = await api.http.post(
        path(webhook, "/github"),
        params={"thread_id": channel_id},
        headers={"X-GitHub-Event": "push"},
        json={"ref": "refs/heads/main", "repository": {"name": "x"}, "commits": [{}]},
    )
    assert wrong.status_code == 404 and error_code(wrong) == 10003


async def test_a_webhook_message_in_an_archived_thread_is_not_edited(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    thread = await new_thread(member, channel_id, type=11)
    sent = await api.http.post(
        path(webhook), params={"wait": "true", "thread_id": thread["id"]}, json={"content": "v1"}
    )
    assert sent.status_code == 200, sent.text
    assert (await edit(member, thread["id"], archived=True)).status_code == 200
    refused = await api.http.patch(
        path(webhook, f"/messages/{sent.json()['id']}"),
        params={"thread_id": thread["id"]},
        json={"content": "v2"},
    )
    assert refused.status_code == 400 and error_code(refused) == 50083
    assert [m["content"] for m in await history(owner, thread["id"])] == ["v1"]
    still = (await member.get(f"/channels/{thread['id']}")).json()
    assert still["thread_metadata"]["archived"] is True
