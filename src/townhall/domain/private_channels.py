"""Rules of DMs and group DMs, which have recipients instead of roles."""

from __future__ import annotations

from townhall.domain.permissions import Permission

MAX_GROUP_DM_RECIPIENTS = 32
"""Discord stops at 10; townhall's group calls take 32 people, as WhatsApp's do."""

RECIPIENT_PERMISSIONS = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.PIN_MESSAGES
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.STREAM
    | Permission.USE_VAD
)
"""What every recipient may do in a DM: talk, react and pin; nobody moderates a DM."""


def dm_key(user_a: int, user_b: int) -> str:
    """The one key two users' DM channel is stored under, whichever of them opens it."""
    low, high = sorted((user_a, user_b))
    return f"{low}:{high}"
