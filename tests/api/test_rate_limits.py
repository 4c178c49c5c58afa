"""Rate limits: Discord's headers and 429 shape; buckets per route, major parameter and caller."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Api, database_url_for
from tests.conftest import test_settings as settings_for_tests
from townhall.api import ratelimit
from townhall.api.app import create_app

StartApi = Callable[..., Awaitable[Api]]
RATE_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-reset-after",
    "x-ratelimit-bucket",
)


@pytest_asyncio.fixture(loop_scope="session")
async def limited(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[StartApi]:
    """Starts a fresh application with rate limits on (fresh counters for every test)."""
    async with AsyncExitStack() as stack:

        async def start(scale: float = 1.0, **overrides: Any) -> Api:
            settings = settings_for_tests(
                tmp_path,
                database_url_for(backend, tmp_path, request),
                rate_limits=True,
                rate_limit_scale=scale,
                **overrides,
            )
            app = create_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://townhall.test/api/v10"
            )
            await stack.enter_async_context(client)
            return Api(client)

        yield start


def client_at(api: Api, address: str) -> httpx.AsyncClient:
    """Another client of the same application, coming from `address`."""
    transport = api.http._transport
    assert isinstance(transport, httpx.ASGITransport)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=transport.app, client=(address, 40000)),
        base_url="http://townhall.test/api/v10",
    )


async def wrong_login(http: httpx.AsyncClient, **kwargs: Any) -> httpx.Response:
    # A new name each time: one name's own failures back off too (actions/login_limits.py).
    body = {"login": f"nobody-{uuid.uuid4().hex[:12]}", "password": "not the password"}
    return await http.post("/auth/login", json=body, **kwargs)


async def send(account: Any, channel_id: str, content: str = "hello") -> httpx.Response:
    response: httpx.Response = await account.post(
        f"/channels/{channel_id}/messages", json={"content": content}
    )
    return response


def assert_discord_429(response: httpx.Response, *, is_global: bool) -> float:
    """Checks the shape discord.py and discord.js rely on; returns retry_after."""
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "retry_after", "global", "code"}
    assert body["message"] == "You are being rate limited."
    assert body["global"] is is_global
    assert body["code"] == 0
    retry_after = body["retry_after"]
    assert isinstance(retry_after, float) and retry_after > 0
    # Retry-After is whole seconds (RFC 9110), never less than the body's exact value.
    assert int(response.headers["retry-after"]) >= retry_after
    assert int(response.headers["retry-after"]) < retry_after + 1
    # discord.py takes a 429 without `Via` for a Cloudflare ban and stops retrying.
    assert response.headers["via"]
    assert response.headers["x-ratelimit-scope"] == ("global" if is_global else "user")
    return float(retry_after)


async def test_a_limited_route_answers_with_discord_rate_limit_headers(limited: StartApi) -> None:
    api = await limited()
    alice = await api.account()
    before = time.time()
    first = await alice.get("/users/@me")
    second = await alice.get("/users/@me")
    assert first.status_code == second.status_code == 200
    for name in RATE_HEADERS:
        assert name in first.headers
    # Parsed exactly as discord.py's Ratelimit.update parses them.
    assert int(first.headers["x-ratelimit-limit"]) == 50
    assert int(first.headers["x-ratelimit-remaining"]) == 49
    assert int(second.headers["x-ratelimit-remaining"]) == 48
    reset_after = float(first.headers["x-ratelimit-reset-after"])
    assert 0 < reset_after <= 1.0
    reset = float(first.headers["x-ratelimit-reset"])
    assert before < reset <= time.time() + 1.0
    assert first.headers["x-ratelimit-bucket"] == second.headers["x-ratelimit-bucket"]


async def test_limits_are_off_when_the_setting_is_off(api: Api) -> None:
    alice = await api.account()
    me = await alice.get("/users/@me")
    assert me.status_code == 200
    assert not any(name in me.headers for name in RATE_HEADERS)


async def test_bucket_hash_is_shared_across_guilds_but_differs_between_routes(
    limited: StartApi,
) -> None:
    api = await limited()
    alice = await api.account()
    one, two = await alice.guild("one"), await alice.guild("two")
    first = await alice.get(f"/guilds/{one['id']}")
    second = await alice.get(f"/guilds/{two['id']}")
    me = await alice.get("/users/@me")
    assert first.status_code == second.status_code == me.status_code == 200
    # discord.py keys a bucket as `<hash>:<major parameters>`: the hash must not carry the id.
    assert first.headers["x-ratelimit-bucket"] == second.headers["x-ratelimit-bucket"]
    assert first.headers["x-ratelimit-bucket"] != me.headers["x-ratelimit-bucket"]
    # Each guild has its own count.
    assert first.headers["x-ratelimit-remaining"] == second.headers["x-ratelimit-remaining"]


async def test_sixth_login_attempt_in_a_minute_gets_429_with_retry_after(limited: StartApi) -> None:
    api = await limited()
    for _ in range(5):
        refused = await wrong_login(api.http)
        assert refused.status_code == 400  # Discord: 50035 INVALID_LOGIN
    limited_response = await wrong_login(api.http)
    retry_after = assert_discord_429(limited_response, is_global=False)
    assert 55 < retry_after <= 60
    assert limited_response.headers["x-ratelimit-remaining"] == "0"
    assert limited_response.headers["x-ratelimit-limit"] == "5"
    assert float(limited_response.headers["x-ratelimit-reset-after"]) == pytest.approx(
        retry_after, abs=0.01
    )


async def test_login_limit_counts_the_address_not_the_token(limited: StartApi) -> None:
    api = await limited()
    for n in range(5):
        await wrong_login(api.http, headers={"Authorization": f"made-up-token-{n}"})
    assert (
        await wrong_login(api.http, headers={"Authorization": "yet-another"})
    ).status_code == 429
    async with client_at(api, "10.1.2.3") as elsewhere:
        assert (await wrong_login(elsewhere)).status_code == 400


async def test_refused_login_does_not_stop_other_routes(limited: StartApi) -> None:
    api = await limited()
    alice = await api.account()
    for _ in range(6):
        await wrong_login(api.http)
    assert (await wrong_login(api.http)).status_code == 429
    assert (await alice.get("/users/@me")).status_code == 200


async def test_scale_multiplies_every_limit(limited: StartApi) -> None:
    api = await limited(scale=2.0)
    response = await wrong_login(api.http)
    assert response.headers["x-ratelimit-limit"] == "10"


async def test_sixth_message_in_five_seconds_is_refused_but_another_channel_is_open(
    limited: StartApi,
) -> None:
    api = await limited()
    alice = await api.account()
    general = (await alice.guild())["system_channel_id"]
    other = await alice.guild("second")
    for n in range(5):
        sent = await send(alice, general, f"message {n}")
        assert sent.status_code == 200, sent.text
        assert sent.headers["x-ratelimit-remaining"] == str(4 - n)
    refused = await send(alice, general, "one too many")
    retry_after = assert_discord_429(refused, is_global=False)
    assert retry_after <= 5.0
    assert (await send(alice, other["system_channel_id"])).status_code == 200
    history = await alice.get(f"/channels/{general}/messages", params={"limit": 10})
    assert [m["content"] for m in history.json()].count("one too many") == 0


async def test_one_user_hitting_the_message_limit_does_not_limit_another(
    limited: StartApi,
) -> None:
    api = await limited()
    alice, bob = await api.account(), await api.account()
    guild = await alice.guild()
    channel = guild["system_channel_id"]
    await bob.join(alice, channel)
    for _ in range(5):
        assert (await send(alice, channel)).status_code == 200
    assert (await send(alice, channel)).status_code == 429
    assert (await send(bob, channel)).status_code == 200


async def test_global_limit_answers_429_with_global_true(limited: StartApi) -> None:
    api = await limited(scale=0.1)  # 5 requests per second in all
    alice = await api.account()
    responses = [await alice.get("/users/@me") for _ in range(6)]
    assert [r.status_code for r in responses[:5]] == [200] * 5
    refused = responses[5]
    retry_after = assert_discord_429(refused, is_global=True)
    assert retry_after <= 1.0
    assert refused.headers["x-ratelimit-global"] == "true"


async def test_requests_are_let_through_again_once_the_window_has_passed(
    limited: StartApi,
) -> None:
    api = await limited(scale=0.1)
    alice = await api.account()
    for _ in range(5):
        await alice.get("/users/@me")
    refused = await alice.get("/users/@me")
    assert refused.status_code == 429
    await asyncio.sleep(refused.json()["retry_after"] + 0.05)
    assert (await alice.get("/users/@me")).status_code == 200


def test_idle_buckets_are_forgotten_so_memory_stays_bounded() -> None:
    now = [0.0]
    counter = ratelimit.Counter(ratelimit.Limit("test", 2, 1.0), 1.0, lambda: now[0])
    for caller in range(1000):
        counter.hit(f"|token:{caller}")
    assert len(counter.windows) == 1000
    now[0] = 1.5
    counter.hit("|token:late")
    assert list(counter.windows) == ["|token:late"]


def test_bucket_count_per_limit_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_BUCKETS_PER_LIMIT", 10)
    counter = ratelimit.Counter(ratelimit.Limit("test", 2, 60.0), 1.0, lambda: 0.0)
    for caller in range(50):
        counter.hit(f"|ip:{caller}")
    assert len(counter.windows) == 10


async def test_reactions_share_one_quick_bucket_per_channel(limited: StartApi) -> None:
    api = await limited()
    alice = await api.account()
    channel = (await alice.guild())["system_channel_id"]
    message = (await send(alice, channel)).json()["id"]
    reactions = f"/channels/{channel}/messages/{message}/reactions"
    added = await alice.put(f"{reactions}/%E2%9C%85/@me")
    assert added.status_code == 204, added.text
    assert added.headers["x-ratelimit-limit"] == "1"
    too_soon = await alice.put(f"{reactions}/%F0%9F%91%8D/@me")
    assert assert_discord_429(too_soon, is_global=False) <= 0.25
    await asyncio.sleep(float(too_soon.headers["x-ratelimit-reset-after"]) + 0.02)
    removed = await alice.delete(f"{reactions}/%E2%9C%85/@me")
    assert removed.status_code == 204, removed.text
    assert removed.headers["x-ratelimit-bucket"] == added.headers["x-ratelimit-bucket"]
