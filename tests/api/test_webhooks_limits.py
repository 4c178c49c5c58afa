"""Executing a webhook: 5 per 2 seconds per webhook, whoever calls (Discord's limit)."""

from __future__ import annotations

from tests.api.test_messages import guild_with_member
from tests.api.test_rate_limits import StartApi, client_at, limited
from tests.conftest import error_code

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
