"""`/gateway` and `/gateway/bot`: where clients open the WebSocket."""

from __future__ import annotations

from tests.conftest import Api


async def test_gateway_address_follows_the_address_the_client_used(api: Api) -> None:
    response = await api.http.get("/gateway")
    assert response.status_code == 200
    assert response.json() == {"url": "ws://townhall.test"}


async def test_gateway_bot_needs_a_token_and_describes_one_shard(api: Api) -> None:
    assert (await api.http.get("/gateway/bot")).status_code == 401
    alice = await api.account()
    body = (await alice.get("/gateway/bot")).json()
    assert body["url"] == "ws://townhall.test"
    assert body["shards"] == 1
    assert body["session_start_limit"]["remaining"] > 0
