"""Setting up interactions in API tests: a bot with commands in a guild, a person invoking them,
and the INTERACTION_CREATE its bot would receive (read from the published events)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from tests.api.test_commands import HELLO, as_bot, commands
from tests.api.test_messages import guild_with_member
from tests.conftest import Account, Api
from tests.e2e.bots import Bot, add_bot
from townhall.events.event import Envelope


async def first(
    published: list[Envelope],
    wanted: Callable[[Envelope], bool],
    *,
    after: int = 0,
    timeout: float = 10.0,
) -> Envelope:
    """The first event published (from position `after` on) that matches, waiting for it."""
    async with asyncio.timeout(timeout):
        while True:
            found = next((e for e in published[after:] if wanted(e)), None)
            if found is not None:
                return found
            await asyncio.sleep(0.01)


def data_of(envelope: Envelope) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(envelope.data)
    return body


@dataclass
class Setup:
    owner: Account
    member: Account
    bot_account: Account
    bot: Bot
    guild_id: str
    channel_id: str
    commands: dict[str, dict[str, Any]]

    def body(self, command: str, options: list[dict[str, Any]] | None = None, **more: Any) -> Any:
        found = self.commands[command]
        data: dict[str, Any] = {
            "id": found["id"],
            "name": found["name"],
            "type": found["type"],
            "version": found["version"],
        }
        if options is not None:
            data["options"] = options
        data.update(more.pop("data", {}))
        return {
            "type": 2,
            "application_id": str(self.bot.application_id),
            "guild_id": self.guild_id,
            "channel_id": self.channel_id,
            "session_id": "s",
            "data": data,
            "nonce": "1234",
            **more,
        }


SPEAK = {
    "name": "speak",
    "description": "Say something",
    "options": [
        {
            "type": 3,
            "name": "text",
            "description": "What",
            "required": True,
            "min_length": 2,
            "max_length": 20,
        },
        {"type": 7, "name": "where", "description": "Where", "channel_types": [0]},
        {"type": 8, "name": "role", "description": "Which role"},
    ],
}
SEARCH = {
    "name": "search",
    "description": "Search",
    "options": [
        {"type": 3, "name": "query", "description": "Words", "required": True, "autocomplete": True}
    ],
}


async def setup(api: Api, *extra: dict[str, Any]) -> Setup:
    owner, member, guild, channel_id = await guild_with_member(api)
    bot = await add_bot(owner, guild["id"], name="Greeter")
    bot_account = as_bot(owner, bot)
    wanted = [HELLO, SPEAK, SEARCH, {"name": "Wave", "type": 2}, {"name": "Quote", "type": 3}]
    synced = await bot_account.put(commands(bot, guild["id"]), json=[*wanted, *extra])
    assert synced.status_code == 200, synced.text
    by_name = {c["name"]: c for c in synced.json()}
    return Setup(owner, member, bot_account, bot, guild["id"], channel_id, by_name)


async def invoke(
    setup_: Setup, published: list[Envelope], body: Any, by: Account | None = None
) -> dict[str, Any]:
    """Post the interaction as the member (or `by`); the INTERACTION_CREATE the bot receives."""
    account = by or setup_.member
    seen = len(published)
    response = await account.post("/interactions", json=body)
    assert response.status_code == 204, response.text
    envelope = await first(
        published,
        lambda e: e.type == "INTERACTION_CREATE" and setup_.bot.user_id in (e.user_ids or ()),
        after=seen,
    )
    return data_of(envelope)


async def callback(
    http: httpx.AsyncClient, interaction: dict[str, Any], body: Any, **params: Any
) -> httpx.Response:
    return await http.post(
        f"/interactions/{interaction['id']}/{interaction['token']}/callback",
        json=body,
        params=params,
    )


def webhook(setup_: Setup, interaction: dict[str, Any], suffix: str = "") -> str:
    return f"/webhooks/{setup_.bot.application_id}/{interaction['token']}{suffix}"
