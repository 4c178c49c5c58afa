"""Thread dispatches the hub makes itself, per session, and what messages do to the replica's
threads (docs/threads.md).

A person added to a thread gets THREAD_CREATE with their own membership (a private thread
appears for them); a person who gains a channel gets THREAD_LIST_SYNC with its active threads, as
the gateway syncs only threads one may see; the members of a reopened thread get their own
THREAD_MEMBER_UPDATE after its THREAD_UPDATE. All are built from the node's replica: no query.
A message event of a thread carries the thread's counters after it (`thread_counts` in its
meta), which the replica takes over, so GUILD_CREATE's threads count as the database does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Set
from typing import Any

import orjson

from townhall.events.event import Envelope
from townhall.gateway.guild_state import GuildState
from townhall.gateway.session import Session, dispatch_head
from townhall.wire.intents import Intent

Json = Mapping[str, Any]


def send_created(session: Session, thread: Json, member: Json | None) -> None:
    if not session.intents & Intent.GUILDS:
        return
    body = {**thread, "member": member} if member is not None else thread
    session.dispatch(dispatch_head("THREAD_CREATE", orjson.dumps(body)))


def send_list_sync(
    sessions: Collection[Session], state: GuildState, user_id: int, gained: Collection[int]
) -> None:
    """THREAD_LIST_SYNC for the channels a member just gained, when they have active threads
    the member may see."""
    found = state.threads_seen_by(user_id, gained)
    if not found or not sessions:
        return
    parents = sorted({int(thread["parent_id"]) for thread, _member in found})
    body = {
        "guild_id": str(state.guild_id),
        "channel_ids": [str(channel_id) for channel_id in parents],
        "threads": [thread for thread, _member in found],
        "members": [member for _thread, member in found if member is not None],
    }
    head = dispatch_head("THREAD_LIST_SYNC", orjson.dumps(body))
    for session in sessions:
        session.dispatch(head)


def send_member_updates(
    state: GuildState,
    thread_id: int,
    by_user: Mapping[int, Collection[Session]],
    in_guild: Set[Session],
) -> None:
    """A thread was reopened: each member's sessions in the guild get THREAD_MEMBER_UPDATE with
    their own membership (and `guild_id`), as a client that let the archived thread go (Discord's
    keep active threads only) learns from it that it belongs to the thread again."""
    entry = state.threads.get(thread_id)
    if entry is None or entry.archived:
        return
    guild_id = str(state.guild_id)
    for user_id, member in entry.members.items():
        sessions = [
            s
            for s in by_user.get(user_id, ())
            if s in in_guild and not s.opening and s.intents & Intent.GUILDS
        ]
        if sessions and state.sees_thread(user_id, thread_id):
            head = dispatch_head(
                "THREAD_MEMBER_UPDATE", orjson.dumps({**member, "guild_id": guild_id})
            )
            for session in sessions:
                session.dispatch(head)


def follow_counts(state: GuildState | None, envelope: Envelope) -> None:
    """MESSAGE_CREATE, MESSAGE_DELETE(_BULK) in a thread: its counters as the sending
    transaction left them (absolute, so an event the replica's load already saw does no harm),
    and a new message's id as its `last_message_id`."""
    counts = envelope.meta.get("thread_counts")
    if counts is not None and state is not None and envelope.channel_id is not None:
        last = int(counts[2]) if len(counts) > 2 else None
        state.count_messages(envelope.channel_id, int(counts[0]), int(counts[1]), last)
