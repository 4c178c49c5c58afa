"""The pure rules of joining, leaving and archiving groups (domain/groups.py)."""

from __future__ import annotations

import pytest

from townhall.domain import groups as rules
from townhall.domain.groups import ADMIN_ALLOW, MAX_GROUP_MEMBERS, MEMBER_ALLOW, GroupFlag
from townhall.domain.permissions import Overwrite, OverwriteType
from townhall.domain.permissions import Permission as P

GUILD, ADA = 1, 2


def test_a_group_takes_members_up_to_1024_and_refuses_the_next_with_30061() -> None:
    rules.require_room(0)
    rules.require_room(MAX_GROUP_MEMBERS - 1)
    with pytest.raises(rules.MaxGroupMembers) as refused:
        rules.require_room(MAX_GROUP_MEMBERS)
    assert refused.value.code == 30061 and refused.value.status == 400
    assert "1024" in refused.value.message


def test_a_community_takes_500_groups() -> None:
    rules.require_group_room(499)
    with pytest.raises(rules.MaxGroups):
        rules.require_group_room(500)


def test_joining_sets_the_group_bits_and_keeps_what_else_the_overwrite_said() -> None:
    fresh = rules.joined(None, ADA, admin=False)
    assert fresh == Overwrite(ADA, OverwriteType.MEMBER, int(MEMBER_ALLOW), 0)
    muted = Overwrite(ADA, OverwriteType.MEMBER, int(P.ATTACH_FILES), int(P.SEND_MESSAGES))
    joined = rules.joined(muted, ADA, admin=True)
    assert joined.allow == int(P.ATTACH_FILES | ADMIN_ALLOW)
    assert joined.deny == int(P.SEND_MESSAGES)
    demoted = rules.joined(joined, ADA, admin=False)
    assert demoted.allow == int(P.ATTACH_FILES | MEMBER_ALLOW)
    hidden = Overwrite(ADA, OverwriteType.MEMBER, 0, int(P.VIEW_CHANNEL))
    assert rules.joined(hidden, ADA, admin=False).deny == 0  # a member sees the group


def test_leaving_drops_the_overwrite_unless_something_else_is_in_it() -> None:
    assert rules.left(rules.member_overwrite(ADA, admin=True)) is None
    muted = Overwrite(ADA, OverwriteType.MEMBER, int(MEMBER_ALLOW), int(P.SEND_MESSAGES))
    rest = rules.left(muted)
    assert rest == Overwrite(ADA, OverwriteType.MEMBER, 0, int(P.SEND_MESSAGES))
    assert not rules.is_member_overwrite(rest)


def test_a_group_hides_from_everyone_and_an_archive_is_read_only() -> None:
    shown = Overwrite(GUILD, OverwriteType.ROLE, int(P.VIEW_CHANNEL), 0)
    hidden = rules.hidden_from_everyone(GUILD, shown)
    assert hidden.allow == 0 and hidden.deny == int(P.VIEW_CHANNEL)
    archived = rules.archived_for_everyone(GUILD, None)
    assert archived.deny == int(P.VIEW_CHANNEL | P.SEND_MESSAGES)


def test_a_removed_group_loses_its_flags_and_an_archived_one_is_marked() -> None:
    closed = rules.group_flags(rules.JoinPolicy.REQUEST) | 1
    assert rules.without_group(closed, archive=False) == 1
    assert rules.without_group(closed, archive=True) == 1 | GroupFlag.ARCHIVED


def test_a_decision_push_names_the_group_unless_the_community_is_confidential() -> None:
    approved = rules.join_request_push(
        rules.RequestStatus.APPROVED,
        guild_id=GUILD,
        channel_id=3,
        request_id=4,
        group="board",
        community="Club",
    )
    assert approved["status"] == 1 and approved["url"] == "/channels/1/3"
    assert approved["channel_name"] == "board" and approved["guild_name"] == "Club"
    declined = rules.join_request_push(
        rules.RequestStatus.DECLINED,
        guild_id=GUILD,
        channel_id=3,
        request_id=4,
        group=None,
        community=None,
    )
    assert declined["url"] is None and "channel_name" not in declined
