"""Who is in a thread: join, leave, add, remove, list (docs/threads.md).

A thread's members are those who joined it, were added, started it or wrote in it (Discord adds
a sender). For a public thread membership only decides who follows it; a private thread is seen
by its members (and MANAGE_THREADS holders) alone. Members change only while a thread is active
(50083 otherwise), as on Discord.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import ChannelAccess, channel_access, member_context
from townhall.actions.services import Services, Transaction
from townhall.domain import errors
from townhall.domain import threads as rules
from townhall.domain.actor import Actor
from townhall.domain.models import Channel, Member
from townhall.domain.permissions import Permission, channel_permissions, has
from townhall.domain.threads import ThreadMember, ThreadMemberChange, ThreadMembersChange
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import members as member_store
from townhall.store import threads as thread_store
from townhall.store.rows import from_millis_required


async def thread_access(
    conn: AsyncConnection, s: Services, actor: Actor, thread_id: int
) -> ChannelAccess:
    """The actor's standing in a thread they can see; 50024 for a channel that is no thread."""
    access = await channel_access(conn, actor.user, thread_id, s.now(), s.cache)
    if access.guild is None or not access.channel.type.is_thread:
        raise errors.CannotExecuteOnChannelType()
    rules.require_thread(access.channel)
    return access


def members_event(
    thread: Channel,
    count: int,
    added: Sequence[ThreadMember] = (),
    removed: Sequence[int] = (),
) -> Event[ThreadMembersChange]:
    assert thread.guild_id is not None
    change = ThreadMembersChange(thread.id, thread.guild_id, count, tuple(added), tuple(removed))
    return Event(
        catalog.THREAD_MEMBERS_UPDATE, change, guild_id=thread.guild_id, channel_id=thread.id
    )


async def enroll(tx: Transaction, s: Services, thread: Channel, member: Member) -> bool:
    """Make someone a member (THREAD_MEMBERS_UPDATE to who follows, THREAD_MEMBER_UPDATE to
    them); False when they already were one."""
    guild_id = thread.guild_id
    assert guild_id is not None
    now_ms = s.now_ms()
    user_id = member.user.id
    if not await thread_store.add_member(tx.conn, thread.id, guild_id, user_id, now_ms):
        return False
    joined = ThreadMember(thread.id, user_id, from_millis_required(now_ms), member=member)
    count = await _member_count(tx.conn, thread.id)
    tx.emit(
        members_event(thread, count, added=[joined]),
        Event(
            catalog.THREAD_MEMBER_UPDATE,
            ThreadMemberChange(guild_id, replace(joined, member=None)),
            guild_id=guild_id,
            user_ids=frozenset({user_id}),
        ),
    )
    return True


async def _member_count(conn: AsyncConnection, thread_id: int) -> int:
    fresh = await thread_store.get_thread(conn, thread_id)
    return fresh.thread.member_count if fresh is not None and fresh.thread is not None else 0


async def join_thread(s: Services, actor: Actor, thread_id: int) -> None:
    """Join a thread one can see (a private one: as a MANAGE_THREADS holder)."""
    async with s.write() as tx:
        access = await thread_access(tx.conn, s, actor, thread_id)
        meta = rules.require_active(access.channel)
        if meta.member_count >= rules.MAX_THREAD_MEMBERS:
            raise rules.MaxThreadMembers()
        assert access.guild is not None
        await enroll(tx, s, access.channel, access.guild.member)


async def add_thread_member(s: Services, actor: Actor, thread_id: int, user_id: int) -> None:
    """Add someone who can see the thread's channel. Takes being able to write in the thread;
    in a private thread that is not `invitable`, MANAGE_THREADS."""
    async with s.write() as tx:
        access = await thread_access(tx.conn, s, actor, thread_id)
        thread = access.channel
        meta = rules.require_active(thread)
        access.require(Permission.SEND_MESSAGES)
        if (
            rules.is_private(thread)
            and not meta.invitable
            and not has(access.permissions, Permission.MANAGE_THREADS)
        ):
            raise errors.MissingPermissions()
        guild = access.guild
        assert guild is not None and thread.guild_id is not None
        target = await member_store.get_member(tx.conn, thread.guild_id, user_id)
        if target is None:
            raise errors.UnknownMember()
        parent = await channel_store.get_channel(tx.conn, thread.parent_id or 0)
        context = member_context(guild.guild, target, guild.roles, s.now())
        if parent is None or not has(
            channel_permissions(context, parent.permission_overwrites), Permission.VIEW_CHANNEL
        ):
            raise errors.MissingAccess()
        if meta.member_count >= rules.MAX_THREAD_MEMBERS:
            raise rules.MaxThreadMembers()
        await enroll(tx, s, thread, target)


async def leave_thread(s: Services, actor: Actor, thread_id: int) -> None:
    async with s.write() as tx:
        access = await thread_access(tx.conn, s, actor, thread_id)
        rules.require_active(access.channel)
        await _remove(tx, access.channel, actor.id)


async def remove_thread_member(s: Services, actor: Actor, thread_id: int, user_id: int) -> None:
    """MANAGE_THREADS removes anyone; the creator of a private thread removes from it."""
    async with s.write() as tx:
        access = await thread_access(tx.conn, s, actor, thread_id)
        thread = access.channel
        rules.require_active(thread)
        creator = rules.is_private(thread) and thread.owner_id == actor.id
        if not creator and not has(access.permissions, Permission.MANAGE_THREADS):
            raise errors.MissingPermissions()
        await _remove(tx, thread, user_id)


async def _remove(tx: Transaction, thread: Channel, user_id: int) -> None:
    if await thread_store.remove_member(tx.conn, thread.id, user_id):
        count = await _member_count(tx.conn, thread.id)
        tx.emit(members_event(thread, count, removed=[user_id]))


async def get_thread_member(
    s: Services, actor: Actor, thread_id: int, user_id: int, *, with_member: bool
) -> ThreadMember:
    async with s.engine.connect() as conn:
        access = await thread_access(conn, s, actor, thread_id)
        found = await thread_store.get_member(conn, thread_id, user_id)
        if found is None:
            raise errors.UnknownMember()
        if with_member:
            return (await _with_members(conn, access.channel, [found]))[0]
    return found


async def list_thread_members(
    s: Services,
    actor: Actor,
    thread_id: int,
    *,
    with_member: bool,
    after: int | None,
    limit: int,
) -> list[ThreadMember]:
    """The thread's members by user id (pages of `limit` after `after`)."""
    async with s.engine.connect() as conn:
        access = await thread_access(conn, s, actor, thread_id)
        found = await thread_store.list_members(conn, thread_id, after=after, limit=limit)
        if with_member:
            found = await _with_members(conn, access.channel, found)
    return found


async def _with_members(
    conn: AsyncConnection, thread: Channel, found: list[ThreadMember]
) -> list[ThreadMember]:
    assert thread.guild_id is not None
    ids = [m.user_id for m in found]
    if not ids:
        return found
    members = {
        m.user.id: m
        for m in await member_store.list_members(
            conn, thread.guild_id, user_ids=ids, limit=len(ids)
        )
    }
    return [replace(m, member=members.get(m.user_id)) for m in found]
