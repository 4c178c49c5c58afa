"""Threads (docs/threads.md): started from a message or on their own, public or private, with
Discord's permissions (through the parent channel), members, archiving, locking and listing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from fastapi import FastAPI
from sqlalchemy import select

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, history, send
from tests.api.test_scheduled_events_jobs import later
from tests.conftest import Account, Api, error_code, event_types
from townhall.actions import thread_activity
from townhall.domain.models import ChannelType
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope
from townhall.store.schema import jobs

HAS_THREAD = 1 << 5


async def thread_from(account: Account, channel_id: str, message_id: str, **body: Any) -> Any:
    response = await account.post(
        f"/channels/{channel_id}/messages/{message_id}/threads", json={"name": "A topic", **body}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def new_thread(account: Account, channel_id: str, **body: Any) -> Any:
    response = await account.post(
        f"/channels/{channel_id}/threads", json={"name": "Side talk", **body}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def private_thread(account: Account, channel_id: str) -> Any:
    return await new_thread(account, channel_id, type=12, name="Just us")


async def edit(account: Account, thread_id: str, **body: Any) -> Any:
    return await account.patch(f"/channels/{thread_id}", json=body)


# -- starting ----------------------------------------------------------------------------------


async def test_a_thread_started_from_a_message_takes_its_id_and_opens_with_a_starter_message(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "shall we train on Sunday?")
    thread = await thread_from(member, channel_id, message["id"], auto_archive_duration=60)
    assert thread["id"] == message["id"] and thread["type"] == 11
    assert thread["parent_id"] == channel_id and thread["owner_id"] == str(member.id)
    assert thread["guild_id"] == guild["id"] and thread["name"] == "A topic"
    metadata = thread["thread_metadata"]
    assert metadata["archived"] is False and metadata["locked"] is False
    assert metadata["auto_archive_duration"] == 60 and metadata["create_timestamp"]
    assert thread["member_count"] == 1 and thread["message_count"] == 0

    flagged = (await owner.get(f"/channels/{channel_id}/messages/{message['id']}")).json()
    assert flagged["flags"] & HAS_THREAD and flagged["thread"]["id"] == thread["id"]
    (starter,) = await history(owner, thread["id"])
    assert starter["type"] == 21 and starter["channel_id"] == thread["id"]
    assert starter["message_reference"]["message_id"] == message["id"]
    assert starter["message_reference"]["channel_id"] == channel_id
    assert {"THREAD_CREATE", "MESSAGE_UPDATE"} <= set(event_types(published))
    fetched = (await member.get(f"/channels/{thread['id']}")).json()
    assert fetched["member"]["user_id"] == str(member.id)
    assert "member" not in (await owner.get(f"/channels/{thread['id']}")).json()


async def test_a_message_has_one_thread_at_most(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "one topic")
    await thread_from(owner, channel_id, message["id"])
    again = await member.post(
        f"/channels/{channel_id}/messages/{message['id']}/threads", json={"name": "another"}
    )
    assert again.status_code == 400 and error_code(again) == 160004


async def test_without_create_public_threads_a_member_cannot_start_one(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "no threads here")
    await store_setup.overwrite(app, channel_id, guild["id"], deny=int(P.CREATE_PUBLIC_THREADS))
    refused = await member.post(
        f"/channels/{channel_id}/messages/{message['id']}/threads", json={"name": "mine"}
    )
    assert refused.status_code == 403 and error_code(refused) == 50013
    on_its_own = await member.post(
        f"/channels/{channel_id}/threads", json={"name": "x", "type": 11}
    )
    assert on_its_own.status_code == 403 and error_code(on_its_own) == 50013
    assert (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"] == []


async def test_without_create_private_threads_no_private_thread_is_started(
    api: Api, app: FastAPI
) -> None:
    _owner, member, guild, channel_id = await guild_with_member(api)
    await store_setup.overwrite(app, channel_id, guild["id"], deny=int(P.CREATE_PRIVATE_THREADS))
    refused = await member.post(f"/channels/{channel_id}/threads", json={"name": "x", "type": 12})
    assert refused.status_code == 403 and error_code(refused) == 50013
    public = await member.post(f"/channels/{channel_id}/threads", json={"name": "y", "type": 11})
    assert public.status_code == 201


async def test_a_stranger_cannot_start_a_thread_or_see_one(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hello")
    thread = await thread_from(owner, channel_id, message["id"])
    stranger = await api.account("stranger")
    refused = await stranger.post(
        f"/channels/{channel_id}/messages/{message['id']}/threads", json={"name": "x"}
    )
    assert refused.status_code == 403 and error_code(refused) == 50001
    for path in (f"/channels/{thread['id']}", f"/channels/{thread['id']}/messages"):
        response = await stranger.get(path)
        assert response.status_code == 403 and error_code(response) == 50001
    joined = await stranger.put(f"/channels/{thread['id']}/thread-members/@me")
    assert joined.status_code == 403 and error_code(joined) == 50001


async def test_a_public_thread_on_its_own_is_announced_in_its_channel(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(member, channel_id, type=11, name="Kit order")
    assert thread["type"] == 11 and thread["owner_id"] == str(member.id)
    notice = (await history(owner, channel_id))[0]
    assert notice["type"] == 18 and notice["content"] == "Kit order"
    assert notice["message_reference"]["channel_id"] == thread["id"]
    assert await history(owner, thread["id"]) == []


async def test_threads_are_not_among_the_guilds_channels(api: Api) -> None:
    owner, _member, guild, channel_id = await guild_with_member(api)
    thread = await new_thread(owner, channel_id, type=11)
    listed = (await owner.get(f"/guilds/{guild['id']}/channels")).json()
    assert thread["id"] not in {c["id"] for c in listed}


async def test_bad_thread_bodies_are_refused(api: Api, app: FastAPI) -> None:
    owner, _member, guild, channel_id = await guild_with_member(api)
    for body in (
        {"name": "x", "auto_archive_duration": 30},
        {"name": ""},
        {"name": "x", "type": 0},
        {"name": "x", "type": 99},
        {"name": "x", "rate_limit_per_user": -1},
    ):
        response = await owner.post(f"/channels/{channel_id}/threads", json=body)
        assert response.status_code == 400 and error_code(response) == 50035, body
    announcements = await store_setup.channel(app, guild["id"], ChannelType.GUILD_ANNOUNCEMENT)
    private = await owner.post(f"/channels/{announcements}/threads", json={"name": "x", "type": 12})
    assert private.status_code == 400 and error_code(private) == 50035
    voice = next(c["id"] for c in guild["channels"] if c["type"] == 2)
    response = await owner.post(f"/channels/{voice}/threads", json={"name": "x"})
    assert response.status_code == 400 and error_code(response) == 50024
    assert (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"] == []


async def test_a_thread_has_no_threads(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(owner, channel_id, type=11)
    said = await send(owner, thread["id"], "inside")
    nested = await owner.post(
        f"/channels/{thread['id']}/messages/{said['id']}/threads", json={"name": "deeper"}
    )
    assert nested.status_code == 400 and error_code(nested) == 50024


# -- who sees and who writes ----------------------------------------------------------------------


async def test_a_private_thread_is_seen_by_its_members_and_thread_managers_only(
    api: Api, app: FastAPI
) -> None:
    owner, creator, guild, channel_id = await guild_with_member(api)
    other, moderator = await api.account("other"), await api.account("mod")
    for person in (other, moderator):
        await person.join(owner, channel_id)
    await store_setup.give_role(app, guild["id"], [moderator.id], int(P.MANAGE_THREADS))
    thread = await private_thread(creator, channel_id)
    assert thread["type"] == 12 and thread["thread_metadata"]["invitable"] is True
    await send(creator, thread["id"], "between us")

    for path in (f"/channels/{thread['id']}", f"/channels/{thread['id']}/messages"):
        response = await other.get(path)
        assert response.status_code == 403 and error_code(response) == 50001
    refused = await other.post(f"/channels/{thread['id']}/messages", json={"content": "me too"})
    assert refused.status_code == 403 and error_code(refused) == 50001
    assert (await other.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"] == []
    assert [m["content"] for m in await history(moderator, thread["id"])] == ["between us"]
    listed = (await moderator.get(f"/guilds/{guild['id']}/threads/active")).json()
    assert [t["id"] for t in listed["threads"]] == [thread["id"]]

    added = await creator.put(f"/channels/{thread['id']}/thread-members/{other.id}")
    assert added.status_code == 204
    assert [m["content"] for m in await history(other, thread["id"])] == ["between us"]
    await send(other, thread["id"], "thanks")
    assert (await owner.get(f"/channels/{thread['id']}")).json()["member_count"] == 2


async def test_send_messages_in_threads_decides_writing_in_a_thread_not_send_messages(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    thread = await new_thread(owner, channel_id, type=11)
    await store_setup.overwrite(
        app,
        channel_id,
        guild["id"],
        allow=int(P.SEND_MESSAGES_IN_THREADS),
        deny=int(P.SEND_MESSAGES),
    )
    said = await send(member, thread["id"], "a reply in the thread")
    assert said["channel_id"] == thread["id"]
    refused = await member.post(f"/channels/{channel_id}/messages", json={"content": "top"})
    assert refused.status_code == 403 and error_code(refused) == 50013
    await store_setup.overwrite(app, channel_id, guild["id"], deny=int(P.SEND_MESSAGES_IN_THREADS))
    refused = await member.post(f"/channels/{thread['id']}/messages", json={"content": "again"})
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert [m["content"] for m in await history(owner, thread["id"])] == ["a reply in the thread"]


async def test_a_thread_follows_its_channels_overwrites(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    thread = await new_thread(owner, channel_id, type=11)
    await send(owner, thread["id"], "visible for now")
    await store_setup.overwrite(app, channel_id, guild["id"], deny=int(P.VIEW_CHANNEL))
    response = await member.get(f"/channels/{thread['id']}/messages")
    assert response.status_code == 403 and error_code(response) == 50001


async def test_a_community_announcement_takes_comments_in_its_threads(api: Api) -> None:
    owner, member, guild, _general = await guild_with_member(api)
    made = await owner.patch(f"/guilds/{guild['id']}", json={"features": ["COMMUNITY"]})
    assert made.status_code == 200, made.text
    announcements = made.json()["announcements_channel_id"]
    post = await send(owner, announcements, "Season starts on Monday")
    refused = await member.post(f"/channels/{announcements}/messages", json={"content": "yay"})
    assert refused.status_code == 403 and error_code(refused) == 50013

    thread = await thread_from(owner, announcements, post["id"], name="Comments")
    assert thread["type"] == 10
    # The community denies SEND_MESSAGES_IN_THREADS to @everyone too: no comments yet.
    closed = await member.post(f"/channels/{thread['id']}/messages", json={"content": "yay"})
    assert closed.status_code == 403 and error_code(closed) == 50013
    overwrite = next(
        o
        for o in (await owner.get(f"/channels/{announcements}")).json()["permission_overwrites"]
        if o["id"] == guild["id"]
    )
    deny = int(overwrite["deny"]) & ~int(P.SEND_MESSAGES_IN_THREADS)
    opened = await owner.put(
        f"/channels/{announcements}/permissions/{guild['id']}",
        json={"type": 0, "allow": overwrite["allow"], "deny": str(deny)},
    )
    assert opened.status_code == 204, opened.text
    comment = await send(member, thread["id"], "see you there")
    assert comment["channel_id"] == thread["id"]
    again = await member.post(f"/channels/{announcements}/messages", json={"content": "yay"})
    assert again.status_code == 403 and error_code(again) == 50013


# -- locking and archiving ----------------------------------------------------------------------


async def test_a_locked_thread_takes_manage_threads_to_write(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(member, channel_id, type=11)
    refused = await edit(member, thread["id"], locked=True)
    assert refused.status_code == 403 and error_code(refused) == 50013
    locked = await edit(owner, thread["id"], locked=True)
    assert locked.status_code == 200 and locked.json()["thread_metadata"]["locked"] is True
    response = await member.post(f"/channels/{thread['id']}/messages", json={"content": "hi"})
    assert response.status_code == 403 and error_code(response) == 160005
    renamed = await edit(member, thread["id"], name="mine still")
    assert renamed.status_code == 403 and error_code(renamed) == 50013
    await send(owner, thread["id"], "moderators may")


async def test_sending_reopens_an_archived_thread_unless_it_is_locked(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(member, channel_id, type=11)
    archived = await edit(member, thread["id"], archived=True)
    assert archived.status_code == 200 and archived.json()["thread_metadata"]["archived"] is True
    renamed = await edit(member, thread["id"], name="while archived")
    assert renamed.status_code == 400 and error_code(renamed) == 50083
    joined = await owner.put(f"/channels/{thread['id']}/thread-members/@me")
    assert joined.status_code == 400 and error_code(joined) == 50083

    published.clear()
    await send(member, thread["id"], "back to it")
    assert event_types(published)[:1] == ["THREAD_UPDATE"]
    reopened = (await member.get(f"/channels/{thread['id']}")).json()
    assert reopened["thread_metadata"]["archived"] is False and reopened["message_count"] == 1

    closed = await edit(owner, thread["id"], archived=True, locked=True)
    assert closed.status_code == 200
    response = await member.post(f"/channels/{thread['id']}/messages", json={"content": "x"})
    assert response.status_code == 400 and error_code(response) == 50083
    unarchive = await edit(member, thread["id"], archived=False)
    assert unarchive.status_code == 403 and error_code(unarchive) == 50013
    await send(owner, thread["id"], "reopened by a moderator")
    assert (await owner.get(f"/channels/{thread['id']}")).json()["thread_metadata"]["archived"] is (
        False
    )


async def test_who_may_change_what_on_a_thread(api: Api, app: FastAPI) -> None:
    owner, creator, guild, channel_id = await guild_with_member(api)
    other = await api.account("other")
    await other.join(owner, channel_id)
    thread = await new_thread(creator, channel_id, type=11, name="first name")
    for body in ({"name": "hijacked"}, {"archived": True}, {"auto_archive_duration": 60}):
        response = await edit(other, thread["id"], **body)
        assert response.status_code == 403 and error_code(response) == 50013, body
    for body in ({"rate_limit_per_user": 5}, {"locked": True}):
        response = await edit(creator, thread["id"], **body)
        assert response.status_code == 403 and error_code(response) == 50013, body
    renamed = await edit(creator, thread["id"], name="second name", auto_archive_duration=4320)
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert (
        body["name"] == "second name" and body["thread_metadata"]["auto_archive_duration"] == 4320
    )
    bad = await edit(creator, thread["id"], auto_archive_duration=5)
    assert bad.status_code == 400 and error_code(bad) == 50035
    await store_setup.give_role(app, guild["id"], [other.id], int(P.MANAGE_THREADS))
    moderated = await edit(other, thread["id"], rate_limit_per_user=5, locked=True)
    assert moderated.status_code == 200 and moderated.json()["rate_limit_per_user"] == 5


async def test_deleting_a_thread_takes_manage_threads_and_takes_its_messages(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "start here")
    thread = await thread_from(member, channel_id, message["id"])
    await send(member, thread["id"], "inside")
    refused = await member.delete(f"/channels/{thread['id']}")
    assert refused.status_code == 403 and error_code(refused) == 50013
    deleted = await owner.delete(f"/channels/{thread['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == thread["id"]
    assert "THREAD_DELETE" in event_types(published)
    gone = await owner.get(f"/channels/{thread['id']}")
    assert gone.status_code == 404 and error_code(gone) == 10003
    kept = (await owner.get(f"/channels/{channel_id}/messages/{message['id']}")).json()
    assert not kept["flags"] & HAS_THREAD and "thread" not in kept


async def test_deleting_a_channel_deletes_its_threads(api: Api, app: FastAPI) -> None:
    owner, _member, guild, _general = await guild_with_member(api)
    made = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "temp"})
    channel_id = made.json()["id"]
    thread = await new_thread(owner, channel_id, type=11)
    assert (await owner.delete(f"/channels/{channel_id}")).status_code == 200
    assert (await owner.get(f"/channels/{thread['id']}")).status_code == 404
    assert (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"] == []


# -- members -----------------------------------------------------------------------------------


async def test_joining_leaving_and_listing_a_threads_members(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(owner, channel_id, type=11)
    published.clear()
    assert (await member.put(f"/channels/{thread['id']}/thread-members/@me")).status_code == 204
    assert event_types(published) == ["THREAD_MEMBERS_UPDATE", "THREAD_MEMBER_UPDATE"]
    listed = (await member.get(f"/channels/{thread['id']}/thread-members")).json()
    assert sorted(int(m["user_id"]) for m in listed) == sorted([owner.id, member.id])
    assert all(m["id"] == thread["id"] and m["join_timestamp"] for m in listed)
    one = await owner.get(
        f"/channels/{thread['id']}/thread-members/{member.id}", params={"with_member": "true"}
    )
    assert one.status_code == 200 and one.json()["member"]["user"]["id"] == str(member.id)
    page = await owner.get(
        f"/channels/{thread['id']}/thread-members",
        params={"limit": 1, "after": min(owner.id, member.id)},
    )
    assert [int(m["user_id"]) for m in page.json()] == [max(owner.id, member.id)]
    assert (await member.delete(f"/channels/{thread['id']}/thread-members/@me")).status_code == 204
    missing = await owner.get(f"/channels/{thread['id']}/thread-members/{member.id}")
    assert missing.status_code == 404 and error_code(missing) == 10007
    assert (await owner.get(f"/channels/{thread['id']}")).json()["member_count"] == 1


async def test_adding_and_removing_others(api: Api, app: FastAPI) -> None:
    owner, creator, guild, channel_id = await guild_with_member(api)
    other, outsider = await api.account("other"), await api.account("outsider")
    await other.join(owner, channel_id)
    thread = await private_thread(creator, channel_id)
    stranger = await creator.put(f"/channels/{thread['id']}/thread-members/{outsider.id}")
    assert stranger.status_code == 404 and error_code(stranger) == 10007
    assert (await creator.put(f"/channels/{thread['id']}/thread-members/{other.id}")).is_success
    refused = await other.delete(f"/channels/{thread['id']}/thread-members/{creator.id}")
    assert refused.status_code == 403 and error_code(refused) == 50013
    removed = await creator.delete(f"/channels/{thread['id']}/thread-members/{other.id}")
    assert removed.status_code == 204
    response = await other.get(f"/channels/{thread['id']}/messages")
    assert response.status_code == 403 and error_code(response) == 50001

    closed = await edit(owner, thread["id"], invitable=False)
    assert closed.status_code == 200 and closed.json()["thread_metadata"]["invitable"] is False
    refused = await creator.put(f"/channels/{thread['id']}/thread-members/{other.id}")
    assert refused.status_code == 403 and error_code(refused) == 50013
    hidden = await store_setup.channel(app, guild["id"], ChannelType.GUILD_TEXT, "hidden")
    await store_setup.overwrite(app, hidden, guild["id"], deny=int(P.VIEW_CHANNEL))
    await store_setup.overwrite(app, hidden, creator.id, allow=int(P.VIEW_CHANNEL), member=True)
    inner = await new_thread(creator, hidden, type=11)
    blind = await creator.put(f"/channels/{inner['id']}/thread-members/{other.id}")
    assert blind.status_code == 403 and error_code(blind) == 50001


# -- lists -------------------------------------------------------------------------------------


async def test_archived_threads_are_listed_last_archived_first(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    made = [await new_thread(owner, channel_id, type=11, name=f"t{i}") for i in range(3)]
    for thread in made:
        assert (await edit(owner, thread["id"], archived=True)).status_code == 200
    path = f"/channels/{channel_id}/threads/archived/public"
    first = (await member.get(path, params={"limit": 2})).json()
    assert [t["name"] for t in first["threads"]] == ["t2", "t1"] and first["has_more"] is True
    before = first["threads"][-1]["thread_metadata"]["archive_timestamp"]
    rest = (await member.get(path, params={"limit": 2, "before": before})).json()
    assert [t["name"] for t in rest["threads"]] == ["t0"] and rest["has_more"] is False
    assert [m["id"] for m in first["members"]] == []
    mine = (await owner.get(path)).json()
    assert {m["id"] for m in mine["members"]} == {t["id"] for t in made}
    bad = await member.get(path, params={"before": "yesterday"})
    assert bad.status_code == 400 and error_code(bad) == 50035


async def test_private_archived_threads_need_manage_threads_unless_joined(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    thread = await private_thread(member, channel_id)
    assert (await edit(member, thread["id"], archived=True)).status_code == 200
    refused = await member.get(f"/channels/{channel_id}/threads/archived/private")
    assert refused.status_code == 403 and error_code(refused) == 50013
    joined = (await member.get(f"/channels/{channel_id}/users/@me/threads/archived/private")).json()
    assert [t["id"] for t in joined["threads"]] == [thread["id"]]
    everyone = (await owner.get(f"/channels/{channel_id}/threads/archived/private")).json()
    assert [t["id"] for t in everyone["threads"]] == [thread["id"]]
    public = (await owner.get(f"/channels/{channel_id}/threads/archived/public")).json()
    assert public["threads"] == []
    await store_setup.overwrite(app, channel_id, guild["id"], deny=int(P.READ_MESSAGE_HISTORY))
    blind = await member.get(f"/channels/{channel_id}/threads/archived/public")
    assert blind.status_code == 403 and error_code(blind) == 50013


async def test_active_threads_of_a_guild_are_those_one_may_see(api: Api) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    public = await new_thread(owner, channel_id, type=11)
    private = await private_thread(owner, channel_id)
    archived = await new_thread(owner, channel_id, type=11, name="old")
    await edit(owner, archived["id"], archived=True)
    mine = (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()
    assert [t["id"] for t in mine["threads"]] == [private["id"], public["id"]]
    assert {m["id"] for m in mine["members"]} == {private["id"], public["id"]}
    theirs = (await member.get(f"/guilds/{guild['id']}/threads/active")).json()
    assert [t["id"] for t in theirs["threads"]] == [public["id"]] and theirs["members"] == []
    stranger = await api.account("stranger")
    response = await stranger.get(f"/guilds/{guild['id']}/threads/active")
    assert response.status_code == 403 and error_code(response) == 50001


# -- archiving itself (a durable job) -----------------------------------------------------------


async def archive_jobs(app: FastAPI, thread_id: str) -> list[dict[str, Any]]:
    async with store_setup.services(app).engine.connect() as conn:
        rows = await conn.execute(
            select(jobs.c.payload, jobs.c.run_at)
            .where(jobs.c.kind == "thread.archive", jobs.c.finished_at.is_(None))
            .order_by(jobs.c.run_at)
        )
        found = [{**orjson.loads(p), "run_at": r} for p, r in rows.all()]
    return [j for j in found if str(j["thread_id"]) == thread_id]


async def test_a_thread_archives_itself_after_its_inactivity(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(member, channel_id, type=11, auto_archive_duration=60)
    (scheduled,) = await archive_jobs(app, thread["id"])
    payload = {"thread_id": int(thread["id"])}

    await send(member, thread["id"], "still talking")
    await thread_activity.archive_when_idle.run(later(app, timedelta(minutes=59)), payload)
    assert (await owner.get(f"/channels/{thread['id']}")).json()["thread_metadata"]["archived"] is (
        False
    )
    rescheduled = await archive_jobs(app, thread["id"])
    assert any(j["run_at"] > scheduled["run_at"] for j in rescheduled)

    published.clear()
    await thread_activity.archive_when_idle.run(later(app, timedelta(minutes=61)), payload)
    archived = (await owner.get(f"/channels/{thread['id']}")).json()
    assert archived["thread_metadata"]["archived"] is True
    assert event_types(published) == ["THREAD_UPDATE"]
    public = (await member.get(f"/channels/{channel_id}/threads/archived/public")).json()
    assert [t["id"] for t in public["threads"]] == [thread["id"]]
    await thread_activity.archive_when_idle.run(later(app, timedelta(minutes=200)), payload)
    assert event_types(published) == ["THREAD_UPDATE"], "running it again changes nothing"


async def test_a_pinned_forum_post_never_archives_itself(api: Api, app: FastAPI) -> None:
    owner, _member, guild, _general = await guild_with_member(api)
    forum = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "faq", "type": 15})
    post = await owner.post(
        f"/channels/{forum.json()['id']}/threads",
        json={"name": "Read me", "auto_archive_duration": 60, "message": {"content": "Rules"}},
    )
    thread = post.json()
    assert (await edit(owner, thread["id"], flags=1 << 1)).status_code == 200
    await thread_activity.archive_when_idle.run(
        later(app, timedelta(days=30)), {"thread_id": int(thread["id"])}
    )
    assert (await owner.get(f"/channels/{thread['id']}")).json()["thread_metadata"]["archived"] is (
        False
    )


async def test_who_cannot_see_a_thread_cannot_read_its_members_or_lists(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    private = await private_thread(owner, channel_id)
    stranger = await api.account("stranger")
    for account in (member, stranger):
        for path in (
            f"/channels/{private['id']}/thread-members",
            f"/channels/{private['id']}/thread-members/{owner.id}",
        ):
            response = await account.get(path)
            assert response.status_code == 403 and error_code(response) == 50001, path
        added = await account.put(f"/channels/{private['id']}/thread-members/{account.id}")
        assert added.status_code == 403 and error_code(added) == 50001
    for path in (
        f"/channels/{channel_id}/threads/archived/public",
        f"/channels/{channel_id}/threads/archived/private",
        f"/channels/{channel_id}/users/@me/threads/archived/private",
    ):
        response = await stranger.get(path)
        assert response.status_code == 403 and error_code(response) == 50001, path
    started = await stranger.post(f"/channels/{channel_id}/threads", json={"name": "x"})
    assert started.status_code == 403 and error_code(started) == 50001


async def test_deleted_messages_leave_the_threads_message_count(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    thread = await new_thread(member, channel_id, type=11)
    sent = [await send(member, thread["id"], f"note {n}") for n in range(4)]
    count = (await member.get(f"/channels/{thread['id']}")).json()["message_count"]
    assert count == 4
    gone = await member.delete(f"/channels/{thread['id']}/messages/{sent[0]['id']}")
    assert gone.status_code == 204
    bulk = await owner.post(
        f"/channels/{thread['id']}/messages/bulk-delete",
        json={"messages": [sent[1]["id"], sent[2]["id"]]},
    )
    assert bulk.status_code == 204, bulk.text
    after = (await member.get(f"/channels/{thread['id']}")).json()
    assert after["message_count"] == 1 and after["total_message_sent"] == 4
