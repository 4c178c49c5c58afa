"""Permission overwrites of guild channels: edit or delete one, and the checks every change passes.

As on Discord: changing overwrites needs MANAGE_ROLES, and a member who is not an administrator
may only allow or deny permissions they hold themselves in that channel, so that an overwrite can
never hand out more than its author has. Each change publishes CHANNEL_UPDATE, which the gateway
uses to recompute who sees the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import GuildAccess, channel_access
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.channels import newly_set_bits
from townhall.domain.event_data import PrivateChannelView
from townhall.domain.models import Channel
from townhall.domain.permissions import Overwrite, OverwriteType, Permission, parse_permissions
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import members as member_store


@dataclass(frozen=True, slots=True)
class OverwriteDraft:
    """An overwrite as a client sends it: bitfields still as strings (or numbers, or null)."""

    id: int
    type: int
    allow: str | int | None = None
    deny: str | int | None = None


def parse_overwrite(draft: OverwriteDraft, path: str = "") -> Overwrite:
    prefix = f"{path}." if path else ""
    try:
        kind = OverwriteType(draft.type)
    except ValueError:
        raise errors.InvalidFormBody.field(
            f"{prefix}type", "Value must be one of {0, 1}.", "BASE_TYPE_CHOICES"
        ) from None
    bits = {}
    for key, value in (("allow", draft.allow), ("deny", draft.deny)):
        try:
            bits[key] = parse_permissions(value if value is not None else 0)
        except ValueError:
            raise errors.InvalidFormBody.field(
                f"{prefix}{key}", "Not a permission bitfield.", "BASE_TYPE_INVALID"
            ) from None
    return Overwrite(id=draft.id, type=kind, allow=bits["allow"], deny=bits["deny"])


async def parsed_overwrites(
    conn: AsyncConnection,
    access: GuildAccess,
    drafts: Sequence[OverwriteDraft],
    path: str = "permission_overwrites",
) -> list[Overwrite]:
    """A list of overwrites from a request body, each naming a role or member of the guild.

    A target named twice keeps its last overwrite. An unknown target is a 50035 at its index.
    """
    parsed = {d.id: parse_overwrite(d, f"{path}.{i}") for i, d in enumerate(drafts)}
    found_members = await _members_among(
        conn, access.guild.id, [o.id for o in parsed.values() if o.type is OverwriteType.MEMBER]
    )
    for index, draft in enumerate(drafts):
        overwrite = parsed[draft.id]
        known = (
            overwrite.id in access.roles
            if overwrite.type is OverwriteType.ROLE
            else overwrite.id in found_members
        )
        if not known:
            what = "role" if overwrite.type is OverwriteType.ROLE else "member"
            raise errors.InvalidFormBody.field(
                f"{path}.{index}.id", f"Unknown {what}", "BASE_TYPE_INVALID"
            )
    return list(parsed.values())


async def _members_among(conn: AsyncConnection, guild_id: int, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    found = await member_store.list_members(conn, guild_id, user_ids=user_ids, limit=len(user_ids))
    return {member.user.id for member in found}


def require_grantable(
    actor_permissions: int, before: Mapping[int, Overwrite], after: Iterable[Overwrite]
) -> None:
    """Refuse (50013) overwrites that allow or deny anything the actor lacks."""
    for overwrite in after:
        if newly_set_bits(before.get(overwrite.id), overwrite) & ~actor_permissions:
            raise errors.MissingPermissions()


async def put_overwrite(
    s: Services, actor: Actor, channel_id: int, target_id: int, draft: OverwriteDraft
) -> None:
    """Create or replace the overwrite for one role or member (Edit Channel Permissions)."""
    overwrite = parse_overwrite(OverwriteDraft(target_id, draft.type, draft.allow, draft.deny))
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            raise errors.CannotExecuteOnDM()
        access.require(Permission.MANAGE_ROLES)
        if overwrite.type is OverwriteType.ROLE:
            if target_id not in access.guild.roles:
                raise errors.UnknownRole()
        elif not await member_store.is_member(tx.conn, access.guild.guild.id, target_id):
            raise errors.UnknownMember()
        before = {o.id: o for o in access.channel.permission_overwrites}
        require_grantable(access.permissions, before, [overwrite])
        if before.get(target_id) == overwrite:
            return
        await channel_store.put_overwrite(tx.conn, channel_id, overwrite)
        updated = await channel_store.get_channel(tx.conn, channel_id)
        assert updated is not None
        tx.emit(_channel_update(updated))


async def delete_overwrite(s: Services, actor: Actor, channel_id: int, target_id: int) -> None:
    """Remove one overwrite; removing one that does not exist changes nothing and succeeds."""
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            raise errors.CannotExecuteOnDM()
        access.require(Permission.MANAGE_ROLES)
        deleted = await channel_store.delete_overwrite(tx.conn, channel_id, target_id)
        updated = await channel_store.get_channel(tx.conn, channel_id)
        assert updated is not None
        if deleted:
            tx.emit(_channel_update(updated))


def _channel_update(channel: Channel) -> Event[Channel | PrivateChannelView]:
    return Event(catalog.CHANNEL_UPDATE, channel, guild_id=channel.guild_id, channel_id=channel.id)
