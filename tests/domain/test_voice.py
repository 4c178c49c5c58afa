"""The rules of voice channels and the voice tokens, without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from townhall.domain import errors
from townhall.domain.models import Channel, ChannelType, Member, User, VoiceState
from townhall.domain.permissions import Permission
from townhall.domain.voice import (
    Rights,
    VoiceGrant,
    VoiceTokens,
    require_may_join,
    rights,
    suppressed_on_join,
    turn_credentials,
)

ROOM = Channel(2, ChannelType.GUILD_VOICE, guild_id=1, name="Room", user_limit=2)
STAGE = Channel(3, ChannelType.GUILD_STAGE_VOICE, guild_id=1, name="Stage")
JOIN = Permission.VIEW_CHANNEL | Permission.CONNECT
member = Member(1, User(5, "ada"), datetime(2026, 12, 1, tzinfo=UTC))
state = VoiceState(1, ROOM.id, 5, "s1")


def test_joining_needs_connect_and_room_unless_one_may_move_members() -> None:
    require_may_join(JOIN, ROOM, 1, already_inside=False)
    with pytest.raises(errors.MissingPermissions):
        require_may_join(Permission.VIEW_CHANNEL, ROOM, 0, already_inside=False)
    with pytest.raises(errors.ChannelFull):
        require_may_join(JOIN, ROOM, 2, already_inside=False)
    require_may_join(JOIN | Permission.MOVE_MEMBERS, ROOM, 2, already_inside=False)
    with pytest.raises(errors.CannotExecuteOnChannelType):
        require_may_join(
            JOIN, Channel(4, ChannelType.GUILD_TEXT, guild_id=1), 0, already_inside=False
        )


def test_a_stage_audience_is_suppressed_unless_it_may_run_the_stage() -> None:
    assert suppressed_on_join(JOIN, STAGE) is True
    assert suppressed_on_join(JOIN | Permission.MUTE_MEMBERS, STAGE) is False
    assert suppressed_on_join(JOIN, ROOM) is False


def test_server_mute_and_deafen_outweigh_permissions() -> None:
    talk = JOIN | Permission.SPEAK | Permission.STREAM
    assert rights(talk, member, state).speak is True
    assert rights(talk, Member(1, member.user, member.joined_at, mute=True), state).speak is False
    assert rights(talk, Member(1, member.user, member.joined_at, deaf=True), state).hear is False
    assert rights(JOIN, member, state).speak is False
    assert rights(JOIN, member, state).video is False
    self_deaf = VoiceState(1, ROOM.id, 5, "s1", self_mute=True, self_deaf=True)
    assert rights(talk, member, self_deaf) == Rights(speak=False, video=True, hear=False)


def test_a_voice_token_opens_only_its_own_grant_and_expires() -> None:
    tokens = VoiceTokens(b"k" * 32)
    grant = VoiceGrant(5, 1, ROOM.id, "s1")
    token = tokens.issue(grant, now=1_000_000)
    assert tokens.valid(token, grant, now=1_000_010)
    assert not tokens.valid(token, VoiceGrant(5, 1, STAGE.id, "s1"), now=1_000_010)
    assert not tokens.valid(token, VoiceGrant(6, 1, ROOM.id, "s1"), now=1_000_010)
    assert not tokens.valid(token, grant, now=1_000_000 + 3_601)
    assert not VoiceTokens(b"x" * 32).valid(token, grant, now=1_000_010)
    assert not tokens.valid("garbage", grant, now=1_000_010)


def test_turn_credentials_follow_coturn_s_rest_api_convention() -> None:
    username, password = turn_credentials("north", 42, now=1_700_000_000.7, ttl_seconds=3600)
    assert username == "1700003600:42"
    # printf '1700003600:42' | openssl dgst -sha1 -hmac north -binary | base64
    assert password == "WO3ZFttCQxBYtA2Ohz7jjGcQStA="
    assert turn_credentials("south", 42, now=1_700_000_000, ttl_seconds=3600)[1] != password
    assert turn_credentials("north", 43, now=1_700_000_000, ttl_seconds=3600)[0] == "1700003600:43"
