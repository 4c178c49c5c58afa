"""The event registry: every event declared once, renders, survives the bus, and is handled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from tests.events import interaction_samples, thread_samples
from townhall.domain.audit_log import message_deleted
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
from townhall.domain.groups import GroupProposal, JoinPolicy, JoinRequest
from townhall.domain.models import (
    Call,
    Channel,
    ChannelType,
    Guild,
    Invite,
    Member,
    Message,
    Role,
    StageInstance,
    User,
    VoiceState,
)
from townhall.domain.notifications import (
    ChannelOverride,
    GuildSettings,
    ReadPosition,
    UserSettings,
    VersionedGuildSettings,
)
from townhall.domain.scheduled_events import EntityType, Interest, ScheduledEvent
from townhall.events import catalog, codec
from townhall.events.catalog import REGISTRY
from townhall.events.event import Audience, Event, EventType, envelope_of

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUILD, CHANNEL, USER = 1_000, 2_000, 3_000
alice = User(USER, "alice")
guild = Guild(GUILD, "Club", owner_id=USER)
channel = Channel(CHANNEL, ChannelType.GUILD_TEXT, guild_id=GUILD, name="general")
role = Role(4_000, GUILD, "coach", permissions=1 << 10, position=1)
member = Member(GUILD, alice, NOW, role_ids=(role.id,))
message = Message(5_000, CHANNEL, alice, "hello", guild_id=GUILD, mention_ids=(USER,))
invite = Invite("abc", GUILD, CHANNEL, USER, NOW, max_age=60, max_uses=0)
scheduled_event = ScheduledEvent(
    9_200, GUILD, "Training", NOW, EntityType.VOICE, channel_id=CHANNEL, creator=alice
)
join_request = JoinRequest(9_300, GUILD, CHANNEL, USER, NOW, "may I?", user=alice)
proposal = GroupProposal(9_400, GUILD, USER, "u12-team", NOW, join_policy=JoinPolicy.REQUEST)

SAMPLES: dict[str, Any] = {
    "GUILD_CREATE": GUILD,
    "GUILD_UPDATE": GuildView(guild, [role]),
    "GUILD_DELETE": GUILD,
    "GUILD_ROLE_CREATE": role,
    "GUILD_ROLE_UPDATE": role,
    "GUILD_ROLE_DELETE": role,
    "CHANNEL_CREATE": channel,
    "CHANNEL_UPDATE": PrivateChannelView(Channel(6_000, ChannelType.DM), (alice,)),
    "CHANNEL_DELETE": channel,
    "CHANNEL_PINS_UPDATE": PinsUpdate(CHANNEL, GUILD, NOW),
    "GUILD_MEMBER_ADD": member,
    "GUILD_MEMBER_UPDATE": member,
    "GUILD_MEMBER_REMOVE": alice,
    "GUILD_BAN_ADD": alice,
    "GUILD_BAN_REMOVE": alice,
    "MESSAGE_CREATE": message,
    "MESSAGE_UPDATE": message,
    "MESSAGE_DELETE": MessageDeleted(message.id, CHANNEL, GUILD),
    "MESSAGE_ATTACHMENT_BLOCKED": AttachmentBlocked(
        CHANNEL, GUILD, message.id, 7_000, "eicar.com", USER, "Eicar-Test-Signature"
    ),
    "MESSAGE_DELETE_BULK": MessagesDeleted((message.id,), CHANNEL, GUILD),
    "MESSAGE_REACTION_ADD": ReactionChange(USER, CHANNEL, message.id, GUILD, "👍", USER, member),
    "MESSAGE_REACTION_REMOVE": ReactionChange(USER, CHANNEL, message.id, GUILD, "👍"),
    "MESSAGE_REACTION_REMOVE_ALL": ReactionsCleared(CHANNEL, message.id, GUILD),
    "MESSAGE_REACTION_REMOVE_EMOJI": ReactionsCleared(CHANNEL, message.id, GUILD, "👍"),
    "TYPING_START": Typing(CHANNEL, GUILD, USER, NOW, member),
    "INVITE_CREATE": InviteView(invite, guild, channel, alice),
    "INVITE_DELETE": InviteView(invite, guild, channel, None),
    "USER_UPDATE": alice,
    "PRESENCE_UPDATE": Presence(USER, "online", (), (("web", "online"),)),
    "TOKENS_REVOKED": USER,
    "WEBHOOKS_UPDATE": CHANNEL,
    "MESSAGE_ACK": ReadPosition(CHANNEL, 5_000, 1),
    "USER_GUILD_SETTINGS_UPDATE": VersionedGuildSettings(
        GuildSettings(GUILD, channel_overrides=(ChannelOverride(CHANNEL, muted=True),)), 1
    ),
    "USER_SETTINGS_UPDATE": UserSettings(locale="de"),
    "CALL_CREATE": CallView(
        Call(6_000, NOW, ringing=(USER,)), (VoiceState(None, 6_000, 3_001, "session"),)
    ),
    "CALL_UPDATE": Call(6_000, NOW),
    "CALL_DELETE": Call(6_000, NOW),
    "STAGE_INSTANCE_CREATE": StageInstance(9_100, GUILD, CHANNEL, "Q&A"),
    "STAGE_INSTANCE_UPDATE": StageInstance(9_100, GUILD, CHANNEL, "Q&A, part two"),
    "STAGE_INSTANCE_DELETE": StageInstance(9_100, GUILD, CHANNEL, "Q&A"),
    "GUILD_SCHEDULED_EVENT_CREATE": scheduled_event,
    "GUILD_SCHEDULED_EVENT_UPDATE": scheduled_event,
    "GUILD_SCHEDULED_EVENT_DELETE": scheduled_event,
    "GUILD_SCHEDULED_EVENT_USER_ADD": Interest(9_200, GUILD, USER),
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": Interest(9_200, GUILD, USER),
    "GUILD_SCHEDULED_EVENT_REMINDER": scheduled_event,
    "VOICE_STATE_UPDATE": VoiceStateChange(
        VoiceState(GUILD, 8_000, USER, "session"), member, previous_channel_id=9_000
    ),
    **{f"GROUP_JOIN_REQUEST_{change}": join_request for change in ("CREATE", "UPDATE", "DELETE")},
    **{f"GROUP_PROPOSAL_{change}": proposal for change in ("CREATE", "UPDATE", "DELETE")},
    "MESSAGE_ACKNOWLEDGE": MessageAcknowledged(CHANNEL, 5_000, GUILD),
    "ANNOUNCEMENT_RECEIPTS_UPDATE": AnnouncementReceipts(GUILD, CHANNEL, 5_000, 40, 30, 20),
    "GUILD_AUDIT_LOG_ENTRY_CREATE": message_deleted(
        9_500, GUILD, USER, 3_001, CHANNEL, 5_000, "spam"
    ),
    **interaction_samples.SAMPLES,
    **thread_samples.SAMPLES,
}


def sample_event(kind: EventType[Any]) -> Event[Any]:
    routing: dict[str, Any] = {"guild_id": GUILD}
    if kind.audience is Audience.CHANNEL:
        routing["channel_id"] = CHANNEL
    if kind.audience is Audience.USERS:
        routing = {"guild_id": GUILD, "user_ids": frozenset({USER})}
    if kind.audience is Audience.NODES:
        routing = {}
    return Event(kind, SAMPLES[kind.name], **routing)


def test_every_declared_event_has_a_sample_here() -> None:
    assert set(SAMPLES) == set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_event_renders_to_json_and_survives_the_bus(name: str) -> None:
    kind = REGISTRY[name]
    envelope = envelope_of(sample_event(kind), event_id=42)
    orjson.loads(envelope.data)  # valid JSON
    back = codec.unpack(codec.pack(envelope))
    assert back.kind is kind
    assert (
        back.id,
        back.data,
        back.guild_id,
        back.channel_id,
        back.user_ids,
        back.except_user_id,
    ) == (
        envelope.id,
        envelope.data,
        envelope.guild_id,
        envelope.channel_id,
        envelope.user_ids,
        envelope.except_user_id,
    )
    assert back.variants == envelope.variants and back.stale == envelope.stale


def test_messages_carry_a_variant_without_content_for_bots_lacking_the_intent() -> None:
    envelope = envelope_of(Event(catalog.MESSAGE_CREATE, message, GUILD, CHANNEL), 1)
    assert orjson.loads(envelope.data)["content"] == "hello"
    assert orjson.loads(envelope.variants[catalog.NO_CONTENT])["content"] == ""
    assert envelope.meta == {"author_id": USER, "mention_ids": [USER]}


def test_events_that_belong_to_a_guild_snapshot_are_the_ones_the_hub_applies() -> None:
    for kind in REGISTRY.values():
        if kind.versioned:
            assert kind.structural, f"{kind.name} is versioned but the hub would not apply it"


def test_cache_effects_name_exactly_what_changed() -> None:
    def stale(name: str, **routing: Any) -> tuple[Any, ...]:
        return envelope_of(Event(REGISTRY[name], SAMPLES[name], **routing), 1).stale

    assert stale("GUILD_ROLE_UPDATE", guild_id=GUILD) == (("guild", GUILD),)
    assert stale("GUILD_MEMBER_UPDATE", guild_id=GUILD) == (("member", GUILD, USER),)
    assert stale("CHANNEL_DELETE", guild_id=GUILD, channel_id=CHANNEL) == (("channel", CHANNEL),)
    assert stale("GUILD_DELETE", guild_id=GUILD) == (("guild_all", GUILD),)
    left = stale("GUILD_DELETE", guild_id=GUILD, user_ids=frozenset({USER}))
    assert left == (("member", GUILD, USER),)
    assert stale("TOKENS_REVOKED") == (("user", USER),)
    assert stale("MESSAGE_CREATE", guild_id=GUILD, channel_id=CHANNEL) == ()


def test_an_event_without_its_audience_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError, match="channel_id"):
        Event(catalog.MESSAGE_CREATE, message, guild_id=GUILD)
    with pytest.raises(ValueError, match="user_ids"):
        Event(catalog.USER_UPDATE, alice)


def test_an_event_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        catalog.declare(EventType("MESSAGE_CREATE", lambda e: {}, Audience.CHANNEL))


def test_unknown_event_names_on_the_bus_are_refused_not_guessed() -> None:
    envelope = envelope_of(Event(catalog.TOKENS_REVOKED, USER), 1)
    raw = codec.pack(envelope).replace(b"TOKENS_REVOKED", b"TOKENS_REVOKEX")
    with pytest.raises(codec.UnknownEvent):
        codec.unpack(raw)


def test_the_hub_has_a_handler_for_every_structural_event_and_no_other() -> None:
    from townhall.gateway.structure import structural_handlers

    handlers = structural_handlers(None)  # type: ignore[arg-type]
    assert set(handlers) == {kind for kind in REGISTRY.values() if kind.structural}


def test_leaving_one_person_out_survives_the_bus() -> None:
    """A message released after its scan goes to everyone but its author, on every node."""
    event = Event(catalog.MESSAGE_CREATE, message, GUILD, CHANNEL, except_user_id=USER)
    back = codec.unpack(codec.pack(envelope_of(event, 7)))
    assert back.except_user_id == USER
