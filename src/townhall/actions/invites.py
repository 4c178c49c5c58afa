"""Invite links: create, look up (without an account), accept, revoke."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import guest_access
from townhall.actions.access import ChannelAccess, channel_access, guild_access
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import errors
from townhall.domain import guests as guest_rules
from townhall.domain.actor import Actor
from townhall.domain.event_data import InviteView
from townhall.domain.models import Guild, Invite, Member
from townhall.domain.permissions import Permission
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import invites as invite_store
from townhall.store import members as member_store
from townhall.store import users as user_store

CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CODE_LENGTH = 10
"""62^10 codes: guessing a live one is hopeless."""


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def create_invite(
    s: Services,
    actor: Actor,
    channel_id: int,
    *,
    max_age: int = 86400,
    max_uses: int = 0,
    temporary: bool = False,
    unique: bool = False,
    flags: int = 0,
) -> InviteView:
    """A code for the channel's guild; with IS_GUEST_INVITE in `flags`, a guest link, which needs
    MANAGE_GUILD too, guests enabled, and an end (1 hour to 30 days), and opens the channel to
    the Guest role (actions/guest_access.py)."""
    guest_link = bool(flags & guest_rules.IS_GUEST_INVITE)
    if flags & ~guest_rules.IS_GUEST_INVITE:
        raise errors.InvalidFormBody.field(
            "flags", "Only IS_GUEST_INVITE may be set.", "BASE_TYPE_INVALID"
        )
    if guest_link:
        if (refused := guest_rules.link_range_error(max_age)) is not None:
            raise refused
    elif not 0 <= max_age <= 604800:
        raise errors.InvalidFormBody.field(
            "max_age", "int value should be between 0 and 604800.", "NUMBER_TYPE_MAX"
        )
    if not 0 <= max_uses <= 100:
        raise errors.InvalidFormBody.field(
            "max_uses", "int value should be between 0 and 100.", "NUMBER_TYPE_MAX"
        )
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            raise errors.CannotExecuteOnDM()
        access.require(Permission.CREATE_INSTANT_INVITE)
        if guest_link:
            await _prepare_guest_link(tx, s, access)
        now = s.now()
        if not unique:
            for existing in await invite_store.find_reusable(
                tx.conn, channel_id, actor.id, max_age, max_uses, temporary, flags
            ):
                if existing.usable(now) and existing.uses == 0:
                    return InviteView(existing, access.guild.guild, access.channel, actor.user)
        invite = Invite(
            code=_new_code(),
            guild_id=access.guild.guild.id,
            channel_id=channel_id,
            inviter_id=actor.id,
            created_at=now,
            max_age=max_age,
            max_uses=max_uses,
            temporary=temporary,
            flags=flags,
        )
        await invite_store.insert_invite(tx.conn, invite)
        expires = invite.expires_at()
        if expires is not None:
            at = int(expires.timestamp() * 1000)
            await tx.schedule(
                expire_invite, {"code": invite.code}, at_ms=at, unique_key=f"invite:{invite.code}"
            )
        view = InviteView(invite, access.guild.guild, access.channel, actor.user)
        tx.emit(Event(catalog.INVITE_CREATE, view, guild_id=invite.guild_id, channel_id=channel_id))
    return view


async def _prepare_guest_link(tx: Transaction, s: Services, access: ChannelAccess) -> None:
    assert access.guild is not None
    access.guild.require(Permission.MANAGE_GUILD)
    guild = access.guild.guild
    if not guild.guests_enabled:
        raise errors.InvalidFormBody.field(
            "flags", "This community does not allow guests.", "GUESTS_DISABLED"
        )
    role_id, made = await guest_access.ensure_guest_role(tx, s, guild, access.guild.roles)
    if made:
        await guest_access.guild_with_guest_role(tx, guild.id, role_id)
    channel = await channel_store.get_channel(tx.conn, access.channel.id)
    assert channel is not None
    await guest_access.open_to_guests(tx, channel, role_id)


class NotYetExpired(Exception):
    """This node's clock is behind the one that scheduled the expiry: try again shortly."""


@job("invite.expire")
async def expire_invite(s: Services, payload: Payload) -> None:
    """An invite whose `max_age` has passed is deleted, and managers hear INVITE_DELETE."""
    code = str(payload["code"])
    async with s.write() as tx:
        invite = await invite_store.get_invite(tx.conn, code)
        if invite is None:
            return  # revoked by hand, or this job already ran
        expires = invite.expires_at()
        if expires is None or expires > s.now():
            raise NotYetExpired(code)
        guild = await guild_store.get_guild(tx.conn, invite.guild_id)
        channel = await channel_store.get_channel(tx.conn, invite.channel_id)
        await invite_store.delete_invite(tx.conn, code)
        if guild is not None and channel is not None:
            view = InviteView(invite, guild, channel, None)
            tx.emit(Event(catalog.INVITE_DELETE, view, guild_id=guild.id, channel_id=channel.id))


async def _live_invite_view(s: Services, code: str, *, with_counts: bool) -> InviteView:
    async with s.engine.connect() as conn:
        invite = await invite_store.get_invite(conn, code)
        if invite is None or not invite.usable(s.now()):
            raise errors.UnknownInvite()
        guild = await guild_store.get_guild(conn, invite.guild_id)
        channel = await channel_store.get_channel(conn, invite.channel_id)
        if guild is None or channel is None:
            raise errors.UnknownInvite()
        if invite.flags & guest_rules.IS_GUEST_INVITE and not guild.guests_enabled:
            raise errors.UnknownInvite()  # guest links stop when the community stops guests
        inviter = await user_store.get_user(conn, invite.inviter_id) if invite.inviter_id else None
        count = await member_store.count_members(conn, guild.id) if with_counts else None
    return InviteView(invite, guild, channel, inviter, count, None)


async def get_invite(s: Services, code: str, *, with_counts: bool = False) -> InviteView:
    """Anyone holding a code may look at it, signed in or not."""
    return await _live_invite_view(s, code, with_counts=with_counts)


async def require_usable_invite(s: Services, code: str) -> Invite:
    return (await _live_invite_view(s, code, with_counts=False)).invite


async def accept_invite(s: Services, actor: Actor, code: str) -> tuple[InviteView, Member]:
    """Join the invite's guild. Joining a guild one is already in uses nothing up.

    Bots join through `/oauth2/authorize`, never by invite, as on Discord. A guest account stays
    in its one community; an account joining by a guest link gets the Guest role."""
    if actor.user.bot:
        raise errors.BotsCannotUse()
    guest_rules.require_full_account(actor.user)
    view = await _live_invite_view(s, code, with_counts=False)
    guild_id = view.guild.id
    async with s.write() as tx:
        if await member_store.is_banned(tx.conn, guild_id, actor.id):
            raise errors.BannedFromGuild()
        joined = not await member_store.is_member(tx.conn, guild_id, actor.id)
        if joined:
            if not await invite_store.use_invite(tx.conn, code):
                raise errors.UnknownInvite()
            await member_store.insert_member(
                tx.conn, guild_id, actor.id, s.now_ms(), temporary=view.invite.temporary
            )
            if view.invite.flags & guest_rules.IS_GUEST_INVITE:
                await _give_guest_role(tx, s, view.guild, actor.id)
        member = await member_store.get_member(tx.conn, guild_id, actor.id)
        assert member is not None
        if joined:
            tx.emit(
                Event(catalog.GUILD_MEMBER_ADD, member, guild_id=guild_id),
                Event(
                    catalog.GUILD_CREATE,
                    guild_id,
                    guild_id=guild_id,
                    user_ids=frozenset({actor.id}),
                ),
            )
    return view, member


async def _give_guest_role(tx: Transaction, s: Services, guild: Guild, user_id: int) -> None:
    roles = {r.id: r for r in await guild_store.roles_of_guild(tx.conn, guild.id)}
    role_id, made = await guest_access.ensure_guest_role(tx, s, guild, roles)
    if made:
        await guest_access.guild_with_guest_role(tx, guild.id, role_id)
    await member_store.add_member_role(tx.conn, guild.id, user_id, role_id)


async def delete_invite(s: Services, actor: Actor, code: str) -> InviteView:
    """Revoke a code: MANAGE_CHANNELS on its channel, or MANAGE_GUILD."""
    async with s.write() as tx:
        invite = await invite_store.get_invite(tx.conn, code)
        if invite is None:
            raise errors.UnknownInvite()
        access = await channel_access(tx.conn, actor.user, invite.channel_id, s.now(), s.cache)
        assert access.guild is not None
        if not (
            access.permissions & Permission.MANAGE_CHANNELS
            or access.guild.permissions & Permission.MANAGE_GUILD
        ):
            raise errors.MissingPermissions()
        await invite_store.delete_invite(tx.conn, code)
        view = InviteView(invite, access.guild.guild, access.channel, None)
        tx.emit(
            Event(
                catalog.INVITE_DELETE, view, guild_id=invite.guild_id, channel_id=invite.channel_id
            )
        )
    return view


async def list_guild_invites(s: Services, actor: Actor, guild_id: int) -> list[InviteView]:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_GUILD)
        found = await invite_store.invites_of_guild(conn, guild_id)
        return await _views(conn, access.guild, found, s)


async def list_channel_invites(s: Services, actor: Actor, channel_id: int) -> list[InviteView]:
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            raise errors.CannotExecuteOnDM()
        access.require(Permission.MANAGE_CHANNELS)
        found = await invite_store.invites_of_channel(conn, channel_id)
        return await _views(conn, access.guild.guild, found, s)


async def _views(
    conn: AsyncConnection, guild: Guild, found: list[Invite], s: Services
) -> list[InviteView]:
    now = s.now()
    live = [invite for invite in found if invite.usable(now)]
    inviters = await user_store.get_users(conn, {i.inviter_id for i in live if i.inviter_id})
    channels = {c.id: c for c in await channel_store.channels_of_guild(conn, guild.id)}
    return [
        InviteView(i, guild, channels[i.channel_id], inviters.get(i.inviter_id or 0))
        for i in live
        if i.channel_id in channels
    ]
