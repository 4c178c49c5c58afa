"""Invite links: create, look up without an account, join, expire, revoke, list."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Account, Api, error_code

CREATE_INSTANT_INVITE = 1 << 0


async def invite(owner: Account, guild: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await owner.post(f"/channels/{guild['system_channel_id']}/invites", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_anyone_can_look_at_an_invite_without_signing_in(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild("Chess club")
    code = (await invite(owner, guild))["code"]
    seen = await api.http.get(f"/invites/{code}?with_counts=true")
    assert seen.status_code == 200
    body = seen.json()
    assert body["guild"]["name"] == "Chess club"
    assert body["channel"]["id"] == guild["system_channel_id"]
    assert body["approximate_member_count"] == 1
    assert body["inviter"]["id"] == str(owner.id)


async def test_joining_by_invite_makes_a_member_and_counts_a_use(api: Api) -> None:
    owner, guest = await api.account(), await api.account()
    guild = await owner.guild()
    code = (await invite(owner, guild, unique=True))["code"]
    assert (await guest.post(f"/invites/{code}")).status_code == 200
    assert (await guest.get(f"/guilds/{guild['id']}")).status_code == 200
    listed = await owner.get(f"/guilds/{guild['id']}/invites")
    assert [i["uses"] for i in listed.json() if i["code"] == code] == [1]


async def test_used_up_invite_is_unknown(api: Api) -> None:
    owner, first, second = await api.account(), await api.account(), await api.account()
    guild = await owner.guild()
    code = (await invite(owner, guild, max_uses=1, unique=True))["code"]
    assert (await first.post(f"/invites/{code}")).status_code == 200
    refused = await second.post(f"/invites/{code}")
    assert refused.status_code == 404
    assert error_code(refused) == 10006
    assert (await second.get(f"/guilds/{guild['id']}")).status_code == 403


async def test_expired_invite_is_unknown(api: Api) -> None:
    owner, late = await api.account(), await api.account()
    guild = await owner.guild()
    code = (await invite(owner, guild, max_age=1, unique=True))["code"]
    await asyncio.sleep(1.2)
    assert error_code(await api.http.get(f"/invites/{code}")) == 10006
    assert error_code(await late.post(f"/invites/{code}")) == 10006


async def test_member_without_create_instant_invite_is_refused(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, guild["system_channel_id"])
    everyone = next(r for r in guild["roles"] if r["id"] == guild["id"])
    without = int(everyone["permissions"]) & ~CREATE_INSTANT_INVITE
    patched = await owner.patch(
        f"/guilds/{guild['id']}/roles/{guild['id']}", json={"permissions": str(without)}
    )
    assert patched.status_code == 200, patched.text
    refused = await member.post(f"/channels/{guild['system_channel_id']}/invites", json={})
    assert refused.status_code == 403
    assert error_code(refused) == 50013


async def test_non_member_cannot_create_list_or_revoke_invites(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    code = (await invite(owner, guild))["code"]
    channel = guild["system_channel_id"]
    assert error_code(await stranger.post(f"/channels/{channel}/invites", json={})) == 50001
    assert error_code(await stranger.get(f"/guilds/{guild['id']}/invites")) == 50001
    assert error_code(await stranger.get(f"/channels/{channel}/invites")) == 50001
    assert error_code(await stranger.delete(f"/invites/{code}")) == 50001
    assert (await api.http.get(f"/invites/{code}")).status_code == 200


async def test_plain_member_cannot_list_or_revoke_but_the_owner_can(api: Api) -> None:
    owner, member = await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, guild["system_channel_id"])
    code = (await invite(owner, guild))["code"]
    assert error_code(await member.get(f"/guilds/{guild['id']}/invites")) == 50013
    assert error_code(await member.get(f"/channels/{guild['system_channel_id']}/invites")) == 50013
    assert error_code(await member.delete(f"/invites/{code}")) == 50013
    revoked = await owner.delete(f"/invites/{code}")
    assert revoked.status_code == 200
    assert revoked.json()["code"] == code
    assert error_code(await api.http.get(f"/invites/{code}")) == 10006


async def test_out_of_range_settings_are_refused_and_nothing_is_created(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    channel = guild["system_channel_id"]
    for body in ({"max_age": 604801}, {"max_uses": 101}, {"max_age": -1}, {"max_uses": "many"}):
        refused = await owner.post(f"/channels/{channel}/invites", json=body)
        assert refused.status_code == 400, body
        assert error_code(refused) == 50035
    assert (await owner.get(f"/guilds/{guild['id']}/invites")).json() == []


async def test_same_settings_reuse_an_unused_invite_unless_unique(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    first, again = await invite(owner, guild), await invite(owner, guild)
    assert first["code"] == again["code"]
    assert (await invite(owner, guild, unique=True))["code"] != first["code"]


async def test_bots_cannot_accept_invites(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    app = (await owner.post("/applications", json={"name": "Joiner"})).json()
    token = (await owner.post(f"/applications/{app['id']}/bot/reset")).json()["token"]
    code = (await invite(owner, guild))["code"]
    refused = await api.http.post(f"/invites/{code}", headers={"Authorization": f"Bot {token}"})
    assert refused.status_code == 403
    assert error_code(refused) == 20001


async def test_unknown_code_is_404_with_10006(api: Api) -> None:
    assert error_code(await api.http.get("/invites/doesnotexist")) == 10006
