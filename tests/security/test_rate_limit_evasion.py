"""Rate limits that a caller cannot step around with bogus tokens or spelled-out ids.

The probe: a random `Authorization` header gave each request a fresh global bucket (500 invite
lookups answered instead of 100 and then 429s), and `/channels/000…{id}/messages` made a new
per-channel bucket for each spelling of the id.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Api, database_url_for
from tests.conftest import test_settings as settings_for_tests
from townhall.api.app import create_app

StartApi = Callable[[], Awaitable[Api]]


@pytest_asyncio.fixture(loop_scope="session")
async def limited(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[StartApi]:
    """A fresh application with rate limits on, so that every test starts with empty buckets."""
    async with AsyncExitStack() as stack:

        async def start() -> Api:
            settings = settings_for_tests(
                tmp_path, database_url_for(backend, tmp_path, request), rate_limits=True
            )
            app = create_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://townhall.test/api/v10"
            )
            await stack.enter_async_context(client)
            return Api(client)

        yield start


async def test_bogus_tokens_share_their_client_address_global_bucket(limited: StartApi) -> None:
    api = await limited()
    owner = await api.account()
    guild = await owner.guild()
    invite = await owner.post(f"/channels/{guild['system_channel_id']}/invites", json={})
    code = invite.json()["code"]
    statuses = [
        (
            await api.http.get(
                f"/invites/{code}", headers={"Authorization": secrets.token_urlsafe(24)}
            )
        ).status_code
        for _ in range(60)
    ]
    assert statuses.count(429) >= 10, statuses
    assert statuses[:40] == [200] * 40


async def test_valid_tokens_still_get_a_bucket_of_their_own(limited: StartApi) -> None:
    api = await limited()
    alice, bob = await api.account(), await api.account()
    statuses = [(await a.get("/users/@me")).status_code for _ in range(30) for a in (alice, bob)]
    assert statuses == [200] * 60


async def test_leading_zeros_in_an_id_do_not_make_a_new_bucket(limited: StartApi) -> None:
    api = await limited()
    owner = await api.account()
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    statuses = []
    for zeros in range(7):
        response = await owner.post(
            f"/channels/{'0' * zeros}{channel_id}/messages", json={"content": f"spam {zeros}"}
        )
        statuses.append(response.status_code)
    # Message create allows 5 per 5 s per channel, however the channel's id is spelled.
    assert statuses == [200] * 5 + [429] * 2
    history = await owner.get(f"/channels/{channel_id}/messages")
    assert len(history.json()) == 5


async def test_an_id_of_thousands_of_digits_is_a_404_not_a_500(limited: StartApi) -> None:
    api = await limited()
    owner = await api.account()
    response = await owner.get(f"/channels/{'9' * 5000}/messages")
    assert response.status_code in (400, 404), response.text
