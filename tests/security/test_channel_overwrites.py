"""Moving, syncing and creating channels, and deleting roles, never open a hidden channel.

The probe's privilege escalation: a moderator with MANAGE_CHANNELS and MANAGE_ROLES, denied
VIEW_CHANNEL on `#admin-only`, moved it into a public category with `lock_permissions` and so made
its history readable to everyone. Every path that changes a channel's overwrites indirectly now
needs the permissions on that channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import Account, Api, error_code
from townhall.domain.permissions import Permission as P

MODERATOR = P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY
MODERATOR |= P.MANAGE_CHANNELS | P.MANAGE_ROLES


@dataclass
class Firm:
    owner: Account
    moderator: Account
    member: Account
    guild: dict[str, Any]
    admin_only: dict[str, Any]
    """A text channel that @everyone may not see; only the owner reads it."""
    public_category: dict[str, Any]

    @property
    def guild_id(self) -> str:
        return str(self.guild["id"])


async def create_role(owner: Account, guild_id: str, name: str, permissions: int = 0) -> str:
    made = await owner.post(
        f"/guilds/{guild_id}/roles", json={"name": name, "permissions": str(permissions)}
    )
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


async def give(owner: Account, guild_id: str, member: Account, role_id: str) -> None:
    given = await owner.put(f"/guilds/{guild_id}/members/{member.id}/roles/{role_id}")
    assert given.status_code == 204, given.text


async def create_channel(owner: Account, guild_id: str, **body: Any) -> dict[str, Any]:
    made = await owner.post(f"/guilds/{guild_id}/channels", json=body)
    assert made.status_code == 201, made.text
    channel: dict[str, Any] = made.json()
    return channel


async def firm(api: Api) -> Firm:
    owner, moderator, member = (
        await api.account("owner"),
        await api.account("mod"),
        await api.account("member"),
    )
    guild = await owner.guild("Law firm")
    general = next(c for c in guild["channels"] if c["type"] == 0)
    await moderator.join(owner, general["id"])
    await member.join(owner, general["id"])
    moderators = await create_role(owner, guild["id"], "Moderators", MODERATOR)
    await give(owner, guild["id"], moderator, moderators)
    hidden = {"id": guild["id"], "type": 0, "deny": str(int(P.VIEW_CHANNEL))}
    admin_only = await create_channel(
        owner, guild["id"], name="admin-only", permission_overwrites=[hidden]
    )
    sent = await owner.post(
        f"/channels/{admin_only['id']}/messages", json={"content": "the merger is off"}
    )
    assert sent.status_code == 200, sent.text
    category = next(c for c in guild["channels"] if c["type"] == 4)
    return Firm(owner, moderator, member, guild, admin_only, category)


async def history_status(account: Account, channel_id: str) -> int:
    return (await account.get(f"/channels/{channel_id}/messages")).status_code


async def stored_overwrites(owner: Account, channel_id: str) -> list[dict[str, Any]]:
    channel = await owner.get(f"/channels/{channel_id}")
    assert channel.status_code == 200, channel.text
    overwrites: list[dict[str, Any]] = channel.json()["permission_overwrites"]
    return overwrites


async def test_moving_a_hidden_channel_into_a_public_category_with_sync_is_refused(
    api: Api,
) -> None:
    f = await firm(api)
    before = await stored_overwrites(f.owner, f.admin_only["id"])
    move = [
        {"id": f.admin_only["id"], "parent_id": f.public_category["id"], "lock_permissions": True}
    ]
    response = await f.moderator.patch(f"/guilds/{f.guild_id}/channels", json=move)
    assert (response.status_code, error_code(response)) == (403, 50001)
    assert await stored_overwrites(f.owner, f.admin_only["id"]) == before
    assert await history_status(f.moderator, f.admin_only["id"]) == 403
    assert await history_status(f.member, f.admin_only["id"]) == 403


async def test_reordering_a_hidden_channel_is_refused_without_moving_anything(api: Api) -> None:
    f = await firm(api)
    response = await f.moderator.patch(
        f"/guilds/{f.guild_id}/channels", json=[{"id": f.admin_only["id"], "position": 0}]
    )
    assert (response.status_code, error_code(response)) == (403, 50001)
    stored = await f.owner.get(f"/channels/{f.admin_only['id']}")
    assert stored.json()["position"] == f.admin_only["position"]


async def test_syncing_with_a_category_that_grants_more_than_the_moderator_holds_is_refused(
    api: Api,
) -> None:
    f = await firm(api)
    generous = [{"id": f.guild_id, "type": 0, "allow": str(int(P.MENTION_EVERYONE))}]
    category = await create_channel(
        f.owner, f.guild_id, name="Announcements", type=4, permission_overwrites=generous
    )
    visible = await create_channel(f.owner, f.guild_id, name="notes")
    move = [{"id": visible["id"], "parent_id": category["id"], "lock_permissions": True}]
    response = await f.moderator.patch(f"/guilds/{f.guild_id}/channels", json=move)
    assert (response.status_code, error_code(response)) == (403, 50013)
    assert await stored_overwrites(f.owner, visible["id"]) == []
    # The owner holds everything, so the same move is theirs to make.
    allowed = await f.owner.patch(f"/guilds/{f.guild_id}/channels", json=move)
    assert allowed.status_code == 204, allowed.text
    synced = await stored_overwrites(f.owner, visible["id"])
    assert [o["allow"] for o in synced] == [str(int(P.MENTION_EVERYONE))]


async def test_a_moderator_still_moves_and_syncs_channels_they_manage(api: Api) -> None:
    f = await firm(api)
    quiet = [{"id": f.guild_id, "type": 0, "deny": str(int(P.SEND_MESSAGES))}]
    category = await create_channel(
        f.owner, f.guild_id, name="Read only", type=4, permission_overwrites=quiet
    )
    visible = await create_channel(f.owner, f.guild_id, name="rules")
    move = [{"id": visible["id"], "parent_id": category["id"], "lock_permissions": True}]
    response = await f.moderator.patch(f"/guilds/{f.guild_id}/channels", json=move)
    assert response.status_code == 204, response.text
    synced = await stored_overwrites(f.owner, visible["id"])
    assert [(o["id"], o["deny"]) for o in synced] == [(f.guild_id, str(int(P.SEND_MESSAGES)))]


async def test_creating_a_channel_inside_a_hidden_category_is_refused(api: Api) -> None:
    f = await firm(api)
    hidden = [{"id": f.guild_id, "type": 0, "deny": str(int(P.VIEW_CHANNEL))}]
    secret = await create_channel(
        f.owner, f.guild_id, name="Partners", type=4, permission_overwrites=hidden
    )
    response = await f.moderator.post(
        f"/guilds/{f.guild_id}/channels", json={"name": "sneaky", "parent_id": secret["id"]}
    )
    assert (response.status_code, error_code(response)) == (403, 50001)
    listed = await f.owner.get(f"/guilds/{f.guild_id}/channels")
    assert "sneaky" not in {c["name"] for c in listed.json()}


async def test_moving_a_channel_into_a_hidden_category_is_refused(api: Api) -> None:
    f = await firm(api)
    hidden = [{"id": f.guild_id, "type": 0, "deny": str(int(P.VIEW_CHANNEL))}]
    secret = await create_channel(
        f.owner, f.guild_id, name="Partners", type=4, permission_overwrites=hidden
    )
    visible = await create_channel(f.owner, f.guild_id, name="drafts")
    response = await f.moderator.patch(
        f"/channels/{visible['id']}", json={"parent_id": secret["id"]}
    )
    assert (response.status_code, error_code(response)) == (403, 50001)
    assert (await f.owner.get(f"/channels/{visible['id']}")).json()["parent_id"] is None


async def test_deleting_a_role_whose_overwrite_hides_a_channel_the_actor_cannot_manage(
    api: Api,
) -> None:
    f = await firm(api)
    interns = await create_role(f.owner, f.guild_id, "Interns")
    await give(f.owner, f.guild_id, f.member, interns)
    overwrites = [
        {"id": interns, "type": 0, "deny": str(int(P.VIEW_CHANNEL))},
        {"id": str(f.moderator.id), "type": 1, "deny": str(int(P.VIEW_CHANNEL))},
    ]
    confidential = await create_channel(
        f.owner, f.guild_id, name="confidential", permission_overwrites=overwrites
    )
    assert await history_status(f.member, confidential["id"]) == 403
    response = await f.moderator.delete(f"/guilds/{f.guild_id}/roles/{interns}")
    assert (response.status_code, error_code(response)) == (403, 50013)
    assert await history_status(f.member, confidential["id"]) == 403
    roles = await f.owner.get(f"/guilds/{f.guild_id}/roles")
    assert interns in {r["id"] for r in roles.json()}
    # The owner may: the interns then see the channel, by the owner's decision.
    assert (await f.owner.delete(f"/guilds/{f.guild_id}/roles/{interns}")).status_code == 204
    assert await history_status(f.member, confidential["id"]) == 200
