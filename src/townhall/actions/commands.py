"""Application commands: an application registers them (global, or for one guild where its bot
is a member), a guild's managers set who may use them, and a person lists the ones they may use.

Registering is Discord's: POST is an upsert by type and name (201 new, 200 replaced), PUT
overwrites a scope's whole list keeping the ids of the commands it names again, and a command
gets a new `version` whenever it changes. The application's own bot or its owner manages its
commands; anyone else gets 50001, an unknown application 10002, an unknown command 10063.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import channel_access, guild_access
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.commands import (
    LIMITS,
    Command,
    CommandSpec,
    GuildCommandPermissions,
    MaximumCommands,
    UnknownCommand,
    given_ids,
    may_use,
    merged,
    parse_command,
    parse_commands,
    parse_permissions,
    usable_in_bot_dm,
    usable_in_guild,
)
from townhall.domain.models import Application, ChannelType
from townhall.domain.permissions import Permission, has
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import applications as application_store
from townhall.store import commands as command_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store


async def _managed(
    conn: AsyncConnection, actor: Actor, application_id: int, guild_id: int | None
) -> Application:
    """The application, if the actor is its bot or its owner; for a guild scope, the guild
    must exist and have the application's bot as a member."""
    application = await application_store.get_application(conn, application_id)
    if application is None:
        raise errors.UnknownApplication()
    if actor.id not in (application.bot_user_id, application.owner_id):
        raise errors.MissingAccess()
    if guild_id is not None and not await member_store.is_member(
        conn, guild_id, application.bot_user_id
    ):
        if await guild_store.get_guild(conn, guild_id) is None:
            raise errors.UnknownGuild()
        raise errors.MissingAccess()  # the application is not in that guild
    return application


def _in_scope(command: Command | None, guild_id: int | None) -> Command:
    if command is None or command.guild_id != guild_id:
        raise UnknownCommand()
    return command


async def list_commands(
    s: Services, actor: Actor, application_id: int, guild_id: int | None
) -> list[Command]:
    async with s.engine.connect() as conn:
        await _managed(conn, actor, application_id, guild_id)
        return await command_store.commands_of(conn, application_id, guild_id)


async def get_command(
    s: Services, actor: Actor, application_id: int, guild_id: int | None, command_id: int
) -> Command:
    async with s.engine.connect() as conn:
        await _managed(conn, actor, application_id, guild_id)
        return _in_scope(
            await command_store.get_command(conn, application_id, command_id), guild_id
        )


def _changed(command: Command, spec: CommandSpec, s: Services) -> Command:
    """The command with a new spec, and a new version only if something changed."""
    if spec == command.spec:
        return command
    return replace(command, spec=spec, version=s.ids.next_id())


async def create_command(
    s: Services, actor: Actor, application_id: int, guild_id: int | None, body: object
) -> tuple[Command, bool]:
    """Create, or replace the command of the same type and name; True when it is new."""
    spec = parse_command(body, guild_scoped=guild_id is not None)
    async with s.write() as tx:
        await _managed(tx.conn, actor, application_id, guild_id)
        existing = await command_store.find_by_name(
            tx.conn, application_id, guild_id, spec.type, spec.name
        )
        if existing is not None:
            command = _changed(existing, spec, s)
            if command is not existing:
                await command_store.replace_command(tx.conn, command)
            return command, False
        count = await command_store.count_of_type(tx.conn, application_id, guild_id, spec.type)
        if count >= LIMITS[spec.type]:
            raise MaximumCommands()
        command = Command(s.ids.next_id(), application_id, guild_id, s.ids.next_id(), spec)
        await command_store.insert_command(tx.conn, command)
    return command, True


async def edit_command(
    s: Services,
    actor: Actor,
    application_id: int,
    guild_id: int | None,
    command_id: int,
    patch: Mapping[str, object],
) -> Command:
    """Replace the fields the patch names. A renamed command loses its permissions."""
    async with s.write() as tx:
        await _managed(tx.conn, actor, application_id, guild_id)
        found = await command_store.get_command(tx.conn, application_id, command_id)
        existing = _in_scope(found, guild_id)
        spec = merged(existing.spec, patch, guild_scoped=guild_id is not None)
        if spec.name != existing.spec.name:
            clash = await command_store.find_by_name(
                tx.conn, application_id, guild_id, spec.type, spec.name
            )
            if clash is not None:
                raise errors.InvalidFormBody.field(
                    "name",
                    "Application command names must be unique",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                )
            await command_store.clear_permissions(tx.conn, existing.id)  # as on Discord
        command = _changed(existing, spec, s)
        if command is not existing:
            await command_store.replace_command(tx.conn, command)
    return command


async def delete_command(
    s: Services, actor: Actor, application_id: int, guild_id: int | None, command_id: int
) -> None:
    async with s.write() as tx:
        await _managed(tx.conn, actor, application_id, guild_id)
        _in_scope(await command_store.get_command(tx.conn, application_id, command_id), guild_id)
        await command_store.delete_commands(tx.conn, [command_id])


async def overwrite_commands(
    s: Services, actor: Actor, application_id: int, guild_id: int | None, body: object
) -> list[Command]:
    """PUT: the scope's commands become exactly these (what `tree.sync()` sends). A command
    named again (by id, or by type and name) keeps its id, and its version when unchanged."""
    specs = parse_commands(body, guild_scoped=guild_id is not None)
    ids = given_ids(body)
    async with s.write() as tx:
        await _managed(tx.conn, actor, application_id, guild_id)
        existing = await command_store.commands_of(tx.conn, application_id, guild_id)
        by_id = {c.id: c for c in existing}
        by_name = {(c.spec.type, c.spec.name): c for c in existing}
        kept: list[Command] = []
        claimed: set[int] = set()
        for index, spec in enumerate(specs):
            given = ids[index] if index < len(ids) else None
            old = by_id.get(given) if given is not None else None
            old = old or by_name.get((spec.type, spec.name))
            if old is not None and old.id not in claimed and old.spec.type is spec.type:
                claimed.add(old.id)
                kept.append(_changed(old, spec, s))
            else:
                kept.append(
                    Command(s.ids.next_id(), application_id, guild_id, s.ids.next_id(), spec)
                )
        gone = [c.id for c in existing if c.id not in claimed]
        await command_store.delete_commands(tx.conn, gone)
        for command in kept:
            if command.id not in by_id:
                await command_store.insert_command(tx.conn, command)
            elif command is not by_id[command.id]:
                await command_store.replace_command(tx.conn, command)
    return kept


# -- permissions ---------------------------------------------------------------------------------


async def guild_command_permissions(
    s: Services, actor: Actor, application_id: int, guild_id: int
) -> list[GuildCommandPermissions]:
    async with s.engine.connect() as conn:
        await _managed(conn, actor, application_id, guild_id)
        return await command_store.permissions_in_guild(conn, [application_id], guild_id)


async def command_permissions(
    s: Services, actor: Actor, application_id: int, guild_id: int, command_id: int
) -> GuildCommandPermissions:
    """One command's overwrites in the guild (`command_id` may be the application's id: its
    overwrites for all of its commands). None set is 10066-like on Discord; townhall answers
    an empty list, which is what they amount to."""
    async with s.engine.connect() as conn:
        await _managed(conn, actor, application_id, guild_id)
        await _permission_target(conn, application_id, guild_id, command_id)
        found = await command_store.permissions_of(conn, guild_id, [command_id])
    return found.get(command_id) or GuildCommandPermissions(command_id, application_id, guild_id)


async def _permission_target(
    conn: AsyncConnection, application_id: int, guild_id: int, command_id: int
) -> None:
    if command_id == application_id:
        return
    command = await command_store.get_command(conn, application_id, command_id)
    if command is None or command.guild_id not in (None, guild_id):
        raise UnknownCommand()


async def set_command_permissions(
    s: Services,
    actor: Actor,
    application_id: int,
    guild_id: int,
    command_id: int,
    body: object,
) -> GuildCommandPermissions:
    """PUT `…/commands/{id}/permissions`. On Discord only a person's OAuth2 token may (a bot's is
    refused); here a person who may manage the guild and its roles, in a guild with the bot."""
    if actor.user.bot:
        raise errors.BotsCannotUse()
    overwrites = parse_permissions(body, guild_id)
    async with s.write() as tx:
        application = await application_store.get_application(tx.conn, application_id)
        if application is None:
            raise errors.UnknownApplication()
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_GUILD | Permission.MANAGE_ROLES)
        if not await member_store.is_member(tx.conn, guild_id, application.bot_user_id):
            raise errors.MissingAccess()
        await _permission_target(tx.conn, application_id, guild_id, command_id)
        changed = GuildCommandPermissions(command_id, application_id, guild_id, overwrites)
        await command_store.set_permissions(tx.conn, changed)
        tx.emit(
            Event(
                catalog.APPLICATION_COMMAND_PERMISSIONS_UPDATE,
                changed,
                guild_id=guild_id,
                user_ids=frozenset({application.bot_user_id}),
            )
        )
    return changed


# -- what a person may use -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandIndex:
    applications: list[Application]
    commands: list[Command]
    version: int


async def command_index(
    s: Services, actor: Actor, guild_id: int, channel_id: int | None = None
) -> CommandIndex:
    """The applications of a guild and the commands the actor may use there (in `channel_id`,
    when given; else in the guild at large)."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        if channel_id is not None:
            channel = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
            if channel.channel.guild_id != guild_id:
                raise errors.UnknownChannel()
            permissions, where = channel.permissions, channel_id
        else:
            permissions, where = access.permissions, 0
        found = await command_store.applications_in_guild(conn, guild_id)
        ids = [a.id for a in found]
        commands = await command_store.usable_in_guild(conn, ids, guild_id)
        overwrites = {
            p.id: p.permissions
            for p in await command_store.permissions_in_guild(conn, ids, guild_id)
        }
    if not has(permissions, Permission.USE_APPLICATION_COMMANDS):
        commands = []
    usable = [
        c
        for c in commands
        if usable_in_guild(c.spec)
        and may_use(
            c.spec,
            guild_id=guild_id,
            user_id=actor.id,
            role_ids=access.member.role_ids,
            channel_id=where,
            channel_permissions=permissions,
            command_overwrites=overwrites.get(c.id, ()),
            application_overwrites=overwrites.get(c.application_id, ()),
        )
    ]
    version = max((c.version for c in commands), default=0)
    listed = [a for a in found if any(c.application_id == a.id for c in usable)]
    return CommandIndex(listed, usable, version)


async def channel_command_index(s: Services, actor: Actor, channel_id: int) -> CommandIndex:
    """Discord's `GET /channels/{id}/application-command-index`: in the DM with an
    application's bot, its global commands that work there (context BOT_DM); in any other DM
    or group DM none (those need user-installed applications); in a guild channel, the guild's
    index for that channel."""
    async with s.engine.connect() as conn:
        channel = (await channel_access(conn, actor.user, channel_id, s.now(), s.cache)).channel
        others = [u for u in channel.recipient_ids if u != actor.id]
        application = None
        if channel.type is ChannelType.DM and others:
            application = await application_store.application_for_bot(conn, others[0])
        found = []
        if application is not None:
            found = await command_store.commands_of(conn, application.id, None)
    if channel.guild_id is not None:
        return await command_index(s, actor, channel.guild_id, channel_id)
    if application is None:
        return CommandIndex([], [], 0)
    usable = [c for c in found if usable_in_bot_dm(c.spec)]
    version = max((c.version for c in found), default=0)
    return CommandIndex([application] if usable else [], usable, version)
