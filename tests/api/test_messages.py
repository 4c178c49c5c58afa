"""Sending messages: limits, permissions, mentions, replies, nonces, slowmode, embeds, typing."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

from tests.api import store_setup
from tests.conftest import Account, Api, error_code, event_types, text_channel
from townhall.domain.models import ChannelType
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope

SEND = int(P.SEND_MESSAGES)


async def guild_with_member(api: Api) -> tuple[Account, Account, dict[str, Any], str]:
    """An owner, a plain member who joined by invite, the guild and its text channel id."""
    owner = await api.account("owner")
    member = await api.account("member")
    guild = await owner.guild()
    channel_id = text_channel(guild)["id"]
    await member.join(owner, channel_id)
    return owner, member, guild, channel_id


async def send(account: Account, channel_id: str, content: str = "hello", **body: Any) -> Any:
    response = await account.post(
        f"/channels/{channel_id}/messages", json={"content": content, **body}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def history(account: Account, channel_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await account.get(f"/channels/{channel_id}/messages", params=params)
    assert response.status_code == 200, response.text
    page: list[dict[str, Any]] = response.json()
    return page


# --- sending ---------------------------------------------------------------------------------


async def test_member_sends_a_message_that_others_read_back(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    sent = await send(member, channel_id, "hello world", tts=False)
    assert sent["content"] == "hello world"
    assert sent["author"]["id"] == str(member.id)
    assert sent["channel_id"] == channel_id
    assert sent["guild_id"] == guild["id"]
    assert sent["type"] == 0
    assert sent["timestamp"] and sent["edited_timestamp"] is None
    assert [m["id"] for m in await history(owner, channel_id)] == [sent["id"]]
    channel = (await owner.get(f"/channels/{channel_id}")).json()
    assert channel["last_message_id"] == sent["id"]
    created = [e for e in published if e.type == "MESSAGE_CREATE"]
    assert len(created) == 1
    assert created[0].guild_id == int(guild["id"]) and created[0].channel_id == int(channel_id)


async def test_message_event_carries_the_authors_membership(
    api: Api, published: list[Envelope]
) -> None:
    _owner, member, guild, channel_id = await guild_with_member(api)
    await send(member, channel_id)
    created = next(e for e in published if e.type == "MESSAGE_CREATE")
    assert b'"member"' in created.data and guild["id"].encode() in created.data


async def test_content_longer_than_2000_characters_is_refused_and_nothing_is_stored(
    api: Api,
) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    response = await owner.post(f"/channels/{channel_id}/messages", json={"content": "x" * 2001})
    assert response.status_code == 400
    assert error_code(response) == 50035
    assert response.json()["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert await history(owner, channel_id) == []
    assert (
        await owner.post(f"/channels/{channel_id}/messages", json={"content": "x" * 2000})
    ).status_code == 200


async def test_empty_message_is_refused_with_50006(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    bodies: list[dict[str, Any]] = [{"content": ""}, {}, {"content": "   "}, {"content": None}]
    for body in bodies:
        response = await owner.post(f"/channels/{channel_id}/messages", json=body)
        assert response.status_code == 400, body
        assert error_code(response) == 50006
    assert await history(owner, channel_id) == []


async def test_member_denied_send_messages_by_role_overwrite_gets_50013(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    muted = await store_setup.give_role(app, guild["id"], [member.id], 0)
    await store_setup.overwrite(app, channel_id, muted, deny=SEND)
    response = await member.post(f"/channels/{channel_id}/messages", json={"content": "hi"})
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert await history(owner, channel_id) == []


async def test_non_member_cannot_send_or_read(api: Api) -> None:
    _owner, _member, _guild, channel_id = await guild_with_member(api)
    stranger = await api.account("stranger")
    response = await stranger.post(f"/channels/{channel_id}/messages", json={"content": "hi"})
    assert response.status_code == 403 and error_code(response) == 50001
    response = await stranger.get(f"/channels/{channel_id}/messages")
    assert response.status_code == 403 and error_code(response) == 50001


async def test_unknown_channel_is_404_10003(api: Api) -> None:
    owner = await api.account()
    response = await owner.post("/channels/12345/messages", json={"content": "hi"})
    assert response.status_code == 404 and error_code(response) == 10003


async def test_timed_out_member_cannot_send(api: Api, app: FastAPI) -> None:
    _owner, member, guild, channel_id = await guild_with_member(api)
    await store_setup.time_out(app, guild["id"], member.id)
    response = await member.post(f"/channels/{channel_id}/messages", json={"content": "hi"})
    assert response.status_code == 403 and error_code(response) == 50013


async def test_categories_and_forums_hold_no_messages_but_announcement_channels_do(
    api: Api, app: FastAPI
) -> None:
    owner, _member, guild, _channel_id = await guild_with_member(api)
    category = next(c for c in guild["channels"] if c["type"] == 4)["id"]
    forum = await store_setup.channel(app, guild["id"], ChannelType.GUILD_FORUM)
    for channel_id in (category, forum):
        response = await owner.post(f"/channels/{channel_id}/messages", json={"content": "hi"})
        assert response.status_code == 400 and error_code(response) == 50024
    news = await store_setup.channel(app, guild["id"], ChannelType.GUILD_ANNOUNCEMENT)
    assert (await send(owner, news, "news"))["channel_id"] == news


async def test_direct_messages_reach_only_their_recipients(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    alice, bob, outsider = await api.account(), await api.account(), await api.account()
    channel_id = await store_setup.dm(app, alice.id, bob.id)
    sent = await send(alice, channel_id, "psst")
    assert "guild_id" not in sent
    assert [m["content"] for m in await history(bob, channel_id)] == ["psst"]
    event = next(e for e in published if e.type == "MESSAGE_CREATE")
    assert event.user_ids == frozenset({alice.id, bob.id})
    response = await outsider.post(f"/channels/{channel_id}/messages", json={"content": "hi"})
    assert response.status_code == 403 and error_code(response) == 50001


async def test_tts_needs_send_tts_messages_else_the_message_is_sent_without_it(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    assert (await send(owner, channel_id, "read aloud", tts=True))["tts"] is True
    assert (await send(member, channel_id, "read aloud", tts=True))["tts"] is False


# --- nonces ----------------------------------------------------------------------------------


async def test_enforced_nonce_sent_twice_creates_one_message(
    api: Api, published: list[Envelope]
) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    body: dict[str, Any] = {"nonce": "retry-123", "enforce_nonce": True}
    first = await send(owner, channel_id, "once", **body)
    second = await send(owner, channel_id, "once", **body)
    assert first["id"] == second["id"]
    assert second["nonce"] == "retry-123"
    assert len(await history(owner, channel_id)) == 1
    assert event_types(published).count("MESSAGE_CREATE") == 1


async def test_concurrent_retries_with_an_enforced_nonce_create_one_message(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    body: dict[str, Any] = {"nonce": "race-1", "enforce_nonce": True}
    results = await asyncio.gather(*(send(owner, channel_id, "racing", **body) for _ in range(5)))
    assert len({message["id"] for message in results}) == 1
    assert len(await history(owner, channel_id)) == 1


async def test_same_nonce_without_enforcement_or_from_another_author_makes_new_messages(
    api: Api,
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    await send(owner, channel_id, nonce="n1", enforce_nonce=True)
    await send(member, channel_id, nonce="n1", enforce_nonce=True)
    await send(owner, channel_id, nonce="n1")
    assert len(await history(owner, channel_id)) == 3


async def test_nonce_is_echoed_and_limited_to_25_characters(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    assert (await send(owner, channel_id, nonce=123456789))["nonce"] == "123456789"
    response = await owner.post(
        f"/channels/{channel_id}/messages", json={"content": "hi", "nonce": "n" * 26}
    )
    assert response.status_code == 400 and "nonce" in response.json()["errors"]
    assert len(await history(owner, channel_id)) == 1


# --- mentions --------------------------------------------------------------------------------


async def test_everyone_without_mention_everyone_does_not_ping(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    assert (await send(member, channel_id, "@everyone look"))["mention_everyone"] is False
    assert (await send(member, channel_id, "@here look"))["mention_everyone"] is False
    assert (await send(owner, channel_id, "@everyone look"))["mention_everyone"] is True


async def test_user_mentions_list_only_existing_members(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    outsider = await api.account()
    content = f"<@{member.id}> <@!{owner.id}> <@{outsider.id}> <@999> <@{member.id}>"
    sent = await send(owner, channel_id, content)
    assert [u["id"] for u in sent["mentions"]] == [str(member.id), str(owner.id)]
    fetched = await owner.get(f"/channels/{channel_id}/messages/{sent['id']}")
    assert [u["id"] for u in fetched.json()["mentions"]] == [str(member.id), str(owner.id)]


async def test_role_mentions_ping_mentionable_roles_or_with_mention_everyone(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    open_role = await store_setup.give_role(app, guild["id"], [], 0, mentionable=True)
    closed_role = await store_setup.give_role(app, guild["id"], [], 0)
    content = f"<@&{open_role}> <@&{closed_role}> <@&{guild['id']}> <@&424242>"
    assert (await send(member, channel_id, content))["mention_roles"] == [str(open_role)]
    by_owner = await send(owner, channel_id, content)
    assert by_owner["mention_roles"] == [str(open_role), str(closed_role)]


async def test_allowed_mentions_filter_what_is_pinged(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    content = f"@everyone <@{member.id}> <@{owner.id}>"
    nothing = await send(owner, channel_id, content, allowed_mentions={"parse": []})
    assert nothing["mentions"] == [] and nothing["mention_everyone"] is False
    listed = await send(owner, channel_id, content, allowed_mentions={"users": [str(member.id)]})
    assert [u["id"] for u in listed["mentions"]] == [str(member.id)]
    assert listed["mention_everyone"] is False
    everyone = await send(owner, channel_id, content, allowed_mentions={"parse": ["everyone"]})
    assert everyone["mention_everyone"] is True and everyone["mentions"] == []


async def test_allowed_mentions_parse_and_list_of_the_same_kind_is_refused(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    for allowed in (
        {"parse": ["users"], "users": [str(member.id)]},
        {"parse": ["nobody"]},
    ):
        response = await owner.post(
            f"/channels/{channel_id}/messages",
            json={"content": f"<@{member.id}>", "allowed_mentions": allowed},
        )
        assert response.status_code == 400 and error_code(response) == 50035
        assert "allowed_mentions" in response.json()["errors"]
    assert await history(owner, channel_id) == []


# --- replies ---------------------------------------------------------------------------------


async def test_reply_references_the_original_and_pings_its_author_by_default(api: Api) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    original = await send(member, channel_id, "question?")
    reply = await send(
        owner, channel_id, "answer", message_reference={"message_id": original["id"]}
    )
    assert reply["type"] == 19
    assert reply["message_reference"] == {
        "type": 0,
        "message_id": original["id"],
        "channel_id": channel_id,
        "guild_id": guild["id"],
    }
    assert reply["referenced_message"]["content"] == "question?"
    assert [u["id"] for u in reply["mentions"]] == [str(member.id)]
    quiet = await send(
        owner,
        channel_id,
        "answer",
        message_reference={"message_id": original["id"]},
        allowed_mentions={"parse": [], "replied_user": False},
    )
    assert quiet["mentions"] == []
    newest = (await history(owner, channel_id, limit=1))[0]
    assert newest["referenced_message"]["id"] == original["id"]


async def test_reply_to_a_deleted_message_shows_null_referenced_message(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    original = await send(owner, channel_id, "soon gone")
    reply = await send(owner, channel_id, "re", message_reference={"message_id": original["id"]})
    assert (
        await owner.delete(f"/channels/{channel_id}/messages/{original['id']}")
    ).status_code == 204
    fetched = (await owner.get(f"/channels/{channel_id}/messages/{reply['id']}")).json()
    assert fetched["referenced_message"] is None
    assert fetched["message_reference"]["message_id"] == original["id"]


async def test_reply_to_an_unknown_message_fails_unless_asked_not_to(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    response = await owner.post(
        f"/channels/{channel_id}/messages",
        json={"content": "re", "message_reference": {"message_id": "123"}},
    )
    assert response.status_code == 400 and error_code(response) == 50035
    assert "message_reference" in response.json()["errors"]
    assert await history(owner, channel_id) == []
    plain = await send(
        owner,
        channel_id,
        "re",
        message_reference={"message_id": "123", "fail_if_not_exists": False},
    )
    assert plain["type"] == 0 and "message_reference" not in plain


async def test_reply_to_a_message_of_another_channel_is_refused(api: Api, app: FastAPI) -> None:
    owner, _member, guild, channel_id = await guild_with_member(api)
    other = await store_setup.channel(app, guild["id"], ChannelType.GUILD_TEXT)
    elsewhere = await send(owner, other, "over there")
    for reference in (
        {"message_id": elsewhere["id"], "channel_id": other},
        {"message_id": elsewhere["id"]},
    ):
        response = await owner.post(
            f"/channels/{channel_id}/messages",
            json={"content": "re", "message_reference": reference},
        )
        assert response.status_code == 400 and error_code(response) == 50035
    assert await history(owner, channel_id) == []


# --- slowmode --------------------------------------------------------------------------------


async def test_slowmode_refuses_a_second_message_with_429_20016(api: Api, app: FastAPI) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    await store_setup.set_slowmode(app, channel_id, 30)
    await send(member, channel_id, "first")
    response = await member.post(f"/channels/{channel_id}/messages", json={"content": "second"})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == 20016
    assert 0 < body["retry_after"] <= 30
    assert [m["content"] for m in await history(owner, channel_id)] == ["first"]


async def test_moderator_with_bypass_slowmode_is_not_slowed(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    moderator = await api.account("mod")
    await moderator.join(owner, channel_id)
    await store_setup.give_role(app, guild["id"], [moderator.id], int(P.BYPASS_SLOWMODE))
    await store_setup.set_slowmode(app, channel_id, 30)
    for text in ("one", "two", "three"):
        await send(moderator, channel_id, text)
        await send(owner, channel_id, text)
    # Since February 2026 MANAGE_MESSAGES alone no longer exempts (Discord's permission split).
    await store_setup.give_role(app, guild["id"], [member.id], int(P.MANAGE_MESSAGES))
    await send(member, channel_id, "one")
    response = await member.post(f"/channels/{channel_id}/messages", json={"content": "two"})
    assert response.status_code == 429


# --- embeds ----------------------------------------------------------------------------------


async def test_embed_only_message_is_stored_and_returned(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    embed = {
        "title": "Release",
        "description": "v1.0",
        "color": 0x00FF00,
        "fields": [{"name": "a", "value": "b"}],
        "footer": {"text": "bot"},
    }
    sent = await send(owner, channel_id, "", embeds=[embed])
    assert sent["embeds"][0]["title"] == "Release" and sent["embeds"][0]["type"] == "rich"
    assert (await history(owner, channel_id))[0]["embeds"][0]["fields"][0]["value"] == "b"


async def test_embed_over_its_limits_is_refused(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    response = await owner.post(
        f"/channels/{channel_id}/messages", json={"embeds": [{"title": "t" * 257}]}
    )
    assert response.status_code == 400
    assert "title" in response.json()["errors"]["embeds"]["0"]
    assert await history(owner, channel_id) == []


# --- typing ----------------------------------------------------------------------------------


async def test_typing_is_announced_to_the_channel(api: Api, published: list[Envelope]) -> None:
    _owner, member, guild, channel_id = await guild_with_member(api)
    assert (await member.post(f"/channels/{channel_id}/typing")).status_code == 204
    typing = next(e for e in published if e.type == "TYPING_START")
    assert typing.channel_id == int(channel_id) and typing.guild_id == int(guild["id"])
    assert str(member.id).encode() in typing.data


async def test_typing_needs_send_messages_and_membership(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    _owner, member, _guild, channel_id = await guild_with_member(api)
    await store_setup.overwrite(app, channel_id, member.id, deny=SEND, member=True)
    response = await member.post(f"/channels/{channel_id}/typing")
    assert response.status_code == 403 and error_code(response) == 50013
    stranger = await api.account()
    response = await stranger.post(f"/channels/{channel_id}/typing")
    assert response.status_code == 403 and error_code(response) == 50001
    assert "TYPING_START" not in event_types(published)
