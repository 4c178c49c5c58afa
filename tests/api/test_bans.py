"""Bans: banning removes the member (and optionally their recent messages) and blocks rejoining."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert, select

from tests.conftest import Account, Api, direct_write, error_code
from townhall.domain.permissions import Permission as P
from townhall.domain.snowflake import snowflake_at
from townhall.events.event import Envelope
from townhall.store.schema import messages


async def setup(api: Api) -> tuple[Account, Account, str, str]:
    """Alice owns a guild that Bob has joined; returns its id and its text channel's."""
    alice, bob = await api.account("alice"), await api.account("bob")
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    return alice, bob, guild["id"], guild["system_channel_id"]


async def invite_code(owner: Account, channel_id: str) -> str:
    response = await owner.post(f"/channels/{channel_id}/invites", json={"unique": True})
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


async def moderator(owner: Account, guild_id: str, user: Account, permissions: int) -> str:
    """Give `user` a new role with `permissions`; returns the role id."""
    role = await owner.post(
        f"/guilds/{guild_id}/roles", json={"name": "mod", "permissions": str(permissions)}
    )
    assert role.status_code == 200, role.text
    role_id: str = role.json()["id"]
    given = await owner.put(f"/guilds/{guild_id}/members/{user.id}/roles/{role_id}")
    assert given.status_code == 204, given.text
    return role_id


async def ban_ids(owner: Account, guild_id: str, **params: Any) -> list[str]:
    response = await owner.get(f"/guilds/{guild_id}/bans", params=params)
    assert response.status_code == 200, response.text
    return [ban["user"]["id"] for ban in response.json()]


async def write(
    app: FastAPI, channel_id: str, guild_id: str, author: Account, message_id: int
) -> None:
    """Store a message directly: this file tests bans, not sending."""
    async with direct_write(app.state.services) as conn:
        await conn.execute(
            insert(messages).values(
                id=message_id, channel_id=int(channel_id), guild_id=int(guild_id),
                author_id=author.id, content="spam",
            )
        )  # fmt: skip


async def stored_ids(app: FastAPI, channel_id: str) -> set[int]:
    async with app.state.services.engine.connect() as conn:
        rows = await conn.execute(
            select(messages.c.id).where(messages.c.channel_id == int(channel_id))
        )
        return set(rows.scalars())


async def test_banned_member_is_removed_and_cannot_rejoin_until_unbanned(
    api: Api, published: list[Envelope]
) -> None:
    alice, bob, guild_id, channel_id = await setup(api)
    published.clear()
    banned = await alice.put(
        f"/guilds/{guild_id}/bans/{bob.id}", headers={"X-Audit-Log-Reason": "too%20loud"}
    )
    assert banned.status_code == 204
    assert banned.content == b""
    assert error_code(await bob.get(f"/guilds/{guild_id}")) == 50001
    assert [(e.type, e.user_ids) for e in published] == [
        ("GUILD_BAN_ADD", None),
        ("GUILD_MEMBER_REMOVE", None),
        ("GUILD_DELETE", frozenset({bob.id})),
    ]
    ban = await alice.get(f"/guilds/{guild_id}/bans/{bob.id}")
    assert ban.status_code == 200
    assert ban.json()["user"]["id"] == str(bob.id)
    assert ban.json()["reason"] == "too loud"

    refused = await bob.post(f"/invites/{await invite_code(alice, channel_id)}")
    assert refused.status_code == 403
    assert error_code(refused) == 40007

    published.clear()
    lifted = await alice.delete(f"/guilds/{guild_id}/bans/{bob.id}")
    assert lifted.status_code == 204
    assert [e.type for e in published] == ["GUILD_BAN_REMOVE"]
    assert (await bob.post(f"/invites/{await invite_code(alice, channel_id)}")).status_code == 200
    assert (await bob.get(f"/guilds/{guild_id}")).status_code == 200


async def test_a_user_who_never_joined_can_be_banned_in_advance(api: Api) -> None:
    alice, _, guild_id, channel_id = await setup(api)
    troll = await api.account("troll")
    assert (await alice.put(f"/guilds/{guild_id}/bans/{troll.id}")).status_code == 204
    refused = await troll.post(f"/invites/{await invite_code(alice, channel_id)}")
    assert error_code(refused) == 40007


async def test_ban_deletes_the_users_recent_messages_in_the_guild_only(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    alice, bob, guild_id, channel_id = await setup(api)
    ids = app.state.services.ids
    old = snowflake_at(datetime.now(UTC) - timedelta(hours=2))
    recent, by_alice = ids.next_id(), ids.next_id()
    await write(app, channel_id, guild_id, bob, old)
    await write(app, channel_id, guild_id, bob, recent)
    await write(app, channel_id, guild_id, alice, by_alice)
    elsewhere = await alice.guild("Elsewhere")
    await bob.join(alice, elsewhere["system_channel_id"])
    kept_elsewhere = ids.next_id()
    await write(app, elsewhere["system_channel_id"], elsewhere["id"], bob, kept_elsewhere)
    published.clear()

    response = await alice.put(
        f"/guilds/{guild_id}/bans/{bob.id}", json={"delete_message_seconds": 3600}
    )
    assert response.status_code == 204
    assert await stored_ids(app, channel_id) == {old, by_alice}
    assert await stored_ids(app, elsewhere["system_channel_id"]) == {kept_elsewhere}
    bulk = [e for e in published if e.type == "MESSAGE_DELETE_BULK"]
    assert [(e.guild_id, e.channel_id) for e in bulk] == [(int(guild_id), int(channel_id))]


async def test_discord_py_sends_delete_message_seconds_in_the_query_string(
    api: Api, app: FastAPI
) -> None:
    alice, bob, guild_id, channel_id = await setup(api)
    recent = app.state.services.ids.next_id()
    await write(app, channel_id, guild_id, bob, recent)
    response = await alice.put(
        f"/guilds/{guild_id}/bans/{bob.id}", params={"delete_message_seconds": 86400}
    )
    assert response.status_code == 204
    assert await stored_ids(app, channel_id) == set()


async def test_ban_without_delete_message_seconds_keeps_messages(api: Api, app: FastAPI) -> None:
    alice, bob, guild_id, channel_id = await setup(api)
    recent = app.state.services.ids.next_id()
    await write(app, channel_id, guild_id, bob, recent)
    assert (await alice.put(f"/guilds/{guild_id}/bans/{bob.id}")).status_code == 204
    assert await stored_ids(app, channel_id) == {recent}


async def test_member_without_ban_members_cannot_ban_list_or_unban(api: Api) -> None:
    alice, bob, guild_id, channel_id = await setup(api)
    carol = await api.account("carol")
    await carol.join(alice, channel_id)
    for method, path in (
        (bob.put, f"bans/{carol.id}"),
        (bob.get, "bans"),
        (bob.get, f"bans/{carol.id}"),
        (bob.delete, f"bans/{carol.id}"),
    ):
        response = await method(f"/guilds/{guild_id}/{path}")
        assert response.status_code == 403, path
        assert error_code(response) == 50013
    assert await ban_ids(alice, guild_id) == []
    assert (await carol.get(f"/guilds/{guild_id}")).status_code == 200


async def test_non_member_cannot_ban_list_or_unban(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    stranger = await api.account("stranger")
    for method, path in (
        (stranger.put, f"bans/{bob.id}"),
        (stranger.get, "bans"),
        (stranger.get, f"bans/{bob.id}"),
        (stranger.delete, f"bans/{bob.id}"),
    ):
        response = await method(f"/guilds/{guild_id}/{path}")
        assert response.status_code == 403, path
        assert error_code(response) == 50001
    assert await ban_ids(alice, guild_id) == []


async def test_bad_ban_input_is_400_and_bans_nobody(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    for kwargs in (
        {"json": {"delete_message_seconds": 604801}},
        {"json": {"delete_message_seconds": -1}},
        {"json": {"delete_message_days": 8}},
        {"params": {"delete_message_seconds": "soon"}},
    ):
        response = await alice.put(f"/guilds/{guild_id}/bans/{bob.id}", **kwargs)
        assert response.status_code == 400, kwargs
        assert error_code(response) == 50035
    assert await ban_ids(alice, guild_id) == []
    assert (await bob.get(f"/guilds/{guild_id}")).status_code == 200
    unknown = await alice.put(f"/guilds/{guild_id}/bans/123456789012345678")
    assert unknown.status_code == 404
    assert error_code(unknown) == 10013


async def test_the_owner_and_members_at_or_above_the_moderator_cannot_be_banned(api: Api) -> None:
    alice, bob, guild_id, channel_id = await setup(api)
    carol, dave = await api.account("carol"), await api.account("dave")
    await carol.join(alice, channel_id)
    await dave.join(alice, channel_id)
    role = await moderator(alice, guild_id, bob, int(P.BAN_MEMBERS))
    await alice.put(f"/guilds/{guild_id}/members/{carol.id}/roles/{role}")
    for target in (alice, carol, bob):
        response = await bob.put(f"/guilds/{guild_id}/bans/{target.id}")
        assert response.status_code == 403
        assert error_code(response) == 50013
    assert await ban_ids(alice, guild_id) == []
    assert (await bob.put(f"/guilds/{guild_id}/bans/{dave.id}")).status_code == 204
    assert await ban_ids(bob, guild_id) == [str(dave.id)]
    assert error_code(await alice.put(f"/guilds/{guild_id}/bans/{alice.id}")) == 50013


async def test_looking_up_or_lifting_a_ban_that_does_not_exist_is_10026(api: Api) -> None:
    alice, bob, guild_id, _ = await setup(api)
    for response in (
        await alice.get(f"/guilds/{guild_id}/bans/{bob.id}"),
        await alice.delete(f"/guilds/{guild_id}/bans/{bob.id}"),
    ):
        assert response.status_code == 404
        assert error_code(response) == 10026


async def test_bans_are_paged_by_user_id(api: Api) -> None:
    alice, _, guild_id, _ = await setup(api)
    users = [await api.account("banned") for _ in range(3)]
    for user in users:
        assert (await alice.put(f"/guilds/{guild_id}/bans/{user.id}")).status_code == 204
    ids = sorted((str(u.id) for u in users), key=int)
    assert await ban_ids(alice, guild_id) == ids
    assert await ban_ids(alice, guild_id, limit=2) == ids[:2]
    assert await ban_ids(alice, guild_id, after=ids[0]) == ids[1:]
    assert await ban_ids(alice, guild_id, before=ids[2], limit=1) == ids[1:2]
    for limit in (0, 1001):
        response = await alice.get(f"/guilds/{guild_id}/bans", params={"limit": limit})
        assert response.status_code == 400
        assert error_code(response) == 50035
