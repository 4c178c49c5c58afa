"""The data of events that are not simply a stored object (deletions, reactions, typing, pins).

Which event carries which data is declared with the event, in `events/catalog.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from townhall.domain.models import Call, Channel, Guild, Invite, Member, Role, User, VoiceState


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
class AttachmentBlocked:
    """The scanner found malware in a file: for its uploader and the channel's moderators."""

    channel_id: int
    guild_id: int | None
    message_id: int
    attachment_id: int
    filename: str
    uploader_id: int
    signature: str


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


@dataclass(frozen=True, slots=True)
class GuildView:
    """A guild as its members see it: with roles and the approximate member count."""

    guild: Guild
    roles: list[Role]
    member_count: int | None = None


@dataclass(frozen=True, slots=True)
class InviteView:
    """An invite with what `GET /invites/{code}` shows a stranger."""

    invite: Invite
    guild: Guild
    channel: Channel
    inviter: User | None
    member_count: int | None = None
    presence_count: int | None = None


@dataclass(frozen=True, slots=True)
class VoiceStateChange:
    """Someone joined, moved within, changed their state in, or left (`left`) a voice channel."""

    state: VoiceState
    """The state after the change; on leaving, the state they left."""
    member: Member | None
    """None in a call."""
    left: bool = False
    previous_channel_id: int | None = None
    """The channel they were in before, when they joined another or left."""

    @property
    def channel_id(self) -> int | None:
        return None if self.left else self.state.channel_id


@dataclass(frozen=True, slots=True)
class CallView:
    """A call as CALL_CREATE shows it: who is rung and who is in it."""

    call: Call
    voice_states: tuple[VoiceState, ...] = ()


# -- announcements (docs/communities.md) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageAcknowledged:
    """The person acknowledged a must-read message (MESSAGE_ACKNOWLEDGE, to their sessions)."""

    channel_id: int
    message_id: int
    guild_id: int | None


@dataclass(frozen=True, slots=True)
class AnnouncementReceipts:
    """How many of those who see a must-read message's channel read and acknowledged it."""

    guild_id: int
    channel_id: int
    message_id: int
    member_count: int
    read_count: int
    acknowledged_count: int
