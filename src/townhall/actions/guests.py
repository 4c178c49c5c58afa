"""Guest accounts: joining with only a name, expiry, a moderator ending a guest's access, erasure.

A guest joins through a guest link (`POST /invites/{code}/guest`) and gets an account of its own:
a token, the community's Guest role, Discord's IS_GUEST member flag and townhall's GUEST user flag.
It ends when its link ends (the `guest.expire` job, scheduled at the join), after the community's
idle days (the `guests.sweep` job, which also ends guests who left or were kicked or banned), or
when a moderator ends it (`DELETE /guilds/{id}/guests/{user}`). Then `erase_guest` removes the
account and everything it wrote, telling everyone else's sessions as it goes; it works in small
transactions and may be run again after a crash, picking up where it stopped.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Collection
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import accounts, guest_access
from townhall.actions import invites as invite_actions
from townhall.actions.access import guild_access
from townhall.actions.attachments import delete_bytes
from townhall.actions.guilds import remove_member
from townhall.actions.jobs import Payload, job
from townhall.actions.members import require_outranks
from townhall.actions.services import Services, Transaction
from townhall.actions.uploads import staging_path
from townhall.domain import errors, validation
from townhall.domain import guests as rules
from townhall.domain.actor import Actor
from townhall.domain.event_data import InviteView, MessageDeleted, ReactionChange
from townhall.domain.models import User
from townhall.domain.permissions import Permission
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import attachments as attachment_store
from townhall.store import channels as channel_store
from townhall.store import guests as guest_store
from townhall.store import guilds as guild_store
from townhall.store import invites as invite_store
from townhall.store import members as member_store
from townhall.store import users as user_store
from townhall.store.rows import to_millis

ERASE_BATCH = 200
"""Rows per transaction while erasing: SQLite's one writer is never held for long."""
SWEEP_SECONDS = 300
_NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _username() -> str:
    """Guests never type a username: `guest_` and 12 random characters (62 bits)."""
    return rules.USERNAME_PREFIX + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(12))


async def join_as_guest(
    s: Services, code: str, global_name: str, *, accept_rules: bool
) -> tuple[User, str, InviteView]:
    """A new guest account in the guest link's community: (the user, their token, the invite)."""
    name = validation.text_name(global_name, "global_name", 1, validation.GLOBAL_NAME_MAX)
    view = await invite_actions.get_invite(s, code)
    invite = view.invite
    expires = invite.expires_at()
    if not invite.flags & rules.IS_GUEST_INVITE or expires is None:
        raise errors.UnknownInvite()
    now_ms = s.now_ms()
    user = User(id=s.ids.next_id(), username=_username(), global_name=name, flags=rules.GUEST)
    token = accounts.new_token(user.id)
    async with s.write() as tx:
        guild = await guild_store.get_guild(tx.conn, invite.guild_id)
        if guild is None or not guild.guests_enabled:
            raise errors.UnknownInvite()
        if guild.rules and not accept_rules:
            raise errors.InvalidFormBody.field(
                "accept_rules", "The community's rules must be accepted.", "BASE_TYPE_REQUIRED"
            )
        roles = {r.id: r for r in await guild_store.roles_of_guild(tx.conn, guild.id)}
        role_id, made = await guest_access.ensure_guest_role(tx, s, guild, roles)
        if made:
            await guest_access.guild_with_guest_role(tx, guild.id, role_id)
            channel = await channel_store.get_channel(tx.conn, invite.channel_id)
            if channel is not None:
                await guest_access.open_to_guests(tx, channel, role_id)
        if not await invite_store.use_invite(tx.conn, code):
            raise errors.UnknownInvite()
        await user_store.insert_user(tx.conn, user, None)
        await user_store.insert_token(tx.conn, accounts.token_hash(token), user.id, now_ms)
        await member_store.insert_member(tx.conn, guild.id, user.id, now_ms)
        await member_store.update_member(tx.conn, guild.id, user.id, {"flags": rules.IS_GUEST})
        await member_store.add_member_role(tx.conn, guild.id, user.id, role_id)
        expires_ms = to_millis(expires)
        await guest_store.insert_guest(
            tx.conn, user.id, guild.id, code, expires_at_ms=expires_ms, now_ms=now_ms
        )
        await tx.schedule(
            expire_guest, {"user_id": user.id}, at_ms=expires_ms, unique_key=f"guest:{user.id}"
        )
        member = await member_store.get_member(tx.conn, guild.id, user.id)
        assert member is not None
        tx.emit(
            Event(catalog.GUILD_MEMBER_ADD, member, guild_id=guild.id),
            Event(catalog.GUILD_CREATE, guild.id, guild_id=guild.id, user_ids=frozenset({user.id})),
        )
    return user, token, view


async def end_guest_access(s: Services, actor: Actor, guild_id: int, user_id: int) -> None:
    """A moderator (KICK_MEMBERS, above the guest) ends a guest's access at once; erasure follows
    as a job, within seconds."""
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.KICK_MEMBERS)
        guest = await guest_store.get_guest(tx.conn, user_id)
        target = await member_store.get_member(tx.conn, guild_id, user_id)
        if guest is None or target is None or guest.guild_id != guild_id:
            raise errors.UnknownMember()
        require_outranks(access, target)
        await _end_access(tx, target.user)
        await _schedule_erasure(tx, s, user_id)


async def _end_access(tx: Transaction, user: User) -> None:
    """The guest's tokens stop working and they leave every community (GUILD_MEMBER_REMOVE)."""
    await guest_store.mark_ended(tx.conn, user.id)
    await user_store.delete_tokens_of_user(tx.conn, user.id)
    tx.emit(accounts.tokens_revoked(user.id))
    for guild_id, _restricted in await guild_store.memberships_of_user(tx.conn, user.id):
        await remove_member(tx, guild_id, user)


async def _schedule_erasure(tx: Transaction, s: Services, user_id: int) -> None:
    await tx.schedule(
        erase_guest_job, {"user_id": user_id}, at_ms=s.now_ms(), unique_key=f"guest-erase:{user_id}"
    )


class NotYetExpired(Exception):
    """This node's clock is behind the one that scheduled the expiry: try again shortly."""


@job("guest.expire", max_attempts=10)
async def expire_guest(s: Services, payload: Payload) -> None:
    """The guest link a guest came with has ended: so does the guest."""
    user_id = int(payload["user_id"])
    async with s.engine.connect() as conn:
        guest = await guest_store.get_guest(conn, user_id)
    if guest is None:
        return  # kept their account, or erased already
    if not guest.ended and guest.expires_at > s.now_ms():
        raise NotYetExpired(user_id)
    await erase_guest(s, user_id)


@job("guest.erase", max_attempts=10)
async def erase_guest_job(s: Services, payload: Payload) -> None:
    await erase_guest(s, int(payload["user_id"]))


@job("guests.sweep", every_seconds=SWEEP_SECONDS)
async def sweep_guests(s: Services, _payload: Payload) -> None:
    """Erase the guests whose time is up: idle past their community's days, no longer members
    (kicked, banned, left, the community deleted), or ended and not erased yet."""
    now = s.now_ms()
    async with s.engine.connect() as conn:
        found = await guest_store.standings(conn)
    for standing in found:
        guest = standing.guest
        if guest.ended or not standing.member or _time_left(standing).over(now):
            async with s.write() as tx:
                await _schedule_erasure(tx, s, guest.user_id)


def _time_left(found: guest_store.GuestStanding) -> rules.Standing:
    guest = found.guest
    last = max(guest.last_active_at, found.last_message_at or 0)
    return rules.Standing(guest.expires_at, last, found.inactivity_days)


async def list_guests(s: Services, actor: Actor, guild_id: int) -> list[rules.CurrentGuest]:
    """The community's current guests with when each ends, for MANAGE_GUILD (the community's
    settings); those whose access ended already, about to be erased, are left out."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_GUILD)
        found = [
            standing
            for standing in await guest_store.standings(conn, guild_id)
            if standing.member and not standing.guest.ended
        ]
        users = await user_store.get_users(conn, [f.guest.user_id for f in found])
    return [
        rules.CurrentGuest(users[f.guest.user_id], f.guest.created_at, _time_left(f))
        for f in found
        if f.guest.user_id in users
    ]


async def erase_guest(s: Services, user_id: int) -> None:
    """Remove a guest and everything they wrote: their access, reactions (MESSAGE_REACTION_REMOVE),
    messages (MESSAGE_DELETE each), files (bytes, then rows), uploads, member overwrites and
    invites, then the account. Does nothing for an account that is not (or no longer) a guest."""
    async with s.write() as tx:
        user = await user_store.get_user(tx.conn, user_id)
        if user is None or not rules.is_guest(user):
            return
        await _end_access(tx, user)
    while await _erase_reactions(s, user_id) == ERASE_BATCH:
        pass
    while await _erase_messages(s, user_id) == ERASE_BATCH:
        pass
    while await _erase_files(s, user_id) == ERASE_BATCH:
        pass
    await _erase_uploads(s, user_id)
    async with s.write() as tx:
        for channel_id in await guest_store.channels_with_member_overwrite(tx.conn, user_id):
            await channel_store.delete_overwrite(tx.conn, channel_id, user_id)
            channel = await channel_store.get_channel(tx.conn, channel_id)
            if channel is not None:
                tx.emit(
                    Event(
                        catalog.CHANNEL_UPDATE,
                        channel,
                        guild_id=channel.guild_id,
                        channel_id=channel.id,
                    )
                )
        for invite in await invite_store.invites_of_inviter(tx.conn, user_id):
            await invite_store.delete_invite(tx.conn, invite.code)
            guild = await guild_store.get_guild(tx.conn, invite.guild_id)
            channel = await channel_store.get_channel(tx.conn, invite.channel_id)
            if guild is not None and channel is not None:
                gone = InviteView(invite, guild, channel, None)
                tx.emit(
                    Event(catalog.INVITE_DELETE, gone, guild_id=guild.id, channel_id=channel.id)
                )
        await guest_store.delete_account(tx.conn, user_id)


async def _dm_recipients(
    conn: AsyncConnection, channel_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """Who hears about a DM's messages: its recipients (guild channels go by who may view them)."""
    found = {}
    for channel_id in channel_ids:
        channel = await channel_store.get_channel(conn, channel_id)
        if channel is not None:
            found[channel_id] = frozenset(channel.recipient_ids)
    return found


async def _erase_reactions(s: Services, user_id: int) -> int:
    async with s.write() as tx:
        found = await guest_store.reactions_of(tx.conn, user_id, limit=ERASE_BATCH)
        await guest_store.delete_reactions(tx.conn, user_id, found)
        private = await _dm_recipients(tx.conn, {t.channel_id for t in found if t.guild_id is None})
        tx.emit(
            *(
                Event(
                    catalog.MESSAGE_REACTION_REMOVE,
                    ReactionChange(user_id, t.channel_id, t.message_id, t.guild_id, t.emoji),
                    guild_id=t.guild_id,
                    channel_id=t.channel_id,
                    user_ids=private.get(t.channel_id),
                )
                for t in found
                if t.guild_id is not None or t.channel_id in private
            )
        )
    return len(found)


async def _erase_messages(s: Services, user_id: int) -> int:
    async with s.write() as tx:
        found = await guest_store.messages_of(tx.conn, user_id, limit=ERASE_BATCH)
        await guest_store.delete_messages(tx.conn, [t.message_id for t in found])
        private = await _dm_recipients(tx.conn, {t.channel_id for t in found if t.guild_id is None})
        tx.emit(
            *(
                Event(
                    catalog.MESSAGE_DELETE,
                    MessageDeleted(t.message_id, t.channel_id, t.guild_id),
                    guild_id=t.guild_id,
                    channel_id=t.channel_id,
                    user_ids=private.get(t.channel_id),
                )
                for t in found
                if t.guild_id is not None or t.channel_id in private
            )
        )
    return len(found)


async def _erase_files(s: Services, user_id: int) -> int:
    """Bytes first, then the rows: a crash in between leaves rows to find again."""
    async with s.engine.connect() as conn:
        found = await guest_store.files_of(conn, user_id, limit=ERASE_BATCH)
    for stored in found:
        await delete_bytes(s, stored.keys)
    async with s.write() as tx:
        await attachment_store.forget(tx.conn, [f.id for f in found])
    return len(found)


async def _erase_uploads(s: Services, user_id: int) -> None:
    async with s.engine.connect() as conn:
        found = await guest_store.upload_ids(conn, user_id)
    if not found:
        return
    await asyncio.to_thread(_remove_files, [staging_path(s, upload_id) for upload_id in found])
    async with s.write() as tx:
        await guest_store.delete_uploads(tx.conn, found)


def _remove_files(paths: Collection[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
