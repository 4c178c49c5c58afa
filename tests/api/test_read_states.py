"""Read states: `POST /channels/{id}/messages/{id}/ack` moves a person's read position forward,
and tells their other sessions (MESSAGE_ACK)."""

from __future__ import annotations

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, send
from tests.conftest import Api, error_code, event_types
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope


def ack_url(channel_id: str, message_id: str) -> str:
    return f"/channels/{channel_id}/messages/{message_id}/ack"


async def test_acking_a_message_tells_only_the_readers_own_sessions(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "read me")
    response = await member.post(ack_url(channel_id, message["id"]), json={"token": None})
    assert response.status_code == 200 and response.json() == {"token": None}
    acks = [e for e in published if e.type == "MESSAGE_ACK"]
    assert len(acks) == 1 and acks[0].user_ids == frozenset({member.id})
    assert b'"message_id":"%s"' % message["id"].encode() in acks[0].data


async def test_the_read_position_only_moves_forward_unless_manual(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    first = await send(owner, channel_id, "one")
    second = await send(owner, channel_id, "two")
    assert (await member.post(ack_url(channel_id, second["id"]))).status_code == 200
    assert (await member.post(ack_url(channel_id, first["id"]))).status_code == 200
    last = [e for e in published if e.type == "MESSAGE_ACK"][-1]
    assert b'"message_id":"%s"' % second["id"].encode() in last.data
    response = await member.post(ack_url(channel_id, first["id"]), json={"manual": True})
    assert response.status_code == 200
    last = [e for e in published if e.type == "MESSAGE_ACK"][-1]
    assert b'"message_id":"%s"' % first["id"].encode() in last.data


async def test_a_stranger_cannot_ack_and_nothing_is_stored(
    api: Api, published: list[Envelope]
) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "private")
    stranger = await api.account("stranger")
    response = await stranger.post(ack_url(channel_id, message["id"]))
    assert response.status_code == 403 and error_code(response) == 50001
    assert "MESSAGE_ACK" not in event_types(published)


async def test_a_member_who_cannot_view_the_channel_cannot_ack(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    message = await send(owner, channel_id, "hidden")
    await store_setup.overwrite(app, channel_id, guild["id"], deny=int(P.VIEW_CHANNEL))
    response = await member.post(ack_url(channel_id, message["id"]))
    assert response.status_code == 403 and error_code(response) == 50001


async def test_acking_an_unknown_message_is_10008_and_bad_input_is_50035(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    response = await owner.post(ack_url(channel_id, "12345"))
    assert response.status_code == 404 and error_code(response) == 10008
    message = await send(owner, channel_id, "x")
    response = await owner.post(ack_url(channel_id, message["id"]), json={"manual": "sometimes"})
    assert response.status_code == 400 and error_code(response) == 50035
