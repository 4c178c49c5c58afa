"""Bot applications: create one, read and edit it, and reset its bot's token.

Discord creates applications in its developer portal; townhall has no portal, so a signed-in person
creates one through `POST /applications` and gets Discord's application object back. Each
application has exactly one bot: a `users` row with `bot=True` and no password, whose id is also
the application's id (as for every Discord application made since 2016), so that an invite link's
`client_id` and the bot's user id are the same number.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import accounts, interaction_endpoints
from townhall.actions.services import Services
from townhall.domain import errors, validation
from townhall.domain import guests as guest_rules
from townhall.domain.actor import Actor
from townhall.domain.applications import (
    DESCRIPTION_MAX,
    MAX_APPLICATIONS_PER_OWNER,
    NAME_MAX,
    NAME_MIN,
    bot_username,
    bot_username_with_suffix,
    change_intent_flags,
)
from townhall.domain.interactions import new_signing_key
from townhall.domain.models import UNSET, Application, Unset, User
from townhall.store import applications as application_store
from townhall.store import interactions as interaction_store
from townhall.store import users as user_store


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """An application with the two users its JSON shows: the owner and the bot."""

    application: Application
    owner: User
    bot: User


@dataclass(frozen=True)
class ApplicationPatch:
    name: str | Unset = UNSET
    description: str | Unset = UNSET
    flags: int | Unset = UNSET
    bot_public: bool | Unset = UNSET
    interactions_endpoint_url: str | Unset | None = UNSET
    """Where interactions go instead of the gateway; it must answer a PING first
    (actions/interaction_endpoints.py). None (or "") removes it."""


async def create_application(
    s: Services, actor: Actor, name: str, description: str = ""
) -> ApplicationView:
    """A new application and its bot user; the bot has no token until the owner resets it."""
    if actor.user.bot:
        raise errors.BotsCannotUse()
    guest_rules.require_full_account(actor.user)
    name = validation.text_name(name, "name", NAME_MIN, NAME_MAX)
    description = validation.length(description, "description", 0, DESCRIPTION_MAX)
    async with s.write() as tx:
        owned = await application_store.count_applications_of_owner(tx.conn, actor.id)
        if owned >= MAX_APPLICATIONS_PER_OWNER:
            raise errors.InvalidFormBody(
                {
                    "_errors": [
                        {
                            "code": "TOO_MANY_APPLICATIONS",
                            "message": f"Maximum number of applications reached "
                            f"({MAX_APPLICATIONS_PER_OWNER})",
                        }
                    ]
                }
            )
        bot = await _insert_bot_user(tx.conn, s, name)
        seed, verify_key = new_signing_key()  # signs what goes to its interactions endpoint
        application = Application(
            id=bot.id,
            name=name,
            owner_id=actor.id,
            bot_user_id=bot.id,
            description=description,
            verify_key=verify_key,
        )
        await application_store.insert_application(tx.conn, application)
        await interaction_store.set_signing_key(tx.conn, application.id, seed, verify_key)
    return ApplicationView(application, actor.user, bot)


async def _insert_bot_user(conn: AsyncConnection, s: Services, application_name: str) -> User:
    """The bot's user, named after the application; a random suffix when the name is taken.

    Written here rather than through `accounts.create_user` so that the bot and its application
    are stored in one transaction: a failure leaves neither behind.
    """
    base = bot_username(application_name)
    for username in _bot_usernames(base):
        bot = User(id=s.ids.next_id(), username=username, global_name=application_name, bot=True)
        try:
            return await user_store.insert_user(conn, bot, None)
        except user_store.UsernameTaken:
            continue
    raise errors.InvalidFormBody.field(
        "name", "Too many bots have this name already.", "USERNAME_TOO_MANY_USERS"
    )


def _bot_usernames(base: str) -> Iterator[str]:
    yield base
    for _ in range(5):
        yield bot_username_with_suffix(base, f"{secrets.randbelow(10_000):04d}")


async def list_applications(s: Services, actor: Actor) -> list[ApplicationView]:
    """The applications the actor owns (a townhall addition: Discord lists them in its portal)."""
    async with s.engine.connect() as conn:
        found = await application_store.applications_of_owner(conn, actor.id)
        bots = await user_store.get_users(conn, {a.bot_user_id for a in found})
    return [
        ApplicationView(a, actor.user, bots[a.bot_user_id]) for a in found if a.bot_user_id in bots
    ]


async def get_application(s: Services, actor: Actor, application_id: int) -> ApplicationView:
    async with s.engine.connect() as conn:
        application = await _owned(conn, actor, application_id)
        return await _view(conn, application)


async def modify_application(
    s: Services, actor: Actor, application_id: int, patch: ApplicationPatch
) -> ApplicationView:
    """The owner edits name, description, intent flags or whether anyone may add the bot."""
    if isinstance(patch.interactions_endpoint_url, str) and patch.interactions_endpoint_url:
        async with s.engine.connect() as conn:
            await _owned(conn, actor, application_id)  # before anything is sent anywhere
        await interaction_endpoints.verify(s, application_id, patch.interactions_endpoint_url)
    async with s.write() as tx:
        application = await _owned(tx.conn, actor, application_id)
        await _apply(tx.conn, application, patch)
        return await _view(tx.conn, await _reload(tx.conn, application.id))


async def get_current_application(s: Services, actor: Actor) -> ApplicationView:
    """The requesting bot's own application (`GET /applications/@me`, `/oauth2/applications/@me`).

    A person's token gets 403 with Discord's code 20002 "Only bots can use this endpoint": the
    token is valid (so not 401, which would make a client sign its user out), it just names no
    application.
    """
    async with s.engine.connect() as conn:
        application = await _bot_application(conn, actor)
        return await _view(conn, application)


async def modify_current_application(
    s: Services, actor: Actor, patch: ApplicationPatch
) -> ApplicationView:
    """The bot edits its own application (description and intent flags, as on Discord)."""
    if isinstance(patch.interactions_endpoint_url, str) and patch.interactions_endpoint_url:
        async with s.engine.connect() as conn:
            application = await _bot_application(conn, actor)
        await interaction_endpoints.verify(s, application.id, patch.interactions_endpoint_url)
    async with s.write() as tx:
        application = await _bot_application(tx.conn, actor)
        await _apply(tx.conn, application, patch)
        return await _view(tx.conn, await _reload(tx.conn, application.id))


async def reset_bot_token(s: Services, actor: Actor, application_id: int) -> str:
    """A new token for the bot; every earlier token and gateway session stops working at once."""
    async with s.write() as tx:
        application = await _owned(tx.conn, actor, application_id)
        token = accounts.new_token(application.bot_user_id)
        await user_store.delete_tokens_of_user(tx.conn, application.bot_user_id)
        # Nothing but the new token opens the bot: no password or email (an older server let a
        # bot set one) survives the reset.
        await user_store.update_user(
            tx.conn, application.bot_user_id, {"password_hash": None, "email": None}
        )
        await user_store.insert_token(
            tx.conn, accounts.token_hash(token), application.bot_user_id, s.now_ms()
        )
        tx.emit(accounts.tokens_revoked(application.bot_user_id))
    return token


async def require_application_access(s: Services, actor: Actor, application_id: int) -> None:
    """The application's own bot or its owner; 10002 when there is none, 50001 for others."""
    async with s.engine.connect() as conn:
        application = await application_store.get_application(conn, application_id)
    if application is None:
        raise errors.UnknownApplication()
    if actor.id not in (application.bot_user_id, application.owner_id):
        raise errors.MissingAccess()


async def application_for_bot(s: Services, bot_user_id: int) -> Application | None:
    """The application a bot user belongs to; the gateway reads its flags at IDENTIFY."""
    async with s.engine.connect() as conn:
        return await application_store.application_for_bot(conn, bot_user_id)


async def _owned(conn: AsyncConnection, actor: Actor, application_id: int) -> Application:
    """An application the actor owns: 404 10002 when there is none, 403 50013 when not theirs."""
    application = await application_store.get_application(conn, application_id)
    if application is None:
        raise errors.UnknownApplication()
    if application.owner_id != actor.id:
        raise errors.MissingPermissions()
    return application


async def _bot_application(conn: AsyncConnection, actor: Actor) -> Application:
    if not actor.user.bot:
        raise errors.OnlyBotsCanUse()
    application = await application_store.application_for_bot(conn, actor.id)
    if application is None:
        raise errors.UnknownApplication()
    return application


async def _reload(conn: AsyncConnection, application_id: int) -> Application:
    application = await application_store.get_application(conn, application_id)
    assert application is not None
    return application


async def _apply(conn: AsyncConnection, application: Application, patch: ApplicationPatch) -> None:
    changes: dict[str, object] = {}
    if isinstance(patch.name, str):
        changes["name"] = validation.text_name(patch.name, "name", NAME_MIN, NAME_MAX)
    if isinstance(patch.description, str):
        changes["description"] = validation.length(
            patch.description, "description", 0, DESCRIPTION_MAX
        )
    if isinstance(patch.flags, int):
        changes["flags"] = change_intent_flags(application.flags, patch.flags)
    if isinstance(patch.bot_public, bool):
        changes["bot_public"] = patch.bot_public
    if not isinstance(patch.interactions_endpoint_url, Unset):
        changes["interactions_endpoint_url"] = patch.interactions_endpoint_url or None
    await application_store.update_application(conn, application.id, changes)


async def _view(conn: AsyncConnection, application: Application) -> ApplicationView:
    users = await user_store.get_users(conn, {application.owner_id, application.bot_user_id})
    return ApplicationView(application, users[application.owner_id], users[application.bot_user_id])
