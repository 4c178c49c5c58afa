"""What messages do to threads, and threads archiving themselves (docs/threads.md).

`actions/messages.py` calls `message_posted` in the send transaction of every message in a
thread: an archived (unlocked) thread opens again (if the guild has room for one more active
thread), its counters move, and the sender becomes a member, as on Discord; the counters after it
ride on the message's events (`with_counts`) for the gateway's replicas. Edits, pins, reactions
and deletes in a thread ask `require_may_change_messages`. A thread archives itself
`auto_archive_duration` minutes after its last activity: a durable job per thread, scheduled when
it starts, reopens or changes its duration; the job finds the last message itself, so sending
schedules nothing (the hot path stays one insert). A job that runs early (a message came since)
schedules the next check and stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import thread_members
from townhall.actions.access import ChannelAccess
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import threads as rules
from townhall.domain.models import Channel, Message, ThreadMetadata
from townhall.domain.threads import HAS_THREAD, MessageCounts, ThreadFlag
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import threads as thread_store
from townhall.store.rows import to_millis

D = TypeVar("D")


def thread_event(kind: EventType[Channel], thread: Channel) -> Event[Channel]:
    """An event about a thread, for who may see it."""
    return Event(kind, thread, guild_id=thread.guild_id, channel_id=thread.id)


def require_may_send(access: ChannelAccess, *, starting: bool = False) -> None:
    """Sending in a thread (`starting`: a forum post's first message, which its author could
    post by holding SEND_MESSAGES in the forum)."""
    if not starting:
        rules.require_may_send(access.channel, access.permissions)


def require_may_change_messages(access: ChannelAccess, change: rules.MessageChange) -> None:
    """Editing, pinning, reacting or deleting in a thread: not while it is archived, and in a
    locked one as Discord allows (`rules.require_may_change_messages`). Other channels: no
    check."""
    if access.channel.type.is_thread:
        rules.require_may_change_messages(access.channel, access.permissions, change)


def with_counts(
    event: Event[D], counts: MessageCounts | None, *, created: int | None = None
) -> Event[D]:
    """A message event of a thread, carrying the thread's counters after it (and, for a new
    message, its id, the thread's `last_message_id`): each node's replica takes them from there
    (gateway/threads.py), so GUILD_CREATE shows what the database says."""
    if counts is None:
        return event
    facts = [counts.message_count, counts.total_message_sent]
    if created is not None:
        facts.append(created)
    return replace(event, meta={"thread_counts": facts})


async def message_posted(
    tx: Transaction, s: Services, access: ChannelAccess, message: Message, *, starting: bool
) -> MessageCounts | None:
    """In the send transaction, before MESSAGE_CREATE: reopen (if the guild has room for one
    more active thread), count, enrol the sender. The counters after the message."""
    thread = access.channel
    meta = rules.require_thread(thread)
    if meta.archived:
        fresh = await thread_store.get_thread(tx.conn, thread.id)
        if fresh is not None:
            thread = await reopen(tx, s, fresh)
    counts = None if starting else await thread_store.count_message(tx.conn, thread.id)
    if message.webhook_id is None and access.guild is not None:
        await thread_members.enroll(tx, s, thread, access.guild.member)
    return counts


async def reopen(tx: Transaction, s: Services, thread: Channel) -> Channel:
    """Unarchive a thread, if the guild has room for one more active thread (160006)."""
    assert thread.guild_id is not None
    rules.require_room_for_active(await thread_store.count_active_threads(tx.conn, thread.guild_id))
    return await set_archived(tx, s, thread, archived=False)


async def set_archived(tx: Transaction, s: Services, thread: Channel, *, archived: bool) -> Channel:
    """Archive or reopen a thread (THREAD_UPDATE); a reopened one is due to archive again. A
    forum post loses its pin when archived, as on Discord."""
    meta = rules.require_thread(thread)
    changed = replace(meta, archived=archived, archive_timestamp=s.now())
    columns: dict[str, object] = {}
    flags = thread.flags
    if archived and flags & ThreadFlag.PINNED:
        flags &= ~int(ThreadFlag.PINNED)
        columns["flags"] = flags
    await thread_store.update_thread(tx.conn, thread.id, columns, changed)
    updated = replace(thread, thread=changed, flags=flags)
    tx.emit(thread_event(catalog.THREAD_UPDATE, updated))
    if not archived:
        await schedule_archive(tx, updated)
    return updated


async def schedule_archive(tx: Transaction, thread: Channel) -> None:
    meta = rules.require_thread(thread)
    await _schedule(tx, thread.id, meta, thread.last_message_id)


async def _schedule(
    tx: Transaction, thread_id: int, meta: ThreadMetadata, last_message_id: int | None
) -> None:
    at = to_millis(rules.archive_due(meta, last_message_id))
    await tx.schedule(
        archive_when_idle,
        {"thread_id": thread_id},
        at_ms=at,
        unique_key=f"thread-archive:{thread_id}:{at}",
    )


@job("thread.archive")
async def archive_when_idle(s: Services, payload: Payload) -> None:
    """Archive the thread if nothing happened in it for its `auto_archive_duration`; else look
    again when that will be the case. Gone, archived or pinned threads need nothing."""
    async with s.write() as tx:
        thread = await thread_store.get_thread(tx.conn, int(payload["thread_id"]))
        if thread is None or thread.thread is None or thread.thread.archived:
            return
        if thread.flags & ThreadFlag.PINNED:
            return
        due = rules.archive_due(thread.thread, thread.last_message_id)
        if due > s.now():
            await _schedule(tx, thread.id, thread.thread, thread.last_message_id)
            return
        await set_archived(tx, s, thread, archived=True)


async def with_threads(conn: AsyncConnection, page: Sequence[Message]) -> list[Message]:
    """Messages threads were started from, shown with their thread (`thread`); one query, and
    none for a page without such a message."""
    ids = [m.id for m in page if m.flags & HAS_THREAD]
    if not ids:
        return list(page)
    found = await thread_store.threads_by_id(conn, ids)
    return [replace(m, thread=found[m.id]) if m.id in found else m for m in page]
