"""The voice connections of this process, and what keeps their media rights current.

Each connection belongs to one person in one scope (Discord's voice "server": a guild, or the DM
channel of a call); `by_guild` is keyed by that scope. The media backend
knows rooms and packets; this module knows why: it recomputes a connection's rights from the
database when an event may have changed them (their voice state, their roles, the channel's
overwrites, a role's permissions), and closes the connection when its voice state moved elsewhere
or ended. It reads the node's log after the hub, so it sees events in the same order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from townhall.actions import voice as voice_actions
from townhall.actions.services import Services
from townhall.events import catalog
from townhall.events.event import Envelope, EventType
from townhall.media.backend import MediaBackend

if TYPE_CHECKING:
    from townhall.voice.connection import VoiceConnection

log = logging.getLogger("townhall.voice")

RIGHTS_EVENTS: frozenset[EventType[Any]] = frozenset(
    {
        catalog.GUILD_UPDATE,
        catalog.GUILD_ROLE_UPDATE,
        catalog.GUILD_ROLE_DELETE,
        catalog.GUILD_MEMBER_UPDATE,
        catalog.CHANNEL_UPDATE,
        catalog.CHANNEL_DELETE,
        catalog.GUILD_MEMBER_REMOVE,
        catalog.GUILD_DELETE,
    }
)
"""Events after which the connections of the guild look at their standing again."""


class VoiceRooms:
    def __init__(self, services: Services, backend: MediaBackend) -> None:
        self.services = services
        self.backend = backend
        self.by_guild: dict[int, dict[int, VoiceConnection]] = defaultdict(dict)
        self.speaking: dict[int, set[int]] = defaultdict(set)
        """Who is heard right now, by room (voice channel): told to those who connect later."""
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self, connection: VoiceConnection) -> VoiceConnection | None:
        """Register a connection; the person's earlier one in the scope, which it replaces."""
        guild = self.by_guild[connection.guild_id]
        replaced = guild.get(connection.user_id)
        guild[connection.user_id] = connection
        return replaced if replaced is not connection else None

    def detach(self, connection: VoiceConnection) -> None:
        guild = self.by_guild.get(connection.guild_id)
        if guild is not None and guild.get(connection.user_id) is connection:
            del guild[connection.user_id]
            if not guild:
                del self.by_guild[connection.guild_id]

    def heard(self, channel_id: int, user_id: int, speaking: bool) -> None:
        """The SFU told a listener that someone is (no longer) heard."""
        room = self.speaking[channel_id]
        if speaking:
            room.add(user_id)
        else:
            room.discard(user_id)
            if not room:
                del self.speaking[channel_id]

    def media_lost(self, channel_id: int) -> None:
        """The process that carried a room's media died: its connections start over (4015)."""
        for guild in list(self.by_guild.values()):
            for connection in list(guild.values()):
                if connection.channel_id == channel_id and connection.media_connected:
                    connection.close_soon(4015, "Voice server crashed")
        self.speaking.pop(channel_id, None)

    def in_room(self, guild_id: int, channel_id: int) -> list[VoiceConnection]:
        """The connections with media in one voice channel."""
        return [
            c
            for c in self.by_guild.get(guild_id, {}).values()
            if c.channel_id == channel_id and c.media_connected
        ]

    def on_envelope(self, envelope: Envelope) -> None:
        """Called for every event on this node, after the hub; must not block."""
        if envelope.kind is catalog.VOICE_STATE_UPDATE:
            scope = self.by_guild.get(int(envelope.meta["scope_id"]), {})
            connection = scope.get(int(envelope.meta["user_id"]))
            if connection is not None:
                connection.standing_may_have_changed()
            return
        guild_id = envelope.guild_id
        if guild_id is None or guild_id not in self.by_guild:
            return
        connections = self.by_guild[guild_id]
        if envelope.kind in RIGHTS_EVENTS:
            for connection in list(connections.values()):
                connection.standing_may_have_changed()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("voice task failed", exc_info=task.exception())

    async def standing(self, guild_id: int, user_id: int) -> voice_actions.VoiceStanding | None:
        return await voice_actions.voice_standing(self.services, guild_id, user_id)

    async def close(self) -> None:
        for guild in list(self.by_guild.values()):
            for connection in list(guild.values()):
                connection.close_soon(1001, "Server shutting down")
        for task in list(self._tasks):
            task.cancel()
        await self.backend.close()
