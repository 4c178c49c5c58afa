"""What messages do to threads, and threads archiving themselves (docs/threads.md).

`actions/messages.py` calls `message_posted` in the send transaction of every message in a
thread: an archived (unlocked) thread opens again, its counters move, and the sender becomes a
member, as on Discord. A thread archives itself `auto_archive_duration` minutes after its last
activity: a durable job per thread, scheduled when it starts, reopens or changes its duration;
the job finds the last message itself, so sending schedules nothing (the hot path stays one
insert). A job that runs early (a message came since) schedules the next check and stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import thread_members
from townhall.actions.access import ChannelAccess
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import threads as rules
from townhall.domain.models import Channel, Message, ThreadMetadata
from townhall.domain.threads import HAS_THREAD, ThreadFlag
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import threads as thread_store
from townhall.store.rows import to_millis


def thread_event(kind: EventType[Channel], thread: Channel) -> Event[Channel]:
    """An event about a thread, for who may see it."""
    return Event(kind, thread, guild_id=thread.guild_id, channel_id=thread.id)


def require_may_send(access: ChannelAccess, *, starting: bool = False) -> None:
    """Sending in a thread (`starting`: a forum post's first message, which its author could
    post by holding SEND_MESSAGES in the forum)."""
    if not starting:
        rules.require_may_send(access.channel, access.permissions)


async def message_posted(
    tx: Transaction, s: Services, access: ChannelAccess, message: Message, *, starting: bool
) -> None:
    """In the send transaction, before MESSAGE_CREATE: reopen, count, enrol the sender."""
    thread = access.channel
    meta = rules.require_thread(thread)
    if meta.archived:
        fresh = await thread_store.get_thread(tx.conn, thread.id)
        if fresh is not None:
            thread = await set_archived(tx, s, fresh, archived=False)
    if not starting:
        await thread_store.count_message(tx.conn, thread.id)
    if message.webhook_id is None and access.guild is not None:
        await thread_members.enroll(tx, s, thread, access.guild.member)


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
