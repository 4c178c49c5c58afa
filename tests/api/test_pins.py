"""Pins: PIN_MESSAGES (not MANAGE_MESSAGES) pins; at most 50; current and deprecated routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, history, send
from tests.conftest import Account, Api, error_code, event_types
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope


def pin_url(channel_id: str, message_id: str) -> str:
    return f"/channels/{channel_id}/messages/pins/{message_id}"


async def pins(account: Account, channel_id: str, **params: Any) -> dict[str, Any]:
    response = await account.get(f"/channels/{channel_id}/messages/pins", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_pinning_shows_the_message_in_the_channel_pins(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(member, channel_id, "remember this")
    assert (await owner.put(pin_url(channel_id, message["id"]))).status_code == 204
    listed = await pins(member, channel_id)
    assert listed["has_more"] is False
    assert [item["message"]["id"] for item in listed["items"]] == [message["id"]]
    assert listed["items"][0]["pinned_at"] and listed["items"][0]["message"]["pinned"] is True
    fetched = (await member.get(f"/channels/{channel_id}/messages/{message['id']}")).json()
    assert fetched["pinned"] is True
    notice = (await history(member, channel_id))[0]
    assert notice["type"] == 6 and notice["message_reference"]["message_id"] == message["id"]
    assert {"CHANNEL_PINS_UPDATE", "MESSAGE_UPDATE"} <= set(event_types(published))
    channel = (await member.get(f"/channels/{channel_id}")).json()
    assert channel["last_pin_timestamp"] is not None


async def test_manage_messages_alone_no_longer_pins(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "pin me")
    await store_setup.give_role(app, guild["id"], [member.id], int(P.MANAGE_MESSAGES))
    response = await member.put(pin_url(channel_id, message["id"]))
    assert response.status_code == 403 and error_code(response) == 50013
    assert (await pins(owner, channel_id))["items"] == []
    await store_setup.give_role(app, guild["id"], [member.id], int(P.PIN_MESSAGES))
    assert (await member.put(pin_url(channel_id, message["id"]))).status_code == 204
    assert (await member.delete(pin_url(channel_id, message["id"]))).status_code == 204
    assert (await pins(owner, channel_id))["items"] == []


async def test_non_member_cannot_pin_or_list_pins(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "pin me")
    stranger = await api.account()
    response = await stranger.put(pin_url(channel_id, message["id"]))
    assert response.status_code == 403 and error_code(response) == 50001
    response = await stranger.get(f"/channels/{channel_id}/messages/pins")
    assert response.status_code == 403 and error_code(response) == 50001


async def test_pinning_an_unknown_message_is_10008(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    response = await owner.put(pin_url(channel_id, "1"))
    assert response.status_code == 404 and error_code(response) == 10008


async def test_a_channel_holds_at_most_50_pins_and_lists_them_in_pages(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    sent = [(await send(owner, channel_id, f"m{i}"))["id"] for i in range(51)]
    for message_id in sent[:50]:
        assert (await owner.put(pin_url(channel_id, message_id))).status_code == 204
    response = await owner.put(pin_url(channel_id, sent[50]))
    assert response.status_code == 400 and error_code(response) == 30003

    first = await pins(member, channel_id, limit=30)
    assert len(first["items"]) == 30 and first["has_more"] is True
    assert first["items"][0]["message"]["id"] == sent[49]
    rest = await pins(member, channel_id, limit=30, before=first["items"][-1]["pinned_at"])
    assert rest["has_more"] is False
    listed = [item["message"]["id"] for item in first["items"] + rest["items"]]
    assert sorted(listed) == sorted(sent[:50]) and len(set(listed)) == 50

    response = await member.get(f"/channels/{channel_id}/messages/pins", params={"limit": 51})
    assert response.status_code == 400 and error_code(response) == 50035


async def test_deprecated_pin_routes_still_work(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "old school")
    assert (await owner.put(f"/channels/{channel_id}/pins/{message['id']}")).status_code == 204
    listed = (await member.get(f"/channels/{channel_id}/pins")).json()
    assert [m["id"] for m in listed] == [message["id"]]
    assert (await owner.delete(f"/channels/{channel_id}/pins/{message['id']}")).status_code == 204
    assert (await member.get(f"/channels/{channel_id}/pins")).json() == []


async def test_pins_need_read_message_history_to_be_seen(api: Api, app: FastAPI) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "pinned")
    await owner.put(pin_url(channel_id, message["id"]))
    await store_setup.overwrite(
        app, channel_id, member.id, deny=int(P.READ_MESSAGE_HISTORY), member=True
    )
    assert await pins(member, channel_id) == {"items": [], "has_more": False}


async def test_pins_work_in_direct_messages(api: Api, app: FastAPI) -> None:
    alice, bob = await api.account(), await api.account()
    channel_id = await store_setup.dm(app, alice.id, bob.id)
    message = await send(alice, channel_id, "our plan")
    assert (await bob.put(pin_url(channel_id, message["id"]))).status_code == 204
    assert [i["message"]["id"] for i in (await pins(alice, channel_id))["items"]] == [message["id"]]
