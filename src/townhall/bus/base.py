"""The interface every bus implements."""

from __future__ import annotations

from typing import Protocol

from townhall.bus.events import Event, Handler


class Bus(Protocol):
    def subscribe(self, handler: Handler, *, immediate: bool = False) -> None:
        """`immediate` handlers also hear this node's own events at publish time (caches)."""
        ...

    def unsubscribe(self, handler: Handler) -> None: ...

    async def publish(self, event: Event) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...
