"""Changing sent messages: edits (author only), deletes (author or moderator), bulk deletes."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, history, send
from tests.conftest import Api, error_code, event_types
from townhall.events.event import Envelope

# --- editing ---------------------------------------------------------------------------------


async def test_author_edits_content_and_mentions_are_parsed_again(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    sent = await send(member, channel_id, "hello")
    response = await member.patch(
        f"/channels/{channel_id}/messages/{sent['id']}", json={"content": f"hello <@{owner.id}>"}
    )
    assert response.status_code == 200
    edited = response.json()
    assert edited["content"] == f"hello <@{owner.id}>"
    assert edited["edited_timestamp"] is not None
    assert [u["id"] for u in edited["mentions"]] == [str(owner.id)]
    assert (await history(owner, channel_id))[0]["content"] == f"hello <@{owner.id}>"
    assert "MESSAGE_UPDATE" in event_types(published)


async def test_editing_another_users_message_is_refused_with_50005(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    sent = await send(member, channel_id, "mine")
    response = await owner.patch(
        f"/channels/{channel_id}/messages/{sent['id']}", json={"content": "x"}
    )
    assert response.status_code == 403 and error_code(response) == 50005
    assert (await history(owner, channel_id))[0]["content"] == "mine"


async def test_moderator_may_suppress_embeds_on_anothers_message(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    sent = await send(member, channel_id, "https://example.com")
    response = await owner.patch(f"/channels/{channel_id}/messages/{sent['id']}", json={"flags": 4})
    assert response.status_code == 200 and response.json()["flags"] == 4
    response = await member.patch(
        f"/channels/{channel_id}/messages/{sent['id']}", json={"flags": 0}
    )
    assert response.status_code == 200 and response.json()["flags"] == 0


async def test_edit_over_the_length_limit_is_refused_and_changes_nothing(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    sent = await send(owner, channel_id, "short")
    url = f"/channels/{channel_id}/messages/{sent['id']}"
    response = await owner.patch(url, json={"content": "x" * 2001})
    assert response.status_code == 400 and "content" in response.json()["errors"]
    response = await owner.patch(url, json={"content": ""})
    assert response.status_code == 400 and error_code(response) == 50006
    assert (await owner.get(url)).json()["content"] == "short"


async def test_non_member_cannot_edit_and_unknown_message_is_10008(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    sent = await send(owner, channel_id, "mine")
    stranger = await api.account()
    url = f"/channels/{channel_id}/messages/{sent['id']}"
    response = await stranger.patch(url, json={"content": "x"})
    assert response.status_code == 403 and error_code(response) == 50001
    response = await owner.patch(f"/channels/{channel_id}/messages/1", json={"content": "x"})
    assert response.status_code == 404 and error_code(response) == 10008


# --- deleting --------------------------------------------------------------------------------


async def test_author_and_moderator_delete_but_plain_member_cannot(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    by_owner = await send(owner, channel_id, "owner's")
    by_member = await send(member, channel_id, "member's")
    response = await member.delete(f"/channels/{channel_id}/messages/{by_owner['id']}")
    assert response.status_code == 403 and error_code(response) == 50013
    assert (
        await member.delete(f"/channels/{channel_id}/messages/{by_member['id']}")
    ).status_code == 204
    again = await send(member, channel_id, "again")
    assert (await owner.delete(f"/channels/{channel_id}/messages/{again['id']}")).status_code == 204
    assert [m["id"] for m in await history(owner, channel_id)] == [by_owner["id"]]
    assert event_types(published).count("MESSAGE_DELETE") == 2
    response = await owner.delete(f"/channels/{channel_id}/messages/{again['id']}")
    assert response.status_code == 404 and error_code(response) == 10008


async def test_in_a_dm_only_the_author_deletes(api: Api, app: FastAPI) -> None:
    alice, bob = await api.account(), await api.account()
    channel_id = await store_setup.dm(app, alice.id, bob.id)
    sent = await send(alice, channel_id, "mine")
    response = await bob.delete(f"/channels/{channel_id}/messages/{sent['id']}")
    assert response.status_code == 403 and error_code(response) == 50003
    assert (await alice.delete(f"/channels/{channel_id}/messages/{sent['id']}")).status_code == 204


async def test_non_member_cannot_delete(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    sent = await send(owner, channel_id, "mine")
    stranger = await api.account()
    response = await stranger.delete(f"/channels/{channel_id}/messages/{sent['id']}")
    assert response.status_code == 403 and error_code(response) == 50001


async def test_bulk_delete_takes_2_to_100_ids_and_skips_unknown_ones(
    api: Api, published: list[Envelope]
) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    sent = [await send(owner, channel_id, f"m{i}") for i in range(3)]
    url = f"/channels/{channel_id}/messages/bulk-delete"
    for ids in ([sent[0]["id"]], [str(10**17 + i) for i in range(101)], [sent[0]["id"]] * 2):
        response = await owner.post(url, json={"messages": ids})
        assert response.status_code == 400 and error_code(response) == 50035
    assert len(await history(owner, channel_id)) == 3
    unknown = str(int(sent[2]["id"]) + 1)
    response = await owner.post(url, json={"messages": [sent[0]["id"], sent[1]["id"], unknown]})
    assert response.status_code == 204
    assert [m["id"] for m in await history(owner, channel_id)] == [sent[2]["id"]]
    bulk = next(e for e in published if e.type == "MESSAGE_DELETE_BULK")
    assert sent[0]["id"].encode() in bulk.data and sent[1]["id"].encode() in bulk.data


async def test_bulk_delete_refuses_messages_older_than_two_weeks(api: Api, app: FastAPI) -> None:
    owner, _member, guild, channel_id = await guild_with_member(api)
    old = await store_setup.old_message(app, channel_id, guild["id"], owner.id, timedelta(days=15))
    recent = await send(owner, channel_id, "new")
    response = await owner.post(
        f"/channels/{channel_id}/messages/bulk-delete", json={"messages": [old, recent["id"]]}
    )
    assert response.status_code == 400 and error_code(response) == 50034
    assert len(await history(owner, channel_id)) == 2


async def test_bulk_delete_needs_manage_messages(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    ids = [(await send(member, channel_id, f"m{i}"))["id"] for i in range(2)]
    response = await member.post(
        f"/channels/{channel_id}/messages/bulk-delete", json={"messages": ids}
    )
    assert response.status_code == 403 and error_code(response) == 50013
    stranger = await api.account()
    response = await stranger.post(
        f"/channels/{channel_id}/messages/bulk-delete", json={"messages": ids}
    )
    assert response.status_code == 403 and error_code(response) == 50001
    assert len(await history(owner, channel_id)) == 2
