"""The end of live location sharing, when its time is up (a durable job, run once).

A message shared live carries a job, scheduled in its send's transaction, that marks the location
ended at `live_until` and tells the channel (MESSAGE_UPDATE). The author's own updates and stop
are message edits (actions/message_changes.py).
"""

from __future__ import annotations

from dataclasses import replace

from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain.models import Message
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import messages as message_store


class NotYetOver(Exception):
    """This node's clock is behind the one that scheduled the end: try again shortly."""


async def schedule_end(tx: Transaction, message: Message) -> None:
    location = message.location
    if location is None or location.live_until is None:
        return
    at = int(location.live_until.timestamp() * 1000)
    payload = {"channel_id": message.channel_id, "message_id": message.id}
    await tx.schedule(end_live_location, payload, at_ms=at, unique_key=f"location:{message.id}")


@job("location.end")
async def end_live_location(s: Services, payload: Payload) -> None:
    """The location stays where it last was, marked as ended."""
    channel_id, message_id = int(payload["channel_id"]), int(payload["message_id"])
    async with s.write() as tx:
        message = await message_store.get_plain(tx.conn, channel_id, message_id)
        location = message.location if message is not None else None
        if message is None or location is None or location.ended:
            return  # deleted, or stopped by its author
        if location.live_until is not None and location.live_until > s.now():
            raise NotYetOver(message_id)
        ended = replace(location, ended=True, updated_at=s.now())
        await message_store.update_message(tx.conn, message_id, {"location": ended})
        recipients = None
        if message.guild_id is None:
            recipients = frozenset(await channel_store.recipient_ids(tx.conn, channel_id))
        updated = replace(message, location=ended)
        tx.emit(
            Event(
                catalog.MESSAGE_UPDATE,
                updated,
                guild_id=message.guild_id,
                channel_id=channel_id,
                user_ids=recipients,
            )
        )
