"""The event log every node reads, in one order: in-process (embedded) or a Redis stream.

A log takes batches of envelopes (`append`) and hands every envelope, once and in log order, to the
handlers subscribed on this node. When a node cannot be sure it saw every envelope (its position
fell behind what the log still keeps, or the log itself was lost), it tells its gap handlers, which
rebuild what they derived from events.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

from townhall.events.event import Envelope, Handler

log = logging.getLogger("townhall.bus")

GapHandler = Callable[[], None]


class LogUnavailable(Exception):
    """The log cannot take events right now (Redis is down); they stay in the outbox."""


class EventLog(Protocol):
    synchronous: bool
    """True when `append` has delivered to this node's handlers before it returns."""

    def subscribe(self, handler: Handler) -> None: ...

    def unsubscribe(self, handler: Handler) -> None: ...

    def on_gap(self, handler: GapHandler) -> None: ...

    async def append(self, envelopes: Sequence[Envelope]) -> None:
        """Add envelopes at the end of the log, in this order; raises LogUnavailable."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Delivery:
    """Hands envelopes to this node's handlers: once each, in order, one failure never the rest's.

    A bounded memory of recent envelope ids drops the duplicates a retried append or an adopted
    outbox row can cause.
    """

    REMEMBERED = 20_000

    def __init__(self) -> None:
        self.handlers: list[Handler] = []
        self.gap_handlers: list[GapHandler] = []
        self._seen: OrderedDict[int, None] = OrderedDict()

    def deliver(self, envelope: Envelope) -> None:
        seen = self._seen
        if envelope.id in seen:
            return
        seen[envelope.id] = None
        if len(seen) > self.REMEMBERED:
            seen.popitem(last=False)
        for handler in self.handlers:
            try:
                handler(envelope)
            except Exception:
                log.exception("event handler failed", extra={"event": envelope.type})

    def gap(self) -> None:
        log.warning("the event log has a gap: rebuilding what was derived from events")
        for handler in self.gap_handlers:
            try:
                handler()
            except Exception:
                log.exception("gap handler failed")


class Subscribers:
    """What every log shares: the handlers of this node, reached through one `Delivery`."""

    def __init__(self) -> None:
        self._delivery = Delivery()

    def subscribe(self, handler: Handler) -> None:
        self._delivery.handlers.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self._delivery.handlers.remove(handler)

    def on_gap(self, handler: GapHandler) -> None:
        self._delivery.gap_handlers.append(handler)


class LocalLog(Subscribers):
    """The embedded default: one process, so appending is delivering."""

    synchronous = True

    async def append(self, envelopes: Sequence[Envelope]) -> None:
        self.deliver(envelopes)

    def deliver(self, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            self._delivery.deliver(envelope)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
