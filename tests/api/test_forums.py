"""Forum channels (docs/threads.md): tags and defaults, and posts (threads with a title, a first
message with the thread's id, and tags)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, history
from tests.conftest import Account, Api, error_code, event_types
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope

REQUIRE_TAG = 1 << 4
PINNED = 1 << 1


async def forum(owner: Account, guild_id: str, **body: Any) -> dict[str, Any]:
    made = await owner.post(
        f"/guilds/{guild_id}/channels",
        json={
            "name": "Help desk",
            "type": 15,
            "topic": "Be kind. Search first.",
            "available_tags": [
                {"name": "bug", "emoji_name": "🐛"},
                {"name": "staff", "moderated": True},
            ],
            **body,
        },
    )
    assert made.status_code == 201, made.text
    channel: dict[str, Any] = made.json()
    return channel


def tag_id(channel: dict[str, Any], name: str) -> str:
    found: str = next(t["id"] for t in channel["available_tags"] if t["name"] == name)
    return found


async def post(account: Account, forum_id: str, **body: Any) -> Any:
    return await account.post(
        f"/channels/{forum_id}/threads",
        json={"name": "Login fails", "message": {"content": "Since this morning"}, **body},
    )


async def test_a_forum_keeps_its_tags_guidelines_and_defaults(api: Api) -> None:
    owner, member, guild, _general = await guild_with_member(api)
    made = await forum(owner, guild["id"], default_sort_order=1, default_forum_layout=2)
    assert made["type"] == 15 and made["topic"] == "Be kind. Search first."
    assert [t["name"] for t in made["available_tags"]] == ["bug", "staff"]
    bug = next(t for t in made["available_tags"] if t["name"] == "bug")
    assert bug["emoji_name"] == "🐛" and bug["moderated"] is False and bug["emoji_id"] is None
    assert made["default_sort_order"] == 1 and made["default_forum_layout"] == 2
    seen = (await member.get(f"/channels/{made['id']}")).json()
    assert seen["available_tags"] == made["available_tags"]

    changed = await owner.patch(
        f"/channels/{made['id']}",
        json={
            "available_tags": [
                {"id": tag_id(made, "staff"), "name": "staff only", "moderated": True},
                {"name": "idea"},
            ],
            "default_reaction_emoji": {"emoji_name": "👍"},
            "default_thread_rate_limit_per_user": 30,
            "default_auto_archive_duration": 4320,
            "flags": REQUIRE_TAG,
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert [t["name"] for t in body["available_tags"]] == ["staff only", "idea"]
    assert tag_id(body, "staff only") == tag_id(made, "staff")
    assert body["default_reaction_emoji"] == {"emoji_id": None, "emoji_name": "👍"}
    assert body["default_thread_rate_limit_per_user"] == 30
    assert body["default_auto_archive_duration"] == 4320 and body["flags"] == REQUIRE_TAG


async def test_bad_forum_settings_are_refused(api: Api) -> None:
    owner, member, guild, _general = await guild_with_member(api)
    made = await forum(owner, guild["id"])
    path = f"/channels/{made['id']}"
    for body, code in (
        ({"available_tags": [{"name": f"t{i}"} for i in range(21)]}, 30048),
        ({"available_tags": [{"name": "same"}, {"name": "Same"}]}, 40061),
        ({"available_tags": [{"name": "x" * 21}]}, 50035),
        ({"default_sort_order": 7}, 50035),
        ({"default_forum_layout": 9}, 50035),
        ({"default_reaction_emoji": {"emoji_id": "1", "emoji_name": "👍"}}, 50035),
        ({"flags": 1 << 30}, 50035),
    ):
        response = await owner.patch(path, json=body)
        assert response.status_code == 400 and error_code(response) == code, body
    refused = await member.patch(path, json={"available_tags": []})
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert (await owner.get(path)).json()["available_tags"] == made["available_tags"]


async def test_a_post_is_a_thread_whose_first_message_has_its_id(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild, _general = await guild_with_member(api)
    made = await forum(owner, guild["id"], default_thread_rate_limit_per_user=10)
    published.clear()
    response = await post(member, made["id"], applied_tags=[tag_id(made, "bug")])
    assert response.status_code == 201, response.text
    thread = response.json()
    assert thread["type"] == 11 and thread["parent_id"] == made["id"]
    assert thread["applied_tags"] == [tag_id(made, "bug")] and thread["rate_limit_per_user"] == 10
    assert thread["message"]["id"] == thread["id"]
    assert thread["message"]["content"] == "Since this morning"
    assert thread["message"]["channel_id"] == thread["id"]
    assert event_types(published)[:2] == ["THREAD_CREATE", "MESSAGE_CREATE"]
    assert [m["id"] for m in await history(owner, thread["id"])] == [thread["id"]]
    assert (await owner.get(f"/channels/{thread['id']}")).json()["message_count"] == 0
    assert (await owner.get(f"/channels/{made['id']}")).json()["last_message_id"] == thread["id"]
    active = (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()
    assert [t["id"] for t in active["threads"]] == [thread["id"]]


async def test_a_post_needs_send_messages_in_the_forum_only(api: Api, app: FastAPI) -> None:
    owner, member, guild, _general = await guild_with_member(api)
    made = await forum(owner, guild["id"])
    await store_setup.overwrite(
        app,
        made["id"],
        guild["id"],
        deny=int(P.CREATE_PUBLIC_THREADS | P.SEND_MESSAGES_IN_THREADS),
    )
    response = await post(member, made["id"])
    assert response.status_code == 201, response.text
    reply = await member.post(f"/channels/{response.json()['id']}/messages", json={"content": "x"})
    assert reply.status_code == 403 and error_code(reply) == 50013
    await store_setup.overwrite(app, made["id"], guild["id"], deny=int(P.SEND_MESSAGES))
    refused = await post(member, made["id"], name="Another")
    assert refused.status_code == 403 and error_code(refused) == 50013
    stranger = await api.account("stranger")
    refused = await post(stranger, made["id"])
    assert refused.status_code == 403 and error_code(refused) == 50001


async def test_tags_a_post_may_carry(api: Api, app: FastAPI) -> None:
    owner, member, guild, _general = await guild_with_member(api)
    made = await forum(owner, guild["id"])
    required = await owner.patch(f"/channels/{made['id']}", json={"flags": REQUIRE_TAG})
    assert required.status_code == 200 and required.json()["flags"] == REQUIRE_TAG
    untagged = await post(member, made["id"])
    assert untagged.status_code == 400 and error_code(untagged) == 40067
    unknown = await post(member, made["id"], applied_tags=["12345"])
    assert unknown.status_code == 404 and error_code(unknown) == 10087
    moderated = await post(member, made["id"], applied_tags=[tag_id(made, "staff")])
    assert moderated.status_code == 403 and error_code(moderated) == 50013
    assert (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"] == []

    thread = (await post(member, made["id"], applied_tags=[tag_id(made, "bug")])).json()
    retag = await member.patch(
        f"/channels/{thread['id']}", json={"applied_tags": [tag_id(made, "staff")]}
    )
    assert retag.status_code == 403 and error_code(retag) == 50013
    by_staff = await owner.patch(
        f"/channels/{thread['id']}",
        json={"applied_tags": [tag_id(made, "bug"), tag_id(made, "staff")]},
    )
    assert by_staff.status_code == 200 and len(by_staff.json()["applied_tags"]) == 2
    pinned = await owner.patch(f"/channels/{thread['id']}", json={"flags": PINNED})
    assert pinned.status_code == 200 and pinned.json()["flags"] == PINNED
    archived = await owner.patch(f"/channels/{thread['id']}", json={"archived": True})
    assert archived.json()["flags"] == 0, "an archived post is no longer pinned"


async def test_tags_and_pins_belong_to_forum_posts_only(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    made = await owner.post(f"/channels/{channel_id}/threads", json={"name": "t", "type": 11})
    thread = made.json()
    tagged = await owner.patch(f"/channels/{thread['id']}", json={"applied_tags": ["1"]})
    assert tagged.status_code == 400 and error_code(tagged) == 50024
    pinned = await owner.patch(f"/channels/{thread['id']}", json={"flags": PINNED})
    assert pinned.status_code == 400 and error_code(pinned) == 50035
    text_post = await post(owner, channel_id)
    assert text_post.status_code == 400 and error_code(text_post) == 50024


async def test_a_post_without_a_message_or_with_an_empty_one_is_refused(api: Api) -> None:
    owner, _member, guild, _general = await guild_with_member(api)
    made = await forum(owner, guild["id"])
    bare = await owner.post(f"/channels/{made['id']}/threads", json={"name": "No body"})
    assert bare.status_code == 400 and error_code(bare) == 50035
    empty = await post(owner, made["id"], message={"content": "  "})
    assert empty.status_code == 400 and error_code(empty) == 50006
    direct = await owner.post(f"/channels/{made['id']}/messages", json={"content": "hi"})
    assert direct.status_code == 400 and error_code(direct) == 50024
    assert (await owner.get(f"/guilds/{guild['id']}/threads/active")).json()["threads"] == []


async def test_a_post_with_a_file_goes_as_multipart(api: Api) -> None:
    owner, _member, guild, _general = await guild_with_member(api)
    made = await forum(owner, guild["id"])
    payload = (
        '{"name": "Screenshot", "message": {"content": "look", '
        '"attachments": [{"id": 0, "filename": "note.txt"}]}}'
    )
    response = await owner.post(
        f"/channels/{made['id']}/threads",
        data={"payload_json": payload},
        files={"files[0]": ("note.txt", b"hello forum", "text/plain")},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [a["filename"] for a in body["message"]["attachments"]] == ["note.txt"]
