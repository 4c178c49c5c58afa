"""Table definitions (SQLAlchemy Core). Migrations in `migrations/versions` must match these.

Conventions: ids are snowflakes (64-bit integers); times are integer milliseconds since the Unix
epoch
(the same on SQLite and PostgreSQL, and cheap to compare); permission bitfields are 64-bit integers.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger
"""A snowflake column."""
Millis = BigInteger
"""A moment as milliseconds since the Unix epoch."""


def _cascade(target: str) -> ForeignKey:
    return ForeignKey(target, ondelete="CASCADE")


users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("username", String(32), nullable=False),
    Column("username_key", String(32), nullable=False, unique=True),
    Column("global_name", String(32)),
    Column("email", String(254)),
    Column("email_key", String(254), unique=True),
    Column("password_hash", String(200)),
    Column("avatar", String(64)),
    Column("bot", Boolean, nullable=False, server_default=text("false")),
    Column("is_admin", Boolean, nullable=False, server_default=text("false")),
    Column("flags", Integer, nullable=False, server_default=text("0")),
    Column("default_guilds_restricted", Boolean, nullable=False, server_default=text("false")),
    # Guilds joined from now on go on the user's `restricted_guilds` (members.dms_restricted).
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("user_id", Id, _cascade("users.id"), nullable=False, index=True),
    Column("created_at", Millis, nullable=False),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("description", String(400), nullable=False, server_default=""),
    Column("icon", String(64)),
    Column("owner_id", Id, _cascade("users.id"), nullable=False, index=True),
    Column("bot_user_id", Id, _cascade("users.id"), nullable=False, unique=True),
    Column("flags", Integer, nullable=False, server_default=text("0")),
    Column("bot_public", Boolean, nullable=False, server_default=text("true")),
    Column("bot_require_code_grant", Boolean, nullable=False, server_default=text("false")),
    Column("verify_key", String(64), nullable=False),
    Column("interactions_endpoint_url", String(2048)),
    # Interactions go there, signed, instead of over the gateway (docs/interactions.md).
    Column("interactions_signing_key", LargeBinary(32)),
    # The Ed25519 seed whose public key is `verify_key` (store/interactions.py reads it).
)

guilds = Table(
    "guilds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("owner_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("icon", String(64)),
    Column("description", String(300)),
    Column("system_channel_id", Id),
    Column("afk_channel_id", Id),
    Column("afk_timeout", Integer, nullable=False, server_default=text("300")),
    Column("max_file_size", BigInteger),
    Column("verification_level", SmallInteger, nullable=False, server_default=text("0")),
    Column("default_message_notifications", SmallInteger, nullable=False, server_default=text("0")),
    Column("explicit_content_filter", SmallInteger, nullable=False, server_default=text("0")),
    Column("preferred_locale", String(10), nullable=False, server_default="en-US"),
    Column("guests_enabled", Boolean, nullable=False, server_default=text("false")),
    Column("guest_role_id", Id),
    Column("guest_inactivity_days", SmallInteger, nullable=False, server_default=text("14")),
    Column("rules", Text),
    # Guest accounts (domain/guests.py): whether guest links may be made, the Guest role, how long
    # a guest may stay idle, and the rules a guest accepts before joining.
    Column("community", Boolean, nullable=False, server_default=text("false")),
    Column("announcements_channel_id", Id),
    # A community of groups (domain/groups.py) and the announcement channel every member reads.
    Column("confidential", Boolean, nullable=False, server_default=text("false")),
    # Push notifications from it show no message text unless a person chose to see it there
    # (domain/push.py).
    Column("version", BigInteger, nullable=False, server_default=text("0")),
    # Counts the changes that a gateway snapshot of the guild reflects (roles, channels, members):
    # each such event carries the number it made, so nodes tell what a snapshot already holds.
)

roles = Table(
    "roles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("permissions", BigInteger, nullable=False),
    Column("position", Integer, nullable=False, server_default=text("0")),
    Column("color", Integer, nullable=False, server_default=text("0")),
    Column("hoist", Boolean, nullable=False, server_default=text("false")),
    Column("mentionable", Boolean, nullable=False, server_default=text("false")),
    Column("managed", Boolean, nullable=False, server_default=text("false")),
    Column("bot_id", Id),
)

channels = Table(
    "channels",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("type", SmallInteger, nullable=False),
    Column("guild_id", Id, _cascade("guilds.id"), index=True),
    Column("name", String(100)),
    Column("topic", String(4096)),
    Column("position", Integer, nullable=False, server_default=text("0")),
    Column("parent_id", Id),
    Column("nsfw", Boolean, nullable=False, server_default=text("false")),
    Column("rate_limit_per_user", Integer, nullable=False, server_default=text("0")),
    Column("user_limit", Integer, nullable=False, server_default=text("0")),
    Column("bitrate", Integer, nullable=False, server_default=text("64000")),
    Column("last_message_id", Id),
    Column("last_pin_at", Millis),
    Column("owner_id", Id),
    Column("icon", String(64)),
    Column("dm_key", String(48), unique=True),
    # "low_user_id:high_user_id" for one-to-one DMs, so that two users share exactly one DM channel.
    Column("flags", Integer, nullable=False, server_default=text("0")),
    # Discord's channel flags; WEB_PUBLIC (domain/channels.py): readable by anyone with the link.
)

permission_overwrites = Table(
    "permission_overwrites",
    metadata,
    Column("channel_id", Id, _cascade("channels.id"), primary_key=True),
    Column("target_id", Id, primary_key=True),
    Column("type", SmallInteger, nullable=False),
    Column("allow", BigInteger, nullable=False),
    Column("deny", BigInteger, nullable=False),
    # Groups of a WhatsApp-style community keep their member lists as member overwrites: find a
    # member's overwrites across channels without scanning.
    Index("ix_permission_overwrites_target", "target_id"),
)

channel_recipients = Table(
    "channel_recipients",
    metadata,
    Column("channel_id", Id, _cascade("channels.id"), primary_key=True),
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("closed", Boolean, nullable=False, server_default=text("false")),
    # A DM its recipient closed: still theirs (opening it again finds the same channel), but no
    # longer in their list of private channels.
    Index("ix_channel_recipients_user", "user_id"),
)

members = Table(
    "members",
    metadata,
    Column("guild_id", Id, _cascade("guilds.id"), primary_key=True),
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("nick", String(32)),
    Column("joined_at", Millis, nullable=False),
    Column("communication_disabled_until", Millis),
    Column("deaf", Boolean, nullable=False, server_default=text("false")),
    Column("mute", Boolean, nullable=False, server_default=text("false")),
    Column("flags", Integer, nullable=False, server_default=text("0")),
    Column("temporary", Boolean, nullable=False, server_default=text("false")),
    Column("dms_restricted", Boolean, nullable=False, server_default=text("false")),
    # This guild is on the member's `restricted_guilds`: its other members may not DM them.
    Index("ix_members_user", "user_id"),
)

member_roles = Table(
    "member_roles",
    metadata,
    Column("guild_id", Id, nullable=False),
    Column("user_id", Id, nullable=False),
    Column("role_id", Id, _cascade("roles.id"), nullable=False),
    UniqueConstraint("guild_id", "user_id", "role_id"),
    Index("ix_member_roles_role", "role_id"),
)

voice_states = Table(
    "voice_states",
    metadata,
    # Who is connected to which voice channel, through which gateway session on which process
    # (`holder`: its node lease holder); rows of a holder whose lease ended are cleared.
    Column("scope_id", Id, primary_key=True, autoincrement=False),
    # The guild, or the DM channel of a call: one voice state per person per scope.
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("guild_id", Id, _cascade("guilds.id")),
    Column("channel_id", Id, _cascade("channels.id"), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("holder", String(32), nullable=False),
    Column("self_mute", Boolean, nullable=False, server_default=text("false")),
    Column("self_deaf", Boolean, nullable=False, server_default=text("false")),
    Column("self_video", Boolean, nullable=False, server_default=text("false")),
    Column("self_stream", Boolean, nullable=False, server_default=text("false")),
    Column("suppress", Boolean, nullable=False, server_default=text("false")),
    Column("request_to_speak_at", Millis),
    Index("ix_voice_states_channel", "channel_id"),
    Index("ix_voice_states_holder", "holder"),
    Index("ix_voice_states_guild", "guild_id"),
)

calls = Table(
    "calls",
    metadata,
    # A call in a DM or group DM while anyone is in it.
    Column("channel_id", Id, _cascade("channels.id"), primary_key=True),
    Column("started_at", Millis, nullable=False),
    Column("ringing", Text),
    # Space-separated ids of the recipients being rung.
)

stage_instances = Table(
    "stage_instances",
    metadata,
    # A stage channel's live session: one at most per channel.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False),
    Column("channel_id", Id, _cascade("channels.id"), nullable=False, unique=True),
    Column("topic", String(120), nullable=False),
    Column("privacy_level", SmallInteger, nullable=False, server_default=text("2")),
    Column("scheduled_event_id", Id),
    Index("ix_stage_instances_guild", "guild_id"),
)

guild_scheduled_events = Table(
    "guild_scheduled_events",
    metadata,
    # Discord's guild scheduled events: planned in a stage or voice channel, or somewhere else
    # (`location`); `entity_id` is the stage instance of an active stage event.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False),
    Column("channel_id", Id, _cascade("channels.id")),
    Column("creator_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("name", String(100), nullable=False),
    Column("description", String(1000)),
    Column("scheduled_start_time", Millis, nullable=False),
    Column("scheduled_end_time", Millis),
    Column("privacy_level", SmallInteger, nullable=False, server_default=text("2")),
    Column("status", SmallInteger, nullable=False),
    Column("entity_type", SmallInteger, nullable=False),
    Column("entity_id", Id),
    Column("location", String(100)),
    Index("ix_guild_scheduled_events_guild_status", "guild_id", "status"),
)

guild_scheduled_event_users = Table(
    "guild_scheduled_event_users",
    metadata,
    # Who marked themselves interested in an event (Discord: subscribed).
    Column("event_id", Id, _cascade("guild_scheduled_events.id"), primary_key=True),
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("guild_id", Id, nullable=False),
    Index("ix_guild_scheduled_event_users_user", "user_id"),
)

bans = Table(
    "bans",
    metadata,
    Column("guild_id", Id, _cascade("guilds.id"), primary_key=True),
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("reason", String(512)),
)

invites = Table(
    "invites",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False, index=True),
    Column("channel_id", Id, _cascade("channels.id"), nullable=False, index=True),
    Column("inviter_id", Id),
    Column("created_at", Millis, nullable=False),
    Column("max_age", Integer, nullable=False),
    Column("max_uses", Integer, nullable=False),
    Column("uses", Integer, nullable=False, server_default=text("0")),
    Column("temporary", Boolean, nullable=False, server_default=text("false")),
    Column("flags", Integer, nullable=False, server_default=text("0")),
    # Discord's invite flags: IS_GUEST_INVITE makes it a guest link (domain/guests.py).
)

guests = Table(
    "guests",
    metadata,
    # Guest accounts until they are erased or kept (actions/guests.py).
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("guild_id", Id, nullable=False, index=True),
    # No foreign key: a guest whose community is deleted must still be found and erased.
    Column("invite_code", String(32), nullable=False),
    Column("expires_at", Millis, nullable=False),
    # When the guest link ends: the account ends with it.
    Column("last_active_at", Millis, nullable=False),
    # The last join or gateway IDENTIFY or RESUME, to the quarter hour (the last message is read
    # from `messages`).
    Column("ended", Boolean, nullable=False, server_default=text("false")),
    # A moderator ended the guest's access, or expiry came: only erasure is left.
    Column("created_at", Millis, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("channel_id", Id, _cascade("channels.id"), nullable=False),
    Column("guild_id", Id),
    Column("author_id", Id, nullable=False),
    Column("type", SmallInteger, nullable=False, server_default=text("0")),
    Column("content", Text, nullable=False),
    Column("edited_at", Millis),
    Column("tts", Boolean, nullable=False, server_default=text("false")),
    Column("mention_everyone", Boolean, nullable=False, server_default=text("false")),
    Column("mention_ids", Text),
    Column("mention_role_ids", Text),
    # Space-separated ids: small, rarely queried, and the same on both engines.
    Column("pinned_at", Millis),
    Column("flags", Integer, nullable=False, server_default=text("0")),
    Column("reference_message_id", Id),
    Column("reference_channel_id", Id),
    Column("reference_guild_id", Id),
    Column("nonce", String(64)),
    Column("embeds", Text),
    # JSON list of rich embeds, NULL when there are none (most messages).
    Column("attachments", Text),
    # JSON list of the message's attachments as shown (a copy of their rows in `attachments`,
    # kept in step by actions/attachments.py), NULL when there are none: history never joins.
    Column("location", Text),
    # JSON of a shared location (domain.models.Location), NULL for other messages.
    Column("held", Boolean, nullable=False, server_default=text("false")),
    # Only its author sees it while one of its files is being scanned (files/clamd.py).
    Column("webhook_id", Id),
    Column("webhook_name", String(80)),
    Column("webhook_avatar", String(2048)),
    # Set on messages a webhook posted (then `author_id` is the webhook's id, as on Discord):
    # the name and avatar shown, an execute's overrides included.
    Column("components", Text),
    # JSON list of message components (action rows of buttons and selects), NULL for most.
    Column("interaction", Text),
    # JSON of the interaction a bot's response answers (domain.models.MessageInteraction).
    # History pages walk this index: a page costs the same in a channel of ten or ten million.
    Index("ix_messages_channel_id_id", "channel_id", "id"),
    Index("ix_messages_author_channel", "author_id", "channel_id", "id"),
    Index(
        "ix_messages_pins",
        "channel_id",
        "pinned_at",
        sqlite_where=text("pinned_at IS NOT NULL"),
        postgresql_where=text("pinned_at IS NOT NULL"),
    ),
)

attachments = Table(
    "attachments",
    metadata,
    # A file of a message: its bytes are in the file store under `storage_key`.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("message_id", Id, nullable=False),
    Column("channel_id", Id, nullable=False),
    Column("guild_id", Id),
    Column("uploader_id", Id, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("description", String(1024)),
    Column("content_type", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("duration_secs", Float),
    Column("waveform", Text),
    Column("flags", Integer, nullable=False, server_default=text("0")),
    Column("storage_key", String(200), nullable=False),
    Column("preview_key", String(200)),
    # A smaller rendition (images, a video's poster frame), NULL when there is none.
    Column("scan", SmallInteger, nullable=False, server_default=text("0")),
    # 0 clean (or scanning off), 1 waiting for its scan, 2 malware found (the bytes are gone).
    Column("signature", String(200)),
    # What the scanner found, for the uploader and the moderators.
    Column("created_at", Millis, nullable=False),
    Index("ix_attachments_message_id", "message_id"),
    Index("ix_attachments_uploader_id", "uploader_id"),
    Index("ix_attachments_guild_id", "guild_id"),
)

uploads = Table(
    "uploads",
    metadata,
    # A resumable (tus) upload in progress; its bytes so far are in a staging file on the node.
    Column("id", String(40), primary_key=True),
    Column("uploader_id", Id, nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("offset", BigInteger, nullable=False, server_default=text("0")),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(128)),
    # What the client declared; the served type is sniffed from the bytes.
    Column("metadata", Text),
    # `Upload-Metadata` as the client sent it: tus wants it back on every HEAD.
    Column("created_at", Millis, nullable=False),
    Column("expires_at", Millis, nullable=False),
    Index("ix_uploads_expires_at", "expires_at"),
)

server_secrets = Table(
    "server_secrets",
    metadata,
    # Keys every node shares, made once at first start (e.g. the one that signs file URLs).
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

message_nonces = Table(
    "message_nonces",
    metadata,
    # `enforce_nonce`: one author's retried send with the same nonce yields the same message.
    Column("author_id", Id, primary_key=True),
    Column("channel_id", Id, primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("message_id", Id, _cascade("messages.id"), nullable=False),
    Column("created_at", Millis, nullable=False),
)

reactions = Table(
    "reactions",
    metadata,
    Column("message_id", Id, _cascade("messages.id"), primary_key=True),
    Column("emoji", String(64), primary_key=True),
    Column("user_id", Id, primary_key=True),
    Column("channel_id", Id, nullable=False),
    Column("seq", Id, nullable=False),
    # A snowflake minted when the reaction was added: the order of "first reacted".
)

read_states = Table(
    "read_states",
    metadata,
    # How far each person has read each channel, so that it follows them across devices.
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("channel_id", Id, _cascade("channels.id"), primary_key=True),
    Column("last_message_id", Id, nullable=False),
    Column("version", BigInteger, nullable=False),
)

user_guild_settings = Table(
    "user_guild_settings",
    metadata,
    # A person's notification settings for one guild, in Discord's JSON shape.
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("guild_id", Id, _cascade("guilds.id"), primary_key=True),
    Column("settings", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
)

user_settings = Table(
    "user_settings",
    metadata,
    # Settings that follow a person everywhere: the interface language, the theme.
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("locale", String(16)),
    Column("theme", String(16)),
    Column("notification_message_text", SmallInteger),
    # Whether push notifications show message text (domain/push.py): null or 0 as the community
    # says (not in confidential ones), 1 always, 2 never.
)

outbox = Table(
    "outbox",
    metadata,
    # Events committed with the change they describe, until a relay has put them on the bus.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("owner", String(32), nullable=False),
    # The lease holder of the process that wrote it: rows of a holder whose lease ended are adopted.
    Column("created_at", Millis, nullable=False),
    Column("body", LargeBinary, nullable=False),
)

node_leases = Table(
    "node_leases",
    metadata,
    # Each running process holds one node id (the node bits of the snowflakes it mints).
    Column("node_id", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(32), nullable=False),
    Column("expires_at", Millis, nullable=False),
    Index("ix_node_leases_holder", "holder"),
)

jobs = Table(
    "jobs",
    metadata,
    # Durable background work: scheduled, retried, run once across nodes (actions/jobs.py).
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("run_at", Millis, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("max_attempts", Integer, nullable=False, server_default=text("5")),
    Column("locked_by", String(32)),
    Column("locked_until", Millis),
    Column("unique_key", String(200), unique=True),
    # At most one pending job per key (a recurring task, the expiry of one invite).
    Column("every_ms", BigInteger),
    # Recurring jobs run again this long after each run, in the same row.
    Column("finished_at", Millis),
    Column("failed", Boolean, nullable=False, server_default=text("false")),
    Column("last_error", Text),
    Index("ix_jobs_due", "finished_at", "run_at"),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    # "user:<id>", or "login:<login as typed, casefolded>" when no account matches.
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", Millis, nullable=False),
    Column("blocked_until", Millis, nullable=False),
)

known_devices = Table(
    "known_devices",
    metadata,
    # Devices that signed in to the account before: never held back by its sign-in backoff.
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("created_at", Millis, nullable=False),
    Column("last_used_at", Millis, nullable=False),
)

push_subscriptions = Table(
    "push_subscriptions",
    metadata,
    # A browser's Web Push subscription (RFC 8030): where to send, and the keys to encrypt with
    # (RFC 8291). The endpoint belongs to one browser, so it names one row: the person last
    # signed in there.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("user_id", Id, _cascade("users.id"), nullable=False, index=True),
    Column("endpoint", String(2048), nullable=False, unique=True),
    Column("p256dh", String(100), nullable=False),
    Column("auth", String(32), nullable=False),
    Column("expires_at", Millis),
    Column("created_at", Millis, nullable=False),
)

push_focus = Table(
    "push_focus",
    metadata,
    # Clients that have the app open and focused until `focused_until`: their person gets no
    # pushes meanwhile. Renewed by the client while it stays focused; every node reads it.
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("client_id", String(64), primary_key=True),
    Column("focused_until", Millis, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    # Incoming webhooks (Discord's type 1). The token is stored as a SHA-256 hash, like `tokens`:
    # it is shown once, when the webhook is created (docs/webhooks.md).
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False, index=True),
    Column("channel_id", Id, _cascade("channels.id"), nullable=False, index=True),
    Column("user_id", Id),
    Column("name", String(80), nullable=False),
    Column("avatar", String(64)),
    Column("token_hash", LargeBinary(32), nullable=False),
)

# -- communities of groups (docs/communities.md; store/groups.py) ------------------------------

group_join_requests = Table(
    "group_join_requests",
    metadata,
    # A person asking to join a closed group; a group admin approves (the member overwrite is
    # added) or declines. Decided requests stay, as the group's record of who decided.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False),
    Column("channel_id", Id, _cascade("channels.id"), nullable=False),
    Column("user_id", Id, _cascade("users.id"), nullable=False),
    Column("message", String(500)),
    Column("status", SmallInteger, nullable=False, server_default=text("0")),
    # 0 pending, 1 approved, 2 declined (domain/groups.py RequestStatus).
    Column("created_at", Millis, nullable=False),
    Column("decided_by", Id),
    Column("decided_at", Millis),
    Index("ix_group_join_requests_channel_status", "channel_id", "status", "id"),
    Index("ix_group_join_requests_user_status", "user_id", "status"),
    Index(
        "ix_group_join_requests_one_pending",
        "channel_id",
        "user_id",
        unique=True,
        sqlite_where=text("status = 0"),
        postgresql_where=text("status = 0"),
    ),
    # One pending request per person and group, even when two arrive at once.
)

group_proposals = Table(
    "group_proposals",
    metadata,
    # A member proposing a new group, or one of their channels as a group (`channel_id` while
    # pending); the community's admins decide. Once approved, `channel_id` names the group.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False),
    Column("user_id", Id, _cascade("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("topic", String(1024)),
    Column("join_policy", SmallInteger, nullable=False, server_default=text("0")),
    Column("channel_id", Id),
    # No foreign key: a linked channel deleted meanwhile is found missing when deciding.
    Column("status", SmallInteger, nullable=False, server_default=text("0")),
    Column("created_at", Millis, nullable=False),
    Column("decided_by", Id),
    Column("decided_at", Millis),
    Index("ix_group_proposals_guild_status", "guild_id", "status", "id"),
    Index("ix_group_proposals_user_status", "user_id", "status"),
)

# -- announcements and the moderation log (docs/communities.md; store/announcements.py,
# store/audit_log.py) -----------------------------------------------------------------------------

MUST_READ_WHERE = "(flags & 1073741824) != 0"
"""Messages flagged MUST_READ (1 << 30, domain/announcements.py). Queries name this same
expression (store/announcements.py), so that both engines use the partial index below."""

Index(
    "ix_messages_must_read",
    messages.c.guild_id,
    messages.c.channel_id,
    messages.c.id,
    sqlite_where=text(MUST_READ_WHERE),
    postgresql_where=text(MUST_READ_WHERE),
)
# The few must-read messages of a guild or a channel, without walking its history.

Index("ix_read_states_channel", read_states.c.channel_id, read_states.c.last_message_id)
# Who has read a channel up to a message (an announcement's read receipts), by index.

message_acknowledgements = Table(
    "message_acknowledgements",
    metadata,
    # A member pressed "Got it" on a must-read message.
    Column("message_id", Id, _cascade("messages.id"), primary_key=True),
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("channel_id", Id, nullable=False),
    Column("guild_id", Id, nullable=False),
    Column("acknowledged_at", Millis, nullable=False),
)

audit_log_entries = Table(
    "audit_log_entries",
    metadata,
    # Discord's audit log: what moderators did (domain/audit_log.py). `channel_id` is where it
    # happened, so that a group admin can read their group's entries.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False),
    Column("action_type", SmallInteger, nullable=False),
    Column("user_id", Id),
    Column("target_id", Id),
    Column("channel_id", Id),
    Column("options", Text),
    # JSON object of Discord's optional entry info (strings), NULL when there is none.
    Column("reason", String(512)),
    Index("ix_audit_log_entries_guild", "guild_id", "id"),
    Index("ix_audit_log_entries_guild_channel", "guild_id", "channel_id", "id"),
)


# -- application commands and interactions (docs/interactions.md; store/commands.py,
# store/interactions.py) --------------------------------------------------------------------------

application_commands = Table(
    "application_commands",
    metadata,
    # Discord's application commands, global (`scope_id` 0) or of one guild (`scope_id` = guild).
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("application_id", Id, _cascade("applications.id"), nullable=False),
    Column("scope_id", Id, nullable=False),
    Column("guild_id", Id, _cascade("guilds.id")),
    Column("type", SmallInteger, nullable=False),
    Column("name", String(32), nullable=False),
    Column("version", Id, nullable=False),
    Column("spec", Text, nullable=False),
    # JSON of the rest as validated (domain/commands.py): description, options, localizations,
    # default_member_permissions, contexts, integration_types, nsfw.
    UniqueConstraint("application_id", "scope_id", "type", "name"),
    # Names are unique per application, type and scope, as on Discord (POST is an upsert).
    Index("ix_application_commands_guild", "guild_id"),
)

application_command_permissions = Table(
    "application_command_permissions",
    metadata,
    # A guild's overwrites of who may use a command (`target_id` a command), or all of an
    # application's commands (`target_id` the application): JSON list of {id, type, permission}.
    Column("guild_id", Id, _cascade("guilds.id"), primary_key=True),
    Column("target_id", Id, primary_key=True),
    Column("application_id", Id, _cascade("applications.id"), nullable=False),
    Column("permissions", Text, nullable=False),
    Index("ix_application_command_permissions_app", "application_id", "guild_id"),
)

interactions = Table(
    "interactions",
    metadata,
    # A person used a command or a component: the bot answers with the token (stored hashed)
    # within 3 seconds, and may follow up with it for 15 minutes.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("application_id", Id, _cascade("applications.id"), nullable=False),
    Column("type", SmallInteger, nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("user_id", Id, _cascade("users.id"), nullable=False),
    Column("guild_id", Id),
    Column("channel_id", Id, nullable=False),
    Column("nonce", String(64)),
    Column("source", Text, nullable=False),
    # JSON of what the response message shows of it (domain/interactions.py `InteractionSource`):
    # the command's name and type, the message of a component, a modal's custom_id.
    Column("created_at", Millis, nullable=False),
    Column("callback_type", SmallInteger),
    # How the application answered (null: not yet); a second answer is refused (40060).
    Column("response_message_id", Id),
    Column("response_ephemeral", Boolean, nullable=False, server_default=text("false")),
    Column("modal", Text),
    # JSON of the modal it answered with (custom_id, title, components): its submit is checked
    # against it.
    Column("failed", Boolean, nullable=False, server_default=text("false")),
    Index("ix_interactions_created_at", "created_at"),
)

ephemeral_messages = Table(
    "ephemeral_messages",
    metadata,
    # Messages only the invoker of an interaction sees (flag EPHEMERAL): never in a channel's
    # history, kept while the interaction's token lasts so that follow-ups can edit them.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("interaction_id", Id, _cascade("interactions.id"), nullable=False, index=True),
    Column("channel_id", Id, nullable=False),
    Column("guild_id", Id),
    Column("user_id", Id, nullable=False),
    Column("author_id", Id, nullable=False),
    Column("type", SmallInteger, nullable=False),
    Column("content", Text, nullable=False),
    Column("embeds", Text),
    Column("components", Text),
    Column("flags", Integer, nullable=False),
    Column("mention_ids", Text),
    Column("interaction", Text),
    Column("reference_message_id", Id),
    Column("edited_at", Millis),
    Column("attachments", Text),
    # Its files as shown (JSON, as `messages.attachments`); their rows are in `attachments`.
)


# -- threads and forum posts (docs/threads.md; store/threads.py) --------------------------------
# A thread is a row of `channels` (type 10, 11 or 12, `parent_id` its channel, `owner_id` who
# began it); what only threads have is here, one row per thread.

threads = Table(
    "threads",
    metadata,
    Column("channel_id", Id, _cascade("channels.id"), primary_key=True),
    Column("guild_id", Id, _cascade("guilds.id"), nullable=False),
    Column("parent_id", Id, nullable=False),
    Column("archived", Boolean, nullable=False, server_default=text("false")),
    Column("auto_archive_duration", Integer, nullable=False),
    Column("archive_timestamp", Millis, nullable=False),
    # When it was created, archived or unarchived, or its duration changed (Discord's).
    Column("create_timestamp", Millis, nullable=False),
    Column("locked", Boolean, nullable=False, server_default=text("false")),
    Column("invitable", Boolean, nullable=False, server_default=text("true")),
    Column("message_count", Integer, nullable=False, server_default=text("0")),
    Column("total_message_sent", Integer, nullable=False, server_default=text("0")),
    Column("member_count", Integer, nullable=False, server_default=text("0")),
    Column("applied_tags", Text),
    # Space-separated ids of the forum tags a post carries.
    Index("ix_threads_guild_archived", "guild_id", "archived"),
    # A guild's active threads (GUILD_CREATE, GET /guilds/{id}/threads/active).
    Index("ix_threads_parent_archived", "parent_id", "archived", "archive_timestamp"),
    # A channel's archived threads, newest archived first.
)

thread_members = Table(
    "thread_members",
    metadata,
    # Who joined a thread (or was added, or wrote in it): a private thread's members see it.
    Column("thread_id", Id, _cascade("channels.id"), primary_key=True),
    Column("user_id", Id, _cascade("users.id"), primary_key=True),
    Column("guild_id", Id, nullable=False),
    Column("join_timestamp", Millis, nullable=False),
    Column("flags", Integer, nullable=False, server_default=text("0")),
    Index("ix_thread_members_user", "user_id", "thread_id"),
    Index("ix_thread_members_guild", "guild_id"),
)

forum_settings = Table(
    "forum_settings",
    metadata,
    # What a forum channel gives its posts and how clients show them (Discord's forum fields).
    Column("channel_id", Id, _cascade("channels.id"), primary_key=True),
    Column("default_auto_archive_duration", Integer),
    Column("default_thread_rate_limit_per_user", Integer, nullable=False, server_default=text("0")),
    Column("default_sort_order", SmallInteger),
    Column("default_forum_layout", SmallInteger, nullable=False, server_default=text("0")),
    Column("default_reaction_emoji_id", Id),
    Column("default_reaction_emoji_name", String(64)),
)

forum_tags = Table(
    "forum_tags",
    metadata,
    # The tags a forum's posts may carry, in the forum's order (`position`).
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("channel_id", Id, _cascade("channels.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("name", String(20), nullable=False),
    Column("moderated", Boolean, nullable=False, server_default=text("false")),
    Column("emoji_id", Id),
    Column("emoji_name", String(64)),
)
