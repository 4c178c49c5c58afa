"""Accounts: registration, login, tokens, profile changes, and operator commands."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from townhall.actions import invites as invite_actions
from townhall.actions import login_limits
from townhall.actions.services import Services
from townhall.config import Registration
from townhall.domain import errors, validation
from townhall.domain import guests as guest_rules
from townhall.domain.actor import Actor
from townhall.domain.models import UNSET, Unset, User
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import guests as guest_store
from townhall.store import members as member_store
from townhall.store import users as user_store


def new_token(user_id: int) -> str:
    """A Discord-shaped token: the base64 user id, then 256 random bits."""
    prefix = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{prefix}.{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> bytes:
    """Tokens are stored only as SHA-256: a stolen database holds no usable token."""
    return hashlib.sha256(token.encode()).digest()


async def issue_token(s: Services, user_id: int) -> str:
    token = new_token(user_id)
    async with s.write() as tx:
        await user_store.insert_token(tx.conn, token_hash(token), user_id, s.now_ms())
    return token


async def authenticate(s: Services, token: str) -> User | None:
    hashed = token_hash(token)
    user = s.cache.user(hashed)
    if user is None:
        seen = s.cache.version
        async with s.engine.connect() as conn:
            user = await user_store.user_for_token(conn, hashed)
        if user is not None:
            s.cache.put_user(hashed, user, seen)
    return user


def tokens_revoked(user_id: int) -> Event[int]:
    """Every node forgets the user's cached tokens and ends sessions opened with a revoked one
    (no client hears this event)."""
    return Event(catalog.TOKENS_REVOKED, user_id)


async def create_user(
    s: Services,
    username: str,
    password: str | None,
    *,
    email: str | None = None,
    global_name: str | None = None,
    bot: bool = False,
    is_admin: bool = False,
) -> User:
    """Create an account (registration, operators, and bot users all come here)."""
    if not bot:
        validation.username(username)
    if password is not None:
        validation.password(password)
    if email is not None:
        validation.email(email)
    user = User(
        id=s.ids.next_id(),
        username=username,
        global_name=global_name,
        email=email,
        bot=bot,
        is_admin=is_admin,
    )
    password_hash = await s.hash_password(password) if password is not None else None
    try:
        async with s.write() as tx:
            await user_store.insert_user(tx.conn, user, password_hash)
    except user_store.EmailTaken:
        raise _email_taken() from None
    except user_store.UsernameTaken:
        raise errors.InvalidFormBody.field(
            "username",
            "Username is unavailable. Try adding numbers, letters, underscores _ , or periods.",
            "USERNAME_ALREADY_TAKEN",
        ) from None
    return user


async def register(
    s: Services,
    username: str,
    password: str,
    *,
    email: str | None = None,
    invite: str | None = None,
) -> tuple[User, str]:
    """Self-service sign-up, as the server's registration mode allows; joins the invite's guild."""
    mode = s.settings.registration
    if mode is Registration.CLOSED:
        raise errors.RegistrationClosed()
    if mode is Registration.INVITE and not invite:
        raise errors.RegistrationClosed("Registration on this server needs an invite")
    if invite:
        # Check the code before creating anything: a bad code must not leave an account behind.
        await invite_actions.require_usable_invite(s, invite)
    user = await create_user(s, username, password, email=email)
    if invite:
        await invite_actions.accept_invite(s, Actor.of(user), invite)
    return user, await issue_token(s, user.id)


async def login(
    s: Services, login: str, password: str, *, device_token: str | None = None
) -> tuple[User, str, str]:
    """Sign in: (user, new token, the device token to present at the next sign-in).

    Failures back off per account (actions/login_limits.py); a known device is never held back.
    """
    async with s.engine.connect() as conn:
        found = await user_store.find_login(conn, login)
    key = login_limits.account_key(found[0].id if found else None, user_store.login_key(login))
    if found is None or not await login_limits.is_known_device(s, found[0].id, device_token):
        await login_limits.require_no_backoff(s, key)
    if found is None:
        # Spend the same time as a real check, so timing does not reveal which accounts exist.
        await s.verify_password(await _dummy_hash(s), password)
        await login_limits.record_failure(s, key)
        raise errors.InvalidCredentials()
    user, password_hash = found
    if not await s.verify_password(password_hash, password) or user.bot:
        await login_limits.record_failure(s, key)
        raise errors.InvalidCredentials()
    device_token = await login_limits.record_success(s, key, user.id, device_token)
    if s.passwords.check_needs_rehash(password_hash):
        new_hash = await s.hash_password(password)
        async with s.write() as tx:
            await user_store.update_user(tx.conn, user.id, {"password_hash": new_hash})
    return user, await issue_token(s, user.id), device_token


async def logout(s: Services, actor: Actor, token: str) -> None:
    async with s.write() as tx:
        await user_store.delete_token(tx.conn, token_hash(token))
        tx.emit(tokens_revoked(actor.id))


async def logout_everywhere(s: Services, actor: Actor) -> None:
    """Every token of the account stops working; its gateway sessions end."""
    async with s.write() as tx:
        await user_store.delete_tokens_of_user(tx.conn, actor.id)
        tx.emit(tokens_revoked(actor.id))


@dataclass(frozen=True)
class ProfilePatch:
    username: str | Unset = UNSET
    global_name: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    password: str | Unset = UNSET
    """The current password: needed to change username, email or password."""
    new_password: str | Unset = UNSET


async def modify_current_user(
    s: Services, actor: Actor, patch: ProfilePatch
) -> tuple[User, str | None]:
    """Change one's own profile; a new password revokes every other token and returns a new one.

    A guest keeps their account this way (domain/guests.py): an email and a new password, where
    registration is not closed, and no current password (a guest has none); their tokens stay."""
    changes: dict[str, object] = {}
    if actor.user.bot:
        _refuse_bot_credentials(patch)
    keeping = guest_rules.is_guest(actor.user) and not (
        isinstance(patch.email, Unset) and isinstance(patch.new_password, Unset)
    )
    if keeping:
        _require_keepable(s, patch)
        changes["flags"] = actor.user.flags & ~guest_rules.GUEST
    sensitive = not isinstance(patch.new_password, Unset) or not isinstance(patch.email, Unset)
    if not isinstance(patch.username, Unset) and patch.username != actor.user.username:
        changes["username"] = validation.username(patch.username)
        sensitive = sensitive or not actor.user.bot
    if not isinstance(patch.global_name, Unset):
        name = patch.global_name
        changes["global_name"] = (
            validation.text_name(name, "global_name", 1, validation.GLOBAL_NAME_MAX)
            if name
            else None
        )
    if not isinstance(patch.email, Unset):
        changes["email"] = validation.email(patch.email) if patch.email else None
    if sensitive and not actor.user.bot and not keeping:
        async with s.engine.connect() as conn:
            stored = await user_store.get_password_hash(conn, actor.id)
        given = patch.password if isinstance(patch.password, str) else ""
        if stored is None or not await s.verify_password(stored, given):
            raise errors.InvalidFormBody.field(
                "password", "Password does not match.", "PASSWORD_DOES_NOT_MATCH"
            )
    new_token_value: str | None = None
    if isinstance(patch.new_password, str):
        changes["password_hash"] = await s.hash_password(
            validation.password(patch.new_password, "new_password")
        )
    # A guest's first password replaces no credential: their sessions stay signed in.
    revoking = "password_hash" in changes and not keeping
    try:
        async with s.write() as tx:
            if keeping and not await guest_store.is_open(tx.conn, actor.id):
                raise errors.Unauthorized()  # the guest's time ran out a moment ago
            await user_store.update_user(tx.conn, actor.id, changes)
            if keeping:
                for guild_id in await guest_store.keep_account(tx.conn, actor.id):
                    member = await member_store.get_member(tx.conn, guild_id, actor.id)
                    if member is not None:
                        tx.emit(Event(catalog.GUILD_MEMBER_UPDATE, member, guild_id=guild_id))
            if revoking:
                await user_store.delete_tokens_of_user(tx.conn, actor.id)
                tx.emit(tokens_revoked(actor.id))
            user = await user_store.get_user(tx.conn, actor.id)
            assert user is not None
            if changes.keys() & {"username", "global_name", "email", "flags"}:
                tx.emit(Event(catalog.USER_UPDATE, user, user_ids=frozenset({actor.id})))
    except user_store.EmailTaken:
        raise _email_taken() from None
    except user_store.UsernameTaken:
        raise errors.InvalidFormBody.field(
            "username", "Username is unavailable.", "USERNAME_ALREADY_TAKEN"
        ) from None
    if revoking:
        new_token_value = await issue_token(s, actor.id)
    return user, new_token_value


def _require_keepable(s: Services, patch: ProfilePatch) -> None:
    """What a guest needs to keep their account: registration open to them, an email, a password."""
    if s.settings.registration is Registration.CLOSED:
        raise errors.RegistrationClosed()
    for name in ("email", "new_password"):
        if not isinstance(getattr(patch, name), str) or not getattr(patch, name):
            raise errors.InvalidFormBody.field(
                name, "Required to keep a guest account.", "BASE_TYPE_REQUIRED"
            )


def _email_taken() -> errors.InvalidFormBody:
    return errors.InvalidFormBody.field(
        "email", "Email is already registered.", "EMAIL_ALREADY_REGISTERED"
    )


def _refuse_bot_credentials(patch: ProfilePatch) -> None:
    """Bots have no password and no email: they sign in with their token only, which the
    application's owner can reset. A password would outlive that reset."""
    for name in ("new_password", "email", "password"):
        if not isinstance(getattr(patch, name), Unset):
            raise errors.InvalidFormBody.field(
                name, "Bots cannot have a password or an email address.", "BASE_TYPE_INVALID"
            )


async def get_user(s: Services, actor: Actor, user_id: int) -> User:
    async with s.engine.connect() as conn:
        user = await user_store.get_user(conn, user_id)
    if user is None:
        raise errors.UnknownUser()
    return user


async def set_instance_admin(s: Services, user_id: int, is_admin: bool) -> None:
    """Operators only (CLI): make a user an administrator of this townhall instance."""
    async with s.write() as tx:
        if await user_store.get_user(tx.conn, user_id) is None:
            raise errors.UnknownUser()
        await user_store.update_user(tx.conn, user_id, {"is_admin": is_admin})


async def reset_password(s: Services, user_id: int, password: str) -> None:
    """Operators only (CLI): set a new password and sign the user out everywhere."""
    password_hash = await s.hash_password(validation.password(password))
    async with s.write() as tx:
        if await user_store.get_user(tx.conn, user_id) is None:
            raise errors.UnknownUser()
        await user_store.update_user(tx.conn, user_id, {"password_hash": password_hash})
        await user_store.delete_tokens_of_user(tx.conn, user_id)
        tx.emit(tokens_revoked(user_id))


async def find_user_id(s: Services, login: str) -> int:
    """Resolve a username, email or id, for operator commands."""
    async with s.engine.connect() as conn:
        if login.isdigit() and (user := await user_store.get_user(conn, int(login))):
            return user.id
        found = await user_store.find_user_by_name(conn, login)
    if found is None:
        raise errors.UnknownUser()
    return found.id


_dummy: dict[int, str] = {}


async def _dummy_hash(s: Services) -> str:
    """A real hash with this server's parameters, checked when no account matches a login."""
    key = id(s.passwords)
    if key not in _dummy:
        _dummy[key] = await s.hash_password(secrets.token_hex(16))
    return _dummy[key]
