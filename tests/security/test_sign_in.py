"""Password guessing across addresses meets a per-account backoff that cannot lock the owner out.

The probe: 60 wrong passwords for one account from 60 addresses, then the right one, signed in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from tests.conftest import Api, database_url_for, error_code
from tests.conftest import test_settings as settings_for_tests
from townhall.api.app import create_app

PASSWORD = "correct horse battery"


def from_address(app: FastAPI, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="http://townhall.test/api/v10",
    )


async def sign_in(
    http: httpx.AsyncClient, login: str, password: str, device_token: str | None = None
) -> httpx.Response:
    body = {"login": login, "password": password}
    if device_token is not None:
        body["device_token"] = device_token
    return await http.post("/auth/login", json=body)


async def guess_from_many_addresses(app: FastAPI, login: str, guesses: int) -> list[int]:
    statuses = []
    for index in range(guesses):
        async with from_address(app, f"203.0.113.{index % 250 + 1}") as http:
            statuses.append((await sign_in(http, login, f"guess number {index}")).status_code)
    return statuses


async def test_guessing_from_many_addresses_ends_in_backoff_even_for_the_right_password(
    api: Api, app: FastAPI
) -> None:
    victim = await api.account("victim")
    statuses = await guess_from_many_addresses(app, victim.username, 60)
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}
    right = await sign_in(api.http, victim.username, PASSWORD)
    assert right.status_code == 429
    body = right.json()
    assert body["retry_after"] > 0 and body["global"] is False
    assert int(right.headers["retry-after"]) >= 1


async def test_a_device_that_signed_in_before_is_never_held_back(api: Api, app: FastAPI) -> None:
    owner = await api.account("owner")
    first = await sign_in(api.http, owner.username, PASSWORD)
    assert first.status_code == 200, first.text
    device = first.json()["device_token"]
    await guess_from_many_addresses(app, owner.username, 20)
    assert (await sign_in(api.http, owner.username, PASSWORD)).status_code == 429
    # A device token guessed or made up is no device.
    made_up = await sign_in(api.http, owner.username, PASSWORD, device_token="x" * 43)
    assert made_up.status_code == 429
    trusted = await sign_in(api.http, owner.username, PASSWORD, device_token=device)
    assert trusted.status_code == 200, trusted.text
    assert trusted.json()["device_token"] == device


async def test_unknown_logins_back_off_exactly_like_real_ones(api: Api, app: FastAPI) -> None:
    """Otherwise the 429 would tell a guesser which accounts exist."""
    real = await api.account("real")
    made_up = f"nobody_{real.username}"[:32]
    for login in (made_up, real.username):
        assert await guess_from_many_addresses(app, login, 7) == [400] * 5 + [429] * 2, login


@pytest_asyncio.fixture(loop_scope="session")
async def quick_backoff(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Api, FastAPI]]:
    settings = settings_for_tests(
        tmp_path, database_url_for(backend, tmp_path, request), sign_in_backoff_seconds=0.5
    )
    app = create_app(settings)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://townhall.test/api/v10"
            )
        )
        yield Api(http), app


async def test_the_backoff_ends_by_itself_and_doubles_with_each_failure(
    quick_backoff: tuple[Api, FastAPI],
) -> None:
    api, app = quick_backoff
    owner = await api.account("owner")
    assert await guess_from_many_addresses(app, owner.username, 5) == [400] * 5
    blocked = await sign_in(api.http, owner.username, PASSWORD)
    assert blocked.status_code == 429
    first_wait = blocked.json()["retry_after"]
    assert 0 < first_wait <= 0.5
    await asyncio.sleep(first_wait + 0.05)  # time itself is what is under test
    # One more wrong guess after the backoff: the next backoff is twice as long.
    assert (await sign_in(api.http, owner.username, "still guessing")).status_code == 400
    again = await sign_in(api.http, owner.username, PASSWORD)
    assert again.status_code == 429
    assert 0.5 < again.json()["retry_after"] <= 1.0
    await asyncio.sleep(again.json()["retry_after"] + 0.05)
    signed_in = await sign_in(api.http, owner.username, PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    assert error_code(await sign_in(api.http, owner.username, "wrong")) == 50035
