"""What an archived or locked thread allows its messages, the guild's cap on active threads, and
the shapes Discord gives a new thread and its starter message (docs/threads.md)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, history, send
from tests.api.test_threads import edit, new_thread, thread_from
from tests.conftest import Account, Api, direct_write, error_code
from townhall.domain import threads as rules
from townhall.domain.models import Channel, ChannelType
from townhall.domain.permissions import Permission as P
from townhall.store import threads as thread_store

THUMBS = "%F0%9F%91%8D"


def _reaction(channel_id: str, message_id: str) -> str:
    return f"/channels/{channel_id}/messages/{message_id}/reactions/{THUMBS}/@me"


async def _content(account: Account, channel_id: str, message_id: str) -> Any:
    return (await account.get(f"/channels/{channel_id}/messages/{message_id}")).json()


# -- archived ------------------------------------------------------------------------------------


async def test_an_archived_thread_takes_no_edits_reactions_pins_or_deletes_from_its_members(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    await store_setup.give_role(app, guild["id"], [member.id], int(P.PIN_MESSAGES))
    thread = await new_thread(member, channel_id, type=11)
    said = await send(member, thread["id"], "before the archive")
    path = f"/channels/{thread['id']}/messages/{said['id']}"
    assert (await member.put(_reaction(thread["id"], said["id"]))).status_code == 204
    assert (await edit(member, thread["id"], archived=True)).status_code == 200

    refusals = {
        "edit": await member.patch(path, json={"content": "changed"}),
        "react": await owner.put(_reaction(thread["id"], said["id"])),
        "unreact": await member.delete(_reaction(thread["id"], said["id"])),
        "moderator unreact": await owner.delete(f"{path}/reactions/{THUMBS}/{member.id}"),
        "clear": await owner.delete(f"{path}/reactions"),
        "pin": await member.put(f"/channels/{thread['id']}/messages/pins/{said['id']}"),
        "delete own": await member.delete(path),
    }
    for what, response in refusals.items():
        assert response.status_code == 400 and error_code(response) == 50083, what

    kept = await _content(owner, thread["id"], said["id"])
    assert kept["content"] == "before the archive" and kept["pinned"] is False
    assert [r["count"] for r in kept["reactions"]] == [1]
    fetched = (await owner.get(f"/channels/{thread['id']}")).json()
    assert fetched["thread_metadata"]["archived"] is True, "nothing reopened it"


async def test_thread_managers_delete_in_an_archived_thread_and_the_count_follows(
    api: Api,
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(member, channel_id, type=11)
    said = [await send(member, thread["id"], f"note {n}") for n in range(3)]
    assert (await edit(member, thread["id"], archived=True)).status_code == 200
    gone = await owner.delete(f"/channels/{thread['id']}/messages/{said[0]['id']}")
    assert gone.status_code == 204
    bulk = await owner.post(
        f"/channels/{thread['id']}/messages/bulk-delete",
        json={"messages": [said[1]["id"], said[2]["id"]]},
    )
    assert bulk.status_code == 204, bulk.text
    assert await history(owner, thread["id"]) == []
    after = (await owner.get(f"/channels/{thread['id']}")).json()
    assert after["message_count"] == 0 and after["total_message_sent"] == 3
    assert after["thread_metadata"]["archived"] is True


async def test_sending_in_an_archived_thread_reopens_it_for_whoever_may_send(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(owner, channel_id, type=11)
    assert (await edit(owner, thread["id"], archived=True)).status_code == 200
    said = await send(member, thread["id"], "anyone here?")
    reopened = (await member.get(f"/channels/{thread['id']}")).json()
    assert reopened["thread_metadata"]["archived"] is False
    assert reopened["member"]["user_id"] == str(member.id)
    edited = await member.patch(
        f"/channels/{thread['id']}/messages/{said['id']}", json={"content": "anyone?"}
    )
    assert edited.status_code == 200 and edited.json()["content"] == "anyone?"


# -- locked --------------------------------------------------------------------------------------


async def test_a_locked_thread_keeps_edits_and_pins_for_thread_managers(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    await store_setup.give_role(app, guild["id"], [member.id], int(P.PIN_MESSAGES))
    thread = await new_thread(member, channel_id, type=11)
    mine = await send(member, thread["id"], "mine")
    theirs = await send(owner, thread["id"], "the rules")
    assert (await edit(owner, thread["id"], locked=True)).status_code == 200

    path = f"/channels/{thread['id']}/messages/{mine['id']}"
    for what, response in {
        "edit": await member.patch(path, json={"content": "changed"}),
        "pin": await member.put(f"/channels/{thread['id']}/messages/pins/{mine['id']}"),
    }.items():
        assert response.status_code == 403 and error_code(response) == 160005, what
    assert (await _content(owner, thread["id"], mine["id"]))["content"] == "mine"

    # Reactions and deleting one's own stay, while the thread is active (Discord's).
    assert (await member.put(_reaction(thread["id"], theirs["id"]))).status_code == 204
    assert (await member.delete(_reaction(thread["id"], theirs["id"]))).status_code == 204
    assert (await member.delete(path)).status_code == 204

    moderated = await owner.patch(
        f"/channels/{thread['id']}/messages/{theirs['id']}", json={"content": "new rules"}
    )
    assert moderated.status_code == 200 and moderated.json()["content"] == "new rules"
    pinned = await owner.put(f"/channels/{thread['id']}/messages/pins/{theirs['id']}")
    assert pinned.status_code == 204


async def test_a_locked_archived_thread_is_reopened_by_thread_managers_only(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(member, channel_id, type=11)
    said = await send(member, thread["id"], "before the lock")
    assert (await edit(owner, thread["id"], locked=True, archived=True)).status_code == 200
    for what, response in {
        "send": await member.post(
            f"/channels/{thread['id']}/messages", json={"content": "let me in"}
        ),
        "react": await member.put(_reaction(thread["id"], said["id"])),
        "delete own": await member.delete(f"/channels/{thread['id']}/messages/{said['id']}"),
    }.items():
        assert response.status_code == 400 and error_code(response) == 50083, what
    refused = await edit(member, thread["id"], archived=False)
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert (await owner.get(f"/channels/{thread['id']}")).json()["thread_metadata"]["archived"]

    reopened = await edit(owner, thread["id"], archived=False)
    assert reopened.status_code == 200
    metadata = reopened.json()["thread_metadata"]
    assert metadata["archived"] is False and metadata["locked"] is True


# -- the cap on active threads -------------------------------------------------------------------


async def _fill_with_threads(app: FastAPI, guild_id: str, channel_id: str, count: int) -> None:
    """`count` active public threads in the channel, written straight to the store."""
    s = store_setup.services(app)
    now = s.now()
    async with direct_write(s) as conn:
        for n in range(count):
            thread = Channel(
                id=s.ids.next_id(),
                type=ChannelType.PUBLIC_THREAD,
                guild_id=int(guild_id),
                name=f"filler {n}",
                parent_id=int(channel_id),
                thread=rules.new_metadata(now, 1440),
            )
            assert await thread_store.insert_thread(conn, thread)


async def test_a_guild_has_at_most_a_thousand_active_threads(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    forum = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "ask", "type": 15})
    forum_id = forum.json()["id"]
    older = await new_thread(owner, channel_id, type=11, name="older")
    assert (await edit(owner, older["id"], archived=True)).status_code == 200
    last = await new_thread(owner, channel_id, type=11, name="the thousandth")
    await _fill_with_threads(app, guild["id"], channel_id, rules.MAX_ACTIVE_THREADS - 1)
    listed = (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"]
    assert len(listed) == 1000 and older["id"] not in {t["id"] for t in listed}

    message = await send(member, channel_id, "a topic")
    for what, response in {
        "from a message": await member.post(
            f"/channels/{channel_id}/messages/{message['id']}/threads", json={"name": "one more"}
        ),
        "on its own": await member.post(
            f"/channels/{channel_id}/threads", json={"name": "one more", "type": 12}
        ),
        "forum post": await member.post(
            f"/channels/{forum_id}/threads",
            json={"name": "one more", "message": {"content": "?"}},
        ),
        "reopened": await edit(owner, older["id"], archived=False),
        "reopened by a message": await member.post(
            f"/channels/{older['id']}/messages", json={"content": "still there?"}
        ),
    }.items():
        assert response.status_code == 400 and error_code(response) == 160006, what
    assert (await owner.get(f"/channels/{older['id']}")).json()["thread_metadata"]["archived"]
    assert await history(owner, older["id"]) == []
    flagged = await _content(owner, channel_id, message["id"])
    assert "thread" not in flagged
    still = (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"]
    assert len(still) == 1000

    assert (await edit(owner, last["id"], archived=True)).status_code == 200
    again = await thread_from(member, channel_id, message["id"], name="room again")
    assert again["thread_metadata"]["archived"] is False


# -- shapes --------------------------------------------------------------------------------------


async def test_a_new_thread_comes_with_its_creators_membership(api: Api) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "let us talk")
    from_message = await thread_from(member, channel_id, message["id"])
    on_its_own = await new_thread(member, channel_id, type=12)
    forum = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "ask", "type": 15})
    post = await member.post(
        f"/channels/{forum.json()['id']}/threads",
        json={"name": "Question", "message": {"content": "how?"}},
    )
    assert post.status_code == 201, post.text
    for thread in (from_message, on_its_own, post.json()):
        joined = thread["member"]
        assert joined["id"] == thread["id"] and joined["user_id"] == str(member.id)
        assert joined["join_timestamp"] and joined["flags"] == 0
        fetched = (await member.get(f"/channels/{thread['id']}")).json()
        assert fetched["member"] == joined
    assert post.json()["message"]["id"] == post.json()["id"]


async def test_the_starter_message_shows_the_message_the_thread_was_started_from(
    api: Api,
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "shall we train on Sunday?")
    thread = await thread_from(member, channel_id, message["id"])
    await send(member, thread["id"], "yes")
    starter = (await history(owner, thread["id"]))[-1]
    assert starter["type"] == 21
    reference = starter["message_reference"]
    assert reference["message_id"] == message["id"] and reference["channel_id"] == channel_id
    referenced = starter["referenced_message"]
    assert referenced["id"] == message["id"] and referenced["channel_id"] == channel_id
    assert referenced["content"] == "shall we train on Sunday?"
    assert referenced["author"]["id"] == str(owner.id)
    one = (await owner.get(f"/channels/{thread['id']}/messages/{starter['id']}")).json()
    assert one["referenced_message"]["id"] == message["id"]
