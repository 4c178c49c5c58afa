"""Guild members: list, search, look up, edit (nick, roles, timeout, voice), give roles, kick.

Moderating another member follows Discord's hierarchy: nobody acts on the owner, and nobody but the
owner acts on a member whose highest role is at or above their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from townhall.actions import guest_access, voice_moderation
from townhall.actions.access import GuildAccess, guild_access, member_context
from townhall.actions.guilds import remove_member
from townhall.actions.roles import require_assignable, role_in
from townhall.actions.services import Services
from townhall.domain import errors, validation
from townhall.domain import guests as guest_rules
from townhall.domain.actor import Actor
from townhall.domain.models import UNSET, Member, Unset
from townhall.domain.permissions import Permission, base_permissions, has
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import members as member_store
from townhall.store import users as user_store

MAX_TIMEOUT = timedelta(days=28)
_VOICE_FIELDS = (("mute", Permission.MUTE_MEMBERS), ("deaf", Permission.DEAFEN_MEMBERS))


def member_highest_position(access: GuildAccess, member: Member) -> int:
    return max((access.roles[r].position for r in member.role_ids if r in access.roles), default=0)


def require_outranks(access: GuildAccess, target: Member) -> None:
    """The actor may moderate `target`: never the owner; else below the actor, unless actor owns."""
    if target.user.id == access.guild.owner_id:
        raise errors.MissingPermissions()
    if not access.outranks(member_highest_position(access, target)):
        raise errors.MissingPermissions()


async def list_members(
    s: Services, actor: Actor, guild_id: int, *, limit: int, after: int
) -> list[Member]:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        if guest_rules.is_guest(actor.user):
            return await guest_access.members_in_view(
                conn, access, s.now(), after=after, limit=limit
            )
        return await member_store.list_members(conn, guild_id, after=after, limit=limit)


async def search_members(
    s: Services, actor: Actor, guild_id: int, query: str, *, limit: int
) -> list[Member]:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        found = await member_store.search_members(conn, guild_id, query, limit=limit)
        if guest_rules.is_guest(actor.user):
            return await guest_access.members_in_view(conn, access, s.now(), among=found)
        return found


async def get_member(s: Services, actor: Actor, guild_id: int, user_id: int) -> Member:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        member = await member_store.get_member(conn, guild_id, user_id)
        if member is not None and guest_rules.is_guest(actor.user):
            shown = await guest_access.members_in_view(conn, access, s.now(), among=[member])
            member = shown[0] if shown else None
        if member is None:
            if await user_store.get_user(conn, user_id) is None:
                raise errors.UnknownUser()
            raise errors.UnknownMember()
    return member


@dataclass(frozen=True, slots=True)
class MemberPatch:
    nick: str | Unset | None = UNSET
    roles: tuple[int, ...] | Unset = UNSET
    mute: bool | Unset = UNSET
    deaf: bool | Unset = UNSET
    communication_disabled_until: datetime | Unset | None = UNSET
    channel_id: int | Unset | None = UNSET
    """A voice channel to move the member to; None disconnects them."""


async def modify_member(
    s: Services, actor: Actor, guild_id: int, user_id: int, patch: MemberPatch
) -> Member:
    """Each field needs its own permission, checked before anything is written."""
    now = s.now()
    changes: dict[str, object] = {}
    if not isinstance(patch.nick, Unset):
        changes["nick"] = _nick(patch.nick)
    until = patch.communication_disabled_until
    if isinstance(until, datetime):
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        if until > now + MAX_TIMEOUT:
            raise errors.InvalidFormBody.field(
                "communication_disabled_until",
                "Timeouts can be at most 28 days in the future.",
                "BASE_TYPE_INVALID",
            )
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, now, s.cache)
        target = await member_store.get_member(tx.conn, guild_id, user_id)
        if target is None:
            raise errors.UnknownMember()
        if "nick" in changes:
            _require_nick_change(access, target)
        if not isinstance(until, Unset):
            _require_timeout(access, target, now, lifting=until is None)
            changes["communication_disabled_until"] = until
        for field, permission in _VOICE_FIELDS:
            value = getattr(patch, field)
            if not isinstance(value, Unset):
                access.require(permission)
                changes[field] = value
        if not isinstance(patch.channel_id, Unset):
            await voice_moderation.move_member(tx, access, target, patch.channel_id, now)
        role_ids = None
        if not isinstance(patch.roles, Unset):
            role_ids = _checked_roles(access, target, patch.roles)
        await member_store.update_member(tx.conn, guild_id, user_id, changes)
        if role_ids is not None:
            await member_store.set_member_roles(tx.conn, guild_id, user_id, role_ids)
        updated = await member_store.get_member(tx.conn, guild_id, user_id)
        assert updated is not None
        if changes or role_ids is not None:
            tx.emit(Event(catalog.GUILD_MEMBER_UPDATE, updated, guild_id=guild_id))
        if any(field in changes for field, _ in _VOICE_FIELDS):
            await voice_moderation.member_voice_changed(tx, updated)
    return updated


async def modify_current_member(
    s: Services, actor: Actor, guild_id: int, nick: str | Unset | None
) -> Member:
    """The actor's own nickname, with CHANGE_NICKNAME (or MANAGE_NICKNAMES)."""
    return await modify_member(s, actor, guild_id, actor.id, MemberPatch(nick=nick))


def _nick(nick: str | None) -> str | None:
    if nick is None or nick.strip() == "":
        return None
    return validation.length(nick, "nick", 1, validation.NICK_MAX)


def _require_nick_change(access: GuildAccess, target: Member) -> None:
    if target.user.id == access.member.user.id:
        if not (
            has(access.permissions, Permission.CHANGE_NICKNAME)
            or has(access.permissions, Permission.MANAGE_NICKNAMES)
        ):
            raise errors.MissingPermissions()
        return
    access.require(Permission.MANAGE_NICKNAMES)
    require_outranks(access, target)


def _require_timeout(access: GuildAccess, target: Member, now: datetime, *, lifting: bool) -> None:
    """MODERATE_MEMBERS over a lower member; owners and administrators cannot be timed out."""
    access.require(Permission.MODERATE_MEMBERS)
    target_context = member_context(access.guild, target, access.roles, now)
    if not lifting and has(base_permissions(target_context), Permission.ADMINISTRATOR):
        raise errors.MissingPermissions()
    require_outranks(access, target)


def _checked_roles(access: GuildAccess, target: Member, wanted: tuple[int, ...]) -> list[int]:
    """The member's new role list; every role added or removed must be one the actor may assign."""
    new = set()
    for index, role_id in enumerate(wanted):
        if role_id == access.guild.id:
            continue
        if role_id not in access.roles:
            raise errors.InvalidFormBody.field(f"roles.{index}", "Unknown role.", "UNKNOWN_ROLE")
        new.add(role_id)
    current = set(target.role_ids)
    for role_id in sorted(new ^ current):
        if role_id in access.roles:
            require_assignable(access, access.roles[role_id])
    return sorted(new)


async def add_member_role(
    s: Services, actor: Actor, guild_id: int, user_id: int, role_id: int
) -> None:
    await _change_member_role(s, actor, guild_id, user_id, role_id, add=True)


async def remove_member_role(
    s: Services, actor: Actor, guild_id: int, user_id: int, role_id: int
) -> None:
    await _change_member_role(s, actor, guild_id, user_id, role_id, add=False)


async def _change_member_role(
    s: Services, actor: Actor, guild_id: int, user_id: int, role_id: int, *, add: bool
) -> None:
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        role = role_in(access, role_id)
        if not await member_store.is_member(tx.conn, guild_id, user_id):
            raise errors.UnknownMember()
        require_assignable(access, role)
        if add:
            changed = await member_store.add_member_role(tx.conn, guild_id, user_id, role_id)
        else:
            changed = await member_store.remove_member_role(tx.conn, guild_id, user_id, role_id)
        member = await member_store.get_member(tx.conn, guild_id, user_id)
        assert member is not None
        if changed:
            tx.emit(Event(catalog.GUILD_MEMBER_UPDATE, member, guild_id=guild_id))


async def kick_member(s: Services, actor: Actor, guild_id: int, user_id: int) -> None:
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.KICK_MEMBERS)
        target = await member_store.get_member(tx.conn, guild_id, user_id)
        if target is None:
            raise errors.UnknownMember()
        require_outranks(access, target)
        await remove_member(tx, guild_id, target.user)
