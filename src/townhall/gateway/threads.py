"""Thread dispatches the hub makes itself, per session (docs/threads.md).

A person added to a thread gets THREAD_CREATE with their own membership (a private thread
appears for them); a person who gains a channel gets THREAD_LIST_SYNC with its active threads, as
the gateway syncs only threads one may see. Both are built from the node's replica: no query.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import orjson

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
