"""The moderation (audit) log: Discord's audit log entries, and who may read them.

Discord's audit log is guild-wide and needs VIEW_AUDIT_LOG. A community's group admins
(docs/communities.md) moderate one group each, with MANAGE_MESSAGES there only, so townhall lets
them read the entries of that one channel (`?channel_id=`) as well. Entries are kept with the
channel they happened in for that reason.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from townhall.domain import errors
from townhall.domain.permissions import Permission, has

REASON_MAX = 512
LIMIT_MAX, LIMIT_DEFAULT = 100, 50


class AuditLogEvent(enum.IntEnum):
    """Discord's audit log events (`action_type`) that townhall records."""

    MESSAGE_DELETE = 72
    """Someone else's message was deleted: target the author, options channel_id and count."""
    MESSAGE_BULK_DELETE = 73
    """Messages were deleted at once: target the channel, options count."""


@dataclass(frozen=True, slots=True)
class AuditLogEntry:
    id: int
    guild_id: int
    action_type: int
    user_id: int | None
    """Who did it."""
    target_id: int | None
    channel_id: int | None = None
    """Where it happened (townhall's, for a group admin's view of their group)."""
    options: Mapping[str, str] = field(default_factory=dict)
    """Discord's optional audit entry info: snowflakes and counts as strings."""
    reason: str | None = None


def message_deleted(
    entry_id: int,
    guild_id: int,
    moderator_id: int,
    author_id: int,
    channel_id: int,
    message_id: int,
    reason: str | None,
) -> AuditLogEntry:
    """Discord's MESSAGE_DELETE; `message_id` in its options is townhall's addition."""
    return AuditLogEntry(
        id=entry_id,
        guild_id=guild_id,
        action_type=AuditLogEvent.MESSAGE_DELETE,
        user_id=moderator_id,
        target_id=author_id,
        channel_id=channel_id,
        options={"channel_id": str(channel_id), "count": "1", "message_id": str(message_id)},
        reason=_reason(reason),
    )


def messages_bulk_deleted(
    entry_id: int,
    guild_id: int,
    moderator_id: int,
    channel_id: int,
    count: int,
    reason: str | None,
) -> AuditLogEntry:
    return AuditLogEntry(
        id=entry_id,
        guild_id=guild_id,
        action_type=AuditLogEvent.MESSAGE_BULK_DELETE,
        user_id=moderator_id,
        target_id=channel_id,
        channel_id=channel_id,
        options={"count": str(count)},
        reason=_reason(reason),
    )


def _reason(reason: str | None) -> str | None:
    return reason[:REASON_MAX] if reason else None


@dataclass(frozen=True, slots=True)
class AuditLogQuery:
    """`GET /guilds/{id}/audit-logs`' filters. With `after`, the oldest first (as discord.py
    pages with it); otherwise the newest first, before `before`."""

    action_type: int | None = None
    user_id: int | None = None
    before: int | None = None
    after: int | None = None
    limit: int = LIMIT_DEFAULT
    channel_id: int | None = None


def require_may_read(guild_permissions: int, channel_permissions: int | None) -> None:
    """VIEW_AUDIT_LOG reads the whole log; MANAGE_MESSAGES in the asked-for channel reads that
    channel's entries; anyone else is refused (50013)."""
    if has(guild_permissions, Permission.VIEW_AUDIT_LOG):
        return
    if channel_permissions is not None and has(channel_permissions, Permission.MANAGE_MESSAGES):
        return
    raise errors.MissingPermissions()
