"""Who may DM me, and who may put me in a group DM: Discord's privacy settings.

The probe: anyone could put anyone into a group DM and write there. Now, as on Discord (which has
friends; townhall does not), people write to each other when they share a guild where the
recipient allows DMs from members: `restricted_guilds` lists the guilds that do not, and
`default_guilds_restricted` decides for guilds joined later. Otherwise 50007.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account, Api, error_code


async def shared_guild(owner: Account, *members: Account) -> dict[str, Any]:
    guild = await owner.guild("Club")
    for member in members:
        await member.join(owner, guild["system_channel_id"])
    return guild


async def dm_with(sender: Account, recipient: Account) -> str:
    opened = await sender.post("/users/@me/channels", json={"recipient_id": str(recipient.id)})
    assert opened.status_code == 200, opened.text
    return str(opened.json()["id"])


async def write(sender: Account, channel_id: str, text: str = "hello") -> httpx.Response:
    return await sender.post(f"/channels/{channel_id}/messages", json={"content": text})


async def settings(account: Account, **changes: Any) -> dict[str, Any]:
    """Who may DM the account, from its user settings (which also hold language and theme)."""
    response = (
        await account.patch("/users/@me/settings", json=changes)
        if changes
        else await account.get("/users/@me/settings")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {key: body[key] for key in ("restricted_guilds", "default_guilds_restricted")}


async def test_a_stranger_cannot_write_to_me(api: Api) -> None:
    stranger, me = await api.account("stranger"), await api.account("me")
    channel_id = await dm_with(stranger, me)
    refused = await write(stranger, channel_id)
    assert (refused.status_code, error_code(refused)) == (403, 50007)
    assert (await me.get(f"/channels/{channel_id}/messages")).json() == []


async def test_members_of_a_shared_guild_may_write_until_i_restrict_that_guild(api: Api) -> None:
    member, me = await api.account("member"), await api.account("me")
    guild = await shared_guild(member, me)
    channel_id = await dm_with(member, me)
    assert (await write(member, channel_id)).status_code == 200
    assert await settings(me) == {"restricted_guilds": [], "default_guilds_restricted": False}
    assert (await settings(me, restricted_guilds=[guild["id"]]))["restricted_guilds"] == [
        guild["id"]
    ]
    refused = await write(member, channel_id, "again")
    assert (refused.status_code, error_code(refused)) == (403, 50007)
    # I may still write to them: their settings allow it.
    assert (await write(me, channel_id, "from me")).status_code == 200
    await settings(me, restricted_guilds=[])
    assert (await write(member, channel_id, "once more")).status_code == 200


async def test_guilds_joined_later_follow_the_default(api: Api) -> None:
    owner, me = await api.account("owner"), await api.account("me")
    await settings(me, default_guilds_restricted=True)
    guild = await shared_guild(owner, me)
    assert await settings(me) == {
        "restricted_guilds": [guild["id"]],
        "default_guilds_restricted": True,
    }
    refused = await write(owner, await dm_with(owner, me))
    assert (refused.status_code, error_code(refused)) == (403, 50007)


async def test_a_group_dm_only_takes_people_who_accept_the_creator(api: Api) -> None:
    creator, friend, stranger = (
        await api.account("creator"),
        await api.account("friend"),
        await api.account("stranger"),
    )
    await shared_guild(creator, friend)
    refused = await creator.post(
        "/users/@me/channels", json={"recipients": [str(friend.id), str(stranger.id)]}
    )
    assert (refused.status_code, error_code(refused)) == (403, 50007)
    assert (await stranger.get("/users/@me/channels")).json() == []
    made = await creator.post("/users/@me/channels", json={"recipients": [str(friend.id)]})
    assert made.status_code == 200, made.text
    group_id = made.json()["id"]
    added = await creator.put(f"/channels/{group_id}/recipients/{stranger.id}")
    assert (added.status_code, error_code(added)) == (403, 50007)
    assert (await stranger.get("/users/@me/channels")).json() == []
    assert (await write(stranger, group_id)).status_code == 403


async def test_settings_take_only_what_they_should(api: Api) -> None:
    me = await api.account("me")
    for body in ({"restricted_guilds": "all"}, {"default_guilds_restricted": "yes"}):
        response = await me.patch("/users/@me/settings", json=body)
        assert (response.status_code, error_code(response)) == (400, 50035), body
    # A guild I am not in cannot be restricted; the list stays empty.
    assert (await settings(me, restricted_guilds=["12345"]))["restricted_guilds"] == []


async def test_bots_have_no_settings(api: Api) -> None:
    owner = await api.account("owner")
    created = await owner.post("/applications", json={"name": "Settings"})
    token = (await owner.post(f"/applications/{created.json()['id']}/bot/reset")).json()["token"]
    response = await api.http.get("/users/@me/settings", headers={"Authorization": f"Bot {token}"})
    assert (response.status_code, error_code(response)) == (403, 20001)
