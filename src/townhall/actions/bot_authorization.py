"""Adding a bot to a guild: Discord's bot authorization flow (`/oauth2/authorize?scope=bot`).

A person with MANAGE_GUILD picks one of their guilds and the permissions to give; the bot becomes a
member holding a managed role, named after the application, with exactly those permissions. As on
Discord: nobody grants a bot permissions they lack themselves (the owner and administrators hold
them all); a private application (`bot_public: false`) is added by its owner only; a banned bot
stays out; and no role is made when no permission is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import guilds as guild_actions
from townhall.actions.access import guild_access
from townhall.actions.applications import ApplicationView
from townhall.actions.roles import MAX_ROLES, NEW_ROLE_POSITION, role_created
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.models import Application, Guild, Role
from townhall.domain.permissions import Permission, has, parse_permissions
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import applications as application_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store
from townhall.store import users as user_store


@dataclass(frozen=True, slots=True)
class AuthorizationView:
    """What the consent screen shows: the application and the guilds the bot may be added to."""

    application: ApplicationView
    guilds: list[tuple[Guild, int]]
    """Each guild where the actor has MANAGE_GUILD, with the actor's permissions there."""


def requested_permissions(value: str | int | None) -> int:
    """The `permissions` of an authorization: a decimal bitfield, 0 when absent."""
    if value is None or value == "":
        return 0
    try:
        return parse_permissions(value)
    except ValueError:
        raise errors.InvalidFormBody.field(
            "permissions", "Not a valid permission bitfield.", "NUMBER_TYPE_COERCE"
        ) from None


async def authorization_info(s: Services, actor: Actor, client_id: int) -> AuthorizationView:
    if actor.user.bot:
        raise errors.BotsCannotUse()
    async with s.engine.connect() as conn:
        application = await _addable(conn, actor, client_id)
        users = await user_store.get_users(conn, {application.owner_id, application.bot_user_id})
    view = ApplicationView(application, users[application.owner_id], users[application.bot_user_id])
    mine = await guild_actions.list_current_user_guilds(
        s, actor, before=None, after=None, limit=200, with_counts=False
    )
    guilds = [
        (guild, permissions)
        for guild, permissions, _count in mine
        if has(permissions, Permission.MANAGE_GUILD)
    ]
    return AuthorizationView(view, guilds)


async def add_bot_to_guild(
    s: Services, actor: Actor, client_id: int, guild_id: int, permissions: int
) -> bool:
    """Add the application's bot to the guild; False when it already was a member (no change)."""
    if actor.user.bot:
        raise errors.BotsCannotUse()
    async with s.write() as tx:
        application = await _addable(tx.conn, actor, client_id)
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_GUILD)
        if not has(access.permissions, permissions):
            raise errors.MissingPermissions()
        bot_id = application.bot_user_id
        if await member_store.is_banned(tx.conn, guild_id, bot_id):
            raise errors.BannedFromGuild()
        if not await member_store.insert_member(tx.conn, guild_id, bot_id, s.now_ms()):
            return False
        role: Role | None = None
        if permissions:
            if len(access.roles) >= MAX_ROLES:
                raise errors.MaxRoles()
            role = Role(
                id=s.ids.next_id(),
                guild_id=guild_id,
                name=application.name,
                permissions=permissions,
                position=NEW_ROLE_POSITION,
                managed=True,
                bot_id=bot_id,
            )
            await guild_store.make_room_for_role(tx.conn, guild_id, NEW_ROLE_POSITION)
            await guild_store.insert_role(tx.conn, role)
            await member_store.add_member_role(tx.conn, guild_id, bot_id, role.id)
        member = await member_store.get_member(tx.conn, guild_id, bot_id)
        assert member is not None
        if role is not None:
            tx.emit(*role_created(access, role))
        tx.emit(
            Event(catalog.GUILD_MEMBER_ADD, member, guild_id=guild_id),
            Event(catalog.GUILD_CREATE, guild_id, guild_id=guild_id, user_ids=frozenset({bot_id})),
        )
    return True


async def _addable(conn: AsyncConnection, actor: Actor, client_id: int) -> Application:
    """The application behind `client_id`, if the actor may add its bot anywhere."""
    application = await application_store.get_application(conn, client_id)
    if application is None:
        raise errors.UnknownApplication()
    if not application.bot_public and application.owner_id != actor.id:
        raise errors.MissingPermissions()
    return application
