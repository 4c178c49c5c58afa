"""Accounts and their session tokens."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import User
from townhall.store.rows import user_from_row
from townhall.store.schema import tokens, users

USER_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.global_name,
    users.c.avatar,
    users.c.bot,
    users.c.email,
    users.c.is_admin,
    users.c.flags,
)


class UsernameTaken(Exception):
    """The username (or email) is already used by another account."""


class EmailTaken(UsernameTaken):
    """The email, compared without regard to case, is another account's."""


async def _taken(conn: AsyncConnection, email: object, user_id: int) -> UsernameTaken:
    if isinstance(email, str):
        query = select(users.c.id).where(
            users.c.email_key == login_key(email), users.c.id != user_id
        )
        if (await conn.execute(query)).first() is not None:
            return EmailTaken()
    return UsernameTaken()


def login_key(value: str) -> str:
    """Usernames and emails are unique without regard to case."""
    return value.strip().casefold()


async def insert_user(conn: AsyncConnection, user: User, password_hash: str | None) -> User:
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(users).values(
                    id=user.id,
                    username=user.username,
                    username_key=login_key(user.username),
                    global_name=user.global_name,
                    email=user.email,
                    email_key=login_key(user.email) if user.email else None,
                    password_hash=password_hash,
                    bot=user.bot,
                    is_admin=user.is_admin,
                    flags=user.flags,
                )
            )
    except IntegrityError as error:
        raise await _taken(conn, user.email, user.id) from error
    return user


async def get_user(conn: AsyncConnection, user_id: int) -> User | None:
    row = (
        (await conn.execute(select(*USER_COLUMNS).where(users.c.id == user_id))).mappings().first()
    )
    return user_from_row(row) if row else None


async def get_users(conn: AsyncConnection, user_ids: Collection[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    result = await conn.execute(select(*USER_COLUMNS).where(users.c.id.in_(list(user_ids))))
    return {row["id"]: user_from_row(row) for row in result.mappings()}


async def find_login(conn: AsyncConnection, login: str) -> tuple[User, str] | None:
    """The person whose username or email is `login`, with its password hash (bots never sign
    in with a password; a username match wins over an email match)."""
    key = login_key(login)
    query = (
        select(*USER_COLUMNS, users.c.password_hash)
        .where((users.c.username_key == key) | (users.c.email_key == key), users.c.bot.is_(False))
        .order_by((users.c.username_key == key).desc())
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None or row["password_hash"] is None:
        return None
    return user_from_row(row), row["password_hash"]


async def find_user_by_name(conn: AsyncConnection, login: str) -> User | None:
    key = login_key(login)
    query = select(*USER_COLUMNS).where((users.c.username_key == key) | (users.c.email_key == key))
    row = (await conn.execute(query)).mappings().first()
    return user_from_row(row) if row else None


async def get_password_hash(conn: AsyncConnection, user_id: int) -> str | None:
    query = select(users.c.password_hash).where(users.c.id == user_id)
    value: str | None = (await conn.execute(query)).scalar_one_or_none()
    return value


async def update_user(conn: AsyncConnection, user_id: int, changes: Mapping[str, object]) -> None:
    """Apply column changes (username, global_name, email, password_hash, is_admin, avatar)."""
    values = dict(changes)
    if "username" in values:
        values["username_key"] = login_key(str(values["username"]))
    if "email" in values:
        email = values["email"]
        values["email_key"] = login_key(str(email)) if email else None
    if not values:
        return
    try:
        async with conn.begin_nested():
            await conn.execute(update(users).where(users.c.id == user_id).values(**values))
    except IntegrityError as error:
        raise await _taken(conn, values.get("email"), user_id) from error


async def insert_token(conn: AsyncConnection, token_hash: bytes, user_id: int, now_ms: int) -> None:
    await conn.execute(
        insert(tokens).values(token_hash=token_hash, user_id=user_id, created_at=now_ms)
    )


_USER_FOR_TOKEN = (
    select(*USER_COLUMNS)
    .select_from(tokens.join(users, users.c.id == tokens.c.user_id))
    .where(tokens.c.token_hash == bindparam("token_hash"))
)
"""Prebuilt, as are the other statements every request or IDENTIFY runs: building a statement and
its cache key costs more than executing it."""


async def user_for_token(conn: AsyncConnection, token_hash: bytes) -> User | None:
    row = (await conn.execute(_USER_FOR_TOKEN, {"token_hash": token_hash})).mappings().first()
    return user_from_row(row) if row else None


async def delete_token(conn: AsyncConnection, token_hash: bytes) -> None:
    await conn.execute(delete(tokens).where(tokens.c.token_hash == token_hash))


async def delete_tokens_of_user(
    conn: AsyncConnection, user_id: int, *, keep: bytes | None = None
) -> None:
    query = delete(tokens).where(tokens.c.user_id == user_id)
    if keep is not None:
        query = query.where(tokens.c.token_hash != keep)
    await conn.execute(query)
