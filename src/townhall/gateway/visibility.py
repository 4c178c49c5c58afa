"""Telling a member's sessions which channels appeared or vanished after a permission change."""

from __future__ import annotations

import orjson

from townhall.gateway import threads
from townhall.gateway.groups import view_for
from townhall.gateway.guild_state import GuildState
from townhall.gateway.session import Session, dispatch_head
from townhall.wire.intents import Intent


class VisibilityDiff:
    """Wraps a structural change (`with`): afterwards, each local member whose visible channels
    changed gets CHANNEL_CREATE or CHANNEL_DELETE for them."""

    def __init__(
        self, guild_sessions: dict[int, set[Session]], state: GuildState, only: int | None
    ) -> None:
        self.guild_sessions, self.state = guild_sessions, state
        local = {s.user.id for s in guild_sessions.get(state.guild_id, ())}
        self.users = [only] if only is not None else list(local)
        self.before: dict[int, frozenset[int]] = {}

    def __enter__(self) -> None:
        self.before = {uid: self.state.visible_channels(uid) for uid in self.users}

    def __exit__(self, *exc: object) -> None:
        state = self.state
        for user_id in self.users:
            after = state.visible_channels(user_id)
            before = self.before.get(user_id, frozenset())
            if after == before:
                continue
            sessions = [
                s
                for s in self.guild_sessions.get(state.guild_id, ())
                if s.user.id == user_id and s.intents & Intent.GUILDS
            ]
            for channel_id in after - before:
                self._send(sessions, "CHANNEL_CREATE", channel_id)
            if after - before and state.threads:  # their active threads (docs/threads.md)
                threads.send_list_sync(sessions, state, user_id, after - before)
            for channel_id in before - after:
                self._send(sessions, "CHANNEL_DELETE", channel_id)

    def _send(
        self,
        sessions: list[Session],
        event_type: str,
        channel_id: int,
    ) -> None:
        entry = self.state.channels.get(channel_id)
        if entry is None or not sessions:
            return
        head = dispatch_head(event_type, orjson.dumps(view_for(self.state, sessions[0], entry)))
        for session in sessions:
            session.dispatch(head)
