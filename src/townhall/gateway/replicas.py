"""The guild replicas of one node: loading them, and applying versioned events in order.

A replica is loaded (in one batched read) when a local session first needs the guild and dropped
when no local session uses it. Each versioned event carries the guild's version after it: an event
at or below the replica's version is already in it (skipped, never delivered twice); the next one
is applied; one further ahead means an earlier one has not arrived yet, so it is held briefly, and
if the gap does not close the guild is resynchronised (its sessions reconnect and load it afresh).
Events that arrive while a replica loads wait and are applied after it, if the load predates them.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Mapping

from townhall.events.event import Envelope
from townhall.gateway.guild_state import GuildState

log = logging.getLogger("townhall.gateway")

HOLD_SECONDS = 2.0
"""How long an event that arrived ahead of an earlier one waits for it."""

Loader = Callable[[Collection[int]], Awaitable[Mapping[int, GuildState]]]


class Order(enum.Enum):
    UNTRACKED = "untracked"
    """No replica here (or the event is not versioned): nothing to check."""
    LOADING = "loading"
    """The replica is being loaded: the event waits for it."""
    SEEN = "seen"
    """Already in the replica: skip it."""
    NEXT = "next"
    AHEAD = "ahead"


class Replicas:
    def __init__(
        self,
        load: Loader,
        redeliver: Callable[[Envelope], None],
        resync: Callable[[int], None],
    ) -> None:
        self._load = load
        self._redeliver = redeliver
        self._resync = resync
        self.states: dict[int, GuildState] = {}
        self._loading: dict[int, asyncio.Future[GuildState | None]] = {}
        self._waiting: dict[int, list[Envelope]] = {}
        self._held: dict[int, list[Envelope]] = defaultdict(list)
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self.wanted: dict[int, int] = defaultdict(int)
        """Sessions opening or joining that need the guild: keeps its replica from being dropped."""

    async def ensure(self, guild_ids: Collection[int]) -> dict[int, GuildState]:
        """Replicas for these guilds, loading the missing ones together (gone ones left out)."""
        missing = [g for g in guild_ids if g not in self.states and g not in self._loading]
        if missing:
            loop = asyncio.get_running_loop()
            for guild_id in missing:
                self._loading[guild_id] = loop.create_future()
                self._waiting[guild_id] = []
            try:
                loaded = await self._load(missing)
            except BaseException as error:
                for guild_id in missing:
                    self._waiting.pop(guild_id, None)
                    future = self._loading.pop(guild_id)
                    if not future.done():
                        future.set_exception(error)
                        future.exception()  # retrieved: joiners of this load see it themselves
                raise
            for guild_id in missing:
                state = loaded.get(guild_id)
                if state is not None:
                    self.states[guild_id] = state
                waiting = self._waiting.pop(guild_id)
                self._loading.pop(guild_id).set_result(state)
                for envelope in waiting:  # now in order against the loaded version
                    self._redeliver(envelope)
        found: dict[int, GuildState] = {}
        for guild_id in guild_ids:
            state = self.states.get(guild_id)
            if state is None and guild_id in self._loading:
                state = await self._loading[guild_id]
            if state is not None:
                found[guild_id] = state
        return found

    def order(self, envelope: Envelope) -> Order:
        guild_id = envelope.guild_id
        if guild_id is None or envelope.version is None:
            return Order.UNTRACKED
        waiting = self._waiting.get(guild_id)
        if waiting is not None:
            waiting.append(envelope)
            return Order.LOADING
        state = self.states.get(guild_id)
        if state is None:
            return Order.UNTRACKED
        if envelope.version <= state.version:
            return Order.SEEN
        if envelope.version == state.version + 1:
            return Order.NEXT
        self._hold(guild_id, envelope)
        return Order.AHEAD

    def applied(self, envelope: Envelope) -> list[Envelope]:
        """Record a versioned event as applied; the held events that are now next, in order."""
        guild_id, version = envelope.guild_id, envelope.version
        if guild_id is None or version is None:
            return []
        state = self.states.get(guild_id)
        if state is None:
            return []
        state.version = version
        held = self._held.get(guild_id)
        if not held:
            return []
        held.sort(key=lambda e: e.version or 0)
        ready = []
        expected = version + 1
        while held and (held[0].version or 0) <= expected:
            e = held.pop(0)
            if e.version == expected:
                ready.append(e)
                expected += 1
        if not held:
            self._held.pop(guild_id, None)
            timer = self._timers.pop(guild_id, None)
            if timer is not None:
                timer.cancel()
        return ready

    def _hold(self, guild_id: int, envelope: Envelope) -> None:
        self._held[guild_id].append(envelope)
        if guild_id not in self._timers:
            loop = asyncio.get_running_loop()
            self._timers[guild_id] = loop.call_later(HOLD_SECONDS, self._gave_up, guild_id)

    def _gave_up(self, guild_id: int) -> None:
        self._timers.pop(guild_id, None)
        if self._held.pop(guild_id, None):
            log.warning("guild %d missed a versioned event; resynchronising it", guild_id)
            self._resync(guild_id)

    def drop(self, guild_id: int) -> None:
        self.states.pop(guild_id, None)
        self._held.pop(guild_id, None)
        timer = self._timers.pop(guild_id, None)
        if timer is not None:
            timer.cancel()

    def drop_if_unused(self, guild_id: int, in_use: bool) -> None:
        if not in_use and not self.wanted.get(guild_id):
            self.wanted.pop(guild_id, None)
            self.drop(guild_id)

    def clear(self) -> None:
        for guild_id in list(self.states):
            self.drop(guild_id)
