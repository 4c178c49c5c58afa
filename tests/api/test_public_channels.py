"""Channels readable by anyone with the link: who may open them, what a visitor without an account
reads, and that every other route still refuses a request without a token."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI

from tests.api.store_setup import give_role
from tests.api.test_attachments import send_files
from tests.conftest import Account, Api, error_code, text_channel
from townhall.domain.channels import ChannelFlag
from townhall.domain.permissions import Permission as P

WEB_PUBLIC = int(ChannelFlag.WEB_PUBLIC)


async def community(api: Api) -> tuple[Account, Account, dict[str, Any], str, str]:
    """Alice's guild with Bob in it, its `general` made public and a second channel that is not."""
    alice, bob = await api.account("alice"), await api.account("bob")
    guild = await alice.guild("Readable")
    public = text_channel(guild)["id"]
    opened = await alice.patch(f"/channels/{public}", json={"flags": WEB_PUBLIC})
    assert opened.status_code == 200, opened.text
    made = await alice.post(f"/guilds/{guild['id']}/channels", json={"name": "members-only"})
    assert made.status_code == 201, made.text
    await bob.join(alice, public)
    return alice, bob, guild, public, made.json()["id"]


async def say(who: Account, channel_id: str, content: str) -> dict[str, Any]:
    sent = await who.post(f"/channels/{channel_id}/messages", json={"content": content})
    assert sent.status_code == 200, sent.text
    body: dict[str, Any] = sent.json()
    return body


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == {"message": "401: Unauthorized", "code": 0}


# Turning it on and off


async def test_owner_makes_a_channel_public_and_members_hear_of_it(
    api: Api, published: list[Any]
) -> None:
    alice = await api.account()
    guild = await alice.guild()
    channel_id = text_channel(guild)["id"]
    response = await alice.patch(f"/channels/{channel_id}", json={"flags": WEB_PUBLIC})
    assert response.status_code == 200, response.text
    assert response.json()["flags"] == WEB_PUBLIC
    assert (await alice.get(f"/channels/{channel_id}")).json()["flags"] == WEB_PUBLIC
    updates = [e for e in published if e.type == "CHANNEL_UPDATE"]
    assert [str(e.channel_id) for e in updates] == [channel_id]
    closed = await alice.patch(f"/channels/{channel_id}", json={"flags": 0})
    assert closed.status_code == 200
    assert closed.json()["flags"] == 0


async def test_managing_channels_without_managing_the_guild_cannot_open_a_channel(
    api: Api, app: FastAPI
) -> None:
    alice, bob = await api.account(), await api.account()
    guild = await alice.guild()
    channel_id = text_channel(guild)["id"]
    await bob.join(alice, channel_id)
    await give_role(app, guild["id"], [bob.id], int(P.MANAGE_CHANNELS))
    refused = await bob.patch(f"/channels/{channel_id}", json={"flags": WEB_PUBLIC})
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    assert (await alice.get(f"/channels/{channel_id}")).json()["flags"] == 0
    # Closing is always allowed to who manages the channel.
    assert (await alice.patch(f"/channels/{channel_id}", json={"flags": WEB_PUBLIC})).is_success
    closed = await bob.patch(f"/channels/{channel_id}", json={"flags": 0})
    assert closed.status_code == 200, closed.text
    assert closed.json()["flags"] == 0


async def test_member_without_manage_channels_cannot_change_the_flag(api: Api) -> None:
    alice, bob, _guild, public, _private = await community(api)
    refused = await bob.patch(f"/channels/{public}", json={"flags": 0})
    assert refused.status_code == 403
    assert error_code(refused) == 50013
    assert (await alice.get(f"/channels/{public}")).json()["flags"] == WEB_PUBLIC


async def test_non_member_cannot_change_the_flag(api: Api) -> None:
    alice = await api.account()
    stranger = await api.account()
    channel_id = text_channel(await alice.guild())["id"]
    refused = await stranger.patch(f"/channels/{channel_id}", json={"flags": WEB_PUBLIC})
    assert refused.status_code == 403
    assert error_code(refused) == 50001


async def test_only_the_public_flag_may_be_set_and_only_on_text_channels(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    text = text_channel(guild)["id"]
    voice = next(c for c in guild["channels"] if c["type"] == 2)["id"]
    for body in ({"flags": 1 << 1}, {"flags": -1}, {"flags": WEB_PUBLIC | 1}, {"flags": 2**70}):
        refused = await alice.patch(f"/channels/{text}", json=body)
        assert refused.status_code == 400, body
        assert error_code(refused) == 50035
        assert "flags" in refused.json()["errors"]
    on_voice = await alice.patch(f"/channels/{voice}", json={"flags": WEB_PUBLIC})
    assert on_voice.status_code == 400
    assert error_code(on_voice) == 50035
    not_a_number = await alice.patch(f"/channels/{text}", json={"flags": "lots"})
    assert not_a_number.status_code == 400
    assert error_code(not_a_number) == 50035
    assert (await alice.get(f"/channels/{text}")).json()["flags"] == 0
    assert (await alice.get(f"/channels/{voice}")).json()["flags"] == 0


async def test_a_channel_hidden_from_everyone_cannot_be_made_public(api: Api) -> None:
    alice = await api.account()
    guild = await alice.guild()
    channel_id = text_channel(guild)["id"]
    hidden = {"type": 0, "allow": "0", "deny": str(int(P.READ_MESSAGE_HISTORY))}
    put = await alice.put(f"/channels/{channel_id}/permissions/{guild['id']}", json=hidden)
    assert put.status_code == 204
    refused = await alice.patch(f"/channels/{channel_id}", json={"flags": WEB_PUBLIC})
    assert refused.status_code == 400
    assert error_code(refused) == 50035
    assert (await alice.get(f"/channels/{channel_id}")).json()["flags"] == 0


# What a visitor reads


async def test_visitor_reads_a_public_channel_and_its_history_without_a_token(
    api: Api, http: httpx.AsyncClient
) -> None:
    alice, bob, guild, public, _private = await community(api)
    sent = [await say(alice if n % 2 else bob, public, f"post {n}") for n in range(5)]
    channel = await http.get(f"/channels/{public}")
    assert channel.status_code == 200, channel.text
    assert channel.json()["name"] == "general"
    assert channel.json()["flags"] == WEB_PUBLIC
    assert channel.json()["guild_id"] == guild["id"]

    page = await http.get(f"/channels/{public}/messages", params={"limit": 3})
    assert page.status_code == 200
    assert [m["content"] for m in page.json()] == ["post 4", "post 3", "post 2"]
    for message in page.json():
        assert "email" not in message["author"]
        assert "verified" not in message["author"]
    older = await http.get(f"/channels/{public}/messages", params={"before": sent[2]["id"]})
    assert [m["content"] for m in older.json()] == ["post 1", "post 0"]
    newer = await http.get(f"/channels/{public}/messages", params={"after": sent[2]["id"]})
    assert [m["content"] for m in newer.json()] == ["post 4", "post 3"]
    around = await http.get(
        f"/channels/{public}/messages", params={"around": sent[2]["id"], "limit": 3}
    )
    assert [m["content"] for m in around.json()] == ["post 3", "post 2", "post 1"]
    one = await http.get(f"/channels/{public}/messages/{sent[0]['id']}")
    assert one.status_code == 200
    assert one.json()["content"] == "post 0"
    missing = await http.get(f"/channels/{public}/messages/{int(sent[-1]['id']) + 1}")
    assert missing.status_code == 404
    assert error_code(missing) == 10008
    bad = await http.get(f"/channels/{public}/messages", params={"limit": 500})
    assert bad.status_code == 400
    assert error_code(bad) == 50035


async def test_visitor_cannot_read_other_channels_of_the_same_guild(
    api: Api, http: httpx.AsyncClient
) -> None:
    alice, _bob, guild, public, private = await community(api)
    secret = await say(alice, private, "members only")
    assert_unauthorized(await http.get(f"/channels/{private}"))
    assert_unauthorized(await http.get(f"/channels/{private}/messages"))
    assert_unauthorized(await http.get(f"/channels/{private}/messages/{secret['id']}"))
    assert_unauthorized(await http.get(f"/guilds/{guild['id']}/channels"))
    assert_unauthorized(await http.get(f"/guilds/{guild['id']}"))
    # An id that is no channel at all looks the same: nothing tells a visitor which ids exist.
    assert_unauthorized(await http.get("/channels/123456789/messages"))
    # A message of the public channel is not found through another channel's id.
    public_message = await say(alice, public, "hello")
    assert_unauthorized(await http.get(f"/channels/{private}/messages/{public_message['id']}"))


async def test_every_write_without_a_token_is_refused_and_changes_nothing(
    api: Api, http: httpx.AsyncClient
) -> None:
    alice, _bob, guild, public, _private = await community(api)
    message = await say(alice, public, "untouched")
    path = f"/channels/{public}/messages/{message['id']}"
    writes = [
        http.post(f"/channels/{public}/messages", json={"content": "hi"}),
        http.put(f"{path}/reactions/%F0%9F%91%8D/@me"),
        http.patch(path, json={"content": "changed"}),
        http.delete(path),
        http.post(f"/channels/{public}/typing"),
        http.patch(f"/channels/{public}", json={"name": "renamed", "flags": 0}),
        http.delete(f"/channels/{public}"),
        http.post(f"/channels/{public}/invites", json={}),
        http.put(f"/channels/{public}/messages/pins/{message['id']}"),
        http.post(f"{path}/ack", json={"token": None}),
        http.post(f"/guilds/{guild['id']}/channels", json={"name": "new"}),
    ]
    for write in writes:
        assert_unauthorized(await write)
    # A token that is not one is refused as before, on reads too.
    wrong = {"Authorization": "not-a-token"}
    assert_unauthorized(await http.get(f"/channels/{public}/messages", headers=wrong))
    after = (await alice.get(path)).json()
    assert after["content"] == "untouched"
    assert "reactions" not in after
    channel = (await alice.get(f"/channels/{public}")).json()
    assert (channel["name"], channel["flags"]) == ("general", WEB_PUBLIC)
    assert [m["id"] for m in (await alice.get(f"/channels/{public}/messages")).json()] == [
        message["id"]
    ]


async def test_members_still_read_and_write_with_their_token(api: Api) -> None:
    _alice, bob, _guild, public, private = await community(api)
    await say(bob, public, "a member writes")
    await say(bob, private, "in the other channel too")
    seen = await bob.get(f"/channels/{public}/messages")
    assert [m["content"] for m in seen.json()] == ["a member writes"]
    # A signed-in stranger uses the ordinary routes: the guild is not theirs.
    stranger = await api.account()
    refused = await stranger.get(f"/channels/{public}/messages")
    assert refused.status_code == 403
    assert error_code(refused) == 50001


async def test_closing_a_channel_ends_visitors_reading_at_once(
    api: Api, http: httpx.AsyncClient
) -> None:
    alice, _bob, _guild, public, _private = await community(api)
    await say(alice, public, "seen while open")
    assert (await http.get(f"/channels/{public}/messages")).status_code == 200
    assert (await alice.patch(f"/channels/{public}", json={"flags": 0})).status_code == 200
    assert_unauthorized(await http.get(f"/channels/{public}"))
    assert_unauthorized(await http.get(f"/channels/{public}/messages"))


async def test_hiding_a_public_channel_from_everyone_hides_it_from_visitors(
    api: Api, http: httpx.AsyncClient
) -> None:
    alice, _bob, guild, public, _private = await community(api)
    assert (await http.get(f"/channels/{public}/messages")).status_code == 200
    hidden = {"type": 0, "allow": "0", "deny": str(int(P.VIEW_CHANNEL))}
    put = await alice.put(f"/channels/{public}/permissions/{guild['id']}", json=hidden)
    assert put.status_code == 204
    # The flag stays, but a visitor never sees more than @everyone does.
    assert (await alice.get(f"/channels/{public}")).json()["flags"] == WEB_PUBLIC
    assert_unauthorized(await http.get(f"/channels/{public}/messages"))
    everyone = (await alice.get(f"/guilds/{guild['id']}/roles")).json()[0]
    assert everyone["id"] == guild["id"]
    deleted = await alice.delete(f"/channels/{public}/permissions/{guild['id']}")
    assert deleted.status_code == 204
    assert (await http.get(f"/channels/{public}/messages")).status_code == 200
    without = int(everyone["permissions"]) & ~int(P.VIEW_CHANNEL)
    role = await alice.patch(
        f"/guilds/{guild['id']}/roles/{guild['id']}", json={"permissions": str(without)}
    )
    assert role.status_code == 200, role.text
    assert_unauthorized(await http.get(f"/channels/{public}/messages"))


async def test_visitor_fetches_the_files_of_a_public_channel_and_no_others(
    api: Api, http: httpx.AsyncClient
) -> None:
    alice, _bob, _guild, public, private = await community(api)
    await send_files(alice, public, [("notes.txt", b"public notes")])
    secret = await send_files(alice, private, [("secret.txt", b"secret notes")])
    assert secret.status_code == 200, secret.text
    page = (await http.get(f"/channels/{public}/messages")).json()
    link = urlsplit(page[0]["attachments"][0]["url"])
    got = await http.get(f"http://townhall.test{link.path}?{link.query}")
    assert got.status_code == 200
    assert got.content == b"public notes"
    # The other channel's file without its signed link: refused.
    hidden = urlsplit(secret.json()["attachments"][0]["url"])
    assert_unauthorized(await http.get(f"http://townhall.test{hidden.path}"))
    # The public link's signature names its own file: it opens no other.
    other = hidden.path + "?" + link.query
    assert (await http.get(f"http://townhall.test{other}")).status_code == 404


# GET /guilds/{id}/preview


async def test_guild_preview_is_open_to_anyone_while_the_guild_has_a_public_channel(
    api: Api, http: httpx.AsyncClient
) -> None:
    alice, _bob, guild, public, _private = await community(api)
    preview = await http.get(f"/guilds/{guild['id']}/preview")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["id"], body["name"]) == (guild["id"], "Readable")
    assert body["approximate_member_count"] == 2
    stranger = await api.account()
    assert (await stranger.get(f"/guilds/{guild['id']}/preview")).status_code == 200
    assert (await alice.patch(f"/channels/{public}", json={"flags": 0})).status_code == 200
    assert_unauthorized(await http.get(f"/guilds/{guild['id']}/preview"))
    refused = await stranger.get(f"/guilds/{guild['id']}/preview")
    assert refused.status_code == 404
    assert error_code(refused) == 10004
    # Members always see their own guild's preview.
    assert (await alice.get(f"/guilds/{guild['id']}/preview")).status_code == 200
    assert_unauthorized(await http.get("/guilds/123456789/preview"))
    unknown = await stranger.get("/guilds/123456789/preview")
    assert unknown.status_code == 404
    assert error_code(unknown) == 10004
