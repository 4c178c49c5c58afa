"""The data of events that are not simply a stored object (deletions, reactions, typing, pins).

Conventions for `bus.events.Event.data`, by event type (the gateway renders each one):
- GUILD_CREATE: the guild id (the gateway builds the per-user guild object);
  GUILD_UPDATE: GuildView; GUILD_DELETE: the guild id.
- CHANNEL_CREATE/UPDATE/DELETE: Channel. Guild channels set guild_id and channel_id (only viewers
  receive them); DMs set user_ids to the recipients.
- GUILD_ROLE_CREATE/UPDATE/DELETE: Role.
- GUILD_MEMBER_ADD/UPDATE: Member; GUILD_MEMBER_REMOVE: User; GUILD_BAN_ADD/REMOVE: User.
- MESSAGE_CREATE/UPDATE: Message; MESSAGE_DELETE: MessageDeleted; MESSAGE_DELETE_BULK:
MessagesDeleted.
- MESSAGE_REACTION_ADD/REMOVE: ReactionChange; MESSAGE_REACTION_REMOVE_ALL: ReactionsCleared;
  MESSAGE_REACTION_REMOVE_EMOJI: ReactionsCleared with `emoji` set.
- CHANNEL_PINS_UPDATE: PinsUpdate; TYPING_START: Typing; INVITE_CREATE/DELETE: InviteView.
- USER_UPDATE: User (user_ids = that user). DM channel events may carry PrivateChannelView.
- PRESENCE_UPDATE: Presence, one event per guild the user is in (guild_id set), or user_ids for DMs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from townhall.domain.models import Channel, Member, User


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    id: int
    channel_id: int
    guild_id: int | None


@dataclass(frozen=True, slots=True)
class MessagesDeleted:
    ids: tuple[int, ...]
    channel_id: int
    guild_id: int | None


@dataclass(frozen=True, slots=True)
class ReactionChange:
    user_id: int
    channel_id: int
    message_id: int
    guild_id: int | None
    emoji: str
    message_author_id: int | None = None
    member: Member | None = None
    """The reacting member, on MESSAGE_REACTION_ADD in a guild."""


@dataclass(frozen=True, slots=True)
class ReactionsCleared:
    channel_id: int
    message_id: int
    guild_id: int | None
    emoji: str | None = None


@dataclass(frozen=True, slots=True)
class PinsUpdate:
    channel_id: int
    guild_id: int | None
    last_pin_timestamp: datetime | None


@dataclass(frozen=True, slots=True)
class Typing:
    channel_id: int
    guild_id: int | None
    user_id: int
    timestamp: datetime
    member: Member | None = None


@dataclass(frozen=True, slots=True)
class PrivateChannelView:
    """A DM or group DM with its recipients' profiles, for CHANNEL_CREATE/UPDATE/DELETE of DMs."""

    channel: Channel
    recipients: tuple[User, ...]


@dataclass(frozen=True, slots=True)
class Presence:
    """A user's status as the gateway shares it; `last_seen` is set when they go offline."""

    user_id: int
    status: str
    activities: tuple[dict[str, object], ...] = ()
    client_status: tuple[tuple[str, str], ...] = ()
    last_seen: datetime | None = None
