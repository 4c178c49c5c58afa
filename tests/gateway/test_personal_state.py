"""READY carries a person's read states (with the mentions waiting), notification settings and
language; their other sessions hear of every change."""

from __future__ import annotations

from tests.conftest import Api, text_channel
from tests.gateway.client import connected
from tests.server_process import Server


async def test_ready_has_read_states_with_mention_counts_and_settings(
    server: Server, remote: Api
) -> None:
    owner, member = await remote.account("owner"), await remote.account("member")
    guild = await owner.guild()
    channel_id = text_channel(guild)["id"]
    await member.join(owner, channel_id)
    first = (await owner.post(f"/channels/{channel_id}/messages", json={"content": "hi"})).json()
    await member.post(f"/channels/{channel_id}/messages/{first['id']}/ack")
    for content in (f"<@{member.id}> look", "@everyone meeting", "no mention"):
        await owner.post(f"/channels/{channel_id}/messages", json={"content": content})
    await member.patch(
        f"/users/@me/guilds/{guild['id']}/settings", json={"message_notifications": 1}
    )
    await member.patch("/users/@me/settings", json={"locale": "fr"})
    session = await connected(server, member)
    entries = session.ready["read_state"]["entries"]
    assert entries == [
        {
            "id": channel_id,
            "last_message_id": first["id"],
            "mention_count": 2,
            "last_pin_timestamp": None,
            "flags": 0,
        }
    ]
    (settings,) = session.ready["user_guild_settings"]["entries"]
    assert settings["guild_id"] == guild["id"] and settings["message_notifications"] == 1
    assert session.ready["user_settings"]["locale"] == "fr"
    await session.close()


async def test_ones_own_message_is_read_on_every_device(server: Server, remote: Api) -> None:
    """Sending moves the sender's read position (as on Discord): a later READY shows the channel
    read up to their message, with the mentions before it gone."""
    owner, member = await remote.account("owner"), await remote.account("member")
    guild = await owner.guild()
    channel_id = text_channel(guild)["id"]
    await member.join(owner, channel_id)
    await owner.post(f"/channels/{channel_id}/messages", json={"content": f"<@{member.id}> hi"})
    reply = await member.post(f"/channels/{channel_id}/messages", json={"content": "hello"})
    assert reply.status_code == 200, reply.text
    session = await connected(server, member)
    (entry,) = session.ready["read_state"]["entries"]
    assert entry["id"] == channel_id and entry["last_message_id"] == reply.json()["id"]
    assert entry["mention_count"] == 0
    await session.close()


async def test_another_session_of_the_person_follows_acks_and_settings(
    server: Server, remote: Api
) -> None:
    person, other = await remote.account("reader"), await remote.account("writer")
    guild = await other.guild()
    channel_id = text_channel(guild)["id"]
    await person.join(other, channel_id)
    phone = await connected(server, person)
    laptop = await connected(server, person)
    writer = await connected(server, other)
    message = (await other.post(f"/channels/{channel_id}/messages", json={"content": "x"})).json()
    await person.post(f"/channels/{channel_id}/messages/{message['id']}/ack")
    ack = await laptop.wait_for("MESSAGE_ACK")
    assert ack["channel_id"] == channel_id and ack["message_id"] == message["id"]
    assert (await phone.wait_for("MESSAGE_ACK"))["message_id"] == message["id"]
    await person.patch(f"/users/@me/guilds/{guild['id']}/settings", json={"muted": True})
    assert (await laptop.wait_for("USER_GUILD_SETTINGS_UPDATE"))["muted"] is True
    await person.patch("/users/@me/settings", json={"locale": "de"})
    assert (await laptop.wait_for("USER_SETTINGS_UPDATE"))["locale"] == "de"
    others = [p["t"] for p in await writer.collect(0.5)]
    assert not {"MESSAGE_ACK", "USER_GUILD_SETTINGS_UPDATE", "USER_SETTINGS_UPDATE"} & set(others)
    for session in (phone, laptop, writer):
        await session.close()
