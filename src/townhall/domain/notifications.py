"""Notification settings and read states, in the shapes Discord's own client uses.

A person's settings for a guild (`user_guild_settings` in READY, `PATCH
/users/@me/guilds/{id}/settings`) say how loudly it may call for their attention: every message,
only @mentions, or nothing; muted for a while or until turned back on; per channel overrides of
the same. Discord's bot documentation does not cover them; the field names and values follow the
client's (and discord-api-types').
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from townhall.domain import errors

ALL_MESSAGES, ONLY_MENTIONS, NO_MESSAGES, INHERIT = 0, 1, 2, 3
"""`message_notifications`: 3 means "as the guild (or the category) says"."""
MAX_CHANNEL_OVERRIDES = 500
MAX_MUTE_WINDOW = 10 * 365 * 86400

LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)
"""The interface languages Discord knows (its `locale` values); townhall's client ships some."""

THEMES = frozenset({"dark", "light", "system"})


@dataclass(frozen=True, slots=True)
class MuteConfig:
    end_time: datetime | None
    """None: muted until turned back on."""
    selected_time_window: int | None
    """The length the person chose, in seconds (-1: until turned back on)."""


@dataclass(frozen=True, slots=True)
class ChannelOverride:
    channel_id: int
    muted: bool = False
    mute_config: MuteConfig | None = None
    message_notifications: int = INHERIT
    collapsed: bool = False


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    muted: bool = False
    mute_config: MuteConfig | None = None
    message_notifications: int = INHERIT
    suppress_everyone: bool = False
    suppress_roles: bool = False
    mobile_push: bool = True
    hide_muted_channels: bool = False
    channel_overrides: tuple[ChannelOverride, ...] = field(default_factory=tuple)


def is_muted(muted: bool, config: MuteConfig | None, now: datetime) -> bool:
    """A mute with an end time ends by itself."""
    if not muted:
        return False
    return config is None or config.end_time is None or config.end_time > now


# -- reading a patch (the client's JSON) into settings --------------------------------------------


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise errors.InvalidFormBody.field(path, "Must be a boolean.", "BASE_TYPE_BOOLEAN")
    return value


def _level(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (0, 1, 2, 3):
        raise errors.InvalidFormBody.field(
            path, "Value must be one of (0, 1, 2, 3).", "BASE_TYPE_CHOICES"
        )
    return value


def _mute_config(value: object, path: str) -> MuteConfig | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise errors.InvalidFormBody.field(path, "Must be an object.", "DICT_TYPE_CONVERT")
    end = value.get("end_time")
    end_time: datetime | None = None
    if end is not None:
        try:
            end_time = datetime.fromisoformat(str(end))
        except ValueError:
            raise errors.InvalidFormBody.field(
                f"{path}.end_time", "Must be an ISO 8601 time.", "DATE_TIME_TYPE_PARSE"
            ) from None
        if end_time.tzinfo is None:
            end_time = end_time.replace(tzinfo=UTC)
    window = value.get("selected_time_window")
    if window is not None and (
        isinstance(window, bool)
        or not isinstance(window, int)
        or not -1 <= window <= MAX_MUTE_WINDOW
    ):
        raise errors.InvalidFormBody.field(
            f"{path}.selected_time_window", "Must be a number of seconds.", "NUMBER_TYPE_COERCE"
        )
    return MuteConfig(end_time, window)


def _override(current: ChannelOverride, patch: Mapping[str, Any], path: str) -> ChannelOverride:
    changes: dict[str, Any] = {}
    if "muted" in patch:
        changes["muted"] = _bool(patch["muted"], f"{path}.muted")
    if "mute_config" in patch:
        changes["mute_config"] = _mute_config(patch["mute_config"], f"{path}.mute_config")
    if "message_notifications" in patch:
        changes["message_notifications"] = _level(
            patch["message_notifications"], f"{path}.message_notifications"
        )
    if "collapsed" in patch:
        changes["collapsed"] = _bool(patch["collapsed"], f"{path}.collapsed")
    return replace(current, **changes)


def _override_patches(value: object) -> dict[int, Mapping[str, Any]]:
    """Discord's client sends `{channel_id: {...}}`; a list of overrides is taken too."""
    items: Iterable[tuple[object, object]]
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list):
        items = [(o.get("channel_id") if isinstance(o, Mapping) else None, o) for o in value]
    else:
        raise errors.InvalidFormBody.field(
            "channel_overrides", "Must be an object.", "DICT_TYPE_CONVERT"
        )
    patches: dict[int, Mapping[str, Any]] = {}
    for key, body in items:
        try:
            channel_id = int(str(key))
        except ValueError:
            raise errors.InvalidFormBody.field(
                "channel_overrides", "Keys must be channel ids.", "NUMBER_TYPE_COERCE"
            ) from None
        if not isinstance(body, Mapping):
            raise errors.InvalidFormBody.field(
                f"channel_overrides.{channel_id}", "Must be an object.", "DICT_TYPE_CONVERT"
            )
        patches[channel_id] = body
    return patches


def apply_patch(current: GuildSettings, patch: Mapping[str, Any]) -> GuildSettings:
    """The settings after a PATCH; unknown fields are ignored, as Discord does."""
    changes: dict[str, Any] = {}
    for name in (
        "muted",
        "suppress_everyone",
        "suppress_roles",
        "mobile_push",
        "hide_muted_channels",
    ):
        if name in patch:
            changes[name] = _bool(patch[name], name)
    if "mute_config" in patch:
        changes["mute_config"] = _mute_config(patch["mute_config"], "mute_config")
    if "message_notifications" in patch:
        changes["message_notifications"] = _level(
            patch["message_notifications"], "message_notifications"
        )
    if "channel_overrides" in patch:
        overrides = {o.channel_id: o for o in current.channel_overrides}
        for channel_id, body in _override_patches(patch["channel_overrides"]).items():
            found = overrides.get(channel_id, ChannelOverride(channel_id))
            overrides[channel_id] = _override(found, body, f"channel_overrides.{channel_id}")
        if len(overrides) > MAX_CHANNEL_OVERRIDES:
            raise errors.InvalidFormBody.field(
                "channel_overrides", "Too many channel overrides.", "BASE_TYPE_MAX_LENGTH"
            )
        changes["channel_overrides"] = tuple(sorted(overrides.values(), key=lambda o: o.channel_id))
    return replace(current, **changes)


# -- the JSON shape (stored as is, and sent to the client) -------------------------------------


def _mute_json(config: MuteConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    end = config.end_time.isoformat() if config.end_time is not None else None
    return {"end_time": end, "selected_time_window": config.selected_time_window}


def to_json(settings: GuildSettings) -> dict[str, Any]:
    return {
        "guild_id": str(settings.guild_id),
        "muted": settings.muted,
        "mute_config": _mute_json(settings.mute_config),
        "message_notifications": settings.message_notifications,
        "suppress_everyone": settings.suppress_everyone,
        "suppress_roles": settings.suppress_roles,
        "mobile_push": settings.mobile_push,
        "hide_muted_channels": settings.hide_muted_channels,
        "mute_scheduled_events": False,
        "notify_highlights": 0,
        "flags": 0,
        "channel_overrides": [
            {
                "channel_id": str(o.channel_id),
                "muted": o.muted,
                "mute_config": _mute_json(o.mute_config),
                "message_notifications": o.message_notifications,
                "collapsed": o.collapsed,
            }
            for o in settings.channel_overrides
        ],
    }


def from_json(data: Mapping[str, Any]) -> GuildSettings:
    """What `to_json` wrote (it was validated on the way in)."""
    defaults = GuildSettings(int(data["guild_id"]))
    settings = apply_patch(defaults, {k: v for k, v in data.items() if k != "channel_overrides"})
    overrides = tuple(
        _override(ChannelOverride(int(o["channel_id"])), o, "channel_overrides")
        for o in data.get("channel_overrides", ())
    )
    return replace(settings, channel_overrides=overrides)


# -- mentions, for the mention counts in read states --------------------------------------------


@dataclass(frozen=True, slots=True)
class Mentions:
    """What a message mentions (as stored with it)."""

    author_id: int
    everyone: bool
    user_ids: tuple[int, ...]
    role_ids: tuple[int, ...]


def mentions_user(
    mentions: Mentions,
    user_id: int,
    role_ids: Iterable[int],
    *,
    direct: bool,
    settings: GuildSettings | None = None,
) -> bool:
    """Does this message count towards the person's mention badge? In DMs every message does."""
    if mentions.author_id == user_id:
        return False
    if direct or user_id in mentions.user_ids:
        return True
    if mentions.everyone and not (settings and settings.suppress_everyone):
        return True
    if settings and settings.suppress_roles:
        return False
    return bool(set(mentions.role_ids) & set(role_ids))


# -- what the person's other sessions are told --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadPosition:
    """MESSAGE_ACK: the person read `channel_id` up to `message_id`."""

    channel_id: int
    message_id: int
    version: int
    mention_count: int = 0
    manual: bool = False


@dataclass(frozen=True, slots=True)
class VersionedGuildSettings:
    settings: GuildSettings
    version: int


@dataclass(frozen=True, slots=True)
class UserSettings:
    """Discord's user settings object, as far as townhall keeps it."""

    locale: str | None = None
    theme: str | None = None
    restricted_guilds: tuple[int, ...] = ()
    """Guilds whose members may not DM the person (actions/dm_privacy.py)."""
    default_guilds_restricted: bool = False
    """Whether a guild the person joins later goes on `restricted_guilds`."""
    notification_message_text: int = 0
    """Whether push notifications show message text: 0 except in confidential communities,
    1 always, 2 never (domain/push.py)."""


@dataclass(frozen=True, slots=True)
class PersonalState:
    """What READY tells a person's client about themselves beyond the user object."""

    read_states: tuple[tuple[int, int, int], ...]
    """(channel, last message read, mentions since) for each channel they have read."""
    guild_settings: tuple[VersionedGuildSettings, ...]
    settings: UserSettings
    version: int
