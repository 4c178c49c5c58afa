"""Pins: pin and unpin messages, list a channel's pins.

Pinning needs PIN_MESSAGES: Discord split it from MANAGE_MESSAGES in August 2025, and since
February 23, 2026 MANAGE_MESSAGES alone no longer pins. A channel holds at most 50 pins. As on
Discord, pinning posts a CHANNEL_PINNED_MESSAGE system message pointing at the pinned one. In a
thread, pins follow its rules for edits: none while it is archived, only MANAGE_THREADS holders
while it is locked (docs/threads.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from townhall.actions.access import ChannelAccess, channel_access
from townhall.actions.messages import load_message, message_event, require_message_channel
from townhall.actions.services import Services
from townhall.actions.thread_activity import require_may_change_messages
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.event_data import PinsUpdate
from townhall.domain.models import Message, MessageReference, MessageType
from townhall.domain.permissions import Permission, has
from townhall.domain.threads import MessageChange
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import messages as message_store
from townhall.store.rows import from_millis, to_millis

MAX_PINS = 50


def _pins_update(access: ChannelAccess, last_pin_ms: int | None) -> Event[PinsUpdate]:
    data = PinsUpdate(
        channel_id=access.channel.id,
        guild_id=access.guild_id,
        last_pin_timestamp=from_millis(last_pin_ms),
    )
    return message_event(catalog.CHANNEL_PINS_UPDATE, data, access)


async def pin_message(s: Services, actor: Actor, channel_id: int, message_id: int) -> None:
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        message = await load_message(tx.conn, access, message_id)
        access.require(Permission.PIN_MESSAGES)
        require_may_change_messages(access, MessageChange.EDIT)
        if message.pinned:
            return
        if await message_store.count_pins(tx.conn, channel_id) >= MAX_PINS:
            raise errors.MaxPins()
        await message_store.set_pinned_at(tx.conn, message_id, s.now_ms())
        last_pin = await message_store.refresh_last_pin(tx.conn, channel_id)
        notice = Message(
            id=s.ids.next_id(),
            channel_id=channel_id,
            guild_id=access.guild_id,
            author=actor.user,
            content="",
            type=MessageType.CHANNEL_PINNED_MESSAGE,
            reference=MessageReference(message_id, channel_id, access.guild_id),
        )
        await message_store.insert_message(tx.conn, notice)
        pinned = await message_store.get_message(tx.conn, channel_id, message_id, None)
        assert pinned is not None
        member = access.guild.member if access.guild else None
        tx.emit(
            message_event(catalog.MESSAGE_UPDATE, replace(pinned, reactions=()), access),
            _pins_update(access, last_pin),
            message_event(catalog.MESSAGE_CREATE, replace(notice, author_member=member), access),
        )


async def unpin_message(s: Services, actor: Actor, channel_id: int, message_id: int) -> None:
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        message = await load_message(tx.conn, access, message_id)
        access.require(Permission.PIN_MESSAGES)
        require_may_change_messages(access, MessageChange.EDIT)
        if not message.pinned:
            return
        await message_store.set_pinned_at(tx.conn, message_id, None)
        last_pin = await message_store.refresh_last_pin(tx.conn, channel_id)
        unpinned = await message_store.get_message(tx.conn, channel_id, message_id, None)
        assert unpinned is not None
        tx.emit(
            message_event(catalog.MESSAGE_UPDATE, replace(unpinned, reactions=()), access),
            _pins_update(access, last_pin),
        )


async def list_pins(
    s: Services, actor: Actor, channel_id: int, *, before: datetime | None = None, limit: int = 50
) -> tuple[list[Message], bool]:
    """Pinned messages, most recently pinned first, and whether older pins remain.

    Without READ_MESSAGE_HISTORY the list is empty, as Discord documents.
    """
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        require_message_channel(access)
        if not has(access.permissions, Permission.READ_MESSAGE_HISTORY):
            return [], False
        found = await message_store.pinned(
            conn,
            channel_id,
            viewer_id=actor.id,
            limit=limit + 1,
            before_ms=to_millis(before) if before is not None else None,
        )
    return found[:limit], len(found) > limit
