"""Rules of guild channels: which kinds exist, how names are written, the limits Discord documents,
and which overwrite changes a member may make.

Limits follow Discord's "Create Guild Channel" and "Modify Channel" docs (resources/guild.mdx and
resources/channel.mdx in discord/discord-api-docs), at the level of a guild without boosts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

from townhall.domain.errors import InvalidFormBody
from townhall.domain.models import ChannelType
from townhall.domain.permissions import (
    MemberContext,
    Overwrite,
    Permission,
    channel_permissions,
    has,
)

MAX_GUILD_CHANNELS = 500
NAME_MIN, NAME_MAX = 1, 100
TOPIC_MAX = 1024
FORUM_TOPIC_MAX = 4096
RATE_LIMIT_MAX = 21600
BITRATE_MIN, BITRATE_MAX = 8000, 96000
DEFAULT_BITRATE = 64000
USER_LIMIT_MAX = {ChannelType.GUILD_VOICE: 99, ChannelType.GUILD_STAGE_VOICE: 10000}

CREATABLE_TYPES = frozenset(
    {
        ChannelType.GUILD_TEXT,
        ChannelType.GUILD_VOICE,
        ChannelType.GUILD_CATEGORY,
        ChannelType.GUILD_ANNOUNCEMENT,
        ChannelType.GUILD_STAGE_VOICE,
        ChannelType.GUILD_FORUM,
    }
)
TEXT_LIKE_TYPES = frozenset(
    {ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_FORUM}
)
"""Channels whose names Discord writes in lowercase with dashes (`#my-channel`)."""
TOPIC_TYPES = TEXT_LIKE_TYPES
RATE_LIMITED_TYPES = TEXT_LIKE_TYPES | {ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE}
CONVERTIBLE_TYPES = frozenset({ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT})
"""The only change of type Discord allows: text to announcement and back."""

_WHITESPACE = re.compile(r"\s+")


def creatable_type(value: int, path: str = "type") -> ChannelType:
    try:
        kind = ChannelType(value)
    except ValueError:
        kind = None
    if kind not in CREATABLE_TYPES:
        raise InvalidFormBody.field(
            path, "Value is not a valid guild channel type.", "BASE_TYPE_CHOICES"
        )
    assert kind is not None
    return kind


def channel_name(value: str, kind: ChannelType, path: str = "name") -> str:
    """Trimmed, 1-100 characters; text-like channels lowercased with spaces turned into dashes."""
    name = value.strip()
    if kind in TEXT_LIKE_TYPES:
        name = _WHITESPACE.sub("-", name.lower())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InvalidFormBody.field(
            path, f"Must be between {NAME_MIN} and {NAME_MAX} in length.", "BASE_TYPE_BAD_LENGTH"
        )
    return name


def topic(value: str | None, kind: ChannelType, path: str = "topic") -> str | None:
    maximum = FORUM_TOPIC_MAX if kind is ChannelType.GUILD_FORUM else TOPIC_MAX
    if value is not None and len(value) > maximum:
        raise InvalidFormBody.field(
            path, f"Must be {maximum} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    return value or None


def rate_limit_per_user(value: int, path: str = "rate_limit_per_user") -> int:
    return _within(value, 0, RATE_LIMIT_MAX, path)


def bitrate(value: int, path: str = "bitrate") -> int:
    return _within(value, BITRATE_MIN, BITRATE_MAX, path)


def user_limit(value: int, kind: ChannelType, path: str = "user_limit") -> int:
    return _within(value, 0, USER_LIMIT_MAX.get(kind, 0), path)


def _within(value: int, minimum: int, maximum: int, path: str) -> int:
    if value < minimum:
        raise InvalidFormBody.field(
            path, f"int value should be greater than or equal to {minimum}.", "NUMBER_TYPE_MIN"
        )
    if value > maximum:
        raise InvalidFormBody.field(
            path, f"int value should be less than or equal to {maximum}.", "NUMBER_TYPE_MAX"
        )
    return value


def newly_set_bits(old: Overwrite | None, new: Overwrite) -> int:
    """The permissions an overwrite change newly allows or newly denies.

    These are what the actor must hold themselves (Discord: "only permissions your bot has ... can
    be allowed/denied"). Bits that only return to neutral, or that stay as they were, need nothing,
    so a moderator can edit an overwrite an administrator wrote without holding all of its bits.
    """
    old_allow, old_deny = (old.allow, old.deny) if old is not None else (0, 0)
    return int((new.allow & ~old_allow) | (new.deny & ~old_deny))


# -- readable by anyone with the link (docs/public-channels.md) --------------------------------


class ChannelFlag(enum.IntFlag):
    """Channel flags townhall sets. Discord's own (PINNED 1 << 1, REQUIRE_TAG 1 << 4, …) are
    never set on guild text channels here; WEB_PUBLIC is townhall's, from the top of the 31-bit
    range so that no Discord bit and no JavaScript bit operation ever meets it."""

    WEB_PUBLIC = 1 << 30
    """Readable by anyone with the link, without an account (Zulip's "web-public")."""


SETTABLE_FLAGS = int(ChannelFlag.WEB_PUBLIC)
WEB_PUBLIC_TYPES = frozenset({ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT})
VISITOR_PERMISSIONS = Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY
"""What a visitor is shown in a public channel: nothing more than @everyone may do there."""
NO_ONE = -1
"""A user id no account has: the owner and the member of @everyone's permission context."""


def everyone_permissions_in(
    guild_id: int, everyone_permissions: int, overwrites: Iterable[Overwrite]
) -> int:
    """What a member with no role but @everyone may do in the channel."""
    context = MemberContext(
        guild_id=guild_id,
        owner_id=NO_ONE,
        user_id=0,
        everyone_permissions=everyone_permissions,
        role_permissions={},
    )
    return channel_permissions(context, overwrites)


def readable_by_anyone(
    guild_id: int,
    kind: int,
    flags: int,
    everyone_permissions: int,
    overwrites: Iterable[Overwrite],
) -> bool:
    """A channel visitors without an account may read: a text or announcement channel flagged
    WEB_PUBLIC that every member may read too. Hiding a channel from @everyone hides it from
    visitors at once, whatever its flag says."""
    return (
        bool(flags & ChannelFlag.WEB_PUBLIC)
        and kind in WEB_PUBLIC_TYPES
        and has(
            everyone_permissions_in(guild_id, everyone_permissions, overwrites), VISITOR_PERMISSIONS
        )
    )


def channel_flags(value: int, kind: ChannelType, path: str = "flags") -> int:
    """The flags a Modify Channel body may set: WEB_PUBLIC on text and announcement channels."""
    if value < 0 or value & ~SETTABLE_FLAGS:
        raise InvalidFormBody.field(path, "Unsupported channel flags.", "CHANNEL_FLAGS_INVALID")
    if value & ChannelFlag.WEB_PUBLIC and kind not in WEB_PUBLIC_TYPES:
        raise InvalidFormBody.field(
            path,
            "Only text and announcement channels can be readable by anyone.",
            "CHANNEL_TYPE_INVALID",
        )
    return value
