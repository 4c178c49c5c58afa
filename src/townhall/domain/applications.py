"""Bot applications: their flags, the privileged intents those flags grant, and naming rules.

Flags follow Discord's "Application Flags" (developers/resources/application). A bot may only ask
the gateway for a privileged intent (GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT) that its
application's flags grant; the gateway asks `granted_privileged_intents` at IDENTIFY.
"""

from __future__ import annotations

import enum
import re
import unicodedata

from townhall.domain.errors import InvalidFormBody


class ApplicationFlag(enum.IntFlag):
    """The application flags townhall stores, under Discord's names and bits."""

    GATEWAY_PRESENCE = 1 << 12
    GATEWAY_PRESENCE_LIMITED = 1 << 13
    GATEWAY_GUILD_MEMBERS = 1 << 14
    GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
    GATEWAY_MESSAGE_CONTENT = 1 << 18
    GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19


INTENT_FLAGS: int = int(
    ApplicationFlag.GATEWAY_PRESENCE
    | ApplicationFlag.GATEWAY_PRESENCE_LIMITED
    | ApplicationFlag.GATEWAY_GUILD_MEMBERS
    | ApplicationFlag.GATEWAY_GUILD_MEMBERS_LIMITED
    | ApplicationFlag.GATEWAY_MESSAGE_CONTENT
    | ApplicationFlag.GATEWAY_MESSAGE_CONTENT_LIMITED
)
"""The flags an owner or the bot may change through the API.

Discord lets only the `_LIMITED` ones be changed through its API, because the others need Discord's
review of bots in 100 or more servers. A townhall server has no such review: its operator trusts
its own bot owners, so both kinds are switches here.
"""

# Privileged gateway intents (developers/events/gateway "Privileged Intents").
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_PRESENCES_INTENT = 1 << 8
MESSAGE_CONTENT_INTENT = 1 << 15

_A = ApplicationFlag
_GRANTS: tuple[tuple[int, int], ...] = (
    (_A.GATEWAY_GUILD_MEMBERS | _A.GATEWAY_GUILD_MEMBERS_LIMITED, GUILD_MEMBERS_INTENT),
    (_A.GATEWAY_PRESENCE | _A.GATEWAY_PRESENCE_LIMITED, GUILD_PRESENCES_INTENT),
    (_A.GATEWAY_MESSAGE_CONTENT | _A.GATEWAY_MESSAGE_CONTENT_LIMITED, MESSAGE_CONTENT_INTENT),
)
"""(application flags, the privileged intent any one of them grants)."""

NAME_MIN, NAME_MAX = 2, 32
"""An application's name becomes its bot's name, so it keeps to a username's length."""
DESCRIPTION_MAX = 400
MAX_APPLICATIONS_PER_OWNER = 25
BOT_USERNAME_MAX = 32


def granted_privileged_intents(flags: int) -> int:
    """The privileged gateway intent bits an application's flags allow its bot to request."""
    granted = 0
    for application_flags, intent in _GRANTS:
        if flags & application_flags:
            granted |= intent
    return granted


def change_intent_flags(current: int, requested: int) -> int:
    """The application's flags after a PATCH asking for `requested`.

    Only intent flags may change. Other bits in the request must be the ones the application
    already has, so that a client may send back the `flags` it read.
    """
    if requested < 0 or requested & ~INTENT_FLAGS != current & ~INTENT_FLAGS:
        raise InvalidFormBody.field(
            "flags", "Only the gateway intent flags can be changed.", "APPLICATION_FLAGS_INVALID"
        )
    return requested


def bot_username(application_name: str) -> str:
    """The username a new application's bot asks for: the name in username characters.

    Lowercase letters, digits, `_` and `.` (what a person's username may hold), so that a bot is
    found and mentioned like anyone else; accents dropped ("Ünï" is "uni"); "bot" when nothing
    usable is left.
    """
    ascii_name = unicodedata.normalize("NFKD", application_name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_.]+", "_", ascii_name.strip().casefold())
    name = re.sub(r"\.{2,}", ".", name).strip("_.")[:BOT_USERNAME_MAX]
    return name if len(name) >= 2 else "bot"


def bot_username_with_suffix(base: str, suffix: str) -> str:
    """`base` with `_suffix`, shortened so the whole stays a valid length."""
    tail = f"_{suffix}"
    return base[: BOT_USERNAME_MAX - len(tail)] + tail


BOT_FLOW_SCOPES = frozenset({"bot", "applications.commands"})
"""The scopes of Discord's bot authorization flow; others need the code grant townhall lacks."""


def bot_flow_scopes(scope: str) -> frozenset[str]:
    """The space-separated `scope` of an authorize URL: `bot`, and only what the bot flow gives."""
    scopes = frozenset(scope.split())
    if "bot" not in scopes or not scopes <= BOT_FLOW_SCOPES:
        raise InvalidFormBody.field(
            "scope", "Only the bot and applications.commands scopes are supported.", "SCOPE_INVALID"
        )
    return scopes
