"""Changing sent messages: edit, delete, bulk delete.

As on Discord: only the author edits content and embeds (others get 50005), though a member with
MANAGE_MESSAGES may toggle SUPPRESS_EMBEDS on anyone's message; the author or a moderator with
MANAGE_MESSAGES deletes (in DMs only the author); bulk delete is for moderators in guild channels
and refuses messages older than two weeks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import attachments, audit_log, file_scans, thread_activity
from townhall.actions.access import ChannelAccess, channel_access
from townhall.actions.attachments import IncomingFile
from townhall.actions.messages import (
    REPLYABLE_TYPES,
    SUPPRESS_EMBEDS,
    load_message,
    message_event,
    require_content_length,
    resolve_message_mentions,
)
from townhall.actions.services import Services, Transaction
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.embeds import has_visible_content, validate_embeds
from townhall.domain.event_data import MessageDeleted, MessagesDeleted
from townhall.domain.locations import Position, checked, is_live
from townhall.domain.mentions import DEFAULT_ALLOWED_MENTIONS, AllowedMentions, parse_mentions
from townhall.domain.models import UNSET, ChannelType, Message, MessageType, Unset
from townhall.domain.permissions import Permission, communication_disabled, has
from townhall.domain.snowflake import snowflake_time
from townhall.domain.threads import MessageChange
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import attachments as attachment_store
from townhall.store import messages as message_store
from townhall.store import threads as thread_store
from townhall.store.attachments import StoredAttachment

EDITABLE_FLAGS = SUPPRESS_EMBEDS
BULK_DELETE_MAX_AGE = timedelta(days=14)
BULK_DELETE_MIN, BULK_DELETE_MAX = 2, 100

UNDELETABLE_TYPES = frozenset({MessageType.RECIPIENT_ADD, MessageType.RECIPIENT_REMOVE})
"""System messages nobody may delete (Discord's "Deletable: false" types that townhall makes)."""


@dataclass(frozen=True, slots=True)
class MessageEdit:
    """The fields an edit names; `content=None` empties the text."""

    content: str | Unset | None = UNSET
    embeds: Sequence[Mapping[str, object]] | Unset | None = UNSET
    flags: int | Unset | None = UNSET
    allowed_mentions: AllowedMentions | None = None
    keep_attachments: Sequence[int] | Unset = UNSET
    """The ids of the message's files to keep (Discord's `attachments` on edit); others go."""
    files: Sequence[IncomingFile] = ()
    """New files to add."""


async def edit_message(
    s: Services, actor: Actor, channel_id: int, message_id: int, edit: MessageEdit
) -> Message:
    content = edit.content
    if isinstance(content, str):
        require_content_length(s, content)
    embeds = validate_embeds(edit.embeds or ()) if not isinstance(edit.embeds, Unset) else UNSET
    added: Sequence[StoredAttachment] = ()
    if edit.files:
        added = await attachments.receive_files(
            s, actor, channel_id, message_id, edit.files, voice=False
        )
    async with attachments.discarded_on_failure(s, added):
        return await _edit(s, actor, channel_id, message_id, edit, content, embeds, added)


async def _edit(
    s: Services,
    actor: Actor,
    channel_id: int,
    message_id: int,
    edit: MessageEdit,
    content: str | Unset | None,
    embeds: tuple[dict[str, object], ...] | Unset,
    added: Sequence[StoredAttachment],
) -> Message:
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        message = await load_message(tx.conn, access, message_id)
        only_flags = (
            isinstance(edit.content, Unset)
            and isinstance(edit.embeds, Unset)
            and isinstance(edit.keep_attachments, Unset)
            and not added
        )
        if message.author.id != actor.id and not (
            only_flags and has(access.permissions, Permission.MANAGE_MESSAGES)
        ):
            raise errors.CannotEditOthersMessage()
        if message.type not in REPLYABLE_TYPES:
            raise errors.CannotExecuteOnSystemMessage()
        if access.guild is not None and communication_disabled(access.guild.context):
            raise errors.MissingPermissions()
        thread_activity.require_may_change_messages(access, MessageChange.EDIT)
        changes: dict[str, object] = {}
        if not isinstance(edit.flags, Unset) and edit.flags is not None:
            changes["flags"] = (message.flags & ~EDITABLE_FLAGS) | (edit.flags & EDITABLE_FLAGS)
        if not only_flags:
            new_content = message.content if isinstance(content, Unset) else (content or "")
            new_embeds = message.embeds if isinstance(embeds, Unset) else embeds
            files = message.attachments
            if not isinstance(edit.keep_attachments, Unset) or added:
                keep = (
                    set(edit.keep_attachments)
                    if not isinstance(edit.keep_attachments, Unset)
                    else {a.id for a in files}
                )
                await attachments.remove(tx, message, keep)
                await file_scans.attach(tx, s, added)
                files = tuple(a for a in files if a.id in keep) + tuple(f.attachment for f in added)
                await attachment_store.set_message_files(
                    tx.conn, message_id, files, held=message.held
                )
            if (
                not new_content.strip()
                and not has_visible_content(new_embeds)
                and not files
                and message.location is None
            ):
                raise errors.EmptyMessage()
            changes.update(content=new_content, embeds=new_embeds, edited_at=s.now_ms())
            if not isinstance(content, Unset):
                changes.update(
                    await _mentions_after_edit(tx.conn, access, message, new_content, edit)
                )
        await message_store.update_message(tx.conn, message_id, changes)
        edited = await message_store.get_message(tx.conn, channel_id, message_id, actor.id)
        assert edited is not None
        own = message.author.id == actor.id
        author_member = access.guild.member if access.guild and own else None
        event_data = replace(edited, reactions=(), author_member=author_member)
        updated = message_event(catalog.MESSAGE_UPDATE, event_data, access)
        if edited.held:
            updated = replace(updated, user_ids=frozenset({edited.author.id}))
        tx.emit(updated)
    return edited


async def update_live_location(
    s: Services, actor: Actor, channel_id: int, message_id: int, position: Position | None
) -> Message:
    """Move a live location (`position`), or stop sharing it (`None`). Only its author may."""
    if position is not None:
        position = checked(position)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        message = await load_message(tx.conn, access, message_id)
        if message.author.id != actor.id:
            raise errors.CannotEditOthersMessage()
        access.require(Permission.SEND_MESSAGES)
        thread_activity.require_may_change_messages(access, MessageChange.EDIT)
        location, now = message.location, s.now()
        if location is None or location.live_until is None:
            raise errors.InvalidFormBody.field(
                "location", "This message does not share a live location.", "LOCATION_NOT_LIVE"
            )
        if not is_live(location, now):
            raise errors.InvalidFormBody.field(
                "location", "Live sharing of this location has ended.", "LOCATION_ENDED"
            )
        if position is None:
            moved = replace(location, ended=True, updated_at=now)
        else:
            moved = replace(
                location,
                latitude=position.latitude,
                longitude=position.longitude,
                accuracy=position.accuracy,
                updated_at=now,
            )
        await message_store.update_message(tx.conn, message_id, {"location": moved})
        updated = await message_store.get_message(tx.conn, channel_id, message_id, actor.id)
        assert updated is not None
        member = access.guild.member if access.guild else None
        shown = replace(updated, reactions=(), author_member=member)
        tx.emit(message_event(catalog.MESSAGE_UPDATE, shown, access))
    return updated


CROSSPOSTED = 1 << 0


async def crosspost_message(s: Services, actor: Actor, channel_id: int, message_id: int) -> Message:
    """Publish a message of an announcement channel (Discord's crosspost).

    The author needs SEND_MESSAGES, anyone else MANAGE_MESSAGES. Following announcement channels
    from other guilds is not built yet, so publishing marks the message and tells clients."""
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        if access.channel.type is not ChannelType.GUILD_ANNOUNCEMENT:
            raise errors.CannotExecuteOnChannelType()
        message = await load_message(tx.conn, access, message_id)
        own = message.author.id == actor.id
        access.require(Permission.SEND_MESSAGES if own else Permission.MANAGE_MESSAGES)
        if message.flags & CROSSPOSTED:
            raise errors.AlreadyCrossposted()
        await message_store.update_message(
            tx.conn, message_id, {"flags": message.flags | CROSSPOSTED}
        )
        published = await message_store.get_message(tx.conn, channel_id, message_id, actor.id)
        assert published is not None
        tx.emit(message_event(catalog.MESSAGE_UPDATE, replace(published, reactions=()), access))
    return published


async def _mentions_after_edit(
    conn: AsyncConnection,
    access: ChannelAccess,
    message: Message,
    content: str,
    edit: MessageEdit,
) -> dict[str, object]:
    """Mentions rebuilt from the new content with the edit's own `allowed_mentions` (Discord
    ignores what the original send allowed). A reply keeps pinging its replied-to author, the one
    user who can be pinged without appearing in the content."""
    in_content = set(parse_mentions(message.content).user_ids)
    replied_author = next((uid for uid in message.mention_ids if uid not in in_content), None)
    mentions, _found = await resolve_message_mentions(
        conn,
        access,
        content,
        edit.allowed_mentions or DEFAULT_ALLOWED_MENTIONS,
        replied_author_id=replied_author,
    )
    return {
        "mention_ids": mentions.user_ids,
        "mention_role_ids": mentions.role_ids,
        "mention_everyone": mentions.everyone,
    }


async def delete_message(s: Services, actor: Actor, channel_id: int, message_id: int) -> None:
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        message = await load_message(tx.conn, access, message_id)
        if message.author.id != actor.id:
            if access.guild is None:
                raise errors.CannotExecuteOnDM()
            access.require(Permission.MANAGE_MESSAGES)
        if message.type in UNDELETABLE_TYPES:
            raise errors.CannotExecuteOnSystemMessage()
        thread_activity.require_may_change_messages(access, MessageChange.DELETE)
        await remove_message(tx, access, message_id)
        await audit_log.message_deleted(tx, s, actor, access, message)  # someone else's only


async def remove_message(tx: Transaction, access: ChannelAccess, message_id: int) -> None:
    """Delete a message of `access`'s channel and tell who sees it; in a thread its counters
    move with it. For a person's delete, a webhook's and an application's answer alike."""
    channel = access.channel
    await message_store.delete_message(tx.conn, channel.id, message_id)
    counts = None
    if channel.type.is_thread:
        counts = await thread_store.uncount_messages(tx.conn, channel.id, 1)
    deleted = MessageDeleted(message_id, channel.id, channel.guild_id)
    event = message_event(catalog.MESSAGE_DELETE, deleted, access)
    tx.emit(thread_activity.with_counts(event, counts))


async def bulk_delete_messages(
    s: Services, actor: Actor, channel_id: int, message_ids: Sequence[int]
) -> None:
    """Delete 2-100 messages at once; unknown ids count toward the limits and are skipped."""
    if not BULK_DELETE_MIN <= len(message_ids) <= BULK_DELETE_MAX:
        raise errors.InvalidFormBody.field(
            "messages",
            f"Must be between {BULK_DELETE_MIN} and {BULK_DELETE_MAX} in length.",
            "BASE_TYPE_BAD_LENGTH",
        )
    if len(set(message_ids)) != len(message_ids):
        raise errors.InvalidFormBody.field(
            "messages", "Duplicate message ids are not allowed.", "MESSAGE_BULK_DELETE_DUPLICATE"
        )
    oldest_allowed = s.now() - BULK_DELETE_MAX_AGE
    if any(snowflake_time(mid) < oldest_allowed for mid in message_ids):
        raise errors.BulkDeleteTooOld()
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            raise errors.CannotExecuteOnDM()
        if not access.channel.type.holds_messages:
            raise errors.CannotExecuteOnChannelType()
        access.require(Permission.MANAGE_MESSAGES)
        thread_activity.require_may_change_messages(access, MessageChange.DELETE)
        deleted = await message_store.delete_messages(tx.conn, channel_id, message_ids)
        counts = None
        if deleted and access.channel.type.is_thread:
            counts = await thread_store.uncount_messages(tx.conn, channel_id, len(deleted))
        if deleted:
            data = MessagesDeleted(tuple(deleted), channel_id, access.guild_id)
            event = Event(
                catalog.MESSAGE_DELETE_BULK,
                data,
                guild_id=access.guild_id,
                channel_id=channel_id,
            )
            tx.emit(thread_activity.with_counts(event, counts))
            await audit_log.messages_bulk_deleted(tx, s, actor, access, len(deleted))
