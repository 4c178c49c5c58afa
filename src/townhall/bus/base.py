"""The interface every bus implements."""

from __future__ import annotations

from typing import Protocol

from townhall.bus.events import Event, Handler


class Bus(Protocol):
    def subscribe(self, handler: Handler) -> None: ...

    def unsubscribe(self, handler: Handler) -> None: ...

    async def publish(self, event: Event) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...
