"""Encoding a domain event once, at its origin, into the bytes every receiver gets.

The result travels the bus unchanged (in-process or through Redis), and each gateway node only
wraps these bytes into a frame per session (sequence number, optional compression).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from townhall.actions.guilds import GuildView
from townhall.actions.invites import InviteView
from townhall.api import payloads
from townhall.bus.events import Envelope, Event
from townhall.domain.event_data import (
    MessageDeleted,
    MessagesDeleted,
    PinsUpdate,
    Presence,
    PrivateChannelView,
    ReactionChange,
    ReactionsCleared,
    Typing,
)
from townhall.domain.models import Channel, Member, Message, Role, User

Payload = dict[str, Any]
NO_CONTENT = "no_content"


def _with_guild(body: Payload, guild_id: int | None) -> Payload:
    if guild_id is not None:
        body["guild_id"] = str(guild_id)
    return body


def _channel(data: Channel | PrivateChannelView) -> Payload:
    if isinstance(data, PrivateChannelView):
        return payloads.channel(data.channel, list(data.recipients))
    return payloads.channel(data)


def _member_update(m: Member) -> Payload:
    body = payloads.member(m)
    body["guild_id"] = str(m.guild_id)
    return body


def _reaction(r: ReactionChange) -> Payload:
    body: Payload = {
        "user_id": str(r.user_id),
        "channel_id": str(r.channel_id),
        "message_id": str(r.message_id),
        "emoji": {"id": None, "name": r.emoji},
        "burst": False,
        "type": 0,
    }
    if r.message_author_id is not None:
        body["message_author_id"] = str(r.message_author_id)
    if r.member is not None:
        body["member"] = payloads.member(r.member)
    return _with_guild(body, r.guild_id)


def _cleared(r: ReactionsCleared) -> Payload:
    body: Payload = {"channel_id": str(r.channel_id), "message_id": str(r.message_id)}
    if r.emoji is not None:
        body["emoji"] = {"id": None, "name": r.emoji}
    return _with_guild(body, r.guild_id)


def _typing(t: Typing) -> Payload:
    body: Payload = {
        "channel_id": str(t.channel_id),
        "user_id": str(t.user_id),
        "timestamp": int(t.timestamp.timestamp()),
    }
    if t.member is not None:
        body["member"] = payloads.member(t.member)
    return _with_guild(body, t.guild_id)


def _invite(view: InviteView, *, deleted: bool) -> Payload:
    invite = view.invite
    body: Payload = {
        "channel_id": str(invite.channel_id),
        "guild_id": str(invite.guild_id),
        "code": invite.code,
    }
    if not deleted:
        body.update(
            created_at=payloads.timestamp(invite.created_at),
            inviter=payloads.user(view.inviter) if view.inviter else None,
            max_age=invite.max_age,
            max_uses=invite.max_uses,
            temporary=invite.temporary,
            uses=invite.uses,
            expires_at=payloads.timestamp(invite.expires_at()),
        )
    return body


def presence_payload(p: Presence, guild_id: int | None) -> Payload:
    body: Payload = {
        "user": {"id": str(p.user_id)},
        "status": p.status,
        "activities": list(p.activities),
        "client_status": dict(p.client_status),
    }
    if p.last_seen is not None:
        body["last_seen"] = payloads.timestamp(p.last_seen)
    return _with_guild(body, guild_id)


def _user_ref(u: User, guild_id: int | None) -> Payload:
    return _with_guild({"user": payloads.user(u)}, guild_id)


Render = Callable[[Event], Payload]

_RENDERERS: dict[str, Render] = {
    "GUILD_UPDATE": lambda e: _guild_update(e.data),
    "GUILD_DELETE": lambda e: {"id": str(e.data)},
    "CHANNEL_CREATE": lambda e: _channel(e.data),  # type: ignore[arg-type]
    "CHANNEL_UPDATE": lambda e: _channel(e.data),  # type: ignore[arg-type]
    "CHANNEL_DELETE": lambda e: _channel(e.data),  # type: ignore[arg-type]
    "GUILD_ROLE_CREATE": lambda e: _role_event(e.data),
    "GUILD_ROLE_UPDATE": lambda e: _role_event(e.data),
    "GUILD_ROLE_DELETE": lambda e: _role_deleted(e.data),
    "GUILD_MEMBER_ADD": lambda e: _member_update(e.data),  # type: ignore[arg-type]
    "GUILD_MEMBER_UPDATE": lambda e: _member_update(e.data),  # type: ignore[arg-type]
    "GUILD_MEMBER_REMOVE": lambda e: _user_ref(e.data, e.guild_id),  # type: ignore[arg-type]
    "GUILD_BAN_ADD": lambda e: _user_ref(e.data, e.guild_id),  # type: ignore[arg-type]
    "GUILD_BAN_REMOVE": lambda e: _user_ref(e.data, e.guild_id),  # type: ignore[arg-type]
    "MESSAGE_DELETE": lambda e: _message_deleted(e.data),
    "MESSAGE_DELETE_BULK": lambda e: _messages_deleted(e.data),
    "MESSAGE_REACTION_ADD": lambda e: _reaction(e.data),  # type: ignore[arg-type]
    "MESSAGE_REACTION_REMOVE": lambda e: _reaction(e.data),  # type: ignore[arg-type]
    "MESSAGE_REACTION_REMOVE_ALL": lambda e: _cleared(e.data),  # type: ignore[arg-type]
    "MESSAGE_REACTION_REMOVE_EMOJI": lambda e: _cleared(e.data),  # type: ignore[arg-type]
    "CHANNEL_PINS_UPDATE": lambda e: _pins(e.data),
    "TYPING_START": lambda e: _typing(e.data),  # type: ignore[arg-type]
    "INVITE_CREATE": lambda e: _invite(e.data, deleted=False),  # type: ignore[arg-type]
    "INVITE_DELETE": lambda e: _invite(e.data, deleted=True),  # type: ignore[arg-type]
    "USER_UPDATE": lambda e: payloads.user(e.data, private=True),  # type: ignore[arg-type]
    "PRESENCE_UPDATE": lambda e: presence_payload(e.data, e.guild_id),  # type: ignore[arg-type]
}


def _guild_update(view: object) -> Payload:
    assert isinstance(view, GuildView)
    return payloads.guild(view.guild, view.roles)


def _role_event(role: object) -> Payload:
    assert isinstance(role, Role)
    return {"guild_id": str(role.guild_id), "role": payloads.role(role)}


def _role_deleted(role: object) -> Payload:
    assert isinstance(role, Role)
    return {"guild_id": str(role.guild_id), "role_id": str(role.id)}


def _message_deleted(data: object) -> Payload:
    assert isinstance(data, MessageDeleted)
    return _with_guild({"id": str(data.id), "channel_id": str(data.channel_id)}, data.guild_id)


def _messages_deleted(data: object) -> Payload:
    assert isinstance(data, MessagesDeleted)
    body = {"ids": [str(i) for i in data.ids], "channel_id": str(data.channel_id)}
    return _with_guild(body, data.guild_id)


def _pins(data: object) -> Payload:
    assert isinstance(data, PinsUpdate)
    body = {
        "channel_id": str(data.channel_id),
        "last_pin_timestamp": payloads.timestamp(data.last_pin_timestamp),
    }
    return _with_guild(body, data.guild_id)


def _message_envelope(event: Event, message: Message) -> Envelope:
    """Messages get a second encoding without content, for bots lacking MESSAGE_CONTENT."""
    return Envelope(
        type=event.type,
        data=orjson.dumps(payloads.message(message)),
        guild_id=event.guild_id,
        channel_id=event.channel_id,
        user_ids=event.user_ids,
        variants={NO_CONTENT: orjson.dumps(payloads.message(message, include_content=False))},
        meta={"author_id": message.author.id, "mention_ids": list(message.mention_ids)},
    )


def encode_event(event: Event) -> Envelope:
    if isinstance(event.data, Message):
        return _message_envelope(event, event.data)
    render = _RENDERERS.get(event.type)
    data: object = render(event) if render is not None else event.data
    if not isinstance(data, dict):
        data = None if not isinstance(data, int | str) else data
    return Envelope(
        type=event.type,
        data=orjson.dumps(data),
        guild_id=event.guild_id,
        channel_id=event.channel_id,
        user_ids=event.user_ids,
    )
