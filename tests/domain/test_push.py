"""Who gets a push for a message, what it may show, and which subscriptions are acceptable."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from townhall.domain import errors
from townhall.domain.notifications import (
    ALL_MESSAGES,
    INHERIT,
    NO_MESSAGES,
    ONLY_MENTIONS,
    ChannelOverride,
    GuildSettings,
    MuteConfig,
)
from townhall.domain.push import (
    MessageFacts,
    MessageText,
    Place,
    Reason,
    check_subscription,
    clip,
    message_push,
    reason_for,
    shows_text,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
AUTHOR, ME, ROLE, GUILD, CHANNEL, CATEGORY = 1, 2, 30, 40, 50, 60
HERE = Place(CHANNEL, CATEGORY, guild_default=ONLY_MENTIONS)


def facts(**changes: object) -> MessageFacts:
    return MessageFacts(author_id=AUTHOR, direct=False, **changes)  # type: ignore[arg-type]


def settings(**changes: object) -> GuildSettings:
    return GuildSettings(GUILD, **changes)  # type: ignore[arg-type]


def reason(found: MessageFacts, mine: GuildSettings | None = None) -> Reason | None:
    return reason_for(found, ME, (ROLE,), mine, HERE, NOW)


def test_the_sender_never_gets_a_push() -> None:
    assert reason_for(facts(mention_ids=frozenset({AUTHOR})), AUTHOR, (), None, HERE, NOW) is None
    assert reason_for(MessageFacts(AUTHOR, direct=True), AUTHOR, (), None, HERE, NOW) is None


def test_every_dm_pushes_unless_sent_silently() -> None:
    assert reason(MessageFacts(AUTHOR, direct=True)) is Reason.DM
    assert reason(MessageFacts(AUTHOR, direct=True, flags=1 << 12)) is None


def test_what_a_message_means_for_me_in_order() -> None:
    assert reason(facts(mention_ids=frozenset({ME}), everyone=True)) is Reason.MENTION
    assert reason(facts(replied_author_id=ME)) is Reason.REPLY
    assert reason(facts(everyone=True)) is Reason.EVERYONE
    assert reason(facts(mention_role_ids=frozenset({ROLE}))) is Reason.ROLE
    assert reason(facts(mention_role_ids=frozenset({ROLE + 1}))) is None
    assert reason(facts()) is None, "the guild's default here is only mentions"


def test_all_messages_pushes_any_message() -> None:
    assert reason(facts(), settings(message_notifications=ALL_MESSAGES)) is Reason.MESSAGE
    assert reason_for(facts(), ME, (), None, Place(CHANNEL), NOW) is Reason.MESSAGE


def test_nothing_and_mutes_silence_even_mentions() -> None:
    mention = facts(mention_ids=frozenset({ME}))
    assert reason(mention, settings(message_notifications=NO_MESSAGES)) is None
    assert reason(mention, settings(muted=True)) is None
    assert reason(mention, settings(mobile_push=False)) is None
    for channel in (CHANNEL, CATEGORY):
        muted = settings(channel_overrides=(ChannelOverride(channel, muted=True),))
        assert reason(mention, muted) is None


def test_a_mute_that_ended_no_longer_silences() -> None:
    ended = MuteConfig(NOW - timedelta(minutes=1), 3600)
    mention = facts(mention_ids=frozenset({ME}))
    assert reason(mention, settings(muted=True, mute_config=ended)) is Reason.MENTION


def test_the_channel_override_wins_over_its_category_and_the_guild() -> None:
    overrides = (
        ChannelOverride(CHANNEL, message_notifications=ALL_MESSAGES),
        ChannelOverride(CATEGORY, message_notifications=NO_MESSAGES),
    )
    mine = settings(message_notifications=NO_MESSAGES, channel_overrides=overrides)
    assert reason(facts(), mine) is Reason.MESSAGE
    inherit = (ChannelOverride(CHANNEL, message_notifications=INHERIT), overrides[1])
    assert reason(facts(everyone=True), settings(channel_overrides=inherit)) is None


def test_suppressed_everyone_and_roles_do_not_push() -> None:
    assert reason(facts(everyone=True), settings(suppress_everyone=True)) is None
    assert reason(facts(mention_role_ids=frozenset({ROLE})), settings(suppress_roles=True)) is None


def test_here_pushes_only_those_online_and_everyone_all() -> None:
    here = facts(everyone=True, here=True)
    assert reason_for(here, ME, (), None, HERE, NOW, online=True) is Reason.EVERYONE
    assert reason_for(here, ME, (), None, HERE, NOW, online=False) is None
    mentioned_too = facts(everyone=True, here=True, mention_ids=frozenset({ME}))
    assert reason_for(mentioned_too, ME, (), None, HERE, NOW, online=False) is Reason.MENTION
    everyone = facts(everyone=True)
    assert reason_for(everyone, ME, (), None, HERE, NOW, online=False) is Reason.EVERYONE


def test_announcements_reach_everyone_who_did_not_choose_nothing() -> None:
    assert reason(facts(announcement=True)) is Reason.ANNOUNCEMENT
    assert reason(facts(announcement=True), settings(message_notifications=NO_MESSAGES)) is None


def test_message_text_shows_as_the_person_chose() -> None:
    assert shows_text(None, confidential=False) and not shows_text(None, confidential=True)
    assert shows_text(MessageText.ALWAYS, confidential=True)
    assert not shows_text(MessageText.NEVER, confidential=False)


def test_text_is_clipped_between_characters_to_fit_a_push() -> None:
    assert clip("short") == "short"
    clipped = clip("é" * 2000, 101)
    assert clipped.endswith("…") and len(clipped.encode()) <= 101
    body = message_push(
        Reason.MENTION,
        guild_id=None,
        channel_id=1,
        message_id=2,
        author_id=3,
        names=None,
        text="",
    )
    assert "content" not in body and "author" not in body


def key() -> str:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


AUTH = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


def test_loopback_endpoints_need_the_operators_permission() -> None:
    local = "http://127.0.0.1:8999/push/abc"
    with pytest.raises(errors.InvalidFormBody):
        check_subscription(local, key(), AUTH, None, now_ms=0, allow_loopback=False)
    found = check_subscription(local, key(), AUTH, None, now_ms=0, allow_loopback=True)
    assert found.endpoint == local
    with pytest.raises(errors.InvalidFormBody):
        check_subscription(
            "http://push.example.com/x", key(), AUTH, None, now_ms=0, allow_loopback=True
        )


def test_public_https_endpoints_are_accepted() -> None:
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://web.push.apple.com/QGx",
        "https://8.8.8.8/push",
    ):
        assert check_subscription(endpoint, key(), AUTH, 5, now_ms=0, allow_loopback=False)
