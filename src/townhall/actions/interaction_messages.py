"""The messages an application posts with an interaction's token: responses and follow-ups,
ephemeral or not, and their edits and deletion (also a webhook's, with its own token).

A message everyone sees goes through `messages.send_message` as the application's bot posting
like a webhook (`Draft.webhook`: no permission of the bot is needed, as on Discord). An
ephemeral one (flag 64) is kept apart, in `ephemeral_messages`: it reaches the invoker's
sessions only and never appears in the channel's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from townhall.actions import attachments, file_scans, message_changes, thread_activity
from townhall.actions import messages as message_actions
from townhall.actions import webhooks as webhook_actions
from townhall.actions.access import ChannelAccess
from townhall.actions.attachments import IncomingFile
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.components import message_components
from townhall.domain.embeds import has_visible_content, validate_embeds
from townhall.domain.event_data import MessageDeleted
from townhall.domain.interactions import (
    EPHEMERAL,
    LOADING,
    RESPONSE_FLAGS,
    SUPPRESS_EMBEDS,
    Interaction,
    message_metadata,
    response_message_type,
)
from townhall.domain.mentions import DEFAULT_ALLOWED_MENTIONS, AllowedMentions, allowed_mentions
from townhall.domain.models import (
    UNSET,
    Message,
    MessageInteraction,
    MessageReference,
    MessageType,
    Unset,
    User,
)
from townhall.domain.threads import MessageChange
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import applications as application_store
from townhall.store import attachments as attachment_store
from townhall.store import interactions as interaction_store
from townhall.store import messages as message_store
from townhall.store import users as user_store
from townhall.store.attachments import StoredAttachment


@dataclass(frozen=True, slots=True)
class Reply:
    """A response's or follow-up's message as the application sends it."""

    content: str = ""
    embeds: Sequence[Mapping[str, object]] = ()
    components: Sequence[Mapping[str, object]] = ()
    allowed_mentions: AllowedMentions | None = None
    flags: int = 0
    tts: bool = False
    files: Sequence[IncomingFile] = ()
    """Files sent with it (multipart parts, finished uploads), as with any message."""

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)


@dataclass(frozen=True, slots=True)
class ReplyEdit:
    """The fields an edit names (UNSET: keep; None: clear)."""

    content: str | Unset | None = UNSET
    embeds: Sequence[Mapping[str, object]] | Unset | None = UNSET
    components: Sequence[Mapping[str, object]] | Unset | None = UNSET
    allowed_mentions: AllowedMentions | None = None
    flags: int | Unset | None = UNSET
    keep_attachments: Sequence[int] | Unset = UNSET
    """The ids of the message's files to keep (Discord's `attachments` on edit); others go."""
    files: Sequence[IncomingFile] = ()
    """New files to add."""


def check_reply(s: Services, reply: Reply, *, loading: bool = False) -> None:
    """What `send_message` would refuse, refused before the interaction counts as answered."""
    message_actions.require_content_length(s, reply.content)
    embeds = validate_embeds(reply.embeds)
    message_components(list(reply.components))
    if reply.flags & ~RESPONSE_FLAGS:
        raise errors.InvalidFormBody.field("flags", "Invalid flags.", "MESSAGE_FLAGS_INVALID")
    visible = (
        reply.content.strip() or has_visible_content(embeds) or reply.components or reply.files
    )
    if not loading and not visible:
        raise errors.EmptyMessage()


@dataclass(frozen=True, slots=True)
class People:
    """Who an interaction's messages are about: the application's bot (their author), the
    person who used it, and the user a user command targeted."""

    bot: User
    invoker: User
    target: User | None = None


async def people_of(s: Services, interaction: Interaction) -> People:
    """Loaded together: two queries."""
    async with s.engine.connect() as conn:
        application = await application_store.get_application(conn, interaction.application_id)
        if application is None:
            raise errors.UnknownApplication()
        target = interaction.source.target_user_id
        wanted = {application.bot_user_id, interaction.user_id} | ({target} if target else set())
        found = await user_store.get_users(conn, wanted)
    bot = found.get(application.bot_user_id)
    if bot is None:
        raise errors.UnknownApplication()
    invoker = found.get(interaction.user_id) or User(interaction.user_id, "Deleted User")
    return People(bot, invoker, found.get(target) if target is not None else None)


async def post(
    s: Services,
    interaction: Interaction,
    people: People,
    reply: Reply,
    *,
    loading: bool = False,
    follow_up_of: int | None = None,
    message_id: int | None = None,
) -> Message:
    """Post a response (or, with `follow_up_of`, a follow-up) to the interaction's channel;
    `message_id` when the caller minted the id already."""
    bot = people.bot
    metadata = message_metadata(
        interaction, people.invoker, target_user=people.target, follow_up_of=follow_up_of
    )
    kind = response_message_type(interaction)
    source = interaction.source
    message_id = message_id if message_id is not None else s.ids.next_id()
    if reply.ephemeral:
        return await _post_ephemeral(
            s, interaction, bot, reply, metadata, kind, loading=loading, message_id=message_id
        )
    reply_to = None
    if kind is MessageType.REPLY and source.message_id and not source.message_ephemeral:
        reply_to = message_actions.ReplyTo(source.message_id, fail_if_not_exists=False)
    draft = message_actions.Draft(
        content=reply.content,
        tts=reply.tts,
        allowed_mentions=reply.allowed_mentions,
        embeds=reply.embeds,
        flags=reply.flags & ~EPHEMERAL,
        components=reply.components,
        webhook=bot,
        interaction=metadata,
        type=kind,
        loading=loading,
        reply_to=reply_to,
        id=message_id,
        files=reply.files,
    )
    return await message_actions.send_message(s, Actor.of(bot), interaction.channel_id, draft)


async def _receive(
    s: Services, poster: User, channel_id: int, message_id: int, files: Sequence[IncomingFile]
) -> Sequence[StoredAttachment]:
    """The files of a message the poster (a webhook, an application's bot) posts or edits
    without a member's permissions: the limits, quotas and scans of any message's files."""
    if not files:
        return ()
    async with s.engine.connect() as conn:
        standing = await message_actions.webhook_access(conn, poster, channel_id, s.now())
    return await attachments.receive_files(
        s, Actor.of(poster), channel_id, message_id, files, voice=False, access=standing
    )


async def _post_ephemeral(
    s: Services,
    interaction: Interaction,
    bot: User,
    reply: Reply,
    metadata: MessageInteraction,
    kind: MessageType,
    *,
    loading: bool,
    message_id: int,
) -> Message:
    message_components(list(reply.components))  # refused before any file is taken
    validate_embeds(reply.embeds)
    stored = await _receive(s, bot, interaction.channel_id, message_id, reply.files)
    async with attachments.discarded_on_failure(s, stored):
        return await _insert_ephemeral(
            s, interaction, bot, reply, metadata, kind, loading, message_id, stored
        )


async def _insert_ephemeral(
    s: Services,
    interaction: Interaction,
    bot: User,
    reply: Reply,
    metadata: MessageInteraction,
    kind: MessageType,
    loading: bool,
    message_id: int,
    stored: Sequence[StoredAttachment],
) -> Message:
    components = message_components(list(reply.components))
    embeds = validate_embeds(reply.embeds)
    async with s.write() as tx:
        access = await message_actions.webhook_access(tx.conn, bot, interaction.channel_id, s.now())
        allowed = reply.allowed_mentions or DEFAULT_ALLOWED_MENTIONS
        mentions, mentioned = await message_actions.resolve_message_mentions(
            tx.conn, access, reply.content, allowed
        )
        source = interaction.source
        reference = None
        if kind is MessageType.REPLY and source.message_id is not None:
            reference = MessageReference(
                source.message_id, interaction.channel_id, interaction.guild_id
            )
        message = Message(
            id=message_id,
            channel_id=interaction.channel_id,
            guild_id=interaction.guild_id,
            author=bot,
            content=reply.content,
            type=kind,
            flags=(reply.flags & RESPONSE_FLAGS) | EPHEMERAL | (LOADING if loading else 0),
            embeds=embeds,
            components=components,
            interaction=metadata,
            webhook_id=bot.id,
            mention_ids=mentions.user_ids,
            mentions=tuple(mentioned[u] for u in mentions.user_ids if u in mentioned),
            reference=reference,
            attachments=tuple(f.attachment for f in stored),
        )
        await interaction_store.insert_ephemeral(
            tx.conn, message, interaction.id, interaction.user_id
        )
        await file_scans.attach(tx, s, stored)  # its files wait for their scan, as any file
        tx.emit(_only_for(catalog.MESSAGE_CREATE, message, access, interaction.user_id))
    return message


def _only_for(
    kind: EventType[Message], message: Message, access: ChannelAccess, viewer_id: int
) -> Event[Message]:
    """An ephemeral message's event: for the one person who sees it."""
    event = message_actions.message_event(kind, message, access)
    return replace(event, user_ids=frozenset({viewer_id}))


# -- finding, editing and deleting them ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posted:
    """A message an application or webhook posted, and who alone sees it if it is ephemeral."""

    message: Message
    viewer_id: int | None = None


async def find(
    s: Services, poster_id: int, channel_id: int, message_id: int, viewer_id: int | None = None
) -> Posted:
    """The poster's message in the channel (an ephemeral one only for its viewer), or 10008."""
    async with s.engine.connect() as conn:
        ephemeral = await interaction_store.get_ephemeral(conn, message_id)
        if ephemeral is not None:
            message, _interaction_id, viewer = ephemeral
            if viewer != viewer_id or message.author.id != poster_id:
                raise errors.UnknownMessage()
            return Posted(message, viewer)
        message_ = await message_store.get_message(conn, channel_id, message_id, poster_id)
    if message_ is None or message_.author.id != poster_id:
        raise errors.UnknownMessage()  # a webhook's, or the application's bot's, only
    return Posted(message_)


async def edit(s: Services, poster: User, posted: Posted, change: ReplyEdit) -> Message:
    """Change the poster's message: content, embeds, components, SUPPRESS_EMBEDS, its files
    (those kept, new ones). A deferred answer's first edit fills it in (it stops LOADING and
    does not count as edited)."""
    message = posted.message
    added = await _receive(s, poster, message.channel_id, message.id, change.files)
    async with attachments.discarded_on_failure(s, added):
        return await _edit(s, poster, posted, change, added)


async def _edit(
    s: Services,
    poster: User,
    posted: Posted,
    change: ReplyEdit,
    added: Sequence[StoredAttachment],
) -> Message:
    message = posted.message
    content = message.content if isinstance(change.content, Unset) else (change.content or "")
    message_actions.require_content_length(s, content)
    embeds = (
        message.embeds if isinstance(change.embeds, Unset) else validate_embeds(change.embeds or ())
    )
    components = (
        message.components
        if isinstance(change.components, Unset)
        else message_components(list(change.components or ()))
    )
    flags = message.flags & ~LOADING
    if not isinstance(change.flags, Unset) and change.flags is not None:
        flags = (flags & ~SUPPRESS_EMBEDS) | (change.flags & SUPPRESS_EMBEDS)
    files = message.attachments
    keep = {a.id for a in files}
    if not isinstance(change.keep_attachments, Unset):
        keep &= set(change.keep_attachments)
    files_change = bool(added) or keep != {a.id for a in files}
    if files_change:
        files = tuple(a for a in files if a.id in keep) + tuple(f.attachment for f in added)
    visible = content.strip() or has_visible_content(embeds) or components or files
    if not visible:
        raise errors.EmptyMessage()
    was_loading = bool(message.flags & LOADING)
    now_ms = s.now_ms()
    async with s.write() as tx:
        access = await message_actions.webhook_access(tx.conn, poster, message.channel_id, s.now())
        if posted.viewer_id is None:  # an ephemeral answer is the invoker's alone
            thread_activity.require_may_change_messages(access, MessageChange.EDIT)
        allowed = change.allowed_mentions or DEFAULT_ALLOWED_MENTIONS
        mentions, mentioned = await message_actions.resolve_message_mentions(
            tx.conn, access, content, allowed
        )
        if files_change:
            await attachments.remove(tx, message, keep)
            await file_scans.attach(tx, s, added)
        edited = replace(
            message,
            content=content,
            embeds=embeds,
            components=components,
            flags=flags,
            mention_ids=mentions.user_ids,
            mention_everyone=mentions.everyone,
            mention_role_ids=mentions.role_ids,
            mentions=tuple(mentioned[u] for u in mentions.user_ids if u in mentioned),
            edited_at=message.edited_at if was_loading else s.now(),
            attachments=files,
        )
        if posted.viewer_id is not None:
            await interaction_store.update_ephemeral(tx.conn, edited, now_ms)
            tx.emit(_only_for(catalog.MESSAGE_UPDATE, edited, access, posted.viewer_id))
            return edited
        if files_change:
            await attachment_store.set_message_files(tx.conn, message.id, files, held=message.held)
        changes: dict[str, object] = {
            "content": content,
            "embeds": embeds,
            "components": components,
            "flags": flags,
            "mention_ids": mentions.user_ids,
            "mention_role_ids": mentions.role_ids,
            "mention_everyone": mentions.everyone,
        }
        if not was_loading:
            changes["edited_at"] = now_ms
        await message_store.update_message(tx.conn, message.id, changes)
        stored = await message_store.get_message(tx.conn, message.channel_id, message.id, poster.id)
        assert stored is not None
        updated = message_actions.message_event(catalog.MESSAGE_UPDATE, stored, access)
        if stored.held:
            updated = replace(updated, user_ids=frozenset({poster.id}))
        tx.emit(updated)
    return stored


async def delete(s: Services, poster: User, posted: Posted) -> None:
    message = posted.message
    async with s.write() as tx:
        access = await message_actions.webhook_access(tx.conn, poster, message.channel_id, s.now())
        if posted.viewer_id is None:
            thread_activity.require_may_change_messages(access, MessageChange.DELETE)
            await message_changes.remove_message(tx, access, message.id)
            return
        await interaction_store.delete_ephemeral(tx.conn, message.id)
        deleted = MessageDeleted(message.id, message.channel_id, message.guild_id)
        event = message_actions.message_event(catalog.MESSAGE_DELETE, deleted, access)
        tx.emit(replace(event, user_ids=frozenset({posted.viewer_id})))


# -- parsing what an application sends -----------------------------------------------------------


def _field_error(
    path: str, message: str, code: str = "BASE_TYPE_INVALID"
) -> errors.InvalidFormBody:
    return errors.InvalidFormBody.field(path, message, code)


def _maybe_list(value: object, path: str) -> list[Mapping[str, object]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _field_error(path, "Must be an array of objects.", "BASE_TYPE_ARRAY")
    return list(value)


def _mentions(value: object, path: str) -> AllowedMentions | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _field_error(path, "Must be an object.", "DICT_TYPE_CONVERT")

    def ids(key: str) -> list[int] | None:
        raw = value.get(key)
        if raw is None:
            return None
        if not isinstance(raw, list) or not all(str(v).isdigit() for v in raw):
            raise _field_error(f"{path}.{key}", "Must be snowflakes.", "NUMBER_TYPE_COERCE")
        return [int(str(v)) for v in raw]

    parse = value.get("parse")
    if parse is not None and (
        not isinstance(parse, list) or not all(isinstance(p, str) for p in parse)
    ):
        raise _field_error(f"{path}.parse", "Must be an array of strings.", "BASE_TYPE_ARRAY")
    replied = value.get("replied_user")
    return allowed_mentions(
        parse, ids("users"), ids("roles"), replied if isinstance(replied, bool) else None
    )


def _object(value: object, path: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _field_error(path, "Must be an object.", "DICT_TYPE_CONVERT")
    return value


def reply_from(value: object, path: str = "data") -> Reply:
    """A message body (a callback's `data`, a follow-up): content, embeds, components,
    allowed_mentions, flags, tts."""
    data = _object(value, path)
    content = data.get("content")
    if content is not None and not isinstance(content, str):
        raise _field_error(f"{path}.content", "Must be a string.", "BASE_TYPE_STRING")
    flags = data.get("flags")
    if flags is not None and (isinstance(flags, bool) or not isinstance(flags, int)):
        raise _field_error(f"{path}.flags", "Must be an integer.", "NUMBER_TYPE_COERCE")
    return Reply(
        content=content or "",
        embeds=_maybe_list(data.get("embeds"), f"{path}.embeds") or (),
        components=_maybe_list(data.get("components"), f"{path}.components") or (),
        allowed_mentions=_mentions(data.get("allowed_mentions"), f"{path}.allowed_mentions"),
        flags=flags or 0,
        tts=data.get("tts") is True,
    )


def edit_from(value: object, path: str = "data") -> ReplyEdit:
    """An edit: only the fields it names change (null clears)."""
    data = _object(value, path)
    raw_content = data.get("content", UNSET)
    content: str | Unset | None
    if raw_content is None or isinstance(raw_content, str | Unset):
        content = raw_content
    else:
        raise _field_error(f"{path}.content", "Must be a string.", "BASE_TYPE_STRING")
    raw_flags = data.get("flags", UNSET)
    flags: int | Unset | None
    if isinstance(raw_flags, int | Unset | None) and not isinstance(raw_flags, bool):
        flags = raw_flags
    else:
        raise _field_error(f"{path}.flags", "Must be an integer.", "NUMBER_TYPE_COERCE")
    return ReplyEdit(
        content=content,
        embeds=_maybe_list(data["embeds"], f"{path}.embeds") if "embeds" in data else UNSET,
        components=_maybe_list(data["components"], f"{path}.components")
        if "components" in data
        else UNSET,
        allowed_mentions=_mentions(data.get("allowed_mentions"), f"{path}.allowed_mentions"),
        flags=flags,
    )


@dataclass(frozen=True, slots=True)
class Callback:
    """An answer as the application sends it: a message, an edit of the component's message,
    suggestions or a modal (their raw `data`, checked by the domain)."""

    type: int
    reply: Reply | None = None
    edit: ReplyEdit | None = None
    data: object = None


def callback_from(value: object) -> Callback:
    """`{"type": …, "data": …}` from the callback route or an endpoint's inline answer."""
    body = _object(value, "_root")
    kind = body.get("type")
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise _field_error("type", "This field is required", "BASE_TYPE_REQUIRED")
    data = body.get("data")
    if kind in (4, 5):
        return Callback(kind, reply=reply_from(data))
    if kind == 7:
        return Callback(kind, edit=edit_from(data))
    return Callback(kind, data=data)


async def edit_webhook_message(
    s: Services,
    webhook_id: int,
    token: str,
    message_id: int,
    change: ReplyEdit,
    *,
    thread_id: int | None = None,
) -> Message:
    """`PATCH /webhooks/{id}/{token}/messages/{id}`: a webhook edits one of its messages (in
    its channel, or in its channel's thread `thread_id`)."""
    webhook, _creator = await webhook_actions.get_webhook(s, None, webhook_id, token)
    channel_id = await webhook_actions.message_channel(s, webhook, thread_id)
    posted = await find(s, webhook.id, channel_id, message_id)
    return await edit(s, webhook_actions.webhook_user(webhook), posted, change)
