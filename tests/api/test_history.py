"""Reading history: pages newest first around `before`, `after`, `around`; single messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, history, send
from tests.conftest import Account, Api, error_code
from townhall.domain.models import ChannelType
from townhall.domain.permissions import Permission as P


async def fill(account: Account, channel_id: str, count: int) -> list[str]:
    """Send `count` messages; their ids, oldest first."""
    return [(await send(account, channel_id, f"message {i}"))["id"] for i in range(count)]


def ids(page: list[dict[str, Any]]) -> list[str]:
    return [m["id"] for m in page]


def newest_first(message_ids: list[str]) -> list[str]:
    return sorted(message_ids, key=int, reverse=True)


async def test_pages_of_a_250_message_channel_are_exact_and_newest_first(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    sent = await fill(owner, channel_id, 250)
    everything = newest_first(sent)

    assert ids(await history(member, channel_id)) == everything[:50]
    assert ids(await history(member, channel_id, limit=100)) == everything[:100]
    assert ids(await history(member, channel_id, limit=1)) == everything[:1]

    anchor = sent[120]
    assert ids(await history(member, channel_id, before=anchor, limit=30)) == newest_first(
        sent[90:120]
    )
    # `after` is newest first too: discord.py reverses it itself.
    assert ids(await history(member, channel_id, after=anchor, limit=30)) == newest_first(
        sent[121:151]
    )
    assert ids(await history(member, channel_id, after=sent[-3], limit=30)) == newest_first(
        sent[-2:]
    )
    around = ids(await history(member, channel_id, around=anchor, limit=10))
    assert around == newest_first(sent[115:125])
    assert anchor in around
    assert ids(await history(member, channel_id, around=anchor, limit=1)) == [anchor]
    assert ids(await history(member, channel_id, before=sent[0])) == []


async def test_walking_back_with_before_visits_every_message_once(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    sent = await fill(owner, channel_id, 250)
    seen: list[str] = []
    before: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if before is not None:
            params["before"] = before
        page = ids(await history(owner, channel_id, **params))
        if not page:
            break
        seen.extend(page)
        before = page[-1]
    assert seen == newest_first(sent)


async def test_limit_outside_1_to_100_is_refused(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    for limit in (0, 101, -1):
        response = await owner.get(f"/channels/{channel_id}/messages", params={"limit": limit})
        assert response.status_code == 400 and error_code(response) == 50035
    response = await owner.get(f"/channels/{channel_id}/messages", params={"before": "soon"})
    assert response.status_code == 400


async def test_member_without_read_message_history_sees_an_empty_history(
    api: Api, app: FastAPI
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    sent = await send(owner, channel_id, "secret past")
    await store_setup.overwrite(
        app, channel_id, member.id, deny=int(P.READ_MESSAGE_HISTORY), member=True
    )
    assert await history(member, channel_id) == []
    response = await member.get(f"/channels/{channel_id}/messages/{sent['id']}")
    assert response.status_code == 403 and error_code(response) == 50013


async def test_channel_hidden_from_a_member_is_missing_access(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    await send(owner, channel_id, "staff only")
    await store_setup.overwrite(app, channel_id, guild["id"], deny=int(P.VIEW_CHANNEL))
    response = await member.get(f"/channels/{channel_id}/messages")
    assert response.status_code == 403 and error_code(response) == 50001


async def test_get_one_message_of_the_channel(api: Api, app: FastAPI) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    sent = await send(owner, channel_id, "one")
    response = await member.get(f"/channels/{channel_id}/messages/{sent['id']}")
    assert response.status_code == 200 and response.json()["content"] == "one"
    other = await store_setup.channel(app, guild["id"], ChannelType.GUILD_TEXT)
    response = await member.get(f"/channels/{other}/messages/{sent['id']}")
    assert response.status_code == 404 and error_code(response) == 10008
    stranger = await api.account()
    response = await stranger.get(f"/channels/{channel_id}/messages/{sent['id']}")
    assert response.status_code == 403 and error_code(response) == 50001


async def test_voice_channel_chat_needs_connect_to_read(api: Api, app: FastAPI) -> None:
    owner, member, guild, _channel_id = await guild_with_member(api)
    voice = next(c for c in guild["channels"] if c["type"] == 2)["id"]
    await send(owner, voice, "voice chat")
    assert [m["content"] for m in await history(member, voice)] == ["voice chat"]
    await store_setup.overwrite(app, voice, member.id, deny=int(P.CONNECT), member=True)
    response = await member.get(f"/channels/{voice}/messages")
    assert response.status_code == 403 and error_code(response) == 50013


@contextmanager
def counted_statements(app: FastAPI) -> Iterator[list[str]]:
    """The statements the request runs (not the node's own housekeeping meanwhile: its lease,
    outbox and job queries, and push jobs finding nobody subscribed)."""
    statements: list[str] = []
    engine = store_setup.services(app).engine.sync_engine
    housekeeping = ("node_leases", "outbox", "jobs", "push_subscriptions")

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not any(table in statement for table in housekeeping):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_page_costs_the_same_queries_whatever_its_size(api: Api, app: FastAPI) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    first = await send(owner, channel_id, "first")
    for i in range(100):
        sent = await send(
            owner if i % 2 else member,
            channel_id,
            f"<@{owner.id}> <@{member.id}> number {i}",
            message_reference={"message_id": first["id"]},
        )
        if i % 10 == 0:
            url = f"/channels/{channel_id}/messages/{sent['id']}/reactions/%F0%9F%91%8D/@me"
            assert (await member.put(url)).status_code == 204

    with counted_statements(app) as small:
        small_page = await history(member, channel_id, limit=2)
    with counted_statements(app) as large:
        large_page = await history(member, channel_id, limit=100)
    assert len(small_page) == 2 and len(large_page) == 100
    assert all(m["referenced_message"]["id"] == first["id"] for m in large_page)
    assert sum("reactions" in m for m in large_page) == 10
    assert len(large) == len(small)
