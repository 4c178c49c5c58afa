"""An unmodified discord.py 2.7 bot reads and plans scheduled events through discord.py's own API:
`guild.scheduled_events` from GUILD_CREATE, `on_scheduled_event_create`/`_update`/`_delete`,
`guild.create_scheduled_event`, `guild.fetch_scheduled_events()`, `event.users()`, `start`,
`end`, `edit` and `delete`."""

from __future__ import annotations

import asyncio
import datetime

import discord
import pytest

from tests.conftest import Api
from tests.e2e.bots import add_bot


class Planner(discord.Client):
    """Records the scheduled events it hears of (GUILD_SCHEDULED_EVENTS is a default intent)."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.ready = asyncio.Event()
        self.created: asyncio.Queue[discord.ScheduledEvent] = asyncio.Queue()
        self.updated: asyncio.Queue[discord.ScheduledEvent] = asyncio.Queue()
        self.deleted: asyncio.Queue[discord.ScheduledEvent] = asyncio.Queue()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_scheduled_event_create(self, event: discord.ScheduledEvent) -> None:
        await self.created.put(event)

    async def on_scheduled_event_update(
        self, _before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        await self.updated.put(after)

    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        await self.deleted.put(event)


def soon(hours: float) -> datetime.datetime:
    return discord.utils.utcnow() + datetime.timedelta(hours=hours)


@pytest.mark.usefixtures("pointed_at")
async def test_a_discord_py_bot_reads_creates_starts_and_ends_scheduled_events(
    remote: Api,
) -> None:
    owner = await remote.account("owner")
    guild = await owner.guild("Events club")
    events = f"/guilds/{guild['id']}/scheduled-events"
    voice_id = int(next(c["id"] for c in guild["channels"] if c["type"] == 2))
    before = await owner.post(
        events,
        json={
            "name": "Planned before",
            "entity_type": 3,
            "privacy_level": 2,
            "scheduled_start_time": soon(48).isoformat(),
            "scheduled_end_time": soon(50).isoformat(),
            "entity_metadata": {"location": "Town square"},
        },
    )
    assert before.status_code == 200, before.text
    bot = await add_bot(owner, guild["id"], name="Planner")
    client = Planner()
    runner = asyncio.get_running_loop().create_task(client.start(bot.token))
    try:
        await asyncio.wait_for(client.ready.wait(), 30)
        found = client.get_guild(int(guild["id"]))
        assert found is not None
        (known,) = found.scheduled_events
        assert known.name == "Planned before" and known.location == "Town square"
        assert known.entity_type is discord.EntityType.external
        assert known.status is discord.EventStatus.scheduled

        by_owner = await owner.post(
            events,
            json={
                "name": "Quiz night",
                "entity_type": 2,
                "privacy_level": 2,
                "channel_id": str(voice_id),
                "scheduled_start_time": soon(24).isoformat(),
            },
        )
        assert by_owner.status_code == 200, by_owner.text
        heard = await asyncio.wait_for(client.created.get(), 10)
        assert heard.id == int(by_owner.json()["id"]) and heard.name == "Quiz night"
        assert heard.channel_id == voice_id and heard.creator_id == owner.id
        assert heard.entity_type is discord.EntityType.voice
        interested = await owner.put(f"{events}/{heard.id}/users/@me")
        assert interested.status_code == 200

        fair = await found.create_scheduled_event(
            name="Book fair",
            start_time=soon(72),
            end_time=soon(75),
            location="Library",
            description="Second-hand books",
        )
        assert fair.entity_type is discord.EntityType.external and fair.location == "Library"
        assert fair.creator_id == bot.user_id
        voice = found.get_channel(voice_id)
        assert isinstance(voice, discord.VoiceChannel)
        call = await found.create_scheduled_event(
            name="Bot call", start_time=soon(1), channel=voice
        )
        assert call.entity_type is discord.EntityType.voice and call.channel_id == voice_id
        own = {(await asyncio.wait_for(client.created.get(), 10)).id for _ in range(2)}
        assert own == {fair.id, call.id}

        fetched = await found.fetch_scheduled_events()
        assert [e.name for e in fetched] == [
            "Bot call",
            "Quiz night",
            "Planned before",
            "Book fair",
        ]
        counts = {e.name: e.user_count for e in fetched}
        assert counts["Quiz night"] == 1 and counts["Book fair"] == 0
        quiz = await found.fetch_scheduled_event(heard.id)
        assert [u.id async for u in quiz.users()] == [owner.id]

        started = await call.start()
        assert started.status is discord.EventStatus.active
        assert (
            await asyncio.wait_for(client.updated.get(), 10)
        ).status is discord.EventStatus.active
        ended = await started.end()
        assert ended.status is discord.EventStatus.completed
        renamed = await fair.edit(name="Book fair (indoors)")
        assert renamed.name == "Book fair (indoors)" and renamed.location == "Library"
        with pytest.raises(discord.Forbidden):
            await quiz.edit(name="Taken over")  # the owner's: needs MANAGE_EVENTS
        await renamed.delete()
        assert (await asyncio.wait_for(client.deleted.get(), 10)).id == fair.id
        left = await found.fetch_scheduled_events()
        assert [e.name for e in left] == ["Quiz night", "Planned before"]
    finally:
        await client.close()
        runner.cancel()
