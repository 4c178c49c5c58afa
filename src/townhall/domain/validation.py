"""Limits and shape rules for what users type, as Discord documents them."""

from __future__ import annotations

import re

from townhall.domain.errors import InvalidFormBody

USERNAME = re.compile(r"^[a-z0-9_.]{2,32}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 256
GLOBAL_NAME_MAX = 32
GUILD_NAME_MIN, GUILD_NAME_MAX = 2, 100
CHANNEL_NAME_MAX = 100
TOPIC_MAX = 1024
ROLE_NAME_MAX = 100
NICK_MAX = 32
MAX_GUILDS_PER_USER = 100


def username(value: str, path: str = "username") -> str:
    """Discord's new usernames: 2-32 of lowercase letters, digits, `_` and `.`, no `..`."""
    if not USERNAME.match(value) or ".." in value:
        raise InvalidFormBody.field(
            path,
            "Username may only contain lowercase letters, numbers, '_' and '.', 2-32 characters.",
            "USERNAME_INVALID_CHARACTERS",
        )
    return value


EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def email(value: str, path: str = "email") -> str:
    """`local@domain`, no spaces, at most 254 characters; kept as typed (compared casefolded)."""
    if len(value) > EMAIL_MAX or not _EMAIL.match(value):
        raise InvalidFormBody.field(
            path, "Not a well formed email address.", "EMAIL_TYPE_INVALID_EMAIL"
        )
    return value


def password(value: str, path: str = "password") -> str:
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise InvalidFormBody.field(
            path,
            f"Must be between {PASSWORD_MIN} and {PASSWORD_MAX} in length.",
            "BASE_TYPE_BAD_LENGTH",
        )
    return value


def length(value: str, path: str, minimum: int, maximum: int) -> str:
    if not minimum <= len(value) <= maximum:
        raise InvalidFormBody.field(
            path, f"Must be between {minimum} and {maximum} in length.", "BASE_TYPE_BAD_LENGTH"
        )
    return value


def text_name(value: str, path: str, minimum: int, maximum: int) -> str:
    """A display name: trimmed, within bounds, not blank."""
    value = value.strip()
    return length(value, path, minimum, maximum)
