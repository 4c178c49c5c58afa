"""Who acts, from the request: the audit-log reason and the request id every action receives."""

from __future__ import annotations

from starlette.requests import Request

from townhall.api.deps import audit_reason, request_id
from townhall.domain.actor import REASON_MAX, Actor, ActorKind
from townhall.domain.models import User


def request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "method": "GET", "path": "/"})


def test_the_audit_log_reason_is_url_decoded_as_discord_clients_send_it() -> None:
    assert audit_reason(request(x_audit_log_reason="Spam%20in%20%23general")) == "Spam in #general"
    assert audit_reason(request(x_audit_log_reason="Gr%C3%BC%C3%9Fe")) == "Grüße"
    assert audit_reason(request()) is None


def test_a_reason_longer_than_discords_limit_is_cut_at_512_characters() -> None:
    assert audit_reason(request(x_audit_log_reason="a" * 600)) == "a" * REASON_MAX


def test_a_request_id_is_the_clients_when_it_is_plain_and_new_otherwise() -> None:
    assert request_id(request(x_request_id="abc-123")) == "abc-123"
    made = request_id(request(x_request_id="bad id\nwith newline"))
    assert made != "bad id\nwith newline" and made.replace("-", "").isalnum()
    assert request_id(request()) != request_id(request())


def test_actors_say_whether_a_person_a_bot_or_townhall_itself_acts() -> None:
    assert Actor.of(User(1, "alice")).kind is ActorKind.USER
    assert Actor.of(User(2, "helper", bot=True)).kind is ActorKind.BOT
    assert Actor.system("invite expired").kind is ActorKind.SYSTEM
