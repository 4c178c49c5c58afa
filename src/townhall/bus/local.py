"""The in-process bus of the embedded default: one process, delivery by direct call."""

from __future__ import annotations

from townhall.bus.events import Encoder, Envelope, Event, Handler


class LocalBus:
    def __init__(self, encode: Encoder) -> None:
        self._encode = encode
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler, *, immediate: bool = False) -> None:
        # In one process every handler already hears events at publish time.
        self._handlers.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self._handlers.remove(handler)

    async def publish(self, event: Event) -> None:
        if not self._handlers:
            return
        envelope = self._encode(event)
        self.deliver(envelope)

    def deliver(self, envelope: Envelope) -> None:
        for handler in self._handlers:
            handler(envelope)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
