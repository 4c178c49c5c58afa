"""Webhooks: the model, Discord's name rules and errors."""

from __future__ import annotations

from dataclasses import dataclass

from townhall.domain import errors

INCOMING = 1
"""Discord's webhook type 1: posts messages to its channel with a token."""

NAME_MAX = 80
FORBIDDEN_NAMES = ("clyde", "discord")


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    guild_id: int
    channel_id: int
    user_id: int | None
    name: str
    avatar: str | None = None


class UnknownWebhook(errors.NotFound):
    code, message = 10015, "Unknown Webhook"


class InvalidWebhookToken(errors.Unauthorized):
    code, message = 50027, "Invalid Webhook Token"


def require_name(name: object, field: str = "name") -> str:
    """1-80 characters, not containing "clyde" or "discord" (Discord's rules)."""
    if not isinstance(name, str):
        raise errors.InvalidFormBody.field(field, "Must be a string.", "BASE_TYPE_STRING")
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise errors.InvalidFormBody.field(
            field, f"Must be between 1 and {NAME_MAX} in length.", "BASE_TYPE_BAD_LENGTH"
        )
    lowered = name.lower()
    for word in FORBIDDEN_NAMES:
        if word in lowered:
            raise errors.InvalidFormBody.field(
                field, f'Username cannot contain "{word}"', "USERNAME_INVALID_CONTAINS"
            )
    return name
