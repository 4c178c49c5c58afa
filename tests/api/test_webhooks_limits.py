"""Executing a webhook: 5 per 2 seconds per webhook, whoever calls; an interaction's follow-ups
5 per 2 seconds per token (Discord's limits)."""

from __future__ import annotations

import httpx

from tests.api.interaction_helpers import callback, invoke, setup, webhook
from tests.api.test_messages import guild_with_member, history
from tests.api.test_rate_limits import StartApi, client_at, limited
from tests.conftest import error_code
from townhall.events.event import Envelope

__all__ = ["limited"]


async def test_execute_is_limited_per_webhook_not_per_caller(limited: StartApi) -> None:
    api = await limited()
    owner, _member, _guild, channel_id = await guild_with_member(api)
    hooks = []
    for name in ("one", "two"):
        response = await owner.post(f"/channels/{channel_id}/webhooks", json={"name": name})
        assert response.status_code == 200, response.text
        hooks.append(response.json())
    first, second = (f"/webhooks/{h['id']}/{h['token']}" for h in hooks)
    callers = [client_at(api, f"198.51.100.{n}") for n in range(1, 7)]
    try:
        answers = [await c.post(first, json={"content": f"m{n}"}) for n, c in enumerate(callers)]
        assert [a.status_code for a in answers] == [204] * 5 + [429]
        assert answers[-1].json()["retry_after"] > 0 and error_code(answers[-1]) == 0
        other = await callers[0].post(second, json={"content": "another webhook"})
        assert other.status_code == 204
    finally:
        for c in callers:
            await c.aclose()


async def test_follow_ups_are_limited_per_interaction_token(limited: StartApi) -> None:
    """Discord counts an interaction's follow-ups per token (5 per 2 s): two interactions of one
    application each get their five."""
    api = await limited()
    transport = api.http._transport
    assert isinstance(transport, httpx.ASGITransport)
    published: list[Envelope] = []
    transport.app.state.runtime.log.subscribe(published.append)  # type: ignore[attr-defined]
    s = await setup(api)
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    tokens = []
    for nonce in ("1", "2"):
        interaction = await invoke(s, published, s.body("hello", who, nonce=nonce))
        answered = await callback(api.http, interaction, {"type": 5})
        assert answered.status_code == 204, answered.text
        tokens.append(webhook(s, interaction))
    first, second = tokens
    answers = {
        path: [await api.http.post(path, json={"content": f"m{n}"}) for n in range(5)]
        for path in (first, second)
    }
    assert [a.status_code for a in answers[first] + answers[second]] == [200] * 10
    assert answers[first][-1].headers["x-ratelimit-remaining"] == "0"
    refused = await api.http.post(first, json={"content": "one too many"})
    assert refused.status_code == 429
    body = refused.json()
    assert body["message"] == "You are being rate limited." and body["global"] is False
    assert body["retry_after"] > 0 and error_code(refused) == 0
    assert refused.headers["x-ratelimit-scope"] == "user" and refused.headers["retry-after"]
    assert refused.headers["x-ratelimit-bucket"] == answers[first][0].headers["x-ratelimit-bucket"]
    assert "one too many" not in [m["content"] for m in await history(s.owner, s.channel_id)]
