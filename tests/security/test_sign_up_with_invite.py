"""A school class signs up behind one address: sign-ups with a usable invite have room for it.

The probe: sign-up is limited to 5 per minute per address, so the 6th pupil of a class
registering through the teacher's invite waited a minute. Sign-ups without an invite (or with one
that cannot be used) keep the tight limit; the invite's own `max_uses` bounds the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Api, database_url_for
from tests.conftest import test_settings as settings_for_tests
from townhall.api.app import create_app


@pytest_asyncio.fixture(loop_scope="session")
async def limited(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Api]:
    settings = settings_for_tests(
        tmp_path, database_url_for(backend, tmp_path, request), rate_limits=True
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://townhall.test/api/v10"
        ) as http,
    ):
        yield Api(http)


async def sign_up(api: Api, invite: str | None = None) -> int:
    body = {"username": f"pupil_{uuid.uuid4().hex[:10]}", "password": "correct horse battery"}
    if invite is not None:
        body["invite"] = invite
    return (await api.http.post("/auth/register", json=body)).status_code


async def test_a_class_of_thirty_signs_up_through_the_teachers_invite(limited: Api) -> None:
    teacher = await limited.account("teacher")  # the fixture's first sign-up, without invite
    guild = await teacher.guild("Class 4b")
    invite = await teacher.post(
        f"/channels/{guild['system_channel_id']}/invites", json={"max_uses": 40}
    )
    code = invite.json()["code"]
    assert [await sign_up(limited, code) for _ in range(30)] == [201] * 30
    members = await teacher.get(f"/guilds/{guild['id']}/members", params={"limit": 100})
    assert len(members.json()) == 31


async def test_sign_ups_without_a_usable_invite_keep_the_tight_limit(limited: Api) -> None:
    statuses = [await sign_up(limited) for _ in range(4)]
    statuses += [await sign_up(limited, "not-a-real-code") for _ in range(3)]
    assert statuses == [201] * 4 + [404] + [429] * 2
