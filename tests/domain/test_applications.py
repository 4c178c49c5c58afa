"""Application flags, the privileged intents they grant, bot names and bot-flow scopes."""

from __future__ import annotations

import pytest

from townhall.domain.applications import (
    GUILD_MEMBERS_INTENT,
    GUILD_PRESENCES_INTENT,
    INTENT_FLAGS,
    MESSAGE_CONTENT_INTENT,
    ApplicationFlag,
    bot_flow_scopes,
    bot_username,
    bot_username_with_suffix,
    change_intent_flags,
    granted_privileged_intents,
)
from townhall.domain.errors import InvalidFormBody


def test_no_flags_grant_no_privileged_intent() -> None:
    assert granted_privileged_intents(0) == 0


@pytest.mark.parametrize(
    ("flag", "intent"),
    [
        (ApplicationFlag.GATEWAY_GUILD_MEMBERS, GUILD_MEMBERS_INTENT),
        (ApplicationFlag.GATEWAY_GUILD_MEMBERS_LIMITED, GUILD_MEMBERS_INTENT),
        (ApplicationFlag.GATEWAY_PRESENCE, GUILD_PRESENCES_INTENT),
        (ApplicationFlag.GATEWAY_PRESENCE_LIMITED, GUILD_PRESENCES_INTENT),
        (ApplicationFlag.GATEWAY_MESSAGE_CONTENT, MESSAGE_CONTENT_INTENT),
        (ApplicationFlag.GATEWAY_MESSAGE_CONTENT_LIMITED, MESSAGE_CONTENT_INTENT),
    ],
)
def test_each_intent_flag_grants_exactly_its_intent(flag: int, intent: int) -> None:
    assert granted_privileged_intents(flag) == intent


def test_all_intent_flags_grant_all_three_privileged_intents_and_other_bits_nothing() -> None:
    everything = GUILD_MEMBERS_INTENT | GUILD_PRESENCES_INTENT | MESSAGE_CONTENT_INTENT
    assert granted_privileged_intents(INTENT_FLAGS) == everything
    assert granted_privileged_intents((1 << 6) | (1 << 23)) == 0
    assert everything == (1 << 1) | (1 << 8) | (1 << 15)


def test_intent_flags_may_change_and_other_bits_must_stay_as_they_are() -> None:
    assert change_intent_flags(0, INTENT_FLAGS) == INTENT_FLAGS
    assert change_intent_flags(INTENT_FLAGS, 0) == 0
    assert change_intent_flags(1 << 23, (1 << 23) | (1 << 19)) == (1 << 23) | (1 << 19)
    for current, requested in ((0, 1 << 6), (1 << 23, 1 << 19), (0, -1)):
        with pytest.raises(InvalidFormBody) as raised:
            change_intent_flags(current, requested)
        assert "flags" in raised.value.errors


@pytest.mark.parametrize(
    ("name", "username"),
    [
        ("Weather Bot", "weather_bot"),
        ("MEE6", "mee6"),
        ("  ..Dots...and--dashes!! ", "dots.and_dashes"),
        ("Ünïcode Name", "unicode_name"),
        ("!", "bot"),
        ("x" * 40, "x" * 32),
    ],
)
def test_a_bots_username_is_its_application_name_in_username_characters(
    name: str, username: str
) -> None:
    assert bot_username(name) == username


def test_a_suffix_keeps_the_bot_username_within_32_characters() -> None:
    assert bot_username_with_suffix("helper", "0042") == "helper_0042"
    assert len(bot_username_with_suffix("x" * 32, "0042")) == 32


def test_bot_flow_needs_the_bot_scope_and_nothing_beyond_the_bot_flow() -> None:
    assert bot_flow_scopes("bot") == {"bot"}
    assert bot_flow_scopes("bot applications.commands") == {"bot", "applications.commands"}
    for scope in ("", "identify", "applications.commands", "bot guilds"):
        with pytest.raises(InvalidFormBody):
            bot_flow_scopes(scope)
