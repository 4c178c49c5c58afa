"""The documented shapes of what `payloads` builds: the OpenAPI document's response schemas.

Routes name these as `response_model`, but return `payloads`' JSON directly, so nothing is
validated on the way out and the hot path pays nothing: they exist for the document, for the web
client's generated types (`web/src/api/schema.gen.ts`) and for bot authors. Every response the API
tests receive is checked against them (`tests/api/documented_shapes.py`), and no field outside them
is allowed, so a payload that changes without its schema fails a test.
"""

from __future__ import annotations

from typing import Any, NotRequired

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from townhall.wire import schema_docs  # noqa: F401  (docstrings read once per class)

_EXACT = ConfigDict(extra="forbid", use_attribute_docstrings=True)


@with_config(_EXACT)
class User(TypedDict):
    id: str
    username: str
    discriminator: str
    global_name: str | None
    avatar: str | None
    bot: bool
    system: bool
    public_flags: int
    flags: int
    banner: None
    accent_color: None
    avatar_decoration_data: None
    email: NotRequired[str | None]
    """This and the rest: only for the user themselves (`/users/@me`, READY)."""
    verified: NotRequired[bool]
    mfa_enabled: NotRequired[bool]
    locale: NotRequired[str]
    premium_type: NotRequired[int]


@with_config(_EXACT)
class RoleColors(TypedDict):
    primary_color: int
    secondary_color: int | None
    tertiary_color: int | None


@with_config(_EXACT)
class RoleTags(TypedDict):
    bot_id: str


@with_config(_EXACT)
class Role(TypedDict):
    id: str
    name: str
    color: int
    colors: RoleColors
    hoist: bool
    icon: str | None
    unicode_emoji: str | None
    position: int
    permissions: str
    managed: bool
    mentionable: bool
    flags: int
    tags: NotRequired[RoleTags]


@with_config(_EXACT)
class Overwrite(TypedDict):
    id: str
    type: int
    """0: a role, 1: a member."""
    allow: str
    deny: str


@with_config(_EXACT)
class Channel(TypedDict):
    """A guild channel, a DM or a group DM: which fields appear depends on `type`."""

    id: str
    type: int
    flags: int
    last_message_id: NotRequired[str | None]
    guild_id: NotRequired[str | None]
    name: NotRequired[str | None]
    position: NotRequired[int]
    parent_id: NotRequired[str | None]
    permission_overwrites: NotRequired[list[Overwrite]]
    nsfw: NotRequired[bool]
    topic: NotRequired[str | None]
    rate_limit_per_user: NotRequired[int]
    last_pin_timestamp: NotRequired[str | None]
    bitrate: NotRequired[int]
    user_limit: NotRequired[int]
    rtc_region: NotRequired[str | None]
    recipients: NotRequired[list[User]]
    icon: NotRequired[str | None]
    owner_id: NotRequired[str | None]
    member_count: NotRequired[int]
    """townhall's, on a group (docs/communities.md): how many members it has."""
    group_join_policy: NotRequired[int]
    """townhall's, on a group: 0 anyone joins, 1 members ask and a group admin decides."""
    thread_metadata: NotRequired[ThreadMetadata]
    """This and the rest up to `applied_tags`: threads (types 10, 11, 12; docs/threads.md)."""
    message_count: NotRequired[int]
    total_message_sent: NotRequired[int]
    applied_tags: NotRequired[list[str]]
    member: NotRequired[ThreadMember]
    """The viewer's own membership of the thread, where Discord shows it."""
    available_tags: NotRequired[list[ForumTag]]
    """This and the rest: forum channels (type 15)."""
    default_reaction_emoji: NotRequired[DefaultReaction | None]
    default_sort_order: NotRequired[int | None]
    default_forum_layout: NotRequired[int]
    default_auto_archive_duration: NotRequired[int]
    default_thread_rate_limit_per_user: NotRequired[int]


@with_config(_EXACT)
class Member(TypedDict):
    nick: str | None
    avatar: str | None
    banner: str | None
    roles: list[str]
    joined_at: str | None
    premium_since: str | None
    deaf: bool
    mute: bool
    flags: int
    pending: bool
    communication_disabled_until: str | None
    user: NotRequired[User]
    """Absent where the member is attached to a message (the message has the author)."""


@with_config(_EXACT)
class VoiceState(TypedDict):
    guild_id: str
    channel_id: str | None
    user_id: str
    session_id: str
    deaf: bool
    mute: bool
    self_deaf: bool
    self_mute: bool
    self_stream: bool
    self_video: bool
    suppress: bool
    request_to_speak_timestamp: str | None
    member: NotRequired[Member]


@with_config(_EXACT)
class StageInstance(TypedDict):
    id: str
    guild_id: str
    channel_id: str
    topic: str
    privacy_level: int
    discoverable_disabled: bool
    guild_scheduled_event_id: str | None


@with_config(_EXACT)
class Guild(TypedDict):
    id: str
    name: str
    icon: str | None
    icon_hash: str | None
    splash: None
    discovery_splash: None
    owner_id: str
    afk_channel_id: str | None
    afk_timeout: int
    max_file_size: int | None
    """townhall's: the largest file members may share, in bytes (null: the server's limit)."""
    widget_enabled: bool
    widget_channel_id: None
    verification_level: int
    default_message_notifications: int
    explicit_content_filter: int
    roles: list[Role]
    emojis: list[Any]
    stickers: list[Any]
    features: list[str]
    mfa_level: int
    application_id: None
    system_channel_id: str | None
    system_channel_flags: int
    rules_channel_id: None
    public_updates_channel_id: None
    safety_alerts_channel_id: None
    max_members: int
    max_presences: None
    vanity_url_code: None
    description: str | None
    banner: None
    premium_tier: int
    premium_subscription_count: int
    premium_progress_bar_enabled: bool
    preferred_locale: str
    nsfw_level: int
    region: str
    guests_enabled: bool
    """townhall's: guest links may be made (docs/guests.md)."""
    guest_role_id: str | None
    """The role every guest holds (made when guests are first enabled)."""
    guest_inactivity_days: int
    """A guest idle this many days is erased with what they wrote."""
    rules: str | None
    """townhall's: the community's rules, which a guest accepts before joining."""
    announcements_channel_id: str | None
    """townhall's: a community's announcement channel (docs/communities.md); null otherwise."""
    approximate_member_count: NotRequired[int]
    """With `?with_counts=true`."""
    approximate_presence_count: NotRequired[int]


@with_config(_EXACT)
class GuildPreview(TypedDict):
    """Discord's Guild Preview; townhall serves it without a token for guilds with a channel
    readable by anyone (docs/public-channels.md)."""

    id: str
    name: str
    icon: str | None
    splash: None
    discovery_splash: None
    emojis: list[Any]
    features: list[str]
    approximate_member_count: int
    approximate_presence_count: int
    description: str | None
    stickers: list[Any]


@with_config(_EXACT)
class Ban(TypedDict):
    reason: str | None
    user: User


@with_config(_EXACT)
class Emoji(TypedDict):
    id: str | None
    name: str


@with_config(_EXACT)
class ReactionCountDetails(TypedDict):
    burst: int
    normal: int


@with_config(_EXACT)
class Reaction(TypedDict):
    count: int
    count_details: ReactionCountDetails
    me: bool
    me_burst: bool
    burst_colors: list[str]
    emoji: Emoji


@with_config(_EXACT)
class MessageReference(TypedDict):
    type: int
    message_id: str | None
    channel_id: str
    guild_id: str | None


@with_config(_EXACT)
class Attachment(TypedDict):
    id: str
    filename: str
    size: int
    content_type: str
    description: str | None
    flags: int
    url: str
    """A signed link (`ex`, `is`, `hm`), valid for about a day; empty when malware was found."""
    proxy_url: str
    """A smaller rendition (an image's preview, a video's poster), or the file itself."""
    width: NotRequired[int]
    height: NotRequired[int]
    duration_secs: NotRequired[float]
    waveform: NotRequired[str]
    scan_status: NotRequired[str]
    """townhall's: `pending` while the file is scanned, `blocked` when malware was found; only
    its uploader receives such a message."""
    scan_signature: NotRequired[str]
    """townhall's: what the scanner found."""


@with_config(_EXACT)
class SharedLocation(TypedDict):
    """townhall's: a location shared with a message, once or live."""

    latitude: float
    longitude: float
    accuracy: float | None
    live: bool
    live_until: str | None
    ended: bool
    updated_at: str | None


@with_config(_EXACT)
class Message(TypedDict):
    id: str
    channel_id: str
    author: User
    content: str
    timestamp: str
    edited_timestamp: str | None
    tts: bool
    mention_everyone: bool
    mentions: list[User]
    mention_roles: list[str]
    attachments: list[Attachment]
    embeds: list[dict[str, Any]]
    pinned: bool
    type: int
    flags: int
    components: list[Any]
    reactions: NotRequired[list[Reaction]]
    guild_id: NotRequired[str]
    nonce: NotRequired[str | int]
    webhook_id: NotRequired[str]
    message_reference: NotRequired[MessageReference]
    referenced_message: NotRequired[Message | None]
    """Replies only; null when the message replied to was deleted."""
    member: NotRequired[Member]
    location: NotRequired[SharedLocation]
    application_id: NotRequired[str]
    """A bot's answer to an interaction (docs/interactions.md): its application."""
    interaction_metadata: NotRequired[MessageInteractionMetadata]
    interaction: NotRequired[MessageInteraction]
    """Deprecated by Discord in favour of `interaction_metadata`; libraries still read it."""
    thread: NotRequired[Channel]
    """The thread started from this message (flag HAS_THREAD, 1 << 5)."""


@with_config(_EXACT)
class InviteGuild(TypedDict):
    id: str
    name: str
    icon: str | None
    splash: None
    banner: None
    description: str | None
    features: list[str]
    verification_level: int
    nsfw_level: int
    premium_subscription_count: int
    rules: str | None
    """townhall's: the community's rules, for a guest to accept before joining."""


@with_config(_EXACT)
class InviteChannel(TypedDict):
    id: str
    name: str | None
    type: int


@with_config(_EXACT)
class Invite(TypedDict):
    type: int
    code: str
    guild: InviteGuild
    guild_id: str
    channel: InviteChannel
    inviter: User | None
    expires_at: str | None
    flags: int
    """Discord's invite flags: 1 (IS_GUEST_INVITE) for a guest link (docs/guests.md)."""
    approximate_member_count: NotRequired[int]
    approximate_presence_count: NotRequired[int]
    uses: NotRequired[int]
    """This and the rest: for those who manage the invite."""
    max_uses: NotRequired[int]
    max_age: NotRequired[int]
    temporary: NotRequired[bool]
    created_at: NotRequired[str | None]


@with_config(_EXACT)
class MuteConfig(TypedDict):
    end_time: str | None
    selected_time_window: int | None


@with_config(_EXACT)
class ChannelOverride(TypedDict):
    channel_id: str
    muted: bool
    mute_config: MuteConfig | None
    message_notifications: int
    collapsed: bool


@with_config(_EXACT)
class UserGuildSettings(TypedDict):
    guild_id: str
    muted: bool
    mute_config: MuteConfig | None
    message_notifications: int
    suppress_everyone: bool
    suppress_roles: bool
    mobile_push: bool
    hide_muted_channels: bool
    mute_scheduled_events: bool
    notify_highlights: int
    flags: int
    channel_overrides: list[ChannelOverride]
    version: int


@with_config(_EXACT)
class UserSettings(TypedDict):
    locale: str | None
    theme: str | None
    restricted_guilds: list[str]
    default_guilds_restricted: bool
    notification_message_text: int
    """Message text in push notifications: 0 except in confidential communities, 1 always,
    2 never."""


@with_config(_EXACT)
class Application(TypedDict):
    id: str
    name: str
    icon: str | None
    description: str
    summary: str
    type: None
    bot_public: bool
    bot_require_code_grant: bool
    verify_key: str
    flags: int
    owner: User
    team: None
    rpc_origins: list[str]
    terms_of_service_url: None
    privacy_policy_url: None
    tags: list[str]
    install_params: None
    custom_install_url: None
    redirect_uris: list[str]
    interactions_endpoint_url: str | None
    approximate_guild_count: int
    bot: NotRequired[User]


@with_config(_EXACT)
class CurrentUser(User):
    """`PATCH /users/@me`: the user, and a new token when the password changed (the others end)."""

    token: NotRequired[str]


@with_config(_EXACT)
class SignedIn(TypedDict):
    token: str
    user_id: str
    device_token: NotRequired[str | None]
    """Login only: lets this device sign in during a backoff after failed attempts elsewhere."""


@with_config(_EXACT)
class BotToken(TypedDict):
    token: str


@with_config(_EXACT)
class PartialGuild(TypedDict):
    """`GET /users/@me/guilds`: each guild the user is in, with their permissions there."""

    id: str
    name: str
    icon: str | None
    banner: None
    owner: bool
    permissions: str
    features: list[str]
    approximate_member_count: NotRequired[int]
    approximate_presence_count: NotRequired[int]


@with_config(_EXACT)
class PinnedMessage(TypedDict):
    pinned_at: str | None
    message: Message


@with_config(_EXACT)
class PinsPage(TypedDict):
    items: list[PinnedMessage]
    has_more: bool


@with_config(_EXACT)
class Gateway(TypedDict):
    url: str


@with_config(_EXACT)
class SessionStartLimit(TypedDict):
    total: int
    remaining: int
    reset_after: int
    max_concurrency: int


@with_config(_EXACT)
class GatewayBot(TypedDict):
    url: str
    shards: int
    session_start_limit: SessionStartLimit


@with_config(_EXACT)
class AuthorizationGuild(TypedDict):
    id: str
    name: str
    icon: str | None
    owner: bool
    permissions: str


@with_config(_EXACT)
class Authorization(TypedDict):
    """`GET /oauth2/authorize`: what the consent screen shows."""

    application: Application
    bot: User
    user: User
    scopes: list[str]
    permissions: str
    guilds: list[AuthorizationGuild]
    authorized: bool
    redirect_uri: None


@with_config(_EXACT)
class Location(TypedDict):
    """Where the browser goes after the consent screen."""

    location: str


@with_config(_EXACT)
class Nick(TypedDict):
    nick: str | None


@with_config(_EXACT)
class AckToken(TypedDict):
    token: None


@with_config(_EXACT)
class EntityMetadata(TypedDict):
    location: NotRequired[str | None]
    """Where an external event takes place."""


@with_config(_EXACT)
class GuildScheduledEvent(TypedDict):
    """Discord's guild scheduled event."""

    id: str
    guild_id: str
    channel_id: str | None
    """Null for an external event."""
    creator_id: str | None
    name: str
    description: str | None
    scheduled_start_time: str
    scheduled_end_time: str | None
    privacy_level: int
    """2: GUILD_ONLY."""
    status: int
    """1 SCHEDULED, 2 ACTIVE, 3 COMPLETED, 4 CANCELED."""
    entity_type: int
    """1 STAGE_INSTANCE, 2 VOICE, 3 EXTERNAL."""
    entity_id: str | None
    """The stage instance of an active stage event."""
    entity_metadata: EntityMetadata | None
    image: None
    recurrence_rule: None
    creator: NotRequired[User]
    user_count: NotRequired[int]
    """With `with_user_count=true`: how many members are interested."""


@with_config(_EXACT)
class GuildScheduledEventUser(TypedDict):
    guild_scheduled_event_id: str
    user: User
    member: NotRequired[Member]
    """With `with_member=true`, for members (without `user`, which is beside it)."""


@with_config(_EXACT)
class SubscribedScheduledEventUser(TypedDict):
    """Discord's subscribed guild scheduled event user: one's own interest in an event."""

    guild_scheduled_event_id: str
    user_id: str


@with_config(_EXACT)
class Webhook(TypedDict):
    """An incoming webhook (type 1). `token` and `url` only when it is created."""

    id: str
    type: int
    guild_id: str
    channel_id: str
    name: str
    avatar: str | None
    application_id: None
    user: NotRequired[User]
    token: NotRequired[str]
    url: NotRequired[str]


# -- communities of groups (docs/communities.md) -----------------------------------------------


@with_config(_EXACT)
class GroupListing(TypedDict):
    """One group of a community's directory, as the member asking sees it."""

    id: str
    name: str | None
    topic: str | None
    group_join_policy: int
    """0: anyone joins; 1: members ask and a group admin decides."""
    member_count: int
    joined: bool
    admin: bool
    """The member is one of the group's admins."""
    requested: bool
    """The member has asked to join and waits for a decision."""


@with_config(_EXACT)
class GroupMember(TypedDict):
    user: User
    admin: bool


@with_config(_EXACT)
class JoinRequest(TypedDict):
    """Someone asking to join a closed group."""

    id: str
    guild_id: str
    channel_id: str
    user_id: str
    user: User | None
    message: str | None
    status: int
    """0 pending, 1 approved, 2 declined."""
    created_at: str
    decided_by: str | None
    decided_at: str | None


@with_config(_EXACT)
class GroupProposal(TypedDict):
    """A member's proposal of a new group, or of a channel they run; the community decides."""

    id: str
    guild_id: str
    user_id: str
    user: User | None
    name: str
    topic: str | None
    group_join_policy: int
    channel_id: str | None
    """The channel proposed as a group; once approved, the group."""
    status: int
    """0 pending, 1 approved, 2 declined."""
    created_at: str
    decided_by: str | None
    decided_at: str | None


# -- announcements and the moderation log (docs/communities.md) ----------------------------------


@with_config(_EXACT)
class ReceiptCounts(TypedDict):
    """townhall's: a must-read message's read and acknowledgement counts."""

    member_count: int
    """Members who can see the channel."""
    read_count: int
    """Of those, whose read state reached the message."""
    acknowledged_count: int
    """Of those, who acknowledged it."""


@with_config(_EXACT)
class AuditLogEntry(TypedDict):
    """Discord's audit log entry."""

    id: str
    action_type: int
    """72 MESSAGE_DELETE, 73 MESSAGE_BULK_DELETE."""
    user_id: str | None
    target_id: str | None
    options: NotRequired[dict[str, str]]
    """MESSAGE_DELETE: channel_id, count and (townhall's) message_id; MESSAGE_BULK_DELETE: count."""
    reason: NotRequired[str]
    changes: NotRequired[list[dict[str, Any]]]


@with_config(_EXACT)
class AuditLog(TypedDict):
    """Discord's audit log object."""

    audit_log_entries: list[AuditLogEntry]
    users: list[User]
    integrations: list[Any]
    webhooks: list[Webhook]
    guild_scheduled_events: list[GuildScheduledEvent]
    threads: list[Any]
    application_commands: list[Any]
    auto_moderation_rules: list[Any]


# -- application commands and interactions (docs/interactions.md) ---------------------------------


@with_config(_EXACT)
class MessageInteractionMetadata(TypedDict):
    id: str
    type: int
    """2 a command, 3 a component, 5 a modal's submit."""
    user: User
    authorizing_integration_owners: dict[str, str]
    name: NotRequired[str]
    command_type: NotRequired[int]
    original_response_message_id: NotRequired[str]
    target_user: NotRequired[User]
    target_message_id: NotRequired[str]
    interacted_message_id: NotRequired[str]
    triggering_interaction_metadata: NotRequired[MessageInteractionMetadata]


@with_config(_EXACT)
class MessageInteraction(TypedDict):
    id: str
    type: int
    name: str
    user: User


@with_config(_EXACT)
class CommandChoice(TypedDict):
    name: str
    value: str | int | float
    name_localizations: NotRequired[dict[str, str]]


@with_config(_EXACT)
class CommandOption(TypedDict):
    type: int
    """1 subcommand, 2 group, 3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role,
    9 mentionable, 10 number, 11 attachment."""
    name: str
    description: str
    name_localizations: NotRequired[dict[str, str]]
    description_localizations: NotRequired[dict[str, str]]
    required: NotRequired[bool]
    choices: NotRequired[list[CommandChoice]]
    options: NotRequired[list[CommandOption]]
    channel_types: NotRequired[list[int]]
    min_value: NotRequired[int | float]
    max_value: NotRequired[int | float]
    min_length: NotRequired[int]
    max_length: NotRequired[int]
    autocomplete: NotRequired[bool]


@with_config(_EXACT)
class ApplicationCommand(TypedDict):
    id: str
    application_id: str
    version: str
    """A snowflake, new whenever the command changes."""
    type: int
    """1 slash (CHAT_INPUT), 2 user, 3 message."""
    name: str
    description: str
    name_localizations: NotRequired[dict[str, str] | None]
    description_localizations: NotRequired[dict[str, str] | None]
    """Lists leave both out unless `with_localizations=true`."""
    default_member_permissions: str | None
    nsfw: bool
    guild_id: NotRequired[str]
    dm_permission: NotRequired[bool]
    contexts: NotRequired[list[int] | None]
    integration_types: NotRequired[list[int]]
    options: NotRequired[list[CommandOption]]


@with_config(_EXACT)
class CommandPermission(TypedDict):
    id: str
    """A role (the guild's id: @everyone), a member, or a channel (the guild's id minus one:
    every channel)."""
    type: int
    """1 role, 2 user, 3 channel."""
    permission: bool


@with_config(_EXACT)
class GuildApplicationCommandPermissions(TypedDict):
    id: str
    """A command, or the application (its overwrites for all its commands)."""
    application_id: str
    guild_id: str
    permissions: list[CommandPermission]


@with_config(_EXACT)
class CommandIndexApplication(TypedDict):
    id: str
    name: str
    icon: str | None
    description: str
    bot_id: str


@with_config(_EXACT)
class ApplicationCommandIndex(TypedDict):
    """townhall's `GET /guilds/{id}/application-command-index`: what the person may use."""

    applications: list[CommandIndexApplication]
    application_commands: list[ApplicationCommand]
    version: str


@with_config(_EXACT)
class InteractionCallback(TypedDict):
    id: str
    type: int
    response_message_id: NotRequired[str]
    response_message_loading: NotRequired[bool]
    response_message_ephemeral: NotRequired[bool]


@with_config(_EXACT)
class InteractionCallbackResource(TypedDict):
    type: int
    message: NotRequired[Message]


@with_config(_EXACT)
class InteractionCallbackResponse(TypedDict):
    """`POST /interactions/{id}/{token}/callback?with_response=true`."""

    interaction: InteractionCallback
    resource: NotRequired[InteractionCallbackResource]


# -- threads and forums (docs/threads.md) -------------------------------------------------------


@with_config(_EXACT)
class ThreadMetadata(TypedDict):
    archived: bool
    auto_archive_duration: int
    """Minutes without activity before it archives itself: 60, 1440, 4320 or 10080."""
    archive_timestamp: str
    locked: bool
    create_timestamp: str | None
    invitable: NotRequired[bool]
    """Private threads only."""


@with_config(_EXACT)
class ThreadMember(TypedDict):
    id: NotRequired[str]
    """The thread's id (absent inside GUILD_CREATE's threads)."""
    user_id: NotRequired[str]
    join_timestamp: str
    flags: int
    member: NotRequired[Member]
    """With `with_member=true`."""


@with_config(_EXACT)
class ForumTag(TypedDict):
    id: str
    name: str
    moderated: bool
    emoji_id: str | None
    emoji_name: str | None


@with_config(_EXACT)
class DefaultReaction(TypedDict):
    emoji_id: str | None
    emoji_name: str | None


@with_config(_EXACT)
class ForumThread(Channel):
    """A new forum post: the thread with its first message."""

    message: Message


@with_config(_EXACT)
class ArchivedThreads(TypedDict):
    threads: list[Channel]
    members: list[ThreadMember]
    """The asker's own memberships of the listed threads."""
    has_more: bool


@with_config(_EXACT)
class ActiveThreads(TypedDict):
    threads: list[Channel]
    members: list[ThreadMember]
