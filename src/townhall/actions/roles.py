"""Roles: list, create, edit, reorder, delete; and the rules that guard every change to them.

As on Discord: touching roles needs MANAGE_ROLES; nobody but the owner manages a role at or above
their own highest role; and nobody gives a role permissions they do not hold themselves (the owner
and administrators hold them all). Member role assignment (actions/members.py) uses the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from townhall.actions.access import GuildAccess, guild_access
from townhall.actions.services import Services
from townhall.domain import errors, validation
from townhall.domain.actor import Actor
from townhall.domain.models import UNSET, Role, Unset, provided
from townhall.domain.permissions import Permission, has
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store

MAX_ROLES = 250
"""Discord's limit per guild, @everyone included."""

NEW_ROLE_POSITION = 1
"""Discord puts a new role just above @everyone."""


def role_order(role: Role) -> tuple[int, int]:
    """Bottom to top: by position, ties by id (Discord's documented order)."""
    return (role.position, role.id)


def role_in(access: GuildAccess, role_id: int) -> Role:
    role = access.roles.get(role_id)
    if role is None:
        raise errors.UnknownRole()
    return role


def require_manageable(access: GuildAccess, role: Role) -> None:
    """MANAGE_ROLES, and the role sits below the actor's highest role (the owner may touch any)."""
    access.require(Permission.MANAGE_ROLES)
    if not access.outranks(role.position):
        raise errors.MissingPermissions()


def require_assignable(access: GuildAccess, role: Role) -> None:
    """A role given to or taken from a member by hand: manageable, neither @everyone nor a bot's."""
    require_manageable(access, role)
    if role.is_everyone or role.managed:
        raise errors.InvalidRole()


def _require_grantable(access: GuildAccess, before: int, after: int) -> None:
    """Only bits the actor holds may be added to a role; removing is always allowed."""
    if not has(access.permissions, after & ~before):
        raise errors.MissingPermissions()


def _role_name(name: str) -> str:
    return validation.text_name(name, "name", 1, validation.ROLE_NAME_MAX)


async def list_roles(s: Services, actor: Actor, guild_id: int) -> list[Role]:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
    return sorted(access.roles.values(), key=role_order)


async def get_role(s: Services, actor: Actor, guild_id: int, role_id: int) -> Role:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
    return role_in(access, role_id)


@dataclass(frozen=True, slots=True)
class RoleDraft:
    name: str = "new role"
    permissions: int | None = None
    """None: the guild's @everyone permissions, as on Discord."""
    color: int = 0
    hoist: bool = False
    mentionable: bool = False


async def create_role(s: Services, actor: Actor, guild_id: int, draft: RoleDraft) -> Role:
    """A new role at position 1; every other role but @everyone moves one step up."""
    name = _role_name(draft.name)
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_ROLES)
        permissions = draft.permissions
        if permissions is None:
            everyone = access.roles.get(guild_id)
            permissions = everyone.permissions if everyone else 0
        _require_grantable(access, 0, permissions)
        if len(access.roles) >= MAX_ROLES:
            raise errors.MaxRoles()
        role = Role(
            id=s.ids.next_id(),
            guild_id=guild_id,
            name=name,
            permissions=permissions,
            position=NEW_ROLE_POSITION,
            color=draft.color,
            hoist=draft.hoist,
            mentionable=draft.mentionable,
        )
        await guild_store.make_room_for_role(tx.conn, guild_id, NEW_ROLE_POSITION)
        await guild_store.insert_role(tx.conn, role)
        tx.emit(*role_created(access, role))
    return role


def role_created(access: GuildAccess, role: Role) -> list[Event[Role]]:
    """GUILD_ROLE_CREATE for a role put at position 1, and an update for each role moved up."""
    guild_id = access.guild.id
    moved = [
        replace(r, position=r.position + 1)
        for r in access.roles.values()
        if not r.is_everyone and r.position >= NEW_ROLE_POSITION
    ]
    return [
        Event(catalog.GUILD_ROLE_CREATE, role, guild_id=guild_id),
        *(
            Event(catalog.GUILD_ROLE_UPDATE, r, guild_id=guild_id)
            for r in sorted(moved, key=role_order)
        ),
    ]


@dataclass(frozen=True, slots=True)
class RolePatch:
    name: str | Unset = UNSET
    permissions: int | Unset = UNSET
    color: int | Unset = UNSET
    hoist: bool | Unset = UNSET
    mentionable: bool | Unset = UNSET


async def modify_role(
    s: Services, actor: Actor, guild_id: int, role_id: int, patch: RolePatch
) -> Role:
    changes = provided(patch)
    if isinstance(patch.name, str):
        changes["name"] = _role_name(patch.name)
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        role = role_in(access, role_id)
        require_manageable(access, role)
        if role.is_everyone and changes.get("name", role.name) != role.name:
            raise errors.InvalidFormBody.field(
                "name", "The @everyone role cannot be renamed.", "BASE_TYPE_INVALID"
            )
        if isinstance(patch.permissions, int):
            _require_grantable(access, role.permissions, patch.permissions)
        await guild_store.update_role(tx.conn, role_id, changes)
        updated = replace(role, **changes)  # type: ignore[arg-type]
        if changes:
            tx.emit(Event(catalog.GUILD_ROLE_UPDATE, updated, guild_id=guild_id))
    return updated


async def modify_role_positions(
    s: Services, actor: Actor, guild_id: int, moves: Sequence[tuple[int, int]]
) -> list[Role]:
    """Move roles to the (role id, position) pairs given; returns every role of the guild.

    Positions are renumbered 1..n afterwards, so the stored order never has gaps or ties. Moved
    roles must sit below the actor's highest role before and after (unless the actor is the owner).
    """
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_ROLES)
        requested: dict[int, int] = {}
        for index, (role_id, position) in enumerate(moves):
            role = access.roles.get(role_id)
            if role is None:
                raise errors.InvalidFormBody.field(f"{index}.id", "Unknown role.", "UNKNOWN_ROLE")
            if role.is_everyone:
                raise errors.InvalidFormBody.field(
                    f"{index}.id", "The @everyone role cannot be moved.", "BASE_TYPE_INVALID"
                )
            requested[role_id] = position
        ordered = _reordered(list(access.roles.values()), requested)
        if not access.is_owner:
            _require_moves_below_actor(access, requested, ordered)
        changed = [r for r in ordered if r.position != access.roles[r.id].position]
        await guild_store.set_role_positions(tx.conn, [(r.id, r.position) for r in changed])
        tx.emit(*(Event(catalog.GUILD_ROLE_UPDATE, r, guild_id=guild_id) for r in changed))
    everyone = [r for r in access.roles.values() if r.is_everyone]
    return everyone + ordered


def _reordered(roles: list[Role], requested: dict[int, int]) -> list[Role]:
    """The guild's roles but @everyone, bottom to top, numbered 1..n after the requested moves.

    A moved role takes its requested place: moving up it lands above the role already there,
    moving down below it. The other roles keep their relative order.
    """

    def key(role: Role) -> tuple[int, int, int]:
        target = requested.get(role.id)
        if target is None:
            return (role.position, 0, role.id)
        return (target, 1 if target > role.position else -1, role.id)

    movable = sorted((r for r in roles if not r.is_everyone), key=key)
    return [replace(role, position=index) for index, role in enumerate(movable, start=1)]


def _require_moves_below_actor(
    access: GuildAccess, requested: dict[int, int], ordered: list[Role]
) -> None:
    mine = [access.roles[r] for r in access.member.role_ids if r in access.roles]
    if not mine:
        raise errors.MissingPermissions()
    top = max(mine, key=role_order).id
    final = {role.id: role.position for role in ordered}
    for role_id in requested:
        if not access.outranks(access.roles[role_id].position) or final[role_id] >= final[top]:
            raise errors.MissingPermissions()


async def delete_role(s: Services, actor: Actor, guild_id: int, role_id: int) -> None:
    """Delete a role; members lose it and its channel overwrites go with it."""
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        role = role_in(access, role_id)
        require_manageable(access, role)
        if role.is_everyone or role.managed:
            raise errors.InvalidRole()
        touched = [
            channel
            for channel in await channel_store.channels_of_guild(tx.conn, guild_id)
            if any(o.id == role_id for o in channel.permission_overwrites)
        ]
        for channel in touched:
            # Its overwrites go with it, which changes who sees those channels: the actor must
            # be able to edit each channel's overwrites, as for deleting one by hand.
            if not has(access.in_channel(channel), Permission.MANAGE_ROLES):
                raise errors.MissingPermissions()
        await channel_store.delete_overwrites_for_target(tx.conn, role_id)
        await guild_store.delete_role(tx.conn, role_id)
        kept = {c.id: tuple(o for o in c.permission_overwrites if o.id != role_id) for c in touched}
        updated = [replace(c, permission_overwrites=kept[c.id]) for c in touched]
        tx.emit(
            Event(catalog.GUILD_ROLE_DELETE, role, guild_id=guild_id),
            *(
                Event(catalog.CHANNEL_UPDATE, c, guild_id=guild_id, channel_id=c.id)
                for c in updated
            ),
        )
