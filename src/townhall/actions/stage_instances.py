"""Stage instances: open a stage with a topic, change it, end it; it ends by itself when empty.

Opening, changing and ending a stage needs what Discord calls a stage moderator: MANAGE_CHANNELS,
MUTE_MEMBERS and MOVE_MEMBERS in the stage channel. Whoever can see the channel sees its stage.
"""

from __future__ import annotations

from dataclasses import replace

from townhall.actions.access import ChannelAccess, channel_access
from townhall.actions.services import Services, Transaction
from townhall.domain import errors, validation
from townhall.domain.actor import Actor
from townhall.domain.models import ChannelType, StageInstance
from townhall.domain.permissions import Permission
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import stage_instances as stage_store

STAGE_MODERATOR = Permission.MANAGE_CHANNELS | Permission.MUTE_MEMBERS | Permission.MOVE_MEMBERS
TOPIC_MAX = 120


def _event(kind: EventType[StageInstance], stage: StageInstance) -> Event[StageInstance]:
    return Event(kind, stage, guild_id=stage.guild_id, channel_id=stage.channel_id)


def _require_stage(access: ChannelAccess) -> None:
    if access.channel.type is not ChannelType.GUILD_STAGE_VOICE:
        raise errors.CannotExecuteOnChannelType()


def _topic(topic: str) -> str:
    return validation.length(topic.strip(), "topic", 1, TOPIC_MAX)


async def create_stage_instance(
    s: Services, actor: Actor, channel_id: int, topic: str
) -> StageInstance:
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        _require_stage(access)
        access.require(STAGE_MODERATOR)
        if await stage_store.stage_of_channel(tx.conn, channel_id) is not None:
            raise errors.StageAlreadyOpen()
        assert access.guild_id is not None
        stage = StageInstance(s.ids.next_id(), access.guild_id, channel_id, _topic(topic))
        await stage_store.insert_stage(tx.conn, stage)
        tx.emit(_event(catalog.STAGE_INSTANCE_CREATE, stage))
    return stage


async def get_stage_instance(s: Services, actor: Actor, channel_id: int) -> StageInstance:
    async with s.engine.connect() as conn:
        await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        stage = await stage_store.stage_of_channel(conn, channel_id)
    if stage is None:
        raise errors.UnknownStageInstance()
    return stage


async def modify_stage_instance(
    s: Services, actor: Actor, channel_id: int, topic: str | None
) -> StageInstance:
    async with s.write() as tx:
        stage = await _moderated_stage(tx, s, actor, channel_id)
        if topic is not None and _topic(topic) != stage.topic:
            stage = replace(stage, topic=_topic(topic))
            await stage_store.update_stage(tx.conn, stage)
            tx.emit(_event(catalog.STAGE_INSTANCE_UPDATE, stage))
    return stage


async def delete_stage_instance(s: Services, actor: Actor, channel_id: int) -> None:
    async with s.write() as tx:
        await end_stage(tx, await _moderated_stage(tx, s, actor, channel_id))


async def _moderated_stage(
    tx: Transaction, s: Services, actor: Actor, channel_id: int
) -> StageInstance:
    """The channel's open stage, for a stage moderator."""
    access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
    access.require(STAGE_MODERATOR)
    stage = await stage_store.stage_of_channel(tx.conn, channel_id)
    if stage is None:
        raise errors.UnknownStageInstance()
    return stage


async def end_stage(tx: Transaction, stage: StageInstance) -> None:
    await stage_store.delete_stage(tx.conn, stage.id)
    tx.emit(_event(catalog.STAGE_INSTANCE_DELETE, stage))
    if stage.scheduled_event_id is not None:
        # The stage of a scheduled event: the event is over too. (Imported here: that module
        # opens stages through this one.)
        from townhall.actions import scheduled_events

        await scheduled_events.complete_with_stage(tx, stage)


async def open_stage(
    tx: Transaction,
    s: Services,
    guild_id: int,
    channel_id: int,
    topic: str,
    *,
    scheduled_event_id: int | None = None,
) -> StageInstance:
    """Open the channel's stage for a scheduled event that starts (its caller checked that the
    actor moderates the stage); a stage already open stays as it is."""
    existing = await stage_store.stage_of_channel(tx.conn, channel_id, lock=True)
    if existing is not None:
        return existing
    stage = StageInstance(
        s.ids.next_id(),
        guild_id,
        channel_id,
        _topic(topic[:TOPIC_MAX]),
        scheduled_event_id=scheduled_event_id,
    )
    await stage_store.insert_stage(tx.conn, stage)
    tx.emit(_event(catalog.STAGE_INSTANCE_CREATE, stage))
    return stage
