"""The guest rules that are pure: which overwrites the Guest role gets, when a guest's time is up,
whom a guest may message, and whose names a guest's member list shows."""

from __future__ import annotations

import pytest

from townhall.domain import errors
from townhall.domain import guests as rules
from townhall.domain.models import User
from townhall.domain.permissions import (
    DEFAULT_EVERYONE_PERMISSIONS,
    MemberContext,
    Overwrite,
    OverwriteType,
    Permission,
    channel_permissions,
)

GUILD, ROLE, GUEST_ID, MEMBER_ID = 1, 2, 3, 4
VIEW = int(Permission.VIEW_CHANNEL)


def context(user_id: int, roles: dict[int, int] | None = None) -> MemberContext:
    return MemberContext(GUILD, 99, user_id, DEFAULT_EVERYONE_PERMISSIONS, roles or {})


def test_the_guest_role_sees_a_hidden_channel_not_and_a_link_channel_to_read_and_write() -> None:
    guest = context(GUEST_ID, {ROLE: rules.ROLE_PERMISSIONS})
    assert channel_permissions(guest, [rules.hidden_overwrite(ROLE)]) == 0
    opened = channel_permissions(guest, [rules.link_overwrite(ROLE)])
    assert opened & VIEW and opened & Permission.SEND_MESSAGES
    assert opened & Permission.READ_MESSAGE_HISTORY
    assert not opened & Permission.CREATE_INSTANT_INVITE
    member = context(MEMBER_ID)
    assert channel_permissions(member, [rules.hidden_overwrite(ROLE)]) & VIEW


def test_a_link_opens_its_channel_unless_the_community_set_the_role_there_itself() -> None:
    assert rules.overwrite_for_link(ROLE, []) == rules.link_overwrite(ROLE)
    assert rules.overwrite_for_link(ROLE, [rules.hidden_overwrite(ROLE)]) == rules.link_overwrite(
        ROLE
    )
    custom = Overwrite(ROLE, OverwriteType.ROLE, VIEW, int(Permission.SEND_MESSAGES))
    assert rules.overwrite_for_link(ROLE, [custom]) is None
    someone = Overwrite(ROLE, OverwriteType.MEMBER, 0, VIEW)
    assert rules.overwrite_for_link(ROLE, [someone]) == rules.link_overwrite(ROLE)


def test_new_channels_hide_from_guests_unless_told_otherwise() -> None:
    assert rules.overwrites_for_new_channel(None, []) == ()
    assert rules.overwrites_for_new_channel(ROLE, []) == (rules.hidden_overwrite(ROLE),)
    given = Overwrite(ROLE, OverwriteType.ROLE, VIEW, 0)
    assert rules.overwrites_for_new_channel(ROLE, [given]) == (given,)


def test_a_guest_ends_with_their_link_or_after_the_idle_days_whichever_is_first() -> None:
    day = rules.DAY_MS
    idle = rules.Standing(expires_at_ms=30 * day, last_active_ms=0, inactivity_days=2)
    assert idle.ends_at_ms == 2 * day
    assert not idle.over(2 * day - 1) and idle.over(2 * day)
    busy = rules.Standing(expires_at_ms=3 * day, last_active_ms=2 * day, inactivity_days=14)
    assert busy.ends_at_ms == 3 * day


def test_link_ages_and_idle_days_outside_their_range_are_refused() -> None:
    assert rules.link_range_error(rules.LINK_MIN_AGE) is None
    assert rules.link_range_error(rules.LINK_MAX_AGE) is None
    assert rules.link_range_error(0) is not None
    assert rules.link_range_error(rules.LINK_MAX_AGE + 1) is not None
    assert rules.inactivity_days(1) == 1
    with pytest.raises(errors.InvalidFormBody):
        rules.inactivity_days(0)


def test_a_guest_messages_only_someone_who_wrote_first_and_makes_no_community() -> None:
    guest = User(GUEST_ID, "guest_x", flags=rules.GUEST)
    person = User(MEMBER_ID, "person")
    assert not rules.may_message(guest, recipient_wrote_first=False)
    assert rules.may_message(guest, recipient_wrote_first=True)
    assert rules.may_message(person, recipient_wrote_first=False)
    with pytest.raises(errors.AccountVerificationRequired):
        rules.require_full_account(guest)
    rules.require_full_account(person)


def test_a_guests_member_list_holds_who_can_see_one_of_their_channels() -> None:
    guest_room = [
        Overwrite(GUILD, OverwriteType.ROLE, 0, VIEW),
        rules.link_overwrite(ROLE),
    ]
    guest = context(GUEST_ID, {ROLE: 0})
    outsider = context(MEMBER_ID)
    moderator = context(5, {6: int(Permission.ADMINISTRATOR)})
    assert rules.members_in_view([guest_room], [guest, outsider, moderator]) == [GUEST_ID, 5]
    assert rules.members_in_view([], [guest, outsider]) == []


def test_a_guests_gateway_activity_is_written_at_most_once_a_quarter_hour() -> None:
    assert not rules.activity_is_news(1_000_000, 1_000_000 + rules.ACTIVITY_STEP_MS - 1)
    assert rules.activity_is_news(1_000_000, 1_000_000 + rules.ACTIVITY_STEP_MS)
