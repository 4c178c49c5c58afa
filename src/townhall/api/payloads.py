"""Discord's JSON shapes of townhall's objects: the one place they are built.

The REST API and the gateway both render through these functions, so a bot sees the same object
whether it fetched it or received it as an event. Ids are strings; times are ISO 8601 with offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from townhall.domain.models import (
    Application,
    Ban,
    Channel,
    ChannelType,
    Guild,
    Member,
    Message,
    MessageType,
    Role,
    User,
)
from townhall.domain.permissions import Overwrite
from townhall.domain.snowflake import snowflake_time

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
    body: Payload = {
        "id": str(c.id),
        "type": int(c.type),
        "last_message_id": sid(c.last_message_id),
        "flags": 0,
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
        if c.type.is_voice:
            body.update(
                bitrate=c.bitrate,
                user_limit=c.user_limit,
                rtc_region=None,
                rate_limit_per_user=c.rate_limit_per_user,
            )
        if c.type is ChannelType.GUILD_CATEGORY:
            body.pop("last_message_id")
    else:
        body["recipients"] = [user(u) for u in recipients or []]
        body["last_pin_timestamp"] = timestamp(c.last_pin_timestamp)
        if c.type is ChannelType.GROUP_DM:
            body.update(name=c.name, icon=c.icon, owner_id=sid(c.owner_id))
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
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": g.verification_level,
        "default_message_notifications": g.default_message_notifications,
        "explicit_content_filter": g.explicit_content_filter,
        "roles": [role(r) for r in roles],
        "emojis": [],
        "stickers": [],
        "features": [],
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
    }
    if member_count is not None:
        body["approximate_member_count"] = member_count
        body["approximate_presence_count"] = 0
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
        "author": _user_once(m.author, users),
        "content": m.content if include_content else "",
        "timestamp": timestamp(_message_time(m)),
        "edited_timestamp": timestamp(m.edited_at),
        "tts": m.tts,
        "mention_everyone": m.mention_everyone,
        "mentions": [user(u) for u in m.mentions],
        "mention_roles": [str(r) for r in m.mention_role_ids],
        "attachments": [],
        "embeds": list(m.embeds) if include_content else [],
        "pinned": m.pinned,
        "type": int(m.type),
        "flags": m.flags,
        "components": [],
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
    if m.guild_id is not None:
        body["guild_id"] = str(m.guild_id)
    if m.nonce is not None:
        body["nonce"] = m.nonce
    if m.webhook_id is not None:
        body["webhook_id"] = str(m.webhook_id)
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
    member_of_author = author_member or m.author_member
    if member_of_author is not None:
        body["member"] = member(member_of_author, with_user=False)
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
        "interactions_endpoint_url": None,
        "approximate_guild_count": 0,
    }
    if bot is not None:
        body["bot"] = user(bot)
    return body
