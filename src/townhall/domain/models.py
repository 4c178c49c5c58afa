"""The product's nouns as plain, immutable values: what `store` returns and `actions` pass up."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

from townhall.domain.permissions import Overwrite


class ChannelType(enum.IntEnum):
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GROUP_DM = 3
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_STAGE_VOICE = 13
    GUILD_FORUM = 15

    @property
    def is_guild(self) -> bool:
        return self not in (ChannelType.DM, ChannelType.GROUP_DM)

    @property
    def is_private(self) -> bool:
        return not self.is_guild

    @property
    def is_voice(self) -> bool:
        return self in (ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE)

    @property
    def holds_messages(self) -> bool:
        """Channels with a message history (voice channels have a text chat, as on Discord)."""
        return self not in (ChannelType.GUILD_CATEGORY, ChannelType.GUILD_FORUM)

    @property
    def is_thread(self) -> bool:
        """A thread of a text, announcement or forum channel (docs/threads.md)."""
        return self in (
            ChannelType.ANNOUNCEMENT_THREAD,
            ChannelType.PUBLIC_THREAD,
            ChannelType.PRIVATE_THREAD,
        )


class MessageType(enum.IntEnum):
    DEFAULT = 0
    RECIPIENT_ADD = 1
    RECIPIENT_REMOVE = 2
    CHANNEL_PINNED_MESSAGE = 6
    USER_JOIN = 7
    THREAD_CREATED = 18
    """In the parent channel: someone started a thread (content: its name)."""
    REPLY = 19
    CHAT_INPUT_COMMAND = 20
    """A bot's answer to a slash command (domain/interactions.py)."""
    THREAD_STARTER_MESSAGE = 21
    """The first message of a thread started from a message: it points at that message."""
    CONTEXT_MENU_COMMAND = 23
    """A bot's answer to a user or message command."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    global_name: str | None = None
    avatar: str | None = None
    bot: bool = False
    email: str | None = None
    is_admin: bool = False
    flags: int = 0


@dataclass(frozen=True, slots=True)
class Guild:
    id: int
    name: str
    owner_id: int
    icon: str | None = None
    description: str | None = None
    system_channel_id: int | None = None
    afk_channel_id: int | None = None
    afk_timeout: int = 300
    verification_level: int = 0
    default_message_notifications: int = 0
    explicit_content_filter: int = 0
    preferred_locale: str = "en-US"
    max_file_size: int | None = None
    """townhall's: the largest file its members may share, in bytes (None: the server's)."""
    guests_enabled: bool = False
    """townhall's: guest links may be made (domain/guests.py)."""
    guest_role_id: int | None = None
    """The role every guest holds, made when guests are first enabled."""
    guest_inactivity_days: int = 14
    """A guest who shows no activity for this many days is erased."""
    rules: str | None = None
    """townhall's: the community's rules, which a guest accepts before joining."""
    community: bool = False
    """A community of groups (Discord's COMMUNITY feature; domain/groups.py)."""
    announcements_channel_id: int | None = None
    """townhall's: the community's announcement channel, which every member reads."""

    @property
    def features(self) -> tuple[str, ...]:
        """Discord's guild features: the ones townhall has."""
        return ("COMMUNITY",) if self.community else ()


@dataclass(frozen=True, slots=True)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None
    """Set on a bot's managed role, as Discord's `tags.bot_id`."""

    @property
    def is_everyone(self) -> bool:
        return self.id == self.guild_id


@dataclass(frozen=True, slots=True)
class ThreadMetadata:
    """What a thread has beyond a channel (docs/threads.md): Discord's `thread_metadata` and
    the counters shown beside it."""

    archived: bool
    auto_archive_duration: int
    """Minutes without activity before it archives itself: 60, 1440, 4320 or 10080."""
    archive_timestamp: datetime
    """When it was created, archived or unarchived, or its duration changed."""
    create_timestamp: datetime
    locked: bool = False
    """Only MANAGE_THREADS holders write in it, or unarchive it."""
    invitable: bool = True
    """A private thread: members without MANAGE_THREADS may add others."""
    message_count: int = 0
    total_message_sent: int = 0
    member_count: int = 0
    applied_tags: tuple[int, ...] = ()
    """A forum post's tags (ids of its forum's `available_tags`)."""


@dataclass(frozen=True, slots=True)
class ForumTag:
    """A tag a forum's posts may carry; `moderated` ones only MANAGE_THREADS holders apply."""

    id: int
    name: str
    moderated: bool = False
    emoji_id: int | None = None
    emoji_name: str | None = None


@dataclass(frozen=True, slots=True)
class ForumSettings:
    """A forum channel's tags and what it gives its posts (Discord's forum channel fields)."""

    available_tags: tuple[ForumTag, ...] = ()
    default_reaction_emoji: tuple[int | None, str | None] | None = None
    """(emoji_id, emoji_name) of the reaction button shown on posts."""
    default_sort_order: int | None = None
    """0 by latest activity, 1 by creation; None: not chosen."""
    default_forum_layout: int = 0
    default_auto_archive_duration: int | None = None
    default_thread_rate_limit_per_user: int = 0


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    type: ChannelType
    guild_id: int | None = None
    name: str | None = None
    topic: str | None = None
    position: int = 0
    parent_id: int | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    user_limit: int = 0
    bitrate: int = 64000
    last_message_id: int | None = None
    owner_id: int | None = None
    """The creator of a group DM."""
    icon: str | None = None
    permission_overwrites: tuple[Overwrite, ...] = ()
    recipient_ids: tuple[int, ...] = ()
    """The members of a DM or group DM (including the viewer)."""
    last_pin_timestamp: datetime | None = None
    flags: int = 0
    """Discord's channel flags; townhall's own WEB_PUBLIC (domain/channels.py) among them."""
    group_member_count: int | None = None
    """A group channel shown to one ordinary member (domain/groups.py `as_seen`): how many members
    the group has, its other members' overwrites being left out. None: count the overwrites."""
    thread: ThreadMetadata | None = None
    """Set on threads (types 10, 11, 12): `parent_id` is their channel, `owner_id` who began it."""
    forum: ForumSettings | None = None
    """Set on forum channels (type 15)."""


@dataclass(frozen=True, slots=True)
class Member:
    guild_id: int
    user: User
    joined_at: datetime
    role_ids: tuple[int, ...] = ()
    nick: str | None = None
    communication_disabled_until: datetime | None = None
    deaf: bool = False
    mute: bool = False
    flags: int = 0

    def timed_out(self, now: datetime) -> bool:
        until = self.communication_disabled_until
        return until is not None and until > now


@dataclass(frozen=True, slots=True)
class VoiceState:
    """A person connected to a voice or stage channel, from one gateway session.

    Server mute and deafen live on the member (they outlast the connection, as on Discord); the
    rest lasts as long as the connection does.
    """

    guild_id: int | None
    """None in a call (a DM or group DM)."""
    channel_id: int
    user_id: int
    session_id: str
    self_mute: bool = False
    self_deaf: bool = False
    self_video: bool = False
    self_stream: bool = False
    suppress: bool = False
    request_to_speak_at: datetime | None = None

    @property
    def scope_id(self) -> int:
        """Discord's voice "server": the guild, or the DM channel of a call. A person has at most
        one voice state per scope."""
        return self.guild_id if self.guild_id is not None else self.channel_id


@dataclass(frozen=True, slots=True)
class Call:
    """A call in a DM or group DM, from its first participant until its last one leaves."""

    channel_id: int
    started_at: datetime
    ringing: tuple[int, ...] = ()
    """Recipients whose phone rings: asked to join and have not joined, declined or timed out."""


@dataclass(frozen=True, slots=True)
class StageInstance:
    """A live stage: a topic on a stage channel, while it runs."""

    id: int
    guild_id: int
    channel_id: int
    topic: str
    privacy_level: int = 2
    """Discord's GUILD_ONLY (public stages are gone from Discord too)."""
    scheduled_event_id: int | None = None


@dataclass(frozen=True, slots=True)
class Ban:
    guild_id: int
    user: User
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    guild_id: int
    channel_id: int
    inviter_id: int | None
    created_at: datetime
    max_age: int
    max_uses: int
    uses: int = 0
    temporary: bool = False
    flags: int = 0
    """Discord's invite flags: IS_GUEST_INVITE (domain/guests.py) makes it a guest link."""

    def expires_at(self) -> datetime | None:
        if self.max_age == 0:
            return None
        return self.created_at + timedelta(seconds=self.max_age)

    def usable(self, now: datetime) -> bool:
        expires = self.expires_at()
        if expires is not None and expires <= now:
            return False
        return self.max_uses == 0 or self.uses < self.max_uses


@dataclass(frozen=True, slots=True)
class MessageReference:
    message_id: int | None
    channel_id: int
    guild_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReactionCount:
    """One emoji's tally on a message, as seen by one viewer (`me`)."""

    emoji: str
    count: int
    me: bool = False


class Scan(enum.IntEnum):
    """Where a file stands with the malware scanner."""

    CLEAN = 0
    """Scanned and clean, or scanning is off: everyone who may see the message sees the file."""
    PENDING = 1
    """Waiting for its scan: only its uploader sees it."""
    INFECTED = 2
    """Malware found: the bytes are gone; the uploader sees what was found."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file of a message, as shown (its bytes live in the file store)."""

    id: int
    filename: str
    size: int
    content_type: str
    description: str | None = None
    width: int | None = None
    height: int | None = None
    duration_secs: float | None = None
    waveform: str | None = None
    flags: int = 0
    has_preview: bool = False
    """A smaller rendition exists (an image's preview, a video's poster frame)."""
    scan: Scan = Scan.CLEAN
    signature: str | None = None
    """What the scanner found, when `scan` is INFECTED."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a message's author is (or was): shared once, or live for a while (WhatsApp's)."""

    latitude: float
    longitude: float
    accuracy: float | None = None
    """Metres, as the device reports it."""
    live_until: datetime | None = None
    """Live sharing: the author keeps it up to date until then (None: shared once)."""
    ended: bool = False
    """Live sharing is over: stopped by the author, or its time ran out."""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MessageInteraction:
    """The interaction a bot's message answers (Discord's `interaction_metadata`)."""

    id: int
    type: int
    """Discord's interaction type: 2 a command, 3 a component, 5 a modal's submit."""
    user: User
    """Who used the command or the component."""
    application_id: int
    guild_id: int | None = None
    name: str | None = None
    """A command's name with its subcommand group and subcommand ("admin roles add")."""
    command_type: int | None = None
    target_user: User | None = None
    target_message_id: int | None = None
    interacted_message_id: int | None = None
    original_response_message_id: int | None = None
    """Set on follow-ups: the interaction's first response."""
    triggering: MessageInteraction | None = None
    """A modal's submit: the interaction that opened the modal."""


@dataclass(slots=True)  # not frozen: a history page builds hundreds, and frozen costs 3x; never
# mutate one (use dataclasses.replace, as for the frozen models)
class Message:
    id: int
    channel_id: int
    author: User
    content: str
    guild_id: int | None = None
    type: MessageType = MessageType.DEFAULT
    edited_at: datetime | None = None
    tts: bool = False
    mention_everyone: bool = False
    mention_ids: tuple[int, ...] = ()
    mention_role_ids: tuple[int, ...] = ()
    pinned: bool = False
    flags: int = 0
    nonce: str | None = None
    reference: MessageReference | None = None
    referenced_message: Message | None = None
    reactions: tuple[ReactionCount, ...] = ()
    mentions: tuple[User, ...] = field(default=())
    webhook_id: int | None = None
    pinned_at: datetime | None = None
    embeds: tuple[dict[str, object], ...] = ()
    """Rich embeds as the author sent them (validated), in Discord's embed JSON shape."""
    attachments: tuple[Attachment, ...] = ()
    location: Location | None = None
    held: bool = False
    """Only its author sees it until its files are scanned."""
    author_member: Member | None = None
    """The author's membership, set on MESSAGE_CREATE/UPDATE events in guilds (Discord's `member`).
    """
    components: tuple[dict[str, object], ...] = ()
    """Action rows of buttons and select menus, as validated (domain/components.py)."""
    interaction: MessageInteraction | None = None
    """Set on a bot's answer to an interaction (its author is the application's bot)."""
    thread: Channel | None = None
    """The thread started from this message (flag HAS_THREAD), shown with it."""


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    name: str
    owner_id: int
    bot_user_id: int
    description: str = ""
    icon: str | None = None
    flags: int = 0
    bot_public: bool = True
    bot_require_code_grant: bool = False
    verify_key: str = ""
    interactions_endpoint_url: str | None = None
    """Interactions are POSTed there, signed, instead of sent over the gateway."""


class Unset(enum.Enum):
    """Marks a field a PATCH did not mention, as distinct from one set to null."""

    UNSET = "UNSET"


UNSET = Unset.UNSET


def provided(patch: object) -> dict[str, object]:
    """The fields of a patch dataclass that were given (not UNSET)."""
    return {
        f.name: getattr(patch, f.name)
        for f in fields(patch)  # type: ignore[arg-type]
        if getattr(patch, f.name) is not UNSET
    }


def shown_to_others(message: Message) -> Message:
    """The message as anyone but its author sees it: without files still being scanned or
    blocked, and without a replied-to message that is held for its own author (a held message
    itself, which only its author receives, is shown whole). The same object when nothing is
    left out, as for almost every message."""
    replied = message.referenced_message
    shown_replied = replied
    if replied is not None:
        shown_replied = None if replied.held else shown_to_others(replied)
    files_clean = message.held or all(a.scan is Scan.CLEAN for a in message.attachments)
    if files_clean and shown_replied is replied:
        return message
    clean = (
        message.attachments
        if files_clean
        else tuple(a for a in message.attachments if a.scan is Scan.CLEAN)
    )
    return replace(message, attachments=clean, referenced_message=shown_replied)
