"""Every event townhall emits, declared once: name, data, JSON, intent, audience, cache effect.

Adding an event means adding it here and emitting it from its action. A declaration the gateway
must act on (`structural=True`) needs a handler in `gateway/hub.py`; the hub checks at start-up that
every structural event has one, and `tests/events/test_catalog.py` that every event renders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import orjson

from townhall.domain.audit_log import AuditLogEntry
from townhall.domain.commands import GuildCommandPermissions
from townhall.domain.event_data import (
    AnnouncementReceipts,
    AttachmentBlocked,
    CallView,
    GuildView,
    InviteView,
    MessageAcknowledged,
    MessageDeleted,
    MessagesDeleted,
    PinsUpdate,
    Presence,
    PrivateChannelView,
    ReactionChange,
    ReactionsCleared,
    Typing,
    VoiceStateChange,
)
from townhall.domain.groups import GroupProposal, JoinRequest
from townhall.domain.interactions import (
    InteractionCreated,
    InteractionOutcome,
    ModalShown,
    SuggestionsShown,
)
from townhall.domain.models import (
    Call,
    Channel,
    Member,
    Message,
    Role,
    StageInstance,
    User,
    shown_to_others,
)
from townhall.domain.notifications import ReadPosition, UserSettings, VersionedGuildSettings
from townhall.domain.permissions import Permission
from townhall.domain.scheduled_events import Interest, ScheduledEvent
from townhall.domain.threads import ThreadCreated, ThreadMemberChange, ThreadMembersChange
from townhall.events.event import Audience, CacheKey, Encoded, Event, EventType
from townhall.wire import interactions as wire_interactions
from townhall.wire import payloads
from townhall.wire.intents import Intent

D = TypeVar("D")
Payload = dict[str, Any]
NO_CONTENT = "no_content"
"""The variant of a message for bots without the MESSAGE_CONTENT intent."""
LEFT_VIEW = "left_view"
"""The variant of a voice state for sessions that saw the channel someone left but cannot see the
one they went to: for them, the person left voice."""
AUTHOR_VIEW = "author_view"
"""The variant of a message for its author while some of its files are still being scanned
(everyone else's encoding leaves those files out)."""

REGISTRY: dict[str, EventType[Any]] = {}


def declare(kind: EventType[D]) -> EventType[D]:
    if kind.name in REGISTRY:
        raise ValueError(f"{kind.name} is declared twice")
    REGISTRY[kind.name] = kind
    return kind


# -- what events make stale ------------------------------------------------------------------


def _guild_stale(e: Event[Any]) -> Iterable[CacheKey]:
    return (("guild", e.guild_id),)


def _channel_stale(e: Event[Channel | PrivateChannelView]) -> Iterable[CacheKey]:
    data = e.data
    channel = data.channel if isinstance(data, PrivateChannelView) else data
    return (("channel", channel.id),)


def _member_stale(e: Event[Member]) -> Iterable[CacheKey]:
    return (("member", e.guild_id, e.data.user.id),)


def _member_removed_stale(e: Event[User]) -> Iterable[CacheKey]:
    return (("member", e.guild_id, e.data.id),)


def _guild_gone_stale(e: Event[int]) -> Iterable[CacheKey]:
    if e.user_ids is not None:  # members who left: only their memberships
        return tuple(("member", e.guild_id, uid) for uid in sorted(e.user_ids))
    return (("guild_all", e.guild_id),)


def _user_stale(e: Event[Any]) -> Iterable[CacheKey]:
    user_id = e.data.id if isinstance(e.data, User) else int(e.data)
    return (("user", user_id),)


# -- renderers -------------------------------------------------------------------------------


def _with_guild(body: Payload, guild_id: int | None) -> Payload:
    if guild_id is not None:
        body["guild_id"] = str(guild_id)
    return body


def _channel(e: Event[Channel | PrivateChannelView]) -> Payload:
    data = e.data
    if isinstance(data, PrivateChannelView):
        return payloads.channel(data.channel, list(data.recipients))
    return payloads.channel(data)


def _member(e: Event[Member]) -> Payload:
    body = payloads.member(e.data)
    body["guild_id"] = str(e.data.guild_id)
    return body


def _user_ref(e: Event[User]) -> Payload:
    return _with_guild({"user": payloads.user(e.data)}, e.guild_id)


def _role(e: Event[Role]) -> Payload:
    return {"guild_id": str(e.data.guild_id), "role": payloads.role(e.data)}


def _role_deleted(e: Event[Role]) -> Payload:
    return {"guild_id": str(e.data.guild_id), "role_id": str(e.data.id)}


def _message_deleted(e: Event[MessageDeleted]) -> Payload:
    d = e.data
    return _with_guild({"id": str(d.id), "channel_id": str(d.channel_id)}, d.guild_id)


def _messages_deleted(e: Event[MessagesDeleted]) -> Payload:
    d = e.data
    body = {"ids": [str(i) for i in d.ids], "channel_id": str(d.channel_id)}
    return _with_guild(body, d.guild_id)


def _reaction(e: Event[ReactionChange]) -> Payload:
    r = e.data
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


def _cleared(e: Event[ReactionsCleared]) -> Payload:
    r = e.data
    body: Payload = {"channel_id": str(r.channel_id), "message_id": str(r.message_id)}
    if r.emoji is not None:
        body["emoji"] = {"id": None, "name": r.emoji}
    return _with_guild(body, r.guild_id)


def _pins(e: Event[PinsUpdate]) -> Payload:
    d = e.data
    body = {
        "channel_id": str(d.channel_id),
        "last_pin_timestamp": payloads.timestamp(d.last_pin_timestamp),
    }
    return _with_guild(body, d.guild_id)


def _typing(e: Event[Typing]) -> Payload:
    t = e.data
    body: Payload = {
        "channel_id": str(t.channel_id),
        "user_id": str(t.user_id),
        "timestamp": int(t.timestamp.timestamp()),
    }
    if t.member is not None:
        body["member"] = payloads.member(t.member)
    return _with_guild(body, t.guild_id)


def _message_encoded(e: Event[Message]) -> Encoded:
    """Messages get a second encoding without content, for bots lacking MESSAGE_CONTENT."""
    message = e.data
    variants = {NO_CONTENT: orjson.dumps(payloads.message(message, include_content=False))}
    others = shown_to_others(message)
    if others is not message:
        variants[AUTHOR_VIEW] = orjson.dumps(payloads.message(message))
    return Encoded(
        data=orjson.dumps(payloads.message(others)),
        variants=variants,
        meta={"author_id": message.author.id, "mention_ids": list(message.mention_ids)},
    )


def _blocked(e: Event[AttachmentBlocked]) -> Payload:
    b = e.data
    body: Payload = {
        "channel_id": str(b.channel_id),
        "message_id": str(b.message_id),
        "attachment_id": str(b.attachment_id),
        "filename": b.filename,
        "uploader_id": str(b.uploader_id),
        "signature": b.signature,
    }
    return _with_guild(body, b.guild_id)


def _message(e: Event[Message]) -> Payload:
    return payloads.message(e.data)


def _id(e: Event[int]) -> Payload:
    return {"id": str(e.data)}


def _internal(e: Event[Any]) -> object:
    """Events no client receives still travel the bus: their data is a bare value."""
    data: object = e.data
    return data


def _snapshot(
    name: str,
    render: Callable[[Event[D]], object],
    audience: Audience,
    intent: int,
    stale: Callable[[Event[D]], Iterable[CacheKey]],
) -> EventType[D]:
    """An event that changes what GUILD_CREATE shows: numbered per guild, applied by the hub."""
    return declare(
        EventType(
            name,
            render,
            audience,
            guild_intent=intent,
            stale=stale,
            versioned=True,
            structural=True,
        )
    )


def _about_messages(
    name: str,
    render: Callable[[Event[D]], object],
    guild_intent: int,
    direct_intent: int,
    **more: Any,
) -> EventType[D]:
    """An event of a channel's messages: for its viewers, or a DM's recipients."""
    return declare(
        EventType(
            name,
            render,
            Audience.CHANNEL,
            guild_intent=guild_intent,
            direct_intent=direct_intent,
            **more,
        )
    )


# -- guilds ----------------------------------------------------------------------------------

GUILD_CREATE: EventType[int] = declare(
    EventType("GUILD_CREATE", _id, Audience.USERS, guild_intent=Intent.GUILDS, structural=True)
)
"""The users in `user_ids` joined (or created) guild `data`: the gateway loads it for them."""

GUILD_UPDATE: EventType[GuildView] = _snapshot(
    "GUILD_UPDATE",
    lambda e: payloads.guild(e.data.guild, e.data.roles),
    Audience.GUILD,
    Intent.GUILDS,
    _guild_stale,
)
GUILD_DELETE: EventType[int] = _snapshot(
    "GUILD_DELETE", _id, Audience.GUILD, Intent.GUILDS, _guild_gone_stale
)
"""The guild is gone; with `user_ids`, only those members left it (or were removed)."""

GUILD_ROLE_CREATE: EventType[Role] = _snapshot(
    "GUILD_ROLE_CREATE", _role, Audience.GUILD, Intent.GUILDS, _guild_stale
)
GUILD_ROLE_UPDATE: EventType[Role] = _snapshot(
    "GUILD_ROLE_UPDATE", _role, Audience.GUILD, Intent.GUILDS, _guild_stale
)
GUILD_ROLE_DELETE: EventType[Role] = _snapshot(
    "GUILD_ROLE_DELETE", _role_deleted, Audience.GUILD, Intent.GUILDS, _guild_stale
)

# -- channels --------------------------------------------------------------------------------

AnyChannel = Channel | PrivateChannelView

CHANNEL_CREATE: EventType[AnyChannel] = _snapshot(
    "CHANNEL_CREATE", _channel, Audience.CHANNEL, Intent.GUILDS, _channel_stale
)
CHANNEL_UPDATE: EventType[AnyChannel] = _snapshot(
    "CHANNEL_UPDATE", _channel, Audience.CHANNEL, Intent.GUILDS, _channel_stale
)
CHANNEL_DELETE: EventType[AnyChannel] = _snapshot(
    "CHANNEL_DELETE", _channel, Audience.CHANNEL, Intent.GUILDS, _channel_stale
)
CHANNEL_PINS_UPDATE: EventType[PinsUpdate] = _about_messages(
    "CHANNEL_PINS_UPDATE",
    _pins,
    Intent.GUILDS,
    Intent.DIRECT_MESSAGES,
    stale=lambda e: (("channel", e.data.channel_id),),
)

# -- members and bans ------------------------------------------------------------------------

GUILD_MEMBER_ADD: EventType[Member] = _snapshot(
    "GUILD_MEMBER_ADD", _member, Audience.GUILD, Intent.GUILD_MEMBERS, _member_stale
)
GUILD_MEMBER_UPDATE: EventType[Member] = _snapshot(
    "GUILD_MEMBER_UPDATE", _member, Audience.GUILD, Intent.GUILD_MEMBERS, _member_stale
)
GUILD_MEMBER_REMOVE: EventType[User] = _snapshot(
    "GUILD_MEMBER_REMOVE", _user_ref, Audience.GUILD, Intent.GUILD_MEMBERS, _member_removed_stale
)
GUILD_BAN_ADD: EventType[User] = declare(
    EventType("GUILD_BAN_ADD", _user_ref, Audience.GUILD, guild_intent=Intent.GUILD_MODERATION)
)
GUILD_BAN_REMOVE: EventType[User] = declare(
    EventType("GUILD_BAN_REMOVE", _user_ref, Audience.GUILD, guild_intent=Intent.GUILD_MODERATION)
)

# -- messages --------------------------------------------------------------------------------

MESSAGES, DIRECT = Intent.GUILD_MESSAGES, Intent.DIRECT_MESSAGES
REACTIONS, DIRECT_REACTIONS = Intent.GUILD_MESSAGE_REACTIONS, Intent.DIRECT_MESSAGE_REACTIONS

MESSAGE_CREATE: EventType[Message] = _about_messages(
    "MESSAGE_CREATE", _message, MESSAGES, DIRECT, encode_variants=_message_encoded
)
MESSAGE_UPDATE: EventType[Message] = _about_messages(
    "MESSAGE_UPDATE", _message, MESSAGES, DIRECT, encode_variants=_message_encoded
)
MESSAGE_ATTACHMENT_BLOCKED: EventType[AttachmentBlocked] = _about_messages(
    "MESSAGE_ATTACHMENT_BLOCKED",
    _blocked,
    Intent.GUILD_MODERATION,
    DIRECT,
    permission=Permission.MANAGE_MESSAGES,
)
"""townhall's own: malware was found in a file; for the channel's moderators, and (as its own
event, with `user_ids`) for the uploader. The message stays visible to its author only."""
MESSAGE_DELETE: EventType[MessageDeleted] = _about_messages(
    "MESSAGE_DELETE", _message_deleted, MESSAGES, DIRECT
)
MESSAGE_DELETE_BULK: EventType[MessagesDeleted] = _about_messages(
    "MESSAGE_DELETE_BULK", _messages_deleted, MESSAGES, DIRECT
)
MESSAGE_REACTION_ADD: EventType[ReactionChange] = _about_messages(
    "MESSAGE_REACTION_ADD", _reaction, REACTIONS, DIRECT_REACTIONS, follows_subscriptions=True
)
MESSAGE_REACTION_REMOVE: EventType[ReactionChange] = _about_messages(
    "MESSAGE_REACTION_REMOVE", _reaction, REACTIONS, DIRECT_REACTIONS, follows_subscriptions=True
)
MESSAGE_REACTION_REMOVE_ALL: EventType[ReactionsCleared] = _about_messages(
    "MESSAGE_REACTION_REMOVE_ALL", _cleared, REACTIONS, DIRECT_REACTIONS, follows_subscriptions=True
)
MESSAGE_REACTION_REMOVE_EMOJI: EventType[ReactionsCleared] = _about_messages(
    "MESSAGE_REACTION_REMOVE_EMOJI",
    _cleared,
    REACTIONS,
    DIRECT_REACTIONS,
    follows_subscriptions=True,
)
"""A person's client gets a guild channel's reactions only from the channels (and threads) it
shows (op 14/37), like typing; it fetches a channel's messages again when it shows it again.
Bots, and every session that never subscribed, get them wherever their intents allow."""
TYPING_START: EventType[Typing] = _about_messages(
    "TYPING_START",
    _typing,
    Intent.GUILD_MESSAGE_TYPING,
    Intent.DIRECT_MESSAGE_TYPING,
    durable=False,
    follows_subscriptions=True,
)
"""A person's client sees typing only in the channels it shows (op 14/37), as on Discord."""

# -- voice -----------------------------------------------------------------------------------


def _voice_state_encoded(e: Event[VoiceStateChange]) -> Encoded:
    change = e.data
    state = change.state
    connected = not change.left
    variants = {}
    if connected and change.previous_channel_id not in (None, state.channel_id):
        variants[LEFT_VIEW] = orjson.dumps(
            payloads.voice_state(state, change.member, connected=False)
        )
    return Encoded(
        data=orjson.dumps(payloads.voice_state(state, change.member, connected=connected)),
        variants=variants,
        meta={
            "user_id": state.user_id,
            "scope_id": state.scope_id,
            "session_id": state.session_id,
            "channel_id": change.channel_id,
            "previous_channel_id": change.previous_channel_id,
        },
    )


VOICE_STATE_UPDATE: EventType[VoiceStateChange] = declare(
    EventType(
        "VOICE_STATE_UPDATE",
        lambda e: payloads.voice_state(e.data.state, e.data.member, connected=not e.data.left),
        Audience.GUILD,
        guild_intent=Intent.GUILD_VOICE_STATES,
        versioned=True,
        structural=True,
        encode_variants=_voice_state_encoded,
    )
)
"""For the sessions that can see the channel (or the one the person left: `LEFT_VIEW`); the
hub also tells the person's own session where its voice gateway is (VOICE_SERVER_UPDATE)."""


CALL_CREATE: EventType[CallView] = declare(
    EventType(
        "CALL_CREATE",
        lambda e: payloads.call(e.data.call, e.data.voice_states),
        Audience.USERS,
        direct_intent=Intent.DIRECT_MESSAGES,
    )
)
"""A call started in a DM or group DM: for its recipients (those rung see `ringing`)."""
CALL_UPDATE: EventType[Call] = declare(
    EventType(
        "CALL_UPDATE",
        lambda e: payloads.call(e.data),
        Audience.USERS,
        direct_intent=Intent.DIRECT_MESSAGES,
    )
)
CALL_DELETE: EventType[Call] = declare(
    EventType(
        "CALL_DELETE",
        lambda e: {"channel_id": str(e.data.channel_id)},
        Audience.USERS,
        direct_intent=Intent.DIRECT_MESSAGES,
    )
)


def _stage(e: Event[StageInstance]) -> Payload:
    return payloads.stage_instance(e.data)


def _stage_event(name: str) -> EventType[StageInstance]:
    return _snapshot(name, _stage, Audience.CHANNEL, Intent.GUILDS, lambda e: ())


STAGE_INSTANCE_CREATE = _stage_event("STAGE_INSTANCE_CREATE")
STAGE_INSTANCE_UPDATE = _stage_event("STAGE_INSTANCE_UPDATE")
STAGE_INSTANCE_DELETE = _stage_event("STAGE_INSTANCE_DELETE")

# -- scheduled events ------------------------------------------------------------------------
# In a guild's snapshot (GUILD_CREATE's `guild_scheduled_events`, with `user_count`); an event in
# a channel goes to who can see that channel (the Event's `channel_id`), an external one to all.


def _scheduled_event(e: Event[ScheduledEvent]) -> Payload:
    return payloads.scheduled_event(e.data)


def _scheduled_event_kind(name: str) -> EventType[ScheduledEvent]:
    return _snapshot(
        name, _scheduled_event, Audience.GUILD, Intent.GUILD_SCHEDULED_EVENTS, lambda e: ()
    )


def _interest_kind(name: str) -> EventType[Interest]:
    return _snapshot(
        name,
        lambda e: payloads.interest(e.data),
        Audience.GUILD,
        Intent.GUILD_SCHEDULED_EVENTS,
        lambda e: (),
    )


GUILD_SCHEDULED_EVENT_CREATE = _scheduled_event_kind("GUILD_SCHEDULED_EVENT_CREATE")
GUILD_SCHEDULED_EVENT_UPDATE = _scheduled_event_kind("GUILD_SCHEDULED_EVENT_UPDATE")
GUILD_SCHEDULED_EVENT_DELETE = _scheduled_event_kind("GUILD_SCHEDULED_EVENT_DELETE")
GUILD_SCHEDULED_EVENT_USER_ADD = _interest_kind("GUILD_SCHEDULED_EVENT_USER_ADD")
GUILD_SCHEDULED_EVENT_USER_REMOVE = _interest_kind("GUILD_SCHEDULED_EVENT_USER_REMOVE")
GUILD_SCHEDULED_EVENT_REMINDER: EventType[ScheduledEvent] = declare(
    EventType(
        "GUILD_SCHEDULED_EVENT_REMINDER",
        _scheduled_event,
        Audience.USERS,
        guild_intent=Intent.GUILD_SCHEDULED_EVENTS,
    )
)
"""townhall's own: the event starts soon; for the interested members (`user_ids`) who may
see it. Discord's client notifies at the start instead; the libraries ignore the event."""

# -- invites ---------------------------------------------------------------------------------

INVITE_CREATE: EventType[InviteView] = _about_messages(
    "INVITE_CREATE",
    lambda e: payloads.invite_event(e.data, deleted=False),
    Intent.GUILD_INVITES,
    0,
    permission=Permission.MANAGE_CHANNELS,
)
INVITE_DELETE: EventType[InviteView] = _about_messages(
    "INVITE_DELETE",
    lambda e: payloads.invite_event(e.data, deleted=True),
    Intent.GUILD_INVITES,
    0,
    permission=Permission.MANAGE_CHANNELS,
)
"""Discord sends invite events only to those who may manage the invite's channel."""

# -- users and presence ----------------------------------------------------------------------

USER_UPDATE: EventType[User] = declare(
    EventType(
        "USER_UPDATE",
        lambda e: payloads.user(e.data, private=True),
        Audience.USERS,
        stale=_user_stale,
    )
)
PRESENCE_UPDATE: EventType[Presence] = declare(
    EventType(
        "PRESENCE_UPDATE",
        lambda e: payloads.presence(e.data, e.guild_id),
        Audience.GUILD,
        guild_intent=Intent.GUILD_PRESENCES,
        durable=False,
        structural=True,
    )
)
# -- a person's own state, for their other sessions --------------------------------------------

MESSAGE_ACK: EventType[ReadPosition] = declare(
    EventType("MESSAGE_ACK", lambda e: payloads.message_ack(e.data), Audience.USERS)
)
"""The person read a channel up to a message (Discord's client event; bots never get it)."""
USER_GUILD_SETTINGS_UPDATE: EventType[VersionedGuildSettings] = declare(
    EventType(
        "USER_GUILD_SETTINGS_UPDATE",
        lambda e: payloads.user_guild_settings(e.data),
        Audience.USERS,
    )
)
USER_SETTINGS_UPDATE: EventType[UserSettings] = declare(
    EventType("USER_SETTINGS_UPDATE", lambda e: payloads.user_settings(e.data), Audience.USERS)
)
TOKENS_REVOKED: EventType[int] = declare(
    EventType("TOKENS_REVOKED", _internal, Audience.NODES, stale=_user_stale, structural=True)
)
"""Some of user `data`'s tokens were revoked: nodes forget cached tokens and end their sessions."""

WEBHOOKS_UPDATE: EventType[int] = declare(
    EventType(
        "WEBHOOKS_UPDATE",
        lambda e: {"guild_id": str(e.guild_id), "channel_id": str(e.data)},
        Audience.CHANNEL,
        guild_intent=Intent.GUILD_WEBHOOKS,
    )
)
"""A webhook of channel `data` was created, modified or deleted."""


# -- communities of groups (docs/communities.md) ---------------------------------------------
# A join request goes to the group's managers (MANAGE_ROLES in its channel) and, as its own
# Event with `user_ids`, to the person asking; a proposal to the community's admins
# (MANAGE_CHANNELS in the guild) and to the person proposing.


def _join_request_kind(name: str) -> EventType[JoinRequest]:
    return declare(
        EventType(
            name,
            lambda e: payloads.join_request(e.data),
            Audience.CHANNEL,
            guild_intent=Intent.GUILDS,
            permission=Permission.MANAGE_ROLES,
        )
    )


def _proposal_kind(name: str) -> EventType[GroupProposal]:
    return declare(
        EventType(
            name,
            lambda e: payloads.group_proposal(e.data),
            Audience.GUILD,
            guild_intent=Intent.GUILDS,
            permission=Permission.MANAGE_CHANNELS,
        )
    )


GROUP_JOIN_REQUEST_CREATE = _join_request_kind("GROUP_JOIN_REQUEST_CREATE")
GROUP_JOIN_REQUEST_UPDATE = _join_request_kind("GROUP_JOIN_REQUEST_UPDATE")
GROUP_JOIN_REQUEST_DELETE = _join_request_kind("GROUP_JOIN_REQUEST_DELETE")
GROUP_PROPOSAL_CREATE = _proposal_kind("GROUP_PROPOSAL_CREATE")
GROUP_PROPOSAL_UPDATE = _proposal_kind("GROUP_PROPOSAL_UPDATE")
GROUP_PROPOSAL_DELETE = _proposal_kind("GROUP_PROPOSAL_DELETE")
"""For a guild event, `permission` is one the receiver holds in the guild itself."""


# -- announcements and the moderation log (docs/communities.md) --------------------------------

MESSAGE_ACKNOWLEDGE: EventType[MessageAcknowledged] = declare(
    EventType(
        "MESSAGE_ACKNOWLEDGE",
        lambda e: payloads.message_acknowledged(e.data),
        Audience.USERS,
    )
)
"""townhall's: the person acknowledged a must-read message; for their other sessions."""
ANNOUNCEMENT_RECEIPTS_UPDATE: EventType[AnnouncementReceipts] = declare(
    EventType(
        "ANNOUNCEMENT_RECEIPTS_UPDATE",
        lambda e: payloads.receipts_update(e.data),
        Audience.CHANNEL,
        guild_intent=Intent.GUILD_MESSAGES,
        permission=Permission.MANAGE_MESSAGES,
    )
)
"""townhall's: a must-read message's counts moved; for the channel's managers."""
GUILD_AUDIT_LOG_ENTRY_CREATE: EventType[AuditLogEntry] = declare(
    EventType(
        "GUILD_AUDIT_LOG_ENTRY_CREATE",
        lambda e: payloads.audit_log_entry(e.data, with_guild=True),
        Audience.GUILD,
        guild_intent=Intent.GUILD_MODERATION,
        permission=Permission.VIEW_AUDIT_LOG,
    )
)
"""For those who hold VIEW_AUDIT_LOG in the guild, as on Discord."""


# -- application commands and interactions (docs/interactions.md) ------------------------------
# Addressed to people (`user_ids`): the application's bot, the invoker's own sessions.


def _interaction_encoded(e: Event[InteractionCreated]) -> Encoded:
    """The application's bot gets the interaction, token included; the invoker's own sessions
    get only its id and nonce (`AUTHOR_VIEW`), as Discord's client does."""
    created = e.data
    mine = InteractionOutcome(created.interaction.id, created.interaction.nonce)
    return Encoded(
        data=orjson.dumps(wire_interactions.interaction(created)),
        variants={AUTHOR_VIEW: orjson.dumps(wire_interactions.outcome(mine))},
        meta={"author_id": created.user.id},
    )


INTERACTION_CREATE: EventType[InteractionCreated] = declare(
    EventType(
        "INTERACTION_CREATE",
        lambda e: wire_interactions.interaction(e.data),
        Audience.USERS,
        encode_variants=_interaction_encoded,
    )
)
"""For the application's bot (no intent needed) and, as `{id, nonce}`, the invoker."""
INTERACTION_SUCCESS: EventType[InteractionOutcome] = declare(
    EventType(
        "INTERACTION_SUCCESS",
        lambda e: wire_interactions.outcome(e.data),
        Audience.USERS,
        durable=False,
    )
)
"""The application answered: the invoker's client stops waiting (announced, as typing is)."""
INTERACTION_FAILURE: EventType[InteractionOutcome] = declare(
    EventType("INTERACTION_FAILURE", lambda e: wire_interactions.outcome(e.data), Audience.USERS)
)
"""No answer within 3 seconds (or the endpoint failed): "The application did not respond"."""
INTERACTION_MODAL_CREATE: EventType[ModalShown] = declare(
    EventType(
        "INTERACTION_MODAL_CREATE", lambda e: wire_interactions.modal_shown(e.data), Audience.USERS
    )
)
APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE: EventType[SuggestionsShown] = declare(
    EventType(
        "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE",
        lambda e: wire_interactions.suggestions_shown(e.data),
        Audience.USERS,
    )
)
APPLICATION_COMMAND_PERMISSIONS_UPDATE: EventType[GuildCommandPermissions] = declare(
    EventType(
        "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
        lambda e: wire_interactions.command_permissions(e.data),
        Audience.USERS,
    )
)
"""For the application's bot, as on Discord."""


# -- threads and forum posts (docs/threads.md) --------------------------------------------------
# A thread's events go to who may see the thread (`channel_id` is the thread): who sees its
# parent, and for a private thread only its members and MANAGE_THREADS holders. They change what
# GUILD_CREATE lists in `threads`, so the hub applies them (gateway/structure.py).


def _thread_created(e: Event[ThreadCreated]) -> Payload:
    body = payloads.thread(e.data.thread)
    if e.data.newly_created:
        body["newly_created"] = True
    return body


def _thread_deleted(e: Event[Channel]) -> Payload:
    t = e.data
    return {
        "id": str(t.id),
        "guild_id": payloads.sid(t.guild_id),
        "parent_id": payloads.sid(t.parent_id),
        "type": int(t.type),
    }


def _thread_members(e: Event[ThreadMembersChange]) -> Payload:
    change = e.data
    return {
        "id": str(change.thread_id),
        "guild_id": str(change.guild_id),
        "member_count": change.member_count,
        "added_members": [{**payloads.thread_member(m), "presence": None} for m in change.added],
        "removed_member_ids": [str(uid) for uid in change.removed_ids],
    }


def _thread_stale(e: Event[Channel]) -> Iterable[CacheKey]:
    return (("channel", e.data.id),)


def _thread_created_encoded(e: Event[ThreadCreated]) -> Encoded:
    """The replicas learn a new thread's first members from `meta` (its creator can see a
    private thread from the start)."""
    members = [payloads.thread_member(m) for m in e.data.members]
    return Encoded(data=orjson.dumps(_thread_created(e)), meta={"members": members})


THREAD_CREATE: EventType[ThreadCreated] = declare(
    EventType(
        "THREAD_CREATE",
        _thread_created,
        Audience.CHANNEL,
        guild_intent=Intent.GUILDS,
        stale=lambda e: (("channel", e.data.thread.id),),
        versioned=True,
        structural=True,
        encode_variants=_thread_created_encoded,
    )
)
THREAD_UPDATE: EventType[Channel] = _snapshot(
    "THREAD_UPDATE",
    lambda e: payloads.thread(e.data),
    Audience.CHANNEL,
    Intent.GUILDS,
    _thread_stale,
)
THREAD_DELETE: EventType[Channel] = _snapshot(
    "THREAD_DELETE", _thread_deleted, Audience.CHANNEL, Intent.GUILDS, _thread_stale
)
THREAD_MEMBERS_UPDATE: EventType[ThreadMembersChange] = _snapshot(
    "THREAD_MEMBERS_UPDATE", _thread_members, Audience.CHANNEL, Intent.GUILDS, lambda e: ()
)
"""To the people added or removed, and to who sees the thread with the GUILD_MEMBERS intent."""
THREAD_MEMBER_UPDATE: EventType[ThreadMemberChange] = declare(
    EventType(
        "THREAD_MEMBER_UPDATE",
        lambda e: payloads.thread_member(e.data.member, guild_id=e.data.guild_id),
        Audience.USERS,
        guild_intent=Intent.GUILDS,
    )
)
"""The person's own thread membership (joining, being added), for their sessions."""


def required_intent(kind: EventType[Any], *, in_guild: bool) -> int:
    """The intent a session needs to receive this event (0: every session gets it)."""
    return kind.guild_intent if in_guild else kind.direct_intent
