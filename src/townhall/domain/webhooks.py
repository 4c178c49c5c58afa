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


class ForumPostNeedsThread(errors.TownhallError):
    code = 220001
    message = "Webhooks posted to forum channels must have a thread_name or thread_id"


class ForumPostWithNameAndThread(errors.TownhallError):
    code = 220002
    message = "Webhooks posted to forum channels cannot have both a thread_name and thread_id"


class ThreadNameOutsideForum(errors.TownhallError):
    code, message = 220003, "Webhooks can only create threads in forum channels"


class ServiceInForum(errors.TownhallError):
    code, message = 220004, "Webhook services cannot be used in forum channels"


def require_thread_choice(
    *, forum: bool, thread_id: int | None, thread_name: str | None, service: bool = False
) -> None:
    """An execute's `thread_id` and `thread_name` against its webhook's channel (Discord's
    220001 to 220004): a forum's webhook names a post or starts one, no other webhook starts one.
    `service`: the Slack- or GitHub-shaped routes, which cannot start a post."""
    if thread_name is not None and not forum:
        raise ThreadNameOutsideForum()
    if not forum or (thread_id is not None and thread_name is None):
        return
    if thread_id is not None:
        raise ForumPostWithNameAndThread()
    if service:
        raise ServiceInForum()
    if thread_name is None:
        raise ForumPostNeedsThread()


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
