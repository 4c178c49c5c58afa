"""Versioned events reach a node's guild replica in order, once each, or the guild resyncs."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping

import pytest

from townhall.domain.models import Guild, Role
from townhall.events import catalog
from townhall.events.event import Envelope
from townhall.gateway import replicas as replicas_module
from townhall.gateway.guild_state import GuildState
from townhall.gateway.replicas import Order, Replicas

GUILD = 77


def replica(version: int) -> GuildState:
    everyone = Role(GUILD, GUILD, "@everyone", permissions=0)
    return GuildState.load(Guild(GUILD, "g", owner_id=1), version, [everyone], [], [])


def role_update(version: int | None, event_id: int | None = None) -> Envelope:
    return Envelope(
        id=event_id if event_id is not None else version or 0,
        kind=catalog.GUILD_ROLE_UPDATE,
        data=b"{}",
        guild_id=GUILD,
        version=version,
    )


class Node:
    """What a hub does with replicas: apply in order, remember what it applied."""

    def __init__(self, loaded_at: int = 5) -> None:
        self.loaded_at = loaded_at
        self.applied: list[int | None] = []
        self.resynced = asyncio.Event()
        self.release_load = asyncio.Event()
        self.release_load.set()
        self.load_started = asyncio.Event()
        self.loads = 0
        self.replicas = Replicas(self.load, self.deliver, lambda _guild: self.resynced.set())

    async def load(self, guild_ids: Collection[int]) -> Mapping[int, GuildState]:
        self.loads += 1
        self.load_started.set()
        await self.release_load.wait()
        return {GUILD: replica(self.loaded_at)}

    def deliver(self, envelope: Envelope) -> None:
        order = self.replicas.order(envelope)
        if order in (Order.SEEN, Order.AHEAD, Order.LOADING):
            return
        self.applied.append(envelope.version)
        if order is Order.NEXT:
            for ready in self.replicas.applied(envelope):
                self.deliver(ready)


async def test_events_already_in_the_replica_are_skipped_and_the_next_ones_applied() -> None:
    node = Node(loaded_at=5)
    await node.replicas.ensure([GUILD])
    for version in (4, 5, 6, 6, 7):
        node.deliver(role_update(version))
    assert node.applied == [6, 7]
    assert node.replicas.states[GUILD].version == 7


async def test_an_event_ahead_of_a_missing_one_waits_for_it() -> None:
    node = Node(loaded_at=5)
    await node.replicas.ensure([GUILD])
    node.deliver(role_update(8))
    node.deliver(role_update(7))
    assert node.applied == []
    node.deliver(role_update(6))
    assert node.applied == [6, 7, 8]
    assert not node.resynced.is_set()


async def test_a_gap_that_does_not_close_resynchronises_the_guild(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(replicas_module, "HOLD_SECONDS", 0.05)
    node = Node(loaded_at=5)
    await node.replicas.ensure([GUILD])
    node.deliver(role_update(7))
    await asyncio.wait_for(node.resynced.wait(), 5)
    assert node.applied == []


async def test_events_during_a_load_are_applied_after_it_when_newer_than_the_load() -> None:
    node = Node(loaded_at=5)
    node.release_load.clear()
    loading = asyncio.create_task(node.replicas.ensure([GUILD]))
    await node.load_started.wait()
    for version in (5, 6, 7):
        node.deliver(role_update(version))
    assert node.applied == []
    node.release_load.set()
    await loading
    assert node.applied == [6, 7]


async def test_concurrent_sessions_share_one_load_and_one_replica() -> None:
    node = Node()
    node.release_load.clear()
    first = asyncio.create_task(node.replicas.ensure([GUILD]))
    second = asyncio.create_task(node.replicas.ensure([GUILD]))
    # Both tasks take their first step (the load starts; the second waits for it) before this.
    asyncio.get_running_loop().call_soon(node.release_load.set)
    a, b = await first, await second
    assert a[GUILD] is b[GUILD]
    assert node.loads == 1


async def test_unversioned_events_are_not_ordered() -> None:
    node = Node()
    await node.replicas.ensure([GUILD])
    node.deliver(role_update(None, event_id=99))
    assert node.applied == [None]
