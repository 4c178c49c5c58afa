"""Messages: send (the hot path), read history, typing.

`send_message` is what every chat does many times a second, so it stays lean: one permission load
(access.py), at most a query for the slowmode window, one for the message replied to and one for
all mentioned users, then ONE transaction with the insert and its event. Editing and deleting
live in actions/message_changes.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import (
    attachments,
    dm_privacy,
    file_scans,
    live_locations,
    push,
    thread_activity,
)
from townhall.actions.access import ChannelAccess, GuildAccess, channel_access, member_context
from townhall.actions.attachments import IncomingFile
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.announcements import MUST_READ, is_community_announcement
from townhall.domain.components import message_components
from townhall.domain.embeds import has_visible_content, validate_embeds
from townhall.domain.event_data import Typing
from townhall.domain.mentions import (
    DEFAULT_ALLOWED_MENTIONS,
    AllowedMentions,
    Mentions,
    parse_mentions,
    resolve_mentions,
)
from townhall.domain.models import (
    ChannelType,
    Location,
    Member,
    Message,
    MessageInteraction,
    MessageReference,
    MessageType,
    Scan,
    User,
)
from townhall.domain.permissions import ALL_PERMISSIONS, Permission, has
from townhall.domain.private_channels import RECIPIENT_PERMISSIONS
from townhall.domain.snowflake import snowflake_at, snowflake_time
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import announcements as announcement_store
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import messages as message_store
from townhall.store import read_states as read_state_store
from townhall.store.attachments import StoredAttachment
from townhall.store.messages import NonceTaken

NONCE_MAX_LENGTH = 25
NONCE_WINDOW = timedelta(minutes=5)
"""How long `enforce_nonce` remembers a nonce ("the past few minutes" in Discord's docs)."""

SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
LOADING = 1 << 7
SENDABLE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | attachments.IS_VOICE_MESSAGE | MUST_READ
"""Flags a sender may set (IS_COMPONENTS_V2 needs features townhall lacks); MUST_READ
(domain/announcements.py) needs MANAGE_MESSAGES in the channel."""

D = TypeVar("D")

REPLYABLE_TYPES = frozenset(
    {
        MessageType.DEFAULT,
        MessageType.REPLY,
        MessageType.CHAT_INPUT_COMMAND,
        MessageType.CONTEXT_MENU_COMMAND,
    }
)
REFERENCE_DEFAULT, REFERENCE_FORWARD = 0, 1


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """A request's `message_reference`."""

    message_id: int | None
    channel_id: int | None = None
    guild_id: int | None = None
    fail_if_not_exists: bool = True
    type: int = REFERENCE_DEFAULT


@dataclass(frozen=True, slots=True)
class Draft:
    """What a sender asks for; validated by `send_message`."""

    content: str = ""
    tts: bool = False
    nonce: str | int | None = None
    enforce_nonce: bool = False
    allowed_mentions: AllowedMentions | None = None
    reply_to: ReplyTo | None = None
    embeds: Sequence[Mapping[str, object]] = ()
    sticker_ids: Sequence[int] = ()
    flags: int = 0
    files: Sequence[IncomingFile] = ()
    """Files sent with the message (multipart parts, finished uploads)."""
    location: Location | None = None
    """A location shared with it (domain/locations.py), once or live."""
    webhook: User | None = None
    """Post as this webhook (id: the webhook's, `bot`; actions/webhooks.py checked its token):
    the sender's permissions, slowmode and DM checks do not apply, as on Discord."""
    components: Sequence[Mapping[str, object]] = ()
    """Action rows of buttons and selects (domain/components.py); bots and webhooks only."""
    interaction: MessageInteraction | None = None
    """An application's answer to an interaction (actions/interactions.py posts it as a
    `webhook` that is the application's bot): its metadata and `type` are shown."""
    type: MessageType | None = None
    loading: bool = False
    """A deferred answer: empty for now, flagged LOADING until it is edited."""
    id: int | None = None
    """The new message's id when the caller minted it (an interaction records its response's
    id in the same transaction that claims the answer)."""
    forum_post: bool = False
    """The first message of a forum post (actions/threads.py made the thread, and gives its id
    as `id`): its author needed SEND_MESSAGES in the forum, not in the thread."""


def require_content_length(s: Services, content: str) -> str:
    limit = s.settings.max_message_length
    if len(content) > limit:
        raise errors.InvalidFormBody.field(
            "content", f"Must be {limit} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    return content


def require_message_channel(access: ChannelAccess) -> None:
    """Categories and forums hold no messages of their own (Discord's 50024)."""
    if not access.channel.type.holds_messages:
        raise errors.CannotExecuteOnChannelType()


def _nonce(value: str | int | None) -> str | None:
    if value is None:
        return None
    nonce = str(value)
    if len(nonce) > NONCE_MAX_LENGTH:
        raise errors.InvalidFormBody.field(
            "nonce", f"Must be {NONCE_MAX_LENGTH} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    return nonce


def audience(access: ChannelAccess) -> frozenset[int] | None:
    """Who hears about a DM's messages: its recipients. Guild channels use the channel's viewers."""
    if access.guild is None:
        return frozenset(access.channel.recipient_ids)
    return None


def message_event(kind: EventType[D], data: D, access: ChannelAccess) -> Event[D]:
    """An event about a message of the access's channel, for whoever may see that channel."""
    return Event(
        kind,
        data,
        guild_id=access.channel.guild_id,
        channel_id=access.channel.id,
        user_ids=audience(access),
    )


async def send_message(s: Services, actor: Actor, channel_id: int, draft: Draft) -> Message:
    """Post a message; a retried send with an enforced nonce returns the first one instead."""
    content = require_content_length(s, draft.content)
    nonce = _nonce(draft.nonce)
    embeds = validate_embeds(draft.embeds)
    if draft.sticker_ids:
        raise errors.InvalidFormBody.field("sticker_ids", "Unknown sticker.", "STICKER_INVALID")
    if (
        not content.strip()
        and not has_visible_content(embeds)
        and not draft.files
        and draft.location is None
        and not draft.components
        and not draft.loading
    ):
        raise errors.EmptyMessage()
    voice = bool(draft.flags & attachments.IS_VOICE_MESSAGE)
    if voice and (content or embeds or not draft.files):
        raise errors.InvalidFormBody.field(
            "flags", "A voice message is one audio file and nothing else.", "VOICE_MESSAGE"
        )
    enforce = draft.enforce_nonce and nonce is not None
    message_id = draft.id if draft.id is not None else s.ids.next_id()
    stored: tuple[StoredAttachment, ...] = ()
    if draft.files:
        sender = None
        if draft.webhook is not None:
            async with s.engine.connect() as conn:
                sender = await webhook_access(conn, draft.webhook, channel_id, s.now())
        stored = tuple(
            await attachments.receive_files(
                s, actor, channel_id, message_id, draft.files, voice=voice, access=sender
            )
        )
    for _attempt in range(2):
        try:
            return await _create(
                s, actor, channel_id, draft, content, nonce, embeds, enforce, message_id, stored
            )
        except NonceTaken:
            original = await _nonce_holder(s, actor, channel_id, nonce or "")
            if original is not None:
                await attachments.discard(s, stored)
                return original
        except BaseException:
            await attachments.discard(s, stored)
            raise
    await attachments.discard(s, stored)
    raise errors.TownhallError("Could not claim the nonce; try again.")


async def _nonce_holder(s: Services, actor: Actor, channel_id: int, nonce: str) -> Message | None:
    """The message that already holds the nonce, or None after releasing a stale claim."""
    async with s.write() as tx:
        claim = await message_store.find_nonce(tx.conn, actor.id, channel_id, nonce)
        if claim is not None:
            message_id, claimed_at = claim
            if s.now_ms() - claimed_at < NONCE_WINDOW.total_seconds() * 1000:
                original = await message_store.get_plain(
                    tx.conn, channel_id, message_id, with_nonce=True
                )
                if original is not None:
                    return (await message_store.hydrate(tx.conn, [original], actor.id))[0]
            await message_store.release_nonce(tx.conn, actor.id, channel_id, nonce)
    return None


async def _create(
    s: Services,
    actor: Actor,
    channel_id: int,
    draft: Draft,
    content: str,
    nonce: str | None,
    embeds: tuple[dict[str, object], ...],
    enforce_nonce: bool,
    message_id: int,
    stored: Sequence[StoredAttachment],
) -> Message:
    now = s.now()
    async with s.write() as tx:
        if draft.webhook is not None:
            access = await webhook_access(tx.conn, draft.webhook, channel_id, now)
        else:
            access = await channel_access(tx.conn, actor.user, channel_id, now, s.cache)
        require_message_channel(access)
        if access.channel.type.is_thread:  # locked, archived (docs/threads.md)
            thread_activity.require_may_send(access, starting=draft.forum_post)
        else:
            access.require(Permission.SEND_MESSAGES)
        if draft.flags & MUST_READ:
            access.require(Permission.MANAGE_MESSAGES)
        if stored:
            attachments.require_may_attach(
                access, voice=bool(draft.flags & attachments.IS_VOICE_MESSAGE), count=len(stored)
            )
        if access.channel.type is ChannelType.DM:
            other = next((u for u in access.channel.recipient_ids if u != actor.id), actor.id)
            await dm_privacy.require_may_dm(tx.conn, actor.user, other)
        await _check_slowmode(tx.conn, s, actor, access)
        replied = await _replied_message(tx.conn, access, draft.reply_to, actor.id)
        allowed = draft.allowed_mentions or DEFAULT_ALLOWED_MENTIONS
        mentions, mentioned = await resolve_message_mentions(
            tx.conn, access, content, allowed, replied=replied
        )
        if replied is not None:
            replied = replace(
                replied, mentions=tuple(mentioned[u] for u in replied.mention_ids if u in mentioned)
            )
        guild_id = access.channel.guild_id
        shown = tuple(f.attachment for f in stored)
        held = any(a.scan is not Scan.CLEAN for a in shown)
        message = Message(
            id=message_id,
            channel_id=channel_id,
            guild_id=guild_id,
            author=draft.webhook or actor.user,
            webhook_id=draft.webhook.id if draft.webhook else None,
            content=content,
            type=draft.type or (MessageType.REPLY if replied else MessageType.DEFAULT),
            tts=draft.tts and has(access.permissions, Permission.SEND_TTS_MESSAGES),
            mention_everyone=mentions.everyone,
            mention_ids=mentions.user_ids,
            mention_role_ids=mentions.role_ids,
            flags=(draft.flags & SENDABLE_FLAGS) | (LOADING if draft.loading else 0),
            nonce=nonce,
            reference=MessageReference(replied.id, channel_id, guild_id) if replied else None,
            referenced_message=replied,
            mentions=tuple(mentioned[uid] for uid in mentions.user_ids if uid in mentioned),
            embeds=embeds,
            attachments=shown,
            location=draft.location,
            held=held,
            components=_components(actor, draft),
            interaction=draft.interaction,
        )
        await message_store.insert_message(
            tx.conn,
            message,
            enforce_nonce=enforce_nonce,
            now_ms=s.now_ms(),
            nonce_window_ms=int(NONCE_WINDOW.total_seconds() * 1000),
        )
        if not draft.webhook and not actor.user.bot:  # one's own message is read, as on Discord
            await read_state_store.move_read(tx.conn, actor.id, channel_id, message_id, s.now_ms())
        await file_scans.attach(tx, s, stored)
        await live_locations.schedule_end(tx, message)
        counts = None
        if access.channel.type.is_thread:  # reopen, count, enrol the sender
            counts = await thread_activity.message_posted(
                tx, s, access, message, starting=draft.forum_post
            )
        if access.guild and is_community_announcement(access.guild.guild, access.channel):
            await push.announcement_posted(tx, s, message)  # every member: one job row
        else:
            await push.message_sent(tx, s, message, access.channel)  # a job row, at most
        if message.flags & MUST_READ and guild_id is not None and not draft.webhook:
            await announcement_store.acknowledge(  # its author needs no reminder
                tx.conn, message_id, actor.id, channel_id, guild_id, s.now_ms()
            )
        member = access.guild.member if access.guild and not draft.webhook else None
        created = message_event(
            catalog.MESSAGE_CREATE, replace(message, author_member=member), access
        )
        created = thread_activity.with_counts(created, counts, created=message.id)
        if held:  # its files are being scanned: its author alone sees it for now
            created = replace(created, user_ids=frozenset({actor.id}))
        tx.emit(created)
    return message


def _components(actor: Actor, draft: Draft) -> tuple[dict[str, object], ...]:
    """Only bots and webhooks attach components, as on Discord."""
    if not draft.components:
        return ()
    if not (actor.user.bot or draft.webhook):
        raise errors.InvalidFormBody.field(
            "components", "Only applications can send components.", "COMPONENT_INVALID"
        )
    return message_components(list(draft.components))


async def webhook_access(
    conn: AsyncConnection, webhook: User, channel_id: int, now: datetime
) -> ChannelAccess:
    """A webhook's standing in its guild channel: it may post there with every mention allowed
    (allowed_mentions still narrows them), as Discord's webhooks may."""
    channel = await channel_store.get_channel(conn, channel_id)
    if channel is not None and channel.guild_id is None and webhook.id in channel.recipient_ids:
        return ChannelAccess(channel, RECIPIENT_PERMISSIONS)  # a bot answering in its DM
    if channel is None or channel.guild_id is None:
        raise errors.UnknownChannel()
    guild = await guild_store.get_guild(conn, channel.guild_id)
    if guild is None:
        raise errors.UnknownGuild()
    roles = {role.id: role for role in await guild_store.roles_of_guild(conn, guild.id)}
    member = Member(guild_id=guild.id, user=webhook, joined_at=now)
    context = member_context(guild, member, roles, now)
    return ChannelAccess(channel, ALL_PERMISSIONS, GuildAccess(guild, member, roles, context))


async def _check_slowmode(
    conn: AsyncConnection, s: Services, actor: Actor, access: ChannelAccess
) -> None:
    """Slowmode: one message per `rate_limit_per_user` seconds, unless BYPASS_SLOWMODE.

    Since February 2026 Discord exempts only BYPASS_SLOWMODE holders (MANAGE_MESSAGES and
    MANAGE_CHANNELS no longer do), and bots, which slowmode never applied to.
    """
    rate = access.channel.rate_limit_per_user
    if not rate or actor.user.bot or has(access.permissions, Permission.BYPASS_SLOWMODE):
        return
    now = s.now()
    window_start = snowflake_at(now - timedelta(seconds=rate))
    latest = await message_store.latest_id_by_author(
        conn, actor.id, access.channel.id, window_start
    )
    if latest is not None:
        elapsed = (now - snowflake_time(latest)).total_seconds()
        raise errors.SlowmodeRateLimited(max(rate - elapsed, 0.001))


def _reference_error(message: str, code: str) -> errors.InvalidFormBody:
    return errors.InvalidFormBody(
        {"message_reference": {"_errors": [{"code": code, "message": message}]}}
    )


async def _replied_message(
    conn: AsyncConnection, access: ChannelAccess, reply_to: ReplyTo | None, actor_id: int
) -> Message | None:
    if reply_to is None:
        return None
    if reply_to.type != REFERENCE_DEFAULT:
        raise errors.InvalidFormBody.field(
            "message_reference.type", "Forwarding messages is not supported.", "BASE_TYPE_CHOICES"
        )
    if reply_to.message_id is None:
        raise errors.InvalidFormBody.field(
            "message_reference.message_id", "This field is required", "BASE_TYPE_REQUIRED"
        )
    access.require(Permission.READ_MESSAGE_HISTORY)
    if reply_to.channel_id is not None and reply_to.channel_id != access.channel.id:
        raise _reference_error(
            "Cannot reply to a message in a different channel.",
            "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL",
        )
    replied = await message_store.get_plain(conn, access.channel.id, reply_to.message_id)
    if replied is not None and replied.held and replied.author.id != actor_id:
        replied = None  # only its author sees it yet
    if replied is None:
        if reply_to.fail_if_not_exists:
            raise _reference_error("Unknown message", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE")
        return None
    if replied.type not in REPLYABLE_TYPES:
        raise _reference_error(
            "Cannot reply to a system message", "REPLIES_CANNOT_REPLY_TO_SYSTEM_MESSAGE"
        )
    return replied


async def resolve_message_mentions(
    conn: AsyncConnection,
    access: ChannelAccess,
    content: str,
    allowed: AllowedMentions,
    *,
    replied: Message | None = None,
    replied_author_id: int | None = None,
) -> tuple[Mentions, dict[int, User]]:
    """Who the content pings, resolved with one query for every user involved.

    `replied`: the message replied to (its author may be pinged; its own mentions are looked up
    too, for `referenced_message`). `replied_author_id`: that author when the message itself is
    not at hand (an edit of a reply).
    """
    parsed = parse_mentions(content)
    if replied is not None:
        replied_author_id = replied.author.id
    candidates = set(parsed.user_ids)
    if replied_author_id is not None:
        candidates.add(replied_author_id)
    if replied is not None:
        candidates.update(replied.mention_ids)
    found = await message_store.mentionable_users(conn, candidates, access.channel.guild_id)
    pingable: set[int] = set()
    may_everyone = has(access.permissions, Permission.MENTION_EVERYONE)
    if access.guild is not None:
        guild_id = access.guild.guild.id
        pingable = {
            role.id
            for role in access.guild.roles.values()
            if role.id != guild_id and (role.mentionable or may_everyone)
        }
    mentions = resolve_mentions(
        parsed,
        allowed,
        existing_user_ids=found.keys(),
        pingable_role_ids=pingable,
        may_mention_everyone=may_everyone,
        replied_author_id=replied_author_id if replied_author_id in found else None,
    )
    return mentions, found


async def load_message(conn: AsyncConnection, access: ChannelAccess, message_id: int) -> Message:
    """A message of the channel (author only, not hydrated), or 10008."""
    require_message_channel(access)
    message = await message_store.get_plain(conn, access.channel.id, message_id)
    if message is None:
        raise errors.UnknownMessage()
    return message


def _require_voice_connect(access: ChannelAccess) -> None:
    """Reading a voice channel's chat also needs CONNECT, as Discord documents."""
    if access.channel.type.is_voice:
        access.require(Permission.CONNECT)


async def list_messages(
    s: Services,
    actor: Actor,
    channel_id: int,
    *,
    limit: int = 50,
    before: int | None = None,
    after: int | None = None,
    around: int | None = None,
) -> list[Message]:
    """A page of history, newest first. Without READ_MESSAGE_HISTORY the page is empty."""
    async with s.engine.connect() as conn:
        access = _history_access(s, actor, channel_id) or await channel_access(
            conn, actor.user, channel_id, s.now(), s.cache
        )
        require_message_channel(access)
        _require_voice_connect(access)
        if not has(access.permissions, Permission.READ_MESSAGE_HISTORY):
            return []
        page = await message_store.history(
            conn,
            channel_id,
            viewer_id=actor.id,
            limit=limit,
            before=before,
            after=after,
            around=around,
        )
        return await thread_activity.with_threads(conn, page)


def _history_access(s: Services, actor: Actor, channel_id: int) -> ChannelAccess | None:
    """A reader's access to a guild text channel from memory: the channel from the access cache,
    their permissions from the node's guild replica (`Services.replica_permissions`), the same
    that decides whether the channel's messages reach their sessions. People page through
    channels of several guilds; the access cache forgets each member after a while (its expiry
    guards against changes outside the log) and read it again on nearly every page. None (read
    as usual) for threads and voice channels (their rules need more than the replica's answer:
    thread membership, a timeout's loss of CONNECT), DMs, and whatever the replica denies, so that
    refusals come from the usual path."""
    channel = s.cache.channel(channel_id)
    if channel is None or channel.guild_id is None:
        return None
    if channel.type.is_thread or channel.type.is_voice:
        return None
    permissions = s.replica_permissions(channel.guild_id, channel_id, actor.id)
    if permissions is None or not has(permissions, Permission.VIEW_CHANNEL):
        return None
    # The replica leaves timeouts out; a timed-out member keeps these two (domain/permissions.py).
    return ChannelAccess(channel, permissions & _READING)


_READING = Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY


async def get_message(s: Services, actor: Actor, channel_id: int, message_id: int) -> Message:
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        require_message_channel(access)
        _require_voice_connect(access)
        access.require(Permission.READ_MESSAGE_HISTORY)
        message = await message_store.get_message(conn, channel_id, message_id, actor.id)
        if message is None:
            raise errors.UnknownMessage()
        return (await thread_activity.with_threads(conn, [message]))[0]


async def trigger_typing(s: Services, actor: Actor, channel_id: int) -> None:
    """Tell the channel the actor is typing; nothing is stored."""
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
    require_message_channel(access)
    access.require(Permission.SEND_MESSAGES)
    member = access.guild.member if access.guild else None
    typing = Typing(
        channel_id=channel_id,
        guild_id=access.channel.guild_id,
        user_id=actor.id,
        timestamp=s.now(),
        member=member,
    )
    s.announce(message_event(catalog.TYPING_START, typing, access))
