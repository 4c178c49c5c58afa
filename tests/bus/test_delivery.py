"""Delivering events on a node: once each, in order, and one failing handler harms nothing."""

from __future__ import annotations

from fastapi import FastAPI

from tests.conftest import Api, text_channel
from townhall.bus.log import Delivery, LocalLog
from townhall.events import catalog
from townhall.events.event import Envelope


def envelope(event_id: int) -> Envelope:
    return Envelope(id=event_id, kind=catalog.TOKENS_REVOKED, data=b"1")


def test_an_envelope_delivered_twice_reaches_handlers_once() -> None:
    delivery = Delivery()
    seen: list[int] = []
    delivery.handlers.append(lambda e: seen.append(e.id))
    for event_id in (1, 2, 1, 3, 2):
        delivery.deliver(envelope(event_id))
    assert seen == [1, 2, 3]


def test_a_handler_that_raises_does_not_starve_the_others() -> None:
    log = LocalLog()
    seen: list[int] = []

    def broken(_e: Envelope) -> None:
        raise RuntimeError("a bug in one consumer")

    log.subscribe(broken)
    log.subscribe(lambda e: seen.append(e.id))
    log.deliver([envelope(1), envelope(2)])
    assert seen == [1, 2]


async def test_a_write_succeeds_even_when_an_event_handler_fails(app: FastAPI, api: Api) -> None:
    def broken(_e: Envelope) -> None:
        raise RuntimeError("a bug in one consumer")

    log = app.state.runtime.log
    log.subscribe(broken)
    try:
        owner = await api.account()
        guild = await owner.guild()
        sent = await owner.post(
            f"/channels/{text_channel(guild)['id']}/messages", json={"content": "still here"}
        )
    finally:
        log.unsubscribe(broken)
    assert sent.status_code == 200
    history = await owner.get(f"/channels/{text_channel(guild)['id']}/messages")
    assert [m["content"] for m in history.json()] == ["still here"]
