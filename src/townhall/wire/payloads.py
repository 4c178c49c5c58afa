"""Discord's JSON shapes of townhall's objects: the one place they are built.

The REST API and the gateway both render through these functions, so a bot sees the same object
whether it fetched it or received it as an event. Ids are strings; times are ISO 8601 with offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from townhall.domain import groups, notifications
from townhall.domain.audit_log import AuditLogEntry
from townhall.domain.event_data import (
    AnnouncementReceipts,
    InviteView,
    MessageAcknowledged,
    Presence,
)
from townhall.domain.groups import GroupListing, GroupMember, GroupProposal, JoinRequest
from townhall.domain.models import (
    Application,
    Attachment,
    Ban,
    Call,
    Channel,
    ChannelType,
    ForumSettings,
    ForumTag,
    Guild,
    Location,
    Member,
    Message,
    MessageInteraction,
    MessageType,
    Role,
    Scan,
    StageInstance,
    User,
    VoiceState,
)
from townhall.domain.notifications import (
    PersonalState,
    ReadPosition,
    UserSettings,
    VersionedGuildSettings,
)
from townhall.domain.permissions import Overwrite
from townhall.domain.scheduled_events import EntityType, Interest, ScheduledEvent
from townhall.domain.snowflake import snowflake_time
from townhall.domain.threads import ThreadMember, ThreadPage
from townhall.domain.webhooks import Webhook
from townhall.files import urls as file_urls

Payload = dict[str, Any]


def sid(value: int | None) -> str | None:
    return None if value is None else str(value)


def timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="microseconds")


def user(u: User, *, private: bool = False) -> Payload:
    """A user; `private` adds what only the user themselves sees (email, verified, mfa)."""
    body: Payload = {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": u.avatar,
        "bot": u.bot,
        "system": False,
        "public_flags": u.flags,
        "flags": u.flags,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if private:
        body.update(
            email=u.email,
            verified=u.email is not None,
            mfa_enabled=False,
            locale="en-US",
            premium_type=0,
        )
    return body


def role(r: Role) -> Payload:
    body: Payload = {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }
    if r.bot_id is not None:
        body["tags"] = {"bot_id": str(r.bot_id)}
    return body


def overwrite(o: Overwrite) -> Payload:
    return {"id": str(o.id), "type": int(o.type), "allow": str(o.allow), "deny": str(o.deny)}


def channel(c: Channel, recipients: list[User] | None = None) -> Payload:
    """A channel; DMs list their `recipients` other than the viewer (pass them in)."""
    if c.thread is not None:
        return thread(c)
    body: Payload = {
        "id": str(c.id),
        "type": int(c.type),
        "last_message_id": sid(c.last_message_id),
        "flags": c.flags,
    }
    if c.type.is_guild:
        body.update(
            guild_id=sid(c.guild_id),
            name=c.name,
            position=c.position,
            parent_id=sid(c.parent_id),
            permission_overwrites=[overwrite(o) for o in c.permission_overwrites],
            nsfw=c.nsfw,
        )
        if c.type in (
            ChannelType.GUILD_TEXT,
            ChannelType.GUILD_ANNOUNCEMENT,
            ChannelType.GUILD_FORUM,
        ):
            body.update(topic=c.topic, rate_limit_per_user=c.rate_limit_per_user)
            body["last_pin_timestamp"] = timestamp(c.last_pin_timestamp)
        if groups.is_group(c.flags):
            body.update(
                member_count=groups.member_count(c), group_join_policy=groups.join_policy(c.flags)
            )
        if c.type.is_voice:
            body.update(
                bitrate=c.bitrate,
                user_limit=c.user_limit,
                rtc_region=None,
                rate_limit_per_user=c.rate_limit_per_user,
            )
        if c.type is ChannelType.GUILD_CATEGORY:
            body.pop("last_message_id")
        if c.type is ChannelType.GUILD_FORUM:
            body.update(forum_fields(c.forum or ForumSettings()))
    else:
        body["recipients"] = [user(u) for u in recipients or []]
        body["last_pin_timestamp"] = timestamp(c.last_pin_timestamp)
        if c.type is ChannelType.GROUP_DM:
            body.update(name=c.name, icon=c.icon, owner_id=sid(c.owner_id))
    return body


# -- threads and forums (docs/threads.md) -----------------------------------------------------


def thread(c: Channel, member: ThreadMember | None = None) -> Payload:
    """A thread: a channel with `thread_metadata` and its counters, no overwrites (it has the
    parent's); `member` is the viewer's own membership, where Discord shows it."""
    meta = c.thread
    assert meta is not None
    metadata: Payload = {
        "archived": meta.archived,
        "auto_archive_duration": meta.auto_archive_duration,
        "archive_timestamp": timestamp(meta.archive_timestamp),
        "locked": meta.locked,
        "create_timestamp": timestamp(meta.create_timestamp),
    }
    if c.type is ChannelType.PRIVATE_THREAD:
        metadata["invitable"] = meta.invitable
    body: Payload = {
        "id": str(c.id),
        "type": int(c.type),
        "guild_id": sid(c.guild_id),
        "parent_id": sid(c.parent_id),
        "owner_id": sid(c.owner_id),
        "name": c.name,
        "last_message_id": sid(c.last_message_id),
        "last_pin_timestamp": timestamp(c.last_pin_timestamp),
        "rate_limit_per_user": c.rate_limit_per_user,
        "flags": c.flags,
        "message_count": meta.message_count,
        "total_message_sent": meta.total_message_sent,
        "member_count": meta.member_count,
        "thread_metadata": metadata,
        "applied_tags": [str(t) for t in meta.applied_tags],
    }
    if member is not None:
        body["member"] = thread_member(member, with_ids=True)
    return body


def thread_member(
    m: ThreadMember, *, with_ids: bool = True, guild_id: int | None = None
) -> Payload:
    """Discord's thread member; GUILD_CREATE's threads carry theirs without the ids."""
    body: Payload = {"join_timestamp": timestamp(m.join_timestamp), "flags": m.flags}
    if with_ids:
        body = {"id": str(m.thread_id), "user_id": str(m.user_id), **body}
    if m.member is not None:
        body["member"] = member(m.member)
    if guild_id is not None:
        body["guild_id"] = str(guild_id)
    return body


def forum_tag(t: ForumTag) -> Payload:
    return {
        "id": str(t.id),
        "name": t.name,
        "moderated": t.moderated,
        "emoji_id": sid(t.emoji_id),
        "emoji_name": t.emoji_name,
    }


def forum_fields(f: ForumSettings) -> Payload:
    """What a forum channel shows beside a text channel's fields."""
    reaction = None
    if f.default_reaction_emoji is not None:
        emoji_id, emoji_name = f.default_reaction_emoji
        reaction = {"emoji_id": sid(emoji_id), "emoji_name": emoji_name}
    return {
        "available_tags": [forum_tag(t) for t in f.available_tags],
        "default_reaction_emoji": reaction,
        "default_sort_order": f.default_sort_order,
        "default_forum_layout": f.default_forum_layout,
        "default_auto_archive_duration": f.default_auto_archive_duration or 1440,
        "default_thread_rate_limit_per_user": f.default_thread_rate_limit_per_user,
    }


def thread_page(page: ThreadPage, *, with_has_more: bool = True) -> Payload:
    """The archived-threads routes' answer (`has_more`), or the active threads' (without)."""
    body: Payload = {
        "threads": [thread(t) for t in page.threads],
        "members": [thread_member(m) for m in page.members],
    }
    if with_has_more:
        body["has_more"] = page.has_more
    return body


def guild(g: Guild, roles: list[Role], *, member_count: int | None = None) -> Payload:
    body: Payload = {
        "id": str(g.id),
        "name": g.name,
        "icon": g.icon,
        "icon_hash": g.icon,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": sid(g.afk_channel_id),
        "afk_timeout": g.afk_timeout,
        "max_file_size": g.max_file_size,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": g.verification_level,
        "default_message_notifications": g.default_message_notifications,
        "explicit_content_filter": g.explicit_content_filter,
        "roles": [role(r) for r in roles],
        "emojis": [],
        "stickers": [],
        "features": list(g.features),
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": sid(g.system_channel_id),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500000,
        "max_presences": None,
        "vanity_url_code": None,
        "description": g.description,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": g.preferred_locale,
        "nsfw_level": 0,
        "region": "deprecated",
        "guests_enabled": g.guests_enabled,
        "guest_role_id": sid(g.guest_role_id),
        "guest_inactivity_days": g.guest_inactivity_days,
        "rules": g.rules,
        "announcements_channel_id": sid(g.announcements_channel_id),
    }
    if member_count is not None:
        body["approximate_member_count"] = member_count
        body["approximate_presence_count"] = 0
    return body


def guild_preview(g: Guild, member_count: int) -> Payload:
    """Discord's Guild Preview: what anyone may know of a guild with a public channel."""
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": g.icon,
        "splash": None,
        "discovery_splash": None,
        "emojis": [],
        "features": list(g.features),
        "approximate_member_count": member_count,
        "approximate_presence_count": 0,
        "description": g.description,
        "stickers": [],
    }


def partial_guild(g: Guild, permissions: int, *, owner: bool, count: int | None) -> Payload:
    """A guild in `GET /users/@me/guilds`, with the user's permissions there."""
    body: Payload = {
        "id": str(g.id),
        "name": g.name,
        "icon": g.icon,
        "banner": None,
        "owner": owner,
        "permissions": str(permissions),
        "features": list(g.features),
    }
    if count is not None:
        body.update(approximate_member_count=count, approximate_presence_count=0)
    return body


def member(m: Member, *, with_user: bool = True) -> Payload:
    body: Payload = {
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in m.role_ids],
        "joined_at": timestamp(m.joined_at),
        "premium_since": None,
        "deaf": m.deaf,
        "mute": m.mute,
        "flags": m.flags,
        "pending": False,
        "communication_disabled_until": timestamp(m.communication_disabled_until),
    }
    if with_user:
        body["user"] = user(m.user)
    return body


def voice_state(state: VoiceState, member_: Member | None, *, connected: bool = True) -> Payload:
    """Discord's voice state; `connected=False` is the state of someone who left (no channel).
    Server mute and deafen come from the member."""
    body: Payload = {
        "guild_id": str(state.guild_id) if state.guild_id is not None else None,
        "channel_id": str(state.channel_id) if connected else None,
        "user_id": str(state.user_id),
        "session_id": state.session_id,
        "deaf": member_.deaf if member_ is not None else False,
        "mute": member_.mute if member_ is not None else False,
        "self_deaf": state.self_deaf,
        "self_mute": state.self_mute,
        "self_stream": state.self_stream,
        "self_video": state.self_video,
        "suppress": state.suppress,
        "request_to_speak_timestamp": timestamp(state.request_to_speak_at),
    }
    if member_ is not None:
        body["member"] = member(member_)
    return body


def call(c: Call, voice_states: Iterable[VoiceState] | None = None) -> Payload:
    """A call of a DM or group DM, as Discord's CALL_CREATE and CALL_UPDATE carry it."""
    body: Payload = {
        "channel_id": str(c.channel_id),
        "message_id": None,
        "region": "townhall",
        "ringing": [str(user_id) for user_id in c.ringing],
    }
    if voice_states is not None:
        body["voice_states"] = [voice_state(v, None) for v in voice_states]
    return body


def stage_instance(stage: StageInstance) -> Payload:
    return {
        "id": str(stage.id),
        "guild_id": str(stage.guild_id),
        "channel_id": str(stage.channel_id),
        "topic": stage.topic,
        "privacy_level": stage.privacy_level,
        "discoverable_disabled": True,
        "guild_scheduled_event_id": (
            str(stage.scheduled_event_id) if stage.scheduled_event_id is not None else None
        ),
    }


def ban(b: Ban) -> Payload:
    return {"reason": b.reason, "user": user(b.user)}


def message(
    m: Message,
    *,
    include_content: bool = True,
    author_member: Member | None = None,
    nested: bool = False,
    users: dict[int, Payload] | None = None,
) -> Payload:
    """A message. `include_content=False` blanks text and embeds (no MESSAGE_CONTENT intent);
    `nested` renders a `referenced_message`, which carries no message of its own."""
    body: Payload = {
        "id": str(m.id),
        "channel_id": str(m.channel_id),
        # A webhook's name may differ from message to message: never shared across a page.
        "author": user(m.author) if m.webhook_id is not None else _user_once(m.author, users),
        "content": m.content if include_content else "",
        "timestamp": timestamp(_message_time(m)),
        "edited_timestamp": timestamp(m.edited_at),
        "tts": m.tts,
        "mention_everyone": m.mention_everyone,
        "mentions": [user(u) for u in m.mentions],
        "mention_roles": [str(r) for r in m.mention_role_ids],
        "attachments": [attachment(a, m.channel_id) for a in m.attachments]
        if include_content
        else [],
        "embeds": list(m.embeds) if include_content else [],
        "pinned": m.pinned,
        "type": int(m.type),
        "flags": m.flags,
        "components": list(m.components) if include_content else [],
    }
    if m.reactions:
        body["reactions"] = [
            {
                "count": r.count,
                "count_details": {"burst": 0, "normal": r.count},
                "me": r.me,
                "me_burst": False,
                "burst_colors": [],
                "emoji": {"id": None, "name": r.emoji},
            }
            for r in m.reactions
        ]
    if m.location is not None and include_content:
        body["location"] = location(m.location)
    if m.guild_id is not None:
        body["guild_id"] = str(m.guild_id)
    if m.nonce is not None:
        body["nonce"] = m.nonce
    if m.webhook_id is not None:
        body["webhook_id"] = str(m.webhook_id)
        body["author"] = {**body["author"], "discriminator": "0000"}  # as Discord's webhooks
    if m.interaction is not None:
        _answering(body, m.interaction)
    if m.reference is not None:
        body["message_reference"] = {
            "type": 0,
            "message_id": sid(m.reference.message_id),
            "channel_id": str(m.reference.channel_id),
            "guild_id": sid(m.reference.guild_id),
        }
        # Discord resolves `referenced_message` for replies only; null means it was deleted.
        if m.type is MessageType.REPLY and not nested:
            body["referenced_message"] = (
                message(m.referenced_message, include_content=include_content, nested=True)
                if m.referenced_message is not None
                else None
            )
    if m.type is MessageType.THREAD_STARTER_MESSAGE and m.referenced_message and not nested:
        body["referenced_message"] = message(
            m.referenced_message, include_content=include_content, nested=True
        )
    if m.thread is not None and not nested:
        body["thread"] = thread(m.thread)
    member_of_author = author_member or m.author_member
    if member_of_author is not None:
        body["member"] = member(member_of_author, with_user=False)
    return body


def message_interaction(mi: MessageInteraction) -> Payload:
    """Discord's `interaction_metadata` of a message answering an interaction."""
    body: Payload = {
        "id": str(mi.id),
        "type": mi.type,
        "user": user(mi.user),
        "authorizing_integration_owners": {"0": str(mi.guild_id or 0)},
    }
    if mi.name is not None:
        body["name"] = mi.name
    if mi.command_type is not None:
        body["command_type"] = mi.command_type
    if mi.original_response_message_id is not None:
        body["original_response_message_id"] = str(mi.original_response_message_id)
    if mi.target_user is not None:
        body["target_user"] = user(mi.target_user)
    if mi.target_message_id is not None:
        body["target_message_id"] = str(mi.target_message_id)
    if mi.interacted_message_id is not None:
        body["interacted_message_id"] = str(mi.interacted_message_id)
    if mi.triggering is not None:
        body["triggering_interaction_metadata"] = message_interaction(mi.triggering)
    return body


def _answering(body: Payload, mi: MessageInteraction) -> None:
    """A bot's answer to an interaction: its application, the metadata, and the deprecated
    `interaction` object that libraries still read."""
    body["application_id"] = str(mi.application_id)
    body["interaction_metadata"] = message_interaction(mi)
    if mi.name is not None:
        body["interaction"] = {
            "id": str(mi.id),
            "type": mi.type,
            "name": mi.name,
            "user": user(mi.user),
        }


def location(loc: Location) -> Payload:
    """townhall's: a shared location; `live` while its author keeps it up to date."""
    return {
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "accuracy": loc.accuracy,
        "live": loc.live_until is not None and not loc.ended,
        "live_until": timestamp(loc.live_until),
        "ended": loc.ended,
        "updated_at": timestamp(loc.updated_at),
    }


SCAN_STATUS = {Scan.PENDING: "pending", Scan.INFECTED: "blocked"}


def attachment(a: Attachment, channel_id: int) -> Payload:
    """Discord's attachment object; `scan_status`/`scan_signature` are townhall's, present only
    while a file is not cleared (then only its uploader receives the message)."""
    body: Payload = {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "content_type": a.content_type,
        "description": a.description,
        "flags": a.flags,
    }
    if a.scan is Scan.INFECTED:
        body["url"] = body["proxy_url"] = ""
    else:
        links = file_urls.current()
        body["url"] = links.attachment(channel_id, a.id, a.filename)
        body["proxy_url"] = (
            links.attachment(channel_id, a.id, a.filename, preview=True)
            if a.has_preview
            else body["url"]
        )
    if a.width is not None and a.height is not None:
        body["width"], body["height"] = a.width, a.height
    if a.duration_secs is not None:
        body["duration_secs"] = a.duration_secs
    if a.waveform is not None:
        body["waveform"] = a.waveform
    if a.scan is not Scan.CLEAN:
        body["scan_status"] = SCAN_STATUS[a.scan]
        if a.signature:
            body["scan_signature"] = a.signature
    return body


def message_list(found: Iterable[Message]) -> list[Payload]:
    """Messages of one page; each author's object is built once and shared."""
    users: dict[int, Payload] = {}
    return [message(m, users=users) for m in found]


def _user_once(u: User, users: dict[int, Payload] | None) -> Payload:
    if users is None:
        return user(u)
    rendered = users.get(u.id)
    if rendered is None:
        rendered = users[u.id] = user(u)
    return rendered


def _message_time(m: Message) -> datetime:
    return snowflake_time(m.id)


def application(a: Application, owner: User, bot: User | None = None) -> Payload:
    body: Payload = {
        "id": str(a.id),
        "name": a.name,
        "icon": a.icon,
        "description": a.description,
        "summary": "",
        "type": None,
        "bot_public": a.bot_public,
        "bot_require_code_grant": a.bot_require_code_grant,
        "verify_key": a.verify_key,
        "flags": a.flags,
        "owner": user(owner),
        "team": None,
        "rpc_origins": [],
        "terms_of_service_url": None,
        "privacy_policy_url": None,
        "tags": [],
        "install_params": None,
        "custom_install_url": None,
        "redirect_uris": [],
        "interactions_endpoint_url": a.interactions_endpoint_url,
        "approximate_guild_count": 0,
    }
    if bot is not None:
        body["bot"] = user(bot)
    return body


def presence(p: Presence, guild_id: int | None) -> Payload:
    body: Payload = {
        "user": {"id": str(p.user_id)},
        "status": p.status,
        "activities": list(p.activities),
        "client_status": dict(p.client_status),
    }
    if p.last_seen is not None:
        body["last_seen"] = timestamp(p.last_seen)
    if guild_id is not None:
        body["guild_id"] = str(guild_id)
    return body


def invite(view: InviteView, *, metadata: bool = False) -> Payload:
    """An invite as `GET /invites/{code}` shows it; `metadata` adds uses, limits and creation."""
    inv = view.invite
    body: Payload = {
        "type": 0,
        "code": inv.code,
        "guild": {
            "id": str(view.guild.id),
            "name": view.guild.name,
            "icon": view.guild.icon,
            "splash": None,
            "banner": None,
            "description": view.guild.description,
            "features": list(view.guild.features),
            "verification_level": view.guild.verification_level,
            "nsfw_level": 0,
            "premium_subscription_count": 0,
            "rules": view.guild.rules,
        },
        "guild_id": str(view.guild.id),
        "channel": {
            "id": str(view.channel.id),
            "name": view.channel.name,
            "type": int(view.channel.type),
        },
        "inviter": user(view.inviter) if view.inviter else None,
        "expires_at": timestamp(inv.expires_at()),
        "flags": inv.flags,
    }
    if view.member_count is not None:
        body["approximate_member_count"] = view.member_count
        body["approximate_presence_count"] = view.presence_count or 0
    if metadata:
        body.update(
            uses=inv.uses,
            max_uses=inv.max_uses,
            max_age=inv.max_age,
            temporary=inv.temporary,
            created_at=timestamp(inv.created_at),
        )
    return body


def invite_event(view: InviteView, *, deleted: bool) -> Payload:
    """INVITE_CREATE (the invite's settings) or INVITE_DELETE (just where it was)."""
    inv = view.invite
    body: Payload = {
        "channel_id": str(inv.channel_id),
        "guild_id": str(inv.guild_id),
        "code": inv.code,
    }
    if not deleted:
        body.update(
            created_at=timestamp(inv.created_at),
            inviter=user(view.inviter) if view.inviter else None,
            max_age=inv.max_age,
            max_uses=inv.max_uses,
            temporary=inv.temporary,
            uses=inv.uses,
            expires_at=timestamp(inv.expires_at()),
        )
    return body


def message_ack(position: ReadPosition) -> Payload:
    return {
        "channel_id": str(position.channel_id),
        "message_id": str(position.message_id),
        "version": position.version,
        "mention_count": position.mention_count,
        "manual": position.manual,
        "ack_type": 0,
    }


def read_state_entry(channel_id: int, last_message_id: int, mention_count: int) -> Payload:
    return {
        "id": str(channel_id),
        "last_message_id": str(last_message_id),
        "mention_count": mention_count,
        "last_pin_timestamp": None,
        "flags": 0,
    }


def user_guild_settings(found: VersionedGuildSettings) -> Payload:
    return {**notifications.to_json(found.settings), "version": found.version}


def user_settings(settings: UserSettings) -> Payload:
    """`locale` and `theme` are null until the person chooses (the client follows the browser)."""
    return {
        "locale": settings.locale,
        "theme": settings.theme,
        "restricted_guilds": [str(g) for g in settings.restricted_guilds],
        "default_guilds_restricted": settings.default_guilds_restricted,
        "notification_message_text": settings.notification_message_text,
    }


def ready(
    u: User | None,
    session_id: str,
    resume_gateway_url: str,
    *,
    shard: list[int] | None = None,
    application: Application | None = None,
) -> Payload:
    """READY without its `guilds`, `private_channels` and personal state (`ready_personal`),
    which the gateway hub fills in. Without a user: a visitor's (gateway/anonymous.py), which
    has no user, no guild and nothing personal."""
    body: Payload = {
        "v": 10,
        "user": user(u, private=True) if u is not None else None,
        "session_id": session_id,
        "session_type": "normal" if u is not None else "anonymous",
        "resume_gateway_url": resume_gateway_url,
        "guilds": [],
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "auth": {},
    }
    if shard is not None:
        body["shard"] = shard
    if application is not None:
        body["application"] = {"id": str(application.id), "flags": application.flags}
    return body


def ready_personal(personal: PersonalState) -> Payload:
    """What a person (not a bot) also gets in READY, as Discord's client does: read states,
    notification settings per guild, and their settings (language)."""
    return {
        "read_state": {
            "entries": [read_state_entry(*entry) for entry in personal.read_states],
            "partial": False,
            "version": personal.version,
        },
        "user_guild_settings": {
            "entries": [user_guild_settings(found) for found in personal.guild_settings],
            "partial": False,
            "version": personal.version,
        },
        "user_settings": user_settings(personal.settings),
    }


def guild_create(
    guild: Payload,
    *,
    roles: list[Any],
    channels: list[Any],
    members: list[Any],
    member_count: int,
    large: bool,
    joined_at: str,
    presences: list[Payload],
    voice_states: list[Any] | None = None,
    stage_instances: list[Any] | None = None,
    guild_scheduled_events: list[Any] | None = None,
    threads: list[Any] | None = None,
) -> Payload:
    """GUILD_CREATE for one session: the guild with what that member sees of it."""
    body = dict(guild)
    body.update(
        roles=roles,
        channels=channels,
        members=members,
        member_count=member_count,
        large=large,
        joined_at=joined_at,
        presences=presences,
        threads=threads or [],
        voice_states=voice_states or [],
        stage_instances=stage_instances or [],
        guild_scheduled_events=guild_scheduled_events or [],
        soundboard_sounds=[],
        unavailable=False,
        lazy=True,
    )
    return body


def scheduled_event(e: ScheduledEvent) -> Payload:
    """Discord's guild scheduled event; `user_count` when it was counted, `creator` when known."""
    body: Payload = {
        "id": str(e.id),
        "guild_id": str(e.guild_id),
        "channel_id": sid(e.channel_id),
        "creator_id": sid(e.creator_id),
        "name": e.name,
        "description": e.description,
        "scheduled_start_time": timestamp(e.start),
        "scheduled_end_time": timestamp(e.end),
        "privacy_level": e.privacy_level,
        "status": int(e.status),
        "entity_type": int(e.entity_type),
        "entity_id": sid(e.entity_id),
        "entity_metadata": (
            {"location": e.location} if e.entity_type is EntityType.EXTERNAL else None
        ),
        "image": None,
        "recurrence_rule": None,
    }
    if e.creator is not None:
        body["creator"] = user(e.creator)
    if e.user_count is not None:
        body["user_count"] = e.user_count
    return body


def scheduled_event_user(event_id: int, u: User, member_: Member | None) -> Payload:
    """An entry of `GET …/scheduled-events/{id}/users`; `member` with `with_member`."""
    body: Payload = {"guild_scheduled_event_id": str(event_id), "user": user(u)}
    if member_ is not None:
        body["member"] = member(member_, with_user=False)
    return body


def interest(i: Interest, *, with_guild: bool = True) -> Payload:
    """GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE (with the guild), or Discord's subscribed event
    user (`PUT …/users/@me`, `GET /users/@me/scheduled-events`: without it)."""
    body: Payload = {"guild_scheduled_event_id": str(i.event_id), "user_id": str(i.user_id)}
    if with_guild:
        body["guild_id"] = str(i.guild_id)
    return body


def webhook(w: Webhook, *, creator: User | None = None, token: str | None = None) -> Payload:
    """An incoming webhook (type 1). `token` only in the response that created it
    (docs/webhooks.md); `user` for those with MANAGE_WEBHOOKS."""
    body: Payload = {
        "id": str(w.id),
        "type": 1,
        "guild_id": str(w.guild_id),
        "channel_id": str(w.channel_id),
        "name": w.name,
        "avatar": w.avatar,
        "application_id": None,
    }
    if creator is not None:
        body["user"] = user(creator)
    if token is not None:
        body["token"] = token
    return body


# -- communities of groups (docs/communities.md) -----------------------------------------------


def group_listing(g: GroupListing) -> Payload:
    """One group of the community's directory (`GET /guilds/{id}/groups`)."""
    c = g.channel
    return {
        "id": str(c.id),
        "name": c.name,
        "topic": c.topic,
        "group_join_policy": int(groups.join_policy(c.flags)),
        "member_count": g.member_count,
        "joined": g.joined,
        "admin": g.admin,
        "requested": g.requested,
    }


def group_member(m: GroupMember) -> Payload:
    return {"user": user(m.user), "admin": m.admin}


def join_request(r: JoinRequest) -> Payload:
    return {
        "id": str(r.id),
        "guild_id": str(r.guild_id),
        "channel_id": str(r.channel_id),
        "user_id": str(r.user_id),
        "user": user(r.user) if r.user is not None else None,
        "message": r.message,
        "status": int(r.status),
        "created_at": timestamp(r.created_at),
        "decided_by": sid(r.decided_by),
        "decided_at": timestamp(r.decided_at),
    }


def group_proposal(p: GroupProposal) -> Payload:
    return {
        "id": str(p.id),
        "guild_id": str(p.guild_id),
        "user_id": str(p.user_id),
        "user": user(p.user) if p.user is not None else None,
        "name": p.name,
        "topic": p.topic,
        "group_join_policy": int(p.join_policy),
        "channel_id": sid(p.channel_id),
        "status": int(p.status),
        "created_at": timestamp(p.created_at),
        "decided_by": sid(p.decided_by),
        "decided_at": timestamp(p.decided_at),
    }


# -- announcements and the moderation log (docs/communities.md) ----------------------------------


def message_acknowledged(a: MessageAcknowledged) -> Payload:
    """MESSAGE_ACKNOWLEDGE: townhall's, to the person's own sessions."""
    return {
        "channel_id": str(a.channel_id),
        "message_id": str(a.message_id),
        "guild_id": sid(a.guild_id),
    }


def receipt_counts(r: AnnouncementReceipts) -> Payload:
    """`GET …/receipts`: how many can see the channel, read and acknowledged the message."""
    return {
        "member_count": r.member_count,
        "read_count": r.read_count,
        "acknowledged_count": r.acknowledged_count,
    }


def receipts_update(r: AnnouncementReceipts) -> Payload:
    """ANNOUNCEMENT_RECEIPTS_UPDATE: the counts with where they belong."""
    return {
        "guild_id": str(r.guild_id),
        "channel_id": str(r.channel_id),
        "message_id": str(r.message_id),
        **receipt_counts(r),
    }


def audit_log_entry(e: AuditLogEntry, *, with_guild: bool = False) -> Payload:
    """Discord's audit log entry; GUILD_AUDIT_LOG_ENTRY_CREATE adds `guild_id`."""
    body: Payload = {
        "id": str(e.id),
        "action_type": int(e.action_type),
        "user_id": sid(e.user_id),
        "target_id": sid(e.target_id),
    }
    if e.options:
        body["options"] = dict(e.options)
    if e.reason is not None:
        body["reason"] = e.reason
    if with_guild:
        body["guild_id"] = str(e.guild_id)
    return body


def audit_log(entries: Iterable[AuditLogEntry], users: Iterable[User]) -> Payload:
    """`GET /guilds/{id}/audit-logs`: entries with the users they name, in Discord's shape."""
    return {
        "audit_log_entries": [audit_log_entry(e) for e in entries],
        "users": [user(u) for u in users],
        "integrations": [],
        "webhooks": [],
        "guild_scheduled_events": [],
        "threads": [],
        "application_commands": [],
        "auto_moderation_rules": [],
    }
