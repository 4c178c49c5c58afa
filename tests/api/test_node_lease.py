"""A process that was paused past its node lease renews it on the next request instead of failing.

The lease guards snowflake ids against a second process minting with the same node id; when the
event loop could not renew it in time (the machine was suspended, the process stopped for a while),
the first request afterwards takes the lease again (or another free one) and then succeeds.
"""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI

from tests.api.store_setup import services
from tests.conftest import Api, text_channel

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _pause_past_the_lease(app: FastAPI) -> None:
    services(app).ids.valid_until = time.monotonic() - 1


async def test_a_message_sent_after_the_lease_ran_out_is_stored_under_a_renewed_lease(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account("paused")
    channel = text_channel(await owner.guild())
    _pause_past_the_lease(app)

    path = f"/channels/{channel['id']}/messages"
    sent = await owner.post(path, json={"content": "after a pause"})

    assert sent.status_code == 200, sent.text
    assert services(app).ids.valid_until > time.monotonic()
    history = await owner.get(path)
    assert [m["content"] for m in history.json()] == ["after a pause"]


async def test_someone_can_sign_up_right_after_the_lease_ran_out(api: Api, app: FastAPI) -> None:
    _pause_past_the_lease(app)

    newcomer = await api.account("newcomer")

    me = await newcomer.get("/users/@me")
    assert me.status_code == 200
    assert me.json()["username"] == newcomer.username
