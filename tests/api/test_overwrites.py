"""Channel permission overwrites: PUT and DELETE /channels/{id}/permissions/{overwrite_id}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.api.test_channels import channel_names, grant_role, guild_with_member
from tests.conftest import Account, Api, error_code, text_channel
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope

VIEW = str(int(P.VIEW_CHANNEL))


def permissions_path(channel: dict[str, Any], target: int | str) -> str:
    return f"/channels/{channel['id']}/permissions/{target}"


async def overwrites_of(account: Account, channel: dict[str, Any]) -> list[dict[str, Any]]:
    response = await account.get(f"/channels/{channel['id']}")
    assert response.status_code == 200, response.text
    overwrites: list[dict[str, Any]] = response.json()["permission_overwrites"]
    return overwrites


# PUT /channels/{id}/permissions/{overwrite_id}


async def test_owner_sets_an_overwrite_and_viewers_hear_of_it(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    body = {"type": 1, "allow": str(int(P.MANAGE_MESSAGES)), "deny": str(int(P.ADD_REACTIONS))}
    response = await owner.put(permissions_path(general, member.id), json=body)
    assert response.status_code == 204
    assert response.content == b""
    assert await overwrites_of(member, general) == [{"id": str(member.id), **body}]
    updates = [e for e in published if e.type == "CHANNEL_UPDATE"]
    assert [(e.guild_id, e.channel_id) for e in updates] == [(int(guild["id"]), int(general["id"]))]


async def test_putting_again_replaces_the_overwrite(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    await owner.put(permissions_path(general, member.id), json={"type": 1, "deny": VIEW})
    again = await owner.put(permissions_path(general, member.id), json={"type": 1, "allow": "64"})
    assert again.status_code == 204
    assert await overwrites_of(owner, general) == [
        {"id": str(member.id), "type": 1, "allow": "64", "deny": "0"}
    ]


async def test_member_overwrite_denying_view_hides_the_channel_from_that_member(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    other = await api.account()
    await other.join(owner, text_channel(guild)["id"])
    general = text_channel(guild)
    response = await owner.put(permissions_path(general, member.id), json={"type": 1, "deny": VIEW})
    assert response.status_code == 204
    assert "general" not in await channel_names(member, guild["id"])
    hidden = await member.get(f"/channels/{general['id']}")
    assert (hidden.status_code, error_code(hidden)) == (403, 50001)
    assert "general" in await channel_names(other, guild["id"])
    assert (await other.get(f"/channels/{general['id']}")).status_code == 200


async def test_role_overwrite_allow_beats_everyone_deny(api: Api, app: FastAPI) -> None:
    owner, member, guild = await guild_with_member(api)
    plain = await api.account()
    await plain.join(owner, text_channel(guild)["id"])
    role_id = await grant_role(app, guild["id"], member, 0)
    general = text_channel(guild)
    everyone = await owner.put(
        permissions_path(general, guild["id"]), json={"type": 0, "deny": VIEW}
    )
    role = await owner.put(permissions_path(general, role_id), json={"type": 0, "allow": VIEW})
    assert (everyone.status_code, role.status_code) == (204, 204)
    assert (await member.get(f"/channels/{general['id']}")).status_code == 200
    assert "general" in await channel_names(member, guild["id"])
    assert (await plain.get(f"/channels/{general['id']}")).status_code == 403
    assert "general" not in await channel_names(plain, guild["id"])


async def test_moderator_cannot_grant_a_permission_they_lack(api: Api, app: FastAPI) -> None:
    owner, moderator, guild = await guild_with_member(api)
    target = await api.account()
    await target.join(owner, text_channel(guild)["id"])
    await grant_role(app, guild["id"], moderator, int(P.MANAGE_ROLES | P.MANAGE_CHANNELS))
    general = text_channel(guild)
    for body in (
        {"type": 1, "allow": str(int(P.BAN_MEMBERS))},
        {"type": 1, "deny": str(int(P.MANAGE_MESSAGES))},
        {"type": 1, "allow": str(int(P.SEND_MESSAGES | P.MENTION_EVERYONE))},
    ):
        refused = await moderator.put(permissions_path(general, target.id), json=body)
        assert refused.status_code == 403, body
        assert error_code(refused) == 50013
    assert await overwrites_of(owner, general) == []
    held = {"type": 1, "allow": str(int(P.SEND_MESSAGES)), "deny": str(int(P.ADD_REACTIONS))}
    granted = await moderator.put(permissions_path(general, target.id), json=held)
    assert granted.status_code == 204


async def test_moderator_may_edit_an_overwrite_holding_bits_they_lack(
    api: Api, app: FastAPI
) -> None:
    """Only newly allowed or denied bits count: an administrator's bits may stay as they are."""
    owner, moderator, guild = await guild_with_member(api)
    await grant_role(app, guild["id"], moderator, int(P.MANAGE_ROLES))
    general = text_channel(guild)
    ban = str(int(P.BAN_MEMBERS))
    await owner.put(permissions_path(general, guild["id"]), json={"type": 0, "allow": ban})
    both = str(int(P.BAN_MEMBERS | P.ADD_REACTIONS))
    response = await moderator.put(
        permissions_path(general, guild["id"]), json={"type": 0, "allow": both}
    )
    assert response.status_code == 204
    assert (await overwrites_of(owner, general))[0]["allow"] == both


async def test_member_without_manage_roles_cannot_set_overwrites(api: Api, app: FastAPI) -> None:
    owner, member, guild = await guild_with_member(api)
    await grant_role(app, guild["id"], member, int(P.MANAGE_CHANNELS))
    general = text_channel(guild)
    response = await member.put(
        permissions_path(general, member.id), json={"type": 1, "allow": VIEW}
    )
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert await overwrites_of(owner, general) == []


async def test_non_member_cannot_set_overwrites(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    general = text_channel(guild)
    response = await stranger.put(permissions_path(general, stranger.id), json={"type": 1})
    assert response.status_code == 403
    assert error_code(response) == 50001


async def test_invalid_overwrites_are_refused_and_change_nothing(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    stranger = await api.account()
    general = text_channel(guild)
    for target, body, status, code in [
        (member.id, {"type": 2}, 400, 50035),
        (member.id, {"allow": VIEW}, 400, 50035),
        (member.id, {"type": 1, "allow": "lots"}, 400, 50035),
        (member.id, {"type": 1, "deny": "-8"}, 400, 50035),
        (member.id, {"type": 1, "allow": True}, 400, 50035),
        ("not-an-id", {"type": 1}, 400, 50035),
        (123456789, {"type": 0, "allow": VIEW}, 404, 10011),
        (stranger.id, {"type": 1, "allow": VIEW}, 404, 10007),
        (member.id, {"type": 0, "allow": VIEW}, 404, 10011),
    ]:
        response = await owner.put(permissions_path(general, target), json=body)
        assert (response.status_code, error_code(response)) == (status, code), body
    assert await overwrites_of(owner, general) == []


async def test_overwrites_do_not_apply_to_dms(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    dm = (await alice.post("/users/@me/channels", json={"recipient_id": str(bob.id)})).json()
    put = await alice.put(permissions_path(dm, bob.id), json={"type": 1, "deny": VIEW})
    assert (put.status_code, error_code(put)) == (403, 50003)
    delete = await alice.delete(permissions_path(dm, bob.id))
    assert (delete.status_code, error_code(delete)) == (403, 50003)


# DELETE /channels/{id}/permissions/{overwrite_id}


async def test_owner_deletes_an_overwrite_and_the_channel_shows_again(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    await owner.put(permissions_path(general, member.id), json={"type": 1, "deny": VIEW})
    published.clear()
    response = await owner.delete(permissions_path(general, member.id))
    assert response.status_code == 204
    assert await overwrites_of(owner, general) == []
    assert "general" in await channel_names(member, guild["id"])
    assert [e.channel_id for e in published if e.type == "CHANNEL_UPDATE"] == [int(general["id"])]


async def test_deleting_a_missing_overwrite_succeeds_without_an_event(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, guild = await guild_with_member(api)
    published.clear()
    response = await owner.delete(permissions_path(text_channel(guild), member.id))
    assert response.status_code == 204
    assert [e for e in published if e.type == "CHANNEL_UPDATE"] == []


async def test_member_without_manage_roles_cannot_delete_overwrites(api: Api) -> None:
    owner, member, guild = await guild_with_member(api)
    general = text_channel(guild)
    await owner.put(permissions_path(general, member.id), json={"type": 1, "deny": "64"})
    response = await member.delete(permissions_path(general, member.id))
    assert response.status_code == 403
    assert error_code(response) == 50013
    assert len(await overwrites_of(owner, general)) == 1


async def test_non_member_cannot_delete_overwrites(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    guild = await owner.guild()
    general = text_channel(guild)
    await owner.put(permissions_path(general, guild["id"]), json={"type": 0, "deny": "64"})
    response = await stranger.delete(permissions_path(general, guild["id"]))
    assert response.status_code == 403
    assert error_code(response) == 50001
    assert len(await overwrites_of(owner, general)) == 1


async def test_deleting_with_a_malformed_id_is_400_and_changes_nothing(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    general = text_channel(guild)
    await owner.put(permissions_path(general, guild["id"]), json={"type": 0, "deny": "64"})
    response = await owner.delete(permissions_path(general, "everyone"))
    assert (response.status_code, error_code(response)) == (400, 50035)
    assert len(await overwrites_of(owner, general)) == 1
