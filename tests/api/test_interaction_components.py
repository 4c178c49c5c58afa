"""Message components and modals: bots attach buttons and selects, a person's click or a
submitted modal becomes an interaction; and applications that take interactions at an HTTP
endpoint, signed with Ed25519."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from aiohttp import web
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from tests.api.interaction_helpers import Setup, callback, data_of, first, invoke, setup
from tests.api.test_messages import history
from tests.conftest import Api, error_code
from townhall.events.event import Envelope

ROW: dict[str, Any] = {
    "type": 1,
    "components": [
        {"type": 2, "style": 1, "label": "Yes", "custom_id": "vote:yes"},
        {"type": 2, "style": 4, "label": "No", "custom_id": "vote:no"},
        {"type": 2, "style": 5, "label": "Docs", "url": "https://example.org/docs"},
        {"type": 2, "style": 2, "label": "Closed", "custom_id": "closed", "disabled": True},
    ],
}
SELECT: dict[str, Any] = {
    "type": 1,
    "components": [
        {
            "type": 3,
            "custom_id": "flavour",
            "placeholder": "Pick",
            "min_values": 1,
            "max_values": 2,
            "options": [
                {"label": "Vanilla", "value": "v"},
                {"label": "Chocolate", "value": "c", "description": "Dark"},
                {"label": "Mint", "value": "m"},
            ],
        }
    ],
}
USERS: dict[str, Any] = {"type": 1, "components": [{"type": 5, "custom_id": "pick_user"}]}
MODAL: dict[str, Any] = {
    "custom_id": "feedback",
    "title": "Your feedback",
    "components": [
        {
            "type": 1,
            "components": [
                {
                    "type": 4,
                    "custom_id": "summary",
                    "label": "Summary",
                    "style": 1,
                    "min_length": 2,
                    "max_length": 50,
                }
            ],
        },
        {
            "type": 18,
            "label": "Details",
            "component": {
                "type": 4,
                "custom_id": "details",
                "style": 2,
                "required": False,
            },
        },
    ],
}


async def post_with_components(s: Setup, *rows: dict[str, Any]) -> dict[str, Any]:
    sent = await s.bot_account.post(
        f"/channels/{s.channel_id}/messages",
        json={"content": "Vote!", "components": list(rows)},
    )
    assert sent.status_code == 200, sent.text
    message: dict[str, Any] = sent.json()
    return message


def click(s: Setup, message: dict[str, Any], custom_id: str, kind: int = 2, **data: Any) -> Any:
    return {
        "type": 3,
        "application_id": str(s.bot.application_id),
        "guild_id": s.guild_id,
        "channel_id": s.channel_id,
        "message_id": message["id"],
        "session_id": "s",
        "nonce": "99",
        "data": {"component_type": kind, "custom_id": custom_id, **data},
    }


async def test_a_bot_posts_buttons_and_selects_and_they_are_stored(api: Api) -> None:
    s = await setup(api)
    message = await post_with_components(s, ROW, SELECT)
    buttons = message["components"][0]["components"]
    assert [b["custom_id"] for b in buttons if "custom_id" in b] == [
        "vote:yes",
        "vote:no",
        "closed",
    ]
    assert buttons[2] == {
        "type": 2,
        "id": buttons[2]["id"],
        "style": 5,
        "label": "Docs",
        "url": "https://example.org/docs",
        "disabled": False,
    }
    assert message["components"][1]["components"][0]["options"][1]["description"] == "Dark"
    ids = [message["components"][0]["id"], *(b["id"] for b in buttons)]
    assert len(set(ids)) == len(ids)  # Discord numbers them
    stored = (await history(s.member, s.channel_id))[0]
    assert stored["components"] == message["components"]


async def test_components_follow_discords_layout_rules(api: Api) -> None:
    s = await setup(api)
    button = {"type": 2, "style": 1, "label": "B", "custom_id": "b"}
    path = f"/channels/{s.channel_id}/messages"
    for components in (
        [{"type": 1, "components": [{**button, "custom_id": f"b{i}"} for i in range(6)]}],
        [{"type": 1, "components": [button]} for _ in range(6)],
        [button],
        [{"type": 1, "components": [{"type": 2, "style": 5, "label": "L"}]}],
        [{"type": 1, "components": [{**button, "style": 9}]}],
        [{"type": 1, "components": [button, {**button}]}],
        [{"type": 1, "components": [button, SELECT["components"][0]]}],
        [{"type": 1, "components": [{"type": 4, "custom_id": "t", "label": "T"}]}],
        [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "nolabel"}]}],
    ):
        response = await s.bot_account.post(path, json={"content": "x", "components": components})
        assert response.status_code == 400, (components, response.text)
        assert error_code(response) == 50035
    by_person = await s.member.post(path, json={"content": "x", "components": [ROW]})
    assert by_person.status_code == 400 and error_code(by_person) == 50035
    only_components = await s.bot_account.post(path, json={"components": [ROW]})
    assert only_components.status_code == 200


async def test_a_click_reaches_the_bot_and_it_updates_the_message(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    message = await post_with_components(s, ROW, SELECT)
    interaction = await invoke(s, published, click(s, message, "vote:yes"))
    assert interaction["type"] == 3 and interaction["message"]["id"] == message["id"]
    assert interaction["data"] == {"custom_id": "vote:yes", "component_type": 2}
    seen = len(published)
    closed = {
        "type": 1,
        "components": [{**ROW["components"][0], "disabled": True}],
    }
    answered = await callback(
        api.http,
        interaction,
        {"type": 7, "data": {"content": "Voted", "components": [closed]}},
        with_response="true",
    )
    assert answered.status_code == 200, answered.text
    updated = answered.json()["resource"]["message"]
    assert updated["id"] == message["id"] and updated["content"] == "Voted"
    assert updated["components"][0]["components"][0]["disabled"] is True
    assert len(updated["components"]) == 1
    update_event = await first(published, lambda e: e.type == "MESSAGE_UPDATE", after=seen)
    assert data_of(update_event)["content"] == "Voted" and update_event.user_ids is None
    disabled = await s.member.post("/interactions", json=click(s, updated, "vote:yes"))
    assert disabled.status_code == 400 and error_code(disabled) == 50035
    unknown = await s.member.post("/interactions", json=click(s, updated, "nope"))
    assert unknown.status_code == 400 and error_code(unknown) == 50035
    by_person = await s.owner.post(f"/channels/{s.channel_id}/messages", json={"content": "hi"})
    not_the_bots = await s.member.post("/interactions", json=click(s, by_person.json(), "x"))
    assert not_the_bots.status_code == 400 and error_code(not_the_bots) == 50035


async def test_select_values_are_checked_and_resolved(api: Api, published: list[Envelope]) -> None:
    s = await setup(api)
    message = await post_with_components(s, SELECT, USERS)
    for values in ([], ["v", "c", "m"], ["x"], ["v", "v"]):
        body = click(s, message, "flavour", 3, values=values)
        response = await s.member.post("/interactions", json=body)
        assert response.status_code == 400 and error_code(response) == 50035, values
    picked = await invoke(s, published, click(s, message, "flavour", 3, values=["v", "m"]))
    assert picked["data"]["values"] == ["v", "m"]
    deferred = await callback(api.http, picked, {"type": 6})
    assert deferred.status_code == 204
    person = await invoke(s, published, click(s, message, "pick_user", 5, values=[str(s.owner.id)]))
    resolved = person["data"]["resolved"]
    assert str(s.owner.id) in resolved["users"] and str(s.owner.id) in resolved["members"]
    answered = await callback(
        api.http, person, {"type": 4, "data": {"content": "Picked"}}, with_response="true"
    )
    reply = answered.json()["resource"]["message"]
    assert reply["type"] == 19 and reply["message_reference"]["message_id"] == message["id"]
    assert reply["interaction_metadata"]["interacted_message_id"] == message["id"]


async def test_a_modal_is_shown_to_the_invoker_and_its_submit_reaches_the_bot(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    opened = await invoke(s, published, s.body("hello", who))
    bad = await callback(api.http, opened, {"type": 9, "data": {**MODAL, "title": "x" * 46}})
    assert bad.status_code == 400 and error_code(bad) == 50035
    seen = len(published)
    shown = await callback(api.http, opened, {"type": 9, "data": MODAL})
    assert shown.status_code == 204, shown.text
    modal = await first(published, lambda e: e.type == "INTERACTION_MODAL_CREATE", after=seen)
    assert modal.user_ids == frozenset({s.member.id})
    body = data_of(modal)
    assert body["id"] == opened["id"] and body["custom_id"] == "feedback"
    assert body["title"] == "Your feedback" and body["application"]["name"] == "Greeter"
    assert body["components"][0]["components"][0]["custom_id"] == "summary"

    def submit(summary: str | None, **data: Any) -> Any:
        rows: list[dict[str, Any]] = [
            {"type": 18, "component": {"type": 4, "custom_id": "details", "value": "more"}}
        ]
        if summary is not None:
            rows.insert(
                0,
                {"type": 1, "components": [{"type": 4, "custom_id": "summary", "value": summary}]},
            )
        return {
            "type": 5,
            "application_id": str(s.bot.application_id),
            "guild_id": s.guild_id,
            "channel_id": s.channel_id,
            "nonce": "77",
            "data": {"id": opened["id"], "custom_id": "feedback", "components": rows, **data},
        }

    for wrong in (submit(None), submit("x"), submit("fine", custom_id="other")):
        response = await s.member.post("/interactions", json=wrong)
        assert response.status_code == 400 and error_code(response) == 50035, response.text
    someone_else = await s.owner.post("/interactions", json=submit("fine"))
    assert someone_else.status_code == 404 and error_code(someone_else) == 10062
    submitted = await invoke(s, published, submit("All good"))
    assert submitted["type"] == 5
    rows = submitted["data"]["components"]
    assert rows[0]["components"][0] == {
        "type": 4,
        "id": rows[0]["components"][0]["id"],
        "custom_id": "summary",
        "value": "All good",
    }
    assert rows[1]["type"] == 18 and rows[1]["component"]["value"] == "more"
    answered = await callback(
        api.http, submitted, {"type": 4, "data": {"content": "Thanks"}}, with_response="true"
    )
    message = answered.json()["resource"]["message"]
    assert message["type"] == 20
    metadata = message["interaction_metadata"]
    assert (
        metadata["type"] == 5 and metadata["triggering_interaction_metadata"]["id"] == opened["id"]
    )


# -- applications with an interactions endpoint -------------------------------------------------


@asynccontextmanager
async def endpoint(verify_key: str, answer: dict[str, Any] | None) -> AsyncIterator[list[Any]]:
    """An application's HTTP endpoint as Discord's docs have one written: it checks the
    signature with the application's public key, PONGs a PING, and answers interactions."""
    received: list[Any] = []
    key = VerifyKey(bytes.fromhex(verify_key))

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        signature = request.headers.get("X-Signature-Ed25519", "")
        stamp = request.headers.get("X-Signature-Timestamp", "")
        try:
            key.verify(stamp.encode() + body, bytes.fromhex(signature))
        except (BadSignatureError, ValueError):
            return web.Response(status=401, text="invalid request signature")
        payload = orjson.loads(body)
        received.append(payload)
        if payload["type"] == 1:
            return web.json_response({"type": 1})
        if answer is None:
            return web.Response(status=202)
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/interactions", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    received.append(f"http://127.0.0.1:{port}/interactions")
    try:
        yield received
    finally:
        await runner.cleanup()


async def test_an_endpoint_gets_signed_interactions_and_answers_inline(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    application = (await s.owner.get(f"/applications/{s.bot.application_id}")).json()
    answer = {"type": 4, "data": {"content": "From my endpoint"}}
    async with endpoint(application["verify_key"], answer) as received:
        url = received.pop(0)
        set_url = await s.owner.patch(
            f"/applications/{s.bot.application_id}", json={"interactions_endpoint_url": url}
        )
        assert set_url.status_code == 200, set_url.text
        assert set_url.json()["interactions_endpoint_url"] == url
        assert received[0]["type"] == 1  # the PING that verified it
        who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
        seen = len(published)
        response = await s.member.post("/interactions", json=s.body("hello", who))
        assert response.status_code == 204
        success = await first(published, lambda e: e.type == "INTERACTION_SUCCESS", after=seen)
        assert success.user_ids == frozenset({s.member.id})
        created = next(e for e in published[seen:] if e.type == "INTERACTION_CREATE")
        assert created.user_ids == frozenset({s.member.id})  # not over the bot's gateway
        assert received[-1]["type"] == 2 and received[-1]["data"]["name"] == "hello"
        assert (await history(s.member, s.channel_id))[0]["content"] == "From my endpoint"
        cleared = await s.owner.patch(
            f"/applications/{s.bot.application_id}", json={"interactions_endpoint_url": None}
        )
        assert cleared.json()["interactions_endpoint_url"] is None


async def test_an_endpoint_that_does_not_check_signatures_is_not_accepted(api: Api) -> None:
    s = await setup(api)
    wrong_key = "00" * 32  # checks against another key: refuses even the real PING
    async with endpoint(wrong_key, None) as received:
        url = received.pop(0)
        refused = await s.owner.patch(
            f"/applications/{s.bot.application_id}", json={"interactions_endpoint_url": url}
        )
        assert refused.status_code == 400 and error_code(refused) == 50035
        assert "interactions_endpoint_url" in refused.json()["errors"]
    trusting = web.Application()

    async def pong(_request: web.Request) -> web.Response:
        return web.json_response({"type": 1})  # answers forgeries too

    trusting.router.add_post("/", pong)
    runner = web.AppRunner(trusting)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        naive = await s.owner.patch(
            f"/applications/{s.bot.application_id}",
            json={"interactions_endpoint_url": f"http://127.0.0.1:{port}/"},
        )
        assert naive.status_code == 400 and error_code(naive) == 50035
    finally:
        await runner.cleanup()
    not_a_url = await s.owner.patch(
        f"/applications/{s.bot.application_id}", json={"interactions_endpoint_url": "ftp://x"}
    )
    assert not_a_url.status_code == 400
    by_member = await s.member.patch(
        f"/applications/{s.bot.application_id}",
        json={"interactions_endpoint_url": "http://127.0.0.1:9/"},
    )
    assert by_member.status_code == 403 and error_code(by_member) == 50013


async def test_an_endpoint_that_fails_fails_the_interaction(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    application = (await s.owner.get(f"/applications/{s.bot.application_id}")).json()
    async with endpoint(application["verify_key"], {"type": 4, "data": {}}) as received:
        url = received.pop(0)
        await s.owner.patch(
            f"/applications/{s.bot.application_id}", json={"interactions_endpoint_url": url}
        )
        who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
        seen = len(published)
        response = await s.member.post("/interactions", json=s.body("hello", who))
        assert response.status_code == 204
        created = await first(published, lambda e: e.type == "INTERACTION_CREATE", after=seen)
        mine = orjson.loads(created.variants["author_view"])["id"]
        failed = await first(
            published,
            lambda e: e.type == "INTERACTION_FAILURE" and data_of(e)["id"] == mine,
            after=seen,
        )
        assert failed.user_ids == frozenset({s.member.id})
