"""Interactions: a person uses a command or a component, the application answers once within
3 seconds, then follows up with the token for 15 minutes.

`create_interaction` is `POST /interactions` from a person's client: it checks that they may
(USE_APPLICATION_COMMANDS in the channel, the command's permissions, the options; in the DM with
the application's bot, that the command works there), takes the files its ATTACHMENT options
name (actions/interaction_files.py), stores the interaction with its token hashed, and delivers
INTERACTION_CREATE to the application's bot (or POSTs it to the application's endpoint:
actions/interaction_endpoints.py). `respond` is
the callback; the `*_response` functions are the token's webhook routes. A node-local timer
fails an unanswered interaction after 3 seconds (INTERACTION_FAILURE to the invoker); the
recurring `interactions.sweep` job does it for timers lost with their node, and forgets
interactions whose tokens ran out.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import attachments as attachment_actions
from townhall.actions import interaction_endpoints, interaction_files
from townhall.actions import interaction_messages as replies
from townhall.actions import messages as message_actions
from townhall.actions.access import ChannelAccess, channel_access, member_context, permissions_in
from townhall.actions.interaction_messages import Callback, People, Posted, Reply, ReplyEdit
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import components as component_rules
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.commands import (
    Command,
    CommandType,
    OptionType,
    UnknownCommand,
    may_use,
    subcommand_path,
    usable_in_bot_dm,
    usable_in_guild,
)
from townhall.domain.components import ComponentType, Modal
from townhall.domain.interactions import (
    DM_APP_PERMISSIONS,
    EPHEMERAL,
    LOADING,
    RESPONSE_WINDOW,
    TOKEN_LIFETIME,
    AlreadyAcknowledged,
    CallbackType,
    CommandData,
    ComponentData,
    GivenFile,
    Interaction,
    InteractionCreated,
    InteractionOutcome,
    InteractionSource,
    InteractionType,
    Invocation,
    ModalData,
    ModalShown,
    Resolved,
    Suggestion,
    SuggestionsShown,
    UnknownInteraction,
    channel_type_allowed,
    check_answer,
    given_files,
    invocation,
    new_token,
    suggestions,
)
from townhall.domain.models import Application, ChannelType, Member, Message, User
from townhall.domain.permissions import Permission, has
from townhall.domain.webhooks import InvalidWebhookToken, UnknownWebhook
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import applications as application_store
from townhall.store import attachments as attachment_store
from townhall.store import channels as channel_store
from townhall.store import commands as command_store
from townhall.store import interactions as interaction_store
from townhall.store import members as member_store
from townhall.store import messages as message_store
from townhall.store import user_settings as user_settings_store
from townhall.store import users as user_store
from townhall.store.attachments import StoredAttachment

log = logging.getLogger("townhall.interactions")
D = TypeVar("D")

SWEEP_EVERY = 10.0
"""How often unanswered interactions whose timer was lost (a node stopped) are failed."""
_timers: dict[int, asyncio.TimerHandle] = {}
_tasks: set[asyncio.Task[None]] = set()


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class Invoke:
    """What a person's client sends to `POST /interactions`."""

    type: int
    application_id: int
    channel_id: int
    data: Mapping[str, object]
    guild_id: int | None = None
    message_id: int | None = None
    nonce: str | None = None


@dataclass(frozen=True, slots=True)
class _Prepared:
    source: InteractionSource
    data: CommandData | ComponentData | ModalData
    resolved: Resolved
    message: Message | None = None
    files: tuple[GivenFile, ...] = ()
    """Uploads that ATTACHMENT options name, to take when everything else was checked."""
    invocation: Invocation | None = None


def _type_of(value: int) -> InteractionType:
    if value not in (2, 3, 4, 5):
        raise errors.InvalidFormBody.field(
            "type", "Value is not a valid interaction type.", "BASE_TYPE_CHOICES"
        )
    return InteractionType(value)


async def create_interaction(s: Services, actor: Actor, invoke: Invoke) -> Interaction:
    """A person used a command or a component: check, store, and tell the application."""
    if actor.user.bot:
        raise errors.BotsCannotUse()
    kind = _type_of(invoke.type)
    now = s.now()
    async with s.engine.connect() as conn:
        application = await application_store.get_application(conn, invoke.application_id)
        if application is None:
            raise errors.UnknownApplication()
        access = await channel_access(conn, actor.user, invoke.channel_id, now, s.cache)
        if invoke.guild_id is not None and invoke.guild_id != access.channel.guild_id:
            raise errors.InvalidFormBody.field("guild_id", "Does not match the channel.")
        message_actions.require_message_channel(access)
        guild_access = access.guild
        if guild_access is None:
            _require_bot_dm(access, application)
            app_permissions = DM_APP_PERMISSIONS
        else:
            access.require(Permission.USE_APPLICATION_COMMANDS)
            bot_member = await _member(conn, s, guild_access.guild.id, application.bot_user_id)
            if bot_member is None:
                raise UnknownCommand() if kind in _COMMANDS else errors.UnknownApplication()
            bot_context = member_context(guild_access.guild, bot_member, guild_access.roles, now)
            app_permissions = await permissions_in(conn, bot_context, access.channel, s.cache)
        prepared = await _prepare(conn, s, actor, application, access, kind, invoke)
        settings = await user_settings_store.get_user_settings(conn, actor.id)
    guild = guild_access.guild if guild_access is not None else None
    interaction_id = s.ids.next_id()
    stored: list[StoredAttachment] = []
    if prepared.files:
        stored = await interaction_files.receive(
            s, actor, access.channel.id, interaction_id, prepared.files
        )
        prepared = _with_files(prepared, stored)
    interaction = Interaction(
        id=interaction_id,
        application_id=application.id,
        type=kind,
        user_id=actor.id,
        guild_id=guild.id if guild is not None else None,
        channel_id=access.channel.id,
        created_at=s.now() if stored else now,  # its 3 seconds start once its files are in
        source=prepared.source,
        nonce=invoke.nonce,
    )
    token = new_token()
    created = InteractionCreated(
        interaction=interaction,
        token=token,
        user=actor.user,
        member=guild_access.member if guild_access is not None else None,
        permissions=access.permissions,
        app_permissions=app_permissions,
        channel=access.channel,
        guild=guild,
        locale=settings["locale"] or "en-US",
        data=prepared.data,
        resolved=prepared.resolved,
        message=prepared.message,
        attachment_size_limit=(guild.max_file_size if guild is not None else None)
        or s.settings.max_file_bytes,
    )
    endpoint = application.interactions_endpoint_url
    receivers = {actor.id} if endpoint else {actor.id, application.bot_user_id}
    try:
        async with s.write() as tx:
            await interaction_store.insert_interaction(tx.conn, interaction, token_hash(token))
            await attachment_store.insert_attachments(tx.conn, stored, s.now_ms())
            _emit_created(tx, created, receivers)
    except BaseException:
        await attachment_actions.discard(s, stored)
        raise
    _fail_unanswered_later(s, interaction)
    if endpoint:
        _spawn(_deliver(s, created, endpoint))
    return interaction


def _emit_created(tx: Transaction, created: InteractionCreated, receivers: set[int]) -> None:
    interaction = created.interaction
    tx.emit(
        Event(
            catalog.INTERACTION_CREATE,
            created,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_ids=frozenset(receivers),
        )
    )


def _require_bot_dm(access: ChannelAccess, application: Application) -> None:
    """Outside guilds, only the DM between the person and the application's bot (context 1,
    BOT_DM); group DMs and other DMs (context 2) need user-installed applications: 50003."""
    channel = access.channel
    if channel.type is not ChannelType.DM or application.bot_user_id not in channel.recipient_ids:
        raise errors.CannotExecuteOnDM()


def _with_files(prepared: _Prepared, stored: list[StoredAttachment]) -> _Prepared:
    """The options name the files now stored (by their ids), and `resolved` shows them."""
    assert isinstance(prepared.data, CommandData) and prepared.invocation is not None
    ids = {given.id: file.attachment.id for given, file in zip(prepared.files, stored, strict=True)}
    checked = prepared.invocation.with_files(ids)
    return replace(
        prepared,
        data=replace(prepared.data, options=checked.options),
        resolved=replace(
            prepared.resolved, attachments={f.attachment.id: f.attachment for f in stored}
        ),
    )


_COMMANDS = (InteractionType.APPLICATION_COMMAND, InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE)


async def _prepare(
    conn: AsyncConnection,
    s: Services,
    actor: Actor,
    application: Application,
    access: ChannelAccess,
    kind: InteractionType,
    invoke: Invoke,
) -> _Prepared:
    if kind in _COMMANDS:
        return await _prepare_command(conn, s, actor, application, access, kind, invoke)
    if kind is InteractionType.MESSAGE_COMPONENT:
        return await _prepare_click(conn, s, actor, application, access, invoke)
    return await _prepare_submit(conn, s, actor, application, access, invoke)


def _snowflake(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).isdigit():
        raise errors.InvalidFormBody.field(path, "Value is not snowflake.", "NUMBER_TYPE_COERCE")
    return int(value)


async def _prepare_command(
    conn: AsyncConnection,
    s: Services,
    actor: Actor,
    application: Application,
    access: ChannelAccess,
    kind: InteractionType,
    invoke: Invoke,
) -> _Prepared:
    guild_id = access.guild.guild.id if access.guild is not None else None
    data = invoke.data
    command = await command_store.get_command(
        conn, application.id, _snowflake(data.get("id"), "data.id")
    )
    if command is None or command.guild_id not in (None, guild_id):
        raise UnknownCommand()  # in a DM: every guild command
    spec = command.spec
    if data.get("name") not in (None, spec.name) or data.get("type") not in (None, spec.type):
        raise UnknownCommand()
    version = data.get("version")
    if version is not None and str(version) != str(command.version):
        raise errors.InvalidFormBody.field(
            "data.version", "This command is outdated.", "APPLICATION_COMMAND_OUTDATED"
        )
    if guild_id is None:
        if not usable_in_bot_dm(spec):
            raise errors.CannotExecuteOnDM()
    elif command.guild_id is None and not usable_in_guild(spec):
        raise UnknownCommand()
    if spec.nsfw and not access.channel.nsfw:
        raise errors.MissingPermissions()
    if access.guild is not None:
        await _require_may_use(conn, actor, application, access, command)
    source = InteractionSource(command_id=command.id, name=spec.name, command_type=int(spec.type))
    if spec.type is CommandType.CHAT_INPUT:
        checked = invocation(
            spec,
            data.get("options"),
            autocomplete=kind is InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE,
        )
        resolved = await _resolve(
            conn,
            s,
            access,
            users=checked.ids_of(OptionType.USER),
            roles=checked.ids_of(OptionType.ROLE),
            mentionables=checked.ids_of(OptionType.MENTIONABLE),
            channels=checked.ids_of(OptionType.CHANNEL),
        )
        channel_type_allowed(
            spec, checked, {cid: int(c.type) for cid, (c, _p) in resolved.channels.items()}
        )
        source = InteractionSource(
            command_id=command.id,
            name=subcommand_path(spec, checked.path),
            command_type=int(spec.type),
        )
        files: tuple[GivenFile, ...] = ()
        if kind is InteractionType.APPLICATION_COMMAND:  # autocomplete takes no files
            files = _files_named(checked, data.get("attachments"))
        return _Prepared(
            source, CommandData(command, checked.options), resolved, files=files, invocation=checked
        )
    if kind is InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE:
        raise errors.InvalidFormBody.field("type", "Only slash commands autocomplete.")
    access.require(Permission.SEND_MESSAGES)  # Discord's rule for context menu commands
    target = _snowflake(data.get("target_id"), "data.target_id")
    if spec.type is CommandType.USER:
        resolved = await _resolve(conn, s, access, users={target})
        return _Prepared(
            InteractionSource(
                command_id=command.id,
                name=spec.name,
                command_type=int(spec.type),
                target_user_id=target,
            ),
            CommandData(command, target_id=target),
            resolved,
        )
    access.require(Permission.READ_MESSAGE_HISTORY)
    message = await message_store.get_message(conn, access.channel.id, target, actor.id)
    if message is None:
        raise errors.UnknownMessage()
    return _Prepared(
        InteractionSource(
            command_id=command.id,
            name=spec.name,
            command_type=int(spec.type),
            target_message_id=target,
        ),
        CommandData(command, target_id=target),
        Resolved(messages={target: message}),
    )


async def _require_may_use(
    conn: AsyncConnection,
    actor: Actor,
    application: Application,
    access: ChannelAccess,
    command: Command,
) -> None:
    """The guild's command permissions and `default_member_permissions` (not in DMs)."""
    assert access.guild is not None
    guild_id = access.guild.guild.id
    overwrites = await command_store.permissions_of(conn, guild_id, [command.id, application.id])
    allowed = may_use(
        command.spec,
        guild_id=guild_id,
        user_id=actor.id,
        role_ids=access.guild.member.role_ids,
        channel_id=access.channel.id,
        channel_permissions=access.permissions,
        command_overwrites=overwrites[command.id].permissions if command.id in overwrites else (),
        application_overwrites=overwrites[application.id].permissions
        if application.id in overwrites
        else (),
    )
    if not allowed:
        raise errors.MissingPermissions()


def _files_named(checked: Invocation, raw: object) -> tuple[GivenFile, ...]:
    """The `data.attachments` entries the ATTACHMENT options name (each at most once)."""
    given = given_files(raw)
    named: list[GivenFile] = []
    for key in checked.files_named():
        found = given.get(key)
        if found is None:
            raise errors.InvalidFormBody.field(
                "data.attachments", f"No attachment {key} was given.", "ATTACHMENT_NOT_FOUND"
            )
        if found in named:
            raise errors.InvalidFormBody.field(
                "data.attachments", f"Attachment {key} is named twice.", "BASE_TYPE_INVALID"
            )
        named.append(found)
    return tuple(named)


async def _component_message(
    conn: AsyncConnection, actor: Actor, application: Application, channel_id: int, message_id: int
) -> tuple[Message, bool]:
    """The application's message a person clicked (an ephemeral one only if theirs)."""
    ephemeral = await interaction_store.get_ephemeral(conn, message_id)
    if ephemeral is not None:
        message, _interaction_id, viewer = ephemeral
        if viewer != actor.id or message.channel_id != channel_id:
            raise errors.UnknownMessage()
        found, is_ephemeral = message, True
    else:
        stored = await message_store.get_message(conn, channel_id, message_id, actor.id)
        if stored is None:
            raise errors.UnknownMessage()
        found, is_ephemeral = stored, False
    if found.author.id != application.bot_user_id:
        raise errors.InvalidFormBody.field(
            "message_id", "This message is not the application's.", "COMPONENT_NOT_FOUND"
        )
    return found, is_ephemeral


async def _prepare_click(
    conn: AsyncConnection,
    s: Services,
    actor: Actor,
    application: Application,
    access: ChannelAccess,
    invoke: Invoke,
) -> _Prepared:
    if invoke.message_id is None:
        raise errors.InvalidFormBody.field(
            "message_id", "This field is required", "BASE_TYPE_REQUIRED"
        )
    message, ephemeral = await _component_message(
        conn, actor, application, access.channel.id, invoke.message_id
    )
    click = component_rules.clicked(message.components, invoke.data)
    kind = click.component_type
    ids = set() if kind is ComponentType.STRING_SELECT else {int(v) for v in click.values or ()}
    resolved = await _resolve(
        conn,
        s,
        access,
        users=ids if kind is ComponentType.USER_SELECT else set(),
        roles=ids if kind is ComponentType.ROLE_SELECT else set(),
        mentionables=ids if kind is ComponentType.MENTIONABLE_SELECT else set(),
        channels=ids if kind is ComponentType.CHANNEL_SELECT else set(),
    )
    source = InteractionSource(
        message_id=message.id, message_ephemeral=ephemeral, custom_id=click.custom_id
    )
    return _Prepared(source, ComponentData(click), resolved, message)


async def _prepare_submit(
    conn: AsyncConnection,
    s: Services,
    actor: Actor,
    application: Application,
    access: ChannelAccess,
    invoke: Invoke,
) -> _Prepared:
    """A modal's submit names the interaction the modal answered (`data.id`)."""
    found = await interaction_store.get_interaction(
        conn, _snowflake(invoke.data.get("id"), "data.id")
    )
    origin = found[0] if found is not None else None
    if (
        origin is None
        or origin.application_id != application.id
        or origin.user_id != actor.id
        or origin.channel_id != access.channel.id
        or origin.modal is None
        or not origin.token_valid(s.now())
    ):
        raise UnknownInteraction()
    modal: Modal = origin.modal
    answers = component_rules.submitted(modal, invoke.data)
    picked = {int(v) for a in answers for v in a.values or () if v.isdigit()}
    resolved = (
        await _resolve(conn, s, access, mentionables=picked, channels=set())
        if picked
        else Resolved()
    )
    message = None
    if origin.source.message_id is not None:
        message, _ephemeral = await _component_message(
            conn, actor, application, access.channel.id, origin.source.message_id
        )
    source = InteractionSource(
        name=origin.source.name,
        command_type=origin.source.command_type,
        message_id=origin.source.message_id,
        message_ephemeral=origin.source.message_ephemeral,
        custom_id=modal.custom_id,
        triggering_id=origin.id,
        triggering_type=int(origin.type),
        triggering=origin.source,
    )
    return _Prepared(source, ModalData(modal, answers), resolved, message)


async def _member(conn: AsyncConnection, s: Services, guild_id: int, user_id: int) -> Member | None:
    """A guild member, from this node's access cache when it has them (as permission checks
    read them)."""
    seen = s.cache.version
    member = s.cache.member(guild_id, user_id)
    if member is None:
        member = await member_store.get_member(conn, guild_id, user_id)
        if member is not None:
            s.cache.put_member(member, seen)
    return member


async def _resolve(
    conn: AsyncConnection,
    s: Services,
    access: ChannelAccess,
    *,
    users: set[int] | None = None,
    roles: set[int] | None = None,
    mentionables: set[int] | None = None,
    channels: set[int] | None = None,
) -> Resolved:
    """What the ids name: users (and, in the guild, members with their permissions in the
    channel), roles, and channels the invoker can see. Unknown ones are refused (50035).
    In a DM there are users only."""
    guild = access.guild
    now = s.now()
    users, roles, mentionables, channels = (
        users or set(),
        roles or set(),
        mentionables or set(),
        channels or set(),
    )
    if guild is None:
        wanted = users | mentionables
        found = await user_store.get_users(conn, wanted) if wanted else {}
        unknown = (wanted - found.keys()) | roles | channels
        if unknown:
            raise errors.InvalidFormBody.field(
                "data", f"Unknown id {min(unknown)}.", "APPLICATION_COMMAND_OPTION_UNKNOWN_ENTITY"
            )
        return Resolved(users=found)
    role_hits = {rid: guild.roles[rid] for rid in roles | mentionables if rid in guild.roles}
    wanted_users = users | (mentionables - role_hits.keys())
    found_users = await user_store.get_users(conn, wanted_users) if wanted_users else {}
    missing = (users - found_users.keys()) | (roles - role_hits.keys())
    missing |= mentionables - role_hits.keys() - found_users.keys()
    members: dict[int, tuple[Member, int]] = {}
    for uid in found_users:
        member = await _member(conn, s, guild.guild.id, uid)
        if member is not None:
            context = member_context(guild.guild, member, guild.roles, now)
            members[uid] = (member, await permissions_in(conn, context, access.channel, s.cache))
    found_channels = {}
    for cid in channels:
        channel = await channel_store.get_channel(conn, cid)
        if channel is None or channel.guild_id != guild.guild.id:
            missing.add(cid)
            continue
        permissions = guild.in_channel(channel)
        if not has(permissions, Permission.VIEW_CHANNEL):
            missing.add(cid)
            continue
        found_channels[cid] = (channel, permissions)
    if missing:
        raise errors.InvalidFormBody.field(
            "data", f"Unknown id {min(missing)}.", "APPLICATION_COMMAND_OPTION_UNKNOWN_ENTITY"
        )
    return Resolved(
        users=found_users,
        members=members,
        roles=role_hits,
        channels=found_channels,
    )


# -- the application's answer -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answered:
    """What `?with_response=true` shows."""

    interaction: Interaction
    type: CallbackType
    message: Message | None = None
    message_id: int | None = None
    ephemeral: bool = False
    loading: bool = False


def _callback_type(value: int) -> CallbackType:
    try:
        return CallbackType(value)
    except ValueError:
        raise errors.InvalidFormBody.field(
            "type", "Value is not a valid callback type.", "BASE_TYPE_CHOICES"
        ) from None


async def _unanswered(s: Services, interaction_id: int, token: str) -> Interaction:
    async with s.engine.connect() as conn:
        found = await interaction_store.get_interaction(conn, interaction_id)
    if found is None or not hmac.compare_digest(found[1], token_hash(token)):
        raise UnknownInteraction()
    interaction = found[0]
    if interaction.callback_type is not None:
        raise AlreadyAcknowledged()
    if not interaction.answerable(s.now()):
        raise UnknownInteraction()
    return interaction


def _outcome(
    interaction: Interaction, kind: EventType[InteractionOutcome]
) -> Event[InteractionOutcome]:
    """INTERACTION_SUCCESS or INTERACTION_FAILURE, for the invoker's sessions."""
    return _for_invoker(kind, InteractionOutcome(interaction.id, interaction.nonce), interaction)


async def respond(s: Services, interaction_id: int, token: str, callback: Callback) -> Answered:
    """The first and only answer, within 3 seconds (later: 10062; a second one: 40060)."""
    kind = _callback_type(callback.type)
    interaction = await _unanswered(s, interaction_id, token)
    check_answer(interaction, kind)
    source = interaction.source
    reply = callback.reply or Reply()
    choices: tuple[Suggestion, ...] = ()
    modal: Modal | None = None
    if kind is CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
        reply = Reply(flags=reply.flags & EPHEMERAL)  # the rest comes with the follow-up
    elif kind.sends_message:
        replies.check_reply(s, reply)
    elif kind is CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
        choices = suggestions(callback.data)
    elif kind is CallbackType.MODAL:
        modal = component_rules.modal(callback.data)
    people = await replies.people_of(s, interaction)
    bot = people.bot
    updates = kind.updates_message
    message_id = s.ids.next_id() if kind.sends_message else None
    ephemeral = reply.ephemeral if kind.sends_message else updates and source.message_ephemeral
    async with s.write() as tx:
        claimed = await interaction_store.record_callback(
            tx.conn,
            interaction.id,
            kind,
            response_message_id=message_id
            if kind.sends_message
            else (source.message_id if updates else None),
            ephemeral=ephemeral,
            modal=modal,
        )
        if not claimed:  # answered meanwhile (elsewhere), or failed as its time ran out
            now_found = await interaction_store.get_interaction(tx.conn, interaction.id)
            if now_found is not None and now_found[0].failed:
                raise UnknownInteraction()
            raise AlreadyAcknowledged()
        if kind is CallbackType.MODAL:
            assert modal is not None
            shown = ModalShown(
                interaction.id,
                interaction.nonce,
                interaction.channel_id,
                interaction.application_id,
                bot.global_name or bot.username,
                modal,
            )
            tx.emit(_for_invoker(catalog.INTERACTION_MODAL_CREATE, shown, interaction))
        if kind is CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            shown_choices = SuggestionsShown(interaction.id, interaction.nonce, choices)
            tx.emit(
                _for_invoker(
                    catalog.APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE, shown_choices, interaction
                )
            )
    _answered_here(interaction.id)
    if not kind.sends_message and kind is not CallbackType.UPDATE_MESSAGE:
        s.announce(_outcome(interaction, catalog.INTERACTION_SUCCESS))
        return Answered(interaction, kind)
    try:
        if kind is CallbackType.UPDATE_MESSAGE:
            assert source.message_id is not None
            posted = await replies.find(
                s,
                bot.id,
                interaction.channel_id,
                source.message_id,
                interaction.user_id if source.message_ephemeral else None,
            )
            message = await replies.edit(s, bot, posted, _as_edit(callback))
        else:
            message = await replies.post(
                s,
                interaction,
                people,
                reply,
                loading=kind is CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                message_id=message_id,
            )
    except BaseException:
        async with s.write() as tx:
            await interaction_store.release_callback(tx.conn, interaction.id)
        _fail_unanswered_later(s, interaction)  # it may still answer, within its 3 seconds
        raise
    s.announce(_outcome(interaction, catalog.INTERACTION_SUCCESS))
    return Answered(
        interaction,
        kind,
        message=message,
        message_id=message.id,
        ephemeral=bool(ephemeral),
        loading=bool(message.flags & LOADING),
    )


def _as_edit(callback: Callback) -> ReplyEdit:
    if callback.edit is not None:
        return callback.edit
    return ReplyEdit()


def _for_invoker(kind: EventType[D], data: D, interaction: Interaction) -> Event[D]:
    return Event(
        kind, data, guild_id=interaction.guild_id, user_ids=frozenset({interaction.user_id})
    )


# -- the token's webhook routes ----------------------------------------------------------------


async def is_application(s: Services, webhook_id: int) -> bool:
    """`/webhooks/{id}/{token}` names an application (its interactions' tokens), not a webhook."""
    async with s.engine.connect() as conn:
        return await application_store.get_application(conn, webhook_id) is not None


async def _with_token(s: Services, application_id: int, token: str) -> tuple[Interaction, People]:
    """The answered interaction whose token this is, while it lasts (else 50027, as for a
    webhook's wrong token; 10015 before the first answer)."""
    async with s.engine.connect() as conn:
        interaction = await interaction_store.by_token(conn, application_id, token_hash(token))
    if interaction is None or not interaction.token_valid(s.now()):
        raise InvalidWebhookToken()
    if interaction.callback_type is None:
        raise UnknownWebhook()
    return interaction, await replies.people_of(s, interaction)


async def _posted(
    s: Services, interaction: Interaction, bot: User, message_id: int | None
) -> Posted:
    """`@original` (None) or a follow-up of this interaction."""
    wanted = interaction.response_message_id if message_id is None else message_id
    if wanted is None:
        raise errors.UnknownMessage()
    return await replies.find(s, bot.id, interaction.channel_id, wanted, interaction.user_id)


async def follow_up(s: Services, application_id: int, token: str, reply: Reply) -> Message:
    """A new message with the token; right after a deferred answer, it fills that one in."""
    interaction, people = await _with_token(s, application_id, token)
    bot = people.bot
    replies.check_reply(s, reply)
    if (
        interaction.callback_type is CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        and interaction.response_message_id is not None
    ):
        posted = await _posted(s, interaction, bot, None)
        if posted.message.flags & LOADING:
            change = ReplyEdit(
                content=reply.content,
                embeds=reply.embeds,
                components=reply.components,
                allowed_mentions=reply.allowed_mentions,
                files=reply.files,
            )
            return await replies.edit(s, bot, posted, change)
    return await replies.post(
        s, interaction, people, reply, follow_up_of=interaction.response_message_id
    )


async def get_response(
    s: Services, application_id: int, token: str, message_id: int | None
) -> Message:
    interaction, people = await _with_token(s, application_id, token)
    bot = people.bot
    return (await _posted(s, interaction, bot, message_id)).message


async def edit_response(
    s: Services, application_id: int, token: str, message_id: int | None, change: ReplyEdit
) -> Message:
    interaction, people = await _with_token(s, application_id, token)
    bot = people.bot
    return await replies.edit(s, bot, await _posted(s, interaction, bot, message_id), change)


async def delete_response(
    s: Services, application_id: int, token: str, message_id: int | None
) -> None:
    interaction, people = await _with_token(s, application_id, token)
    bot = people.bot
    await replies.delete(s, bot, await _posted(s, interaction, bot, message_id))


# -- no answer in time ---------------------------------------------------------------------------


async def fail_interaction(s: Services, interaction: Interaction) -> bool:
    """Fail it if still unanswered: its token stops working and the invoker's client shows
    that the application did not respond. An answered one costs a read, not a write."""
    async with s.engine.connect() as conn:
        found = await interaction_store.get_interaction(conn, interaction.id)
    if found is None or found[0].callback_type is not None or found[0].failed:
        return False
    async with s.write() as tx:
        failed = await interaction_store.mark_failed(tx.conn, interaction.id)
        if failed:
            tx.emit(_outcome(interaction, catalog.INTERACTION_FAILURE))
    return failed


def _spawn(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(work)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _fail_unanswered_later(s: Services, interaction: Interaction) -> None:
    """This node's timer: 3 seconds from now, unless this node sees the answer first."""
    loop = asyncio.get_running_loop()

    def fire() -> None:
        _timers.pop(interaction.id, None)
        _spawn(_fail_quietly(s, interaction))

    left = (interaction.created_at + RESPONSE_WINDOW - s.now()).total_seconds()
    _timers[interaction.id] = loop.call_later(max(left, 0.0), fire)


def _answered_here(interaction_id: int) -> None:
    timer = _timers.pop(interaction_id, None)
    if timer is not None:
        timer.cancel()


async def _fail_quietly(s: Services, interaction: Interaction) -> None:
    try:
        await fail_interaction(s, interaction)
    except Exception:  # the sweep job tries again
        log.exception("failing interaction %d", interaction.id)


async def _deliver(s: Services, created: InteractionCreated, endpoint: str) -> None:
    """POST it to the application's endpoint; an inline answer counts as the callback."""
    try:
        answer = await interaction_endpoints.deliver(s, created, endpoint)
        if answer is not None:
            await respond(s, created.interaction.id, created.token, answer)
    except errors.TownhallError as refused:
        log.info("interaction %d: endpoint answer refused: %s", created.interaction.id, refused)
        await fail_interaction(s, created.interaction)
    except interaction_endpoints.EndpointFailed as failure:
        log.info("interaction %d: endpoint failed: %s", created.interaction.id, failure)
        await fail_interaction(s, created.interaction)


@job("interactions.sweep", every_seconds=SWEEP_EVERY)
async def sweep(s: Services, _payload: Payload) -> None:
    """Fail interactions left unanswered whose timer was lost; forget those whose token ended."""
    now = s.now()
    async with s.engine.connect() as conn:
        late = await interaction_store.unanswered_before(
            conn, int((now - RESPONSE_WINDOW - timedelta(seconds=1)).timestamp() * 1000)
        )
    for interaction in late:
        await fail_interaction(s, interaction)
    horizon = now - TOKEN_LIFETIME - timedelta(minutes=1)
    async with s.write() as tx:
        await interaction_store.prune(tx.conn, int(horizon.timestamp() * 1000))
