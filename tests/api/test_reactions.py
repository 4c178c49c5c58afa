"""Reactions: add, count, list, remove, moderate; emoji arrive percent-encoded in the path."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, send
from tests.conftest import Account, Api, error_code, event_types
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope

CHECK = "%E2%9C%85"  # ✅ as discord.py sends it
THUMBS = quote("👍")


def reactions_url(channel_id: str, message_id: str, emoji: str = CHECK, who: str = "") -> str:
    url = f"/channels/{channel_id}/messages/{message_id}/reactions/{emoji}"
    return f"{url}/{who}" if who else url


async def react(account: Account, channel_id: str, message_id: str, emoji: str = CHECK) -> None:
    response = await account.put(reactions_url(channel_id, message_id, emoji, "@me"))
    assert response.status_code == 204, response.text


async def reactions_seen_by(account: Account, channel_id: str, message_id: str) -> list[dict]:  # type: ignore[type-arg]
    response = await account.get(f"/channels/{channel_id}/messages/{message_id}")
    assert response.status_code == 200
    found: list[dict] = response.json().get("reactions", [])  # type: ignore[type-arg]
    return found


async def test_percent_encoded_emoji_reaction_is_counted_with_me_per_viewer(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "react to me")
    await react(member, channel_id, message["id"])
    await react(owner, channel_id, message["id"])
    await react(owner, channel_id, message["id"], THUMBS)
    seen_by_member = await reactions_seen_by(member, channel_id, message["id"])
    assert [(r["emoji"]["name"], r["count"], r["me"]) for r in seen_by_member] == [
        ("✅", 2, True),
        ("👍", 1, False),
    ]
    seen_by_owner = await reactions_seen_by(owner, channel_id, message["id"])
    assert [r["me"] for r in seen_by_owner] == [True, True]
    assert event_types(published).count("MESSAGE_REACTION_ADD") == 3


async def test_reacting_twice_with_the_same_emoji_counts_once(
    api: Api, published: list[Envelope]
) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    await react(owner, channel_id, message["id"])
    await react(owner, channel_id, message["id"])
    assert (await reactions_seen_by(owner, channel_id, message["id"]))[0]["count"] == 1
    assert event_types(published).count("MESSAGE_REACTION_ADD") == 1


async def test_without_add_reactions_one_may_join_an_emoji_but_not_add_a_new_one(
    api: Api, app: FastAPI
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    await react(owner, channel_id, message["id"])
    await store_setup.overwrite(app, channel_id, member.id, deny=int(P.ADD_REACTIONS), member=True)
    response = await member.put(reactions_url(channel_id, message["id"], THUMBS, "@me"))
    assert response.status_code == 403 and error_code(response) == 50013
    await react(member, channel_id, message["id"])
    assert [r["count"] for r in await reactions_seen_by(owner, channel_id, message["id"])] == [2]


async def test_reacting_needs_read_message_history_and_membership(api: Api, app: FastAPI) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    stranger = await api.account()
    response = await stranger.put(reactions_url(channel_id, message["id"], CHECK, "@me"))
    assert response.status_code == 403 and error_code(response) == 50001
    await store_setup.overwrite(
        app, channel_id, member.id, deny=int(P.READ_MESSAGE_HISTORY), member=True
    )
    response = await member.put(reactions_url(channel_id, message["id"], CHECK, "@me"))
    assert response.status_code == 403 and error_code(response) == 50013
    assert await reactions_seen_by(owner, channel_id, message["id"]) == []


async def test_timed_out_member_cannot_react(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    await react(owner, channel_id, message["id"])
    await store_setup.time_out(app, guild["id"], member.id)
    response = await member.put(reactions_url(channel_id, message["id"], CHECK, "@me"))
    assert response.status_code == 403 and error_code(response) == 50013


async def test_a_message_holds_at_most_20_distinct_emoji(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    emoji = [chr(code) for code in range(0x1F600, 0x1F615)]
    for face in emoji[:20]:
        await react(owner, channel_id, message["id"], quote(face))
    response = await owner.put(reactions_url(channel_id, message["id"], quote(emoji[20]), "@me"))
    assert response.status_code == 400 and error_code(response) == 30010
    assert len(await reactions_seen_by(owner, channel_id, message["id"])) == 20


async def test_custom_or_invalid_emoji_is_unknown_emoji(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    for emoji in ("party:123456789012345678", "abc", quote("✅ ✅"), quote("👍" * 20)):
        response = await owner.put(reactions_url(channel_id, message["id"], emoji, "@me"))
        assert response.status_code == 404, emoji
        assert error_code(response) == 10014
    assert await reactions_seen_by(owner, channel_id, message["id"]) == []


async def test_composed_emoji_are_accepted(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    for emoji in ("👍🏽", "👩‍💻", "🇫🇷", "1️⃣", "❤️"):
        await react(owner, channel_id, message["id"], quote(emoji))
    names = [r["emoji"]["name"] for r in await reactions_seen_by(owner, channel_id, message["id"])]
    assert names == ["👍🏽", "👩‍💻", "🇫🇷", "1️⃣", "❤️"]


async def test_reacting_to_an_unknown_message_is_10008(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    response = await owner.put(reactions_url(channel_id, "1", CHECK, "@me"))
    assert response.status_code == 404 and error_code(response) == 10008


async def test_listing_who_reacted_pages_by_user_id(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    third = await api.account()
    await third.join(owner, channel_id)
    message = await send(owner, channel_id, "vote")
    for account in (third, owner, member):
        await react(account, channel_id, message["id"])
    url = reactions_url(channel_id, message["id"])
    everyone = sorted([owner.id, member.id, third.id])
    listed = (await member.get(url)).json()
    assert [int(u["id"]) for u in listed] == everyone
    page = (await member.get(url, params={"after": everyone[0], "limit": 1})).json()
    assert [int(u["id"]) for u in page] == [everyone[1]]
    assert (await member.get(url, params={"type": 1})).json() == []
    response = await member.get(url, params={"limit": 101})
    assert response.status_code == 400 and error_code(response) == 50035
    stranger = await api.account()
    response = await stranger.get(url)
    assert response.status_code == 403 and error_code(response) == 50001


async def test_removing_own_reaction(api: Api, published: list[Envelope]) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    await react(member, channel_id, message["id"])
    response = await member.delete(reactions_url(channel_id, message["id"], CHECK, "@me"))
    assert response.status_code == 204
    assert await reactions_seen_by(owner, channel_id, message["id"]) == []
    assert "MESSAGE_REACTION_REMOVE" in event_types(published)


async def test_removing_others_reactions_needs_manage_messages(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    await react(owner, channel_id, message["id"])
    await react(member, channel_id, message["id"])
    response = await member.delete(reactions_url(channel_id, message["id"], CHECK, str(owner.id)))
    assert response.status_code == 403 and error_code(response) == 50013
    response = await owner.delete(reactions_url(channel_id, message["id"], CHECK, str(member.id)))
    assert response.status_code == 204
    assert [r["count"] for r in await reactions_seen_by(owner, channel_id, message["id"])] == [1]


async def test_moderator_clears_all_reactions_or_one_emoji(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    for emoji in (CHECK, THUMBS):
        await react(member, channel_id, message["id"], emoji)
    all_url = f"/channels/{channel_id}/messages/{message['id']}/reactions"
    response = await member.delete(all_url)
    assert response.status_code == 403 and error_code(response) == 50013
    response = await member.delete(reactions_url(channel_id, message["id"], THUMBS))
    assert response.status_code == 403 and error_code(response) == 50013
    assert (await owner.delete(reactions_url(channel_id, message["id"], THUMBS))).status_code == 204
    names = [r["emoji"]["name"] for r in await reactions_seen_by(owner, channel_id, message["id"])]
    assert names == ["✅"]
    assert (await owner.delete(all_url)).status_code == 204
    assert await reactions_seen_by(owner, channel_id, message["id"]) == []
    assert "MESSAGE_REACTION_REMOVE_EMOJI" in event_types(published)
    assert "MESSAGE_REACTION_REMOVE_ALL" in event_types(published)
    stranger = await api.account()
    response = await stranger.delete(all_url)
    assert response.status_code == 403 and error_code(response) == 50001


async def test_reactions_appear_in_history_and_disappear_with_the_message(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hi")
    await react(member, channel_id, message["id"])
    page = (await owner.get(f"/channels/{channel_id}/messages")).json()
    assert page[0]["reactions"][0]["count"] == 1 and page[0]["reactions"][0]["me"] is False
    assert (
        await owner.delete(f"/channels/{channel_id}/messages/{message['id']}")
    ).status_code == 204
    again = await send(owner, channel_id, "new")
    assert (
        "reactions"
        not in (await owner.get(f"/channels/{channel_id}/messages/{again['id']}")).json()
    )
