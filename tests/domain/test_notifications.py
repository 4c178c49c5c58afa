"""Notification settings and mention counting: pure rules, in Discord's client shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from townhall.domain import errors
from townhall.domain.notifications import (
    ChannelOverride,
    GuildSettings,
    Mentions,
    MuteConfig,
    apply_patch,
    from_json,
    is_muted,
    mentions_user,
    to_json,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_mute_with_an_end_time_ends_by_itself() -> None:
    assert is_muted(True, None, NOW)
    assert is_muted(True, MuteConfig(None, -1), NOW)
    assert is_muted(True, MuteConfig(NOW + timedelta(minutes=15), 900), NOW)
    assert not is_muted(True, MuteConfig(NOW - timedelta(seconds=1), 900), NOW)
    assert not is_muted(False, None, NOW)


def test_a_patch_changes_only_what_it_names_and_merges_channel_overrides() -> None:
    settings = apply_patch(GuildSettings(1), {"message_notifications": 1})
    settings = apply_patch(settings, {"channel_overrides": {"7": {"muted": True}}})
    settings = apply_patch(
        settings, {"channel_overrides": [{"channel_id": "7", "collapsed": True}]}
    )
    assert settings.message_notifications == 1
    assert settings.channel_overrides == (ChannelOverride(7, muted=True, collapsed=True),)


@pytest.mark.parametrize(
    "patch",
    [
        {"message_notifications": 4},
        {"message_notifications": True},
        {"muted": 1},
        {"mute_config": {"end_time": "soon"}},
        {"mute_config": {"selected_time_window": "900"}},
        {"channel_overrides": "everything"},
        {"channel_overrides": {"general": {}}},
    ],
)
def test_bad_patches_are_refused_with_the_field(patch: dict[str, object]) -> None:
    with pytest.raises(errors.InvalidFormBody):
        apply_patch(GuildSettings(1), patch)


def test_settings_survive_their_json_shape() -> None:
    settings = GuildSettings(
        1,
        muted=True,
        mute_config=MuteConfig(NOW, 3600),
        suppress_everyone=True,
        channel_overrides=(ChannelOverride(7, message_notifications=2),),
    )
    body = to_json(settings)
    assert body["guild_id"] == "1" and body["channel_overrides"][0]["channel_id"] == "7"
    assert from_json(body) == settings


def test_what_counts_as_a_mention() -> None:
    plain = Mentions(author_id=2, everyone=False, user_ids=(), role_ids=())
    assert mentions_user(plain, 1, (), direct=True), "every message in a DM"
    assert not mentions_user(plain, 1, (), direct=False)
    assert mentions_user(Mentions(2, False, (1,), ()), 1, (), direct=False)
    assert not mentions_user(Mentions(1, True, (1,), ()), 1, (), direct=False), "not one's own"
    everyone = Mentions(2, True, (), ())
    assert mentions_user(everyone, 1, (), direct=False)
    quiet = GuildSettings(9, suppress_everyone=True, suppress_roles=True)
    assert not mentions_user(everyone, 1, (), direct=False, settings=quiet)
    role = Mentions(2, False, (), (5,))
    assert mentions_user(role, 1, (5, 6), direct=False)
    assert not mentions_user(role, 1, (5,), direct=False, settings=quiet)
    assert not mentions_user(role, 1, (6,), direct=False)
