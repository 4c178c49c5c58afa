"""Guest accounts: the rules, in one place (docs/decisions/0014-guest-accounts.md).

A guest is a real account of a limited kind, made from a guest link (an invite with Discord's
`IS_GUEST_INVITE` flag) with nothing but a display name. It carries a flag that everyone sees
(`GUEST` in the user's `public_flags`, and Discord's `IS_GUEST` member flag in its one guild), and
it is erased with everything it wrote when its link expires, after the community's number of days
without activity, or when a moderator ends its access; unless the guest first keeps the account by
setting an email and a password.

What a guest may read and write is decided by the permission engine like for anyone, through the
community's Guest role and its channel overwrites. The few things no role can grant a guest are
here: creating communities and applications, joining other communities, and messaging someone who
has not written to them first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from townhall.domain import errors
from townhall.domain.models import User
from townhall.domain.permissions import (
    MemberContext,
    Overwrite,
    OverwriteType,
    Permission,
    channel_permissions,
)

GUEST = 1 << 30
"""townhall's user flag (in `flags` and `public_flags`): the account is a guest's. Discord has no
guest accounts; its documented user flags end at bit 22, its undocumented ones in use at 23."""
IS_GUEST = 1 << 4
"""Discord's guild member flag: a guest, who can only use the channel they were invited to."""
IS_GUEST_INVITE = 1 << 0
"""Discord's invite flag: a guest link."""

LINK_MIN_AGE = 3600
"""A guest link lives at least an hour and at most 30 days: guests always expire."""
LINK_MAX_AGE = 30 * 86400
INACTIVITY_DAYS_MIN, INACTIVITY_DAYS_MAX = 1, 365
DEFAULT_INACTIVITY_DAYS = 14
RULES_MAX = 2000
"""The community's rules, shown to guests (and on every invite) to accept before joining."""
ROLE_NAME = "Guest"
USERNAME_PREFIX = "guest_"

ROLE_PERMISSIONS = 0
"""The Guest role adds nothing guild-wide: what guests may do comes from @everyone and from the
role's channel overwrites below."""
HIDDEN = Overwrite(0, OverwriteType.ROLE, 0, int(Permission.VIEW_CHANNEL))
"""The Guest role's overwrite on every channel a guest link was not made for (id filled in)."""
LINK_CHANNEL_ALLOW = int(
    Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | Permission.READ_MESSAGE_HISTORY
)
LINK_CHANNEL_DENY = int(Permission.CREATE_INSTANT_INVITE | Permission.MENTION_EVERYONE)
"""A guest reads and writes in the link's channel, but invites nobody and pings nobody at once."""
DAY_MS = 86_400_000
ACTIVITY_STEP_MS = 15 * 60_000
"""A guest's sign of life through the gateway (IDENTIFY, RESUME) is written at most once per this
long: a reconnecting phone costs a read, not a write; idle days count to the quarter hour."""


def is_guest(user: User) -> bool:
    return bool(user.flags & GUEST)


def require_full_account(user: User) -> None:
    """Creating communities and applications, joining communities: not for guests, whatever
    their roles (Discord's 40002, "verify your account", is what an unverified account hears)."""
    if is_guest(user):
        raise errors.AccountVerificationRequired()


def hidden_overwrite(role_id: int) -> Overwrite:
    return Overwrite(role_id, OverwriteType.ROLE, HIDDEN.allow, HIDDEN.deny)


def link_overwrite(role_id: int) -> Overwrite:
    return Overwrite(role_id, OverwriteType.ROLE, LINK_CHANNEL_ALLOW, LINK_CHANNEL_DENY)


def overwrite_for_link(role_id: int, current: Iterable[Overwrite]) -> Overwrite | None:
    """The Guest role's overwrite to put on a guest link's channel, or None to leave it: the
    channel opens to guests only where the community has not set the role's overwrite itself."""
    mine = next((o for o in current if o.type is OverwriteType.ROLE and o.id == role_id), None)
    if mine is None or (mine.allow, mine.deny) == (HIDDEN.allow, HIDDEN.deny):
        return link_overwrite(role_id)
    return None


def overwrites_for_new_channel(
    role_id: int | None, given: Sequence[Overwrite]
) -> tuple[Overwrite, ...]:
    """A new channel of a community with guests hides from them unless its overwrites say
    otherwise: guests see only what a guest link or the community opened to them."""
    if role_id is None or any(o.type is OverwriteType.ROLE and o.id == role_id for o in given):
        return tuple(given)
    return (*given, hidden_overwrite(role_id))


def link_range_error(max_age: int) -> errors.InvalidFormBody | None:
    if LINK_MIN_AGE <= max_age <= LINK_MAX_AGE:
        return None
    return errors.InvalidFormBody.field(
        "max_age",
        f"A guest link expires after {LINK_MIN_AGE} to {LINK_MAX_AGE} seconds.",
        "NUMBER_TYPE_MAX",
    )


def inactivity_days(value: int) -> int:
    if not INACTIVITY_DAYS_MIN <= value <= INACTIVITY_DAYS_MAX:
        raise errors.InvalidFormBody.field(
            "guest_inactivity_days",
            f"int value should be between {INACTIVITY_DAYS_MIN} and {INACTIVITY_DAYS_MAX}.",
            "NUMBER_TYPE_MAX",
        )
    return value


@dataclass(frozen=True, slots=True)
class Standing:
    """How long one guest has left: the link's end, and the last sign of life."""

    expires_at_ms: int
    """When the guest link the guest came with ends (the account ends with it)."""
    last_active_ms: int
    """The latest of: joining, a gateway IDENTIFY or RESUME, a message they wrote."""
    inactivity_days: int

    @property
    def ends_at_ms(self) -> int:
        return min(self.expires_at_ms, self.last_active_ms + self.inactivity_days * DAY_MS)

    def over(self, now_ms: int) -> bool:
        return now_ms >= self.ends_at_ms


@dataclass(frozen=True, slots=True)
class CurrentGuest:
    """A guest as moderators see them in the community's list: who, since when, until when."""

    user: User
    joined_at_ms: int
    standing: Standing

    @property
    def ends_by(self) -> str:
        """What ends them first: "link" (its end) or "inactivity" (idle days from now on)."""
        standing = self.standing
        return "link" if standing.ends_at_ms == standing.expires_at_ms else "inactivity"


def activity_is_news(last_active_ms: int, now_ms: int) -> bool:
    """Whether a guest's sign of life now is worth writing down (see ACTIVITY_STEP_MS)."""
    return now_ms - last_active_ms >= ACTIVITY_STEP_MS


def may_message(sender: User, recipient_wrote_first: bool) -> bool:
    """A guest writes in a DM (or makes a group DM) only with someone who wrote to them first."""
    return not is_guest(sender) or recipient_wrote_first


def members_in_view(
    viewer_channels: Sequence[Sequence[Overwrite]], others: Iterable[MemberContext]
) -> list[int]:
    """The user ids of `others` who can view at least one of the viewer's channels (given by
    their overwrites): a guest's member list is the people of the channels they are in."""
    view = int(Permission.VIEW_CHANNEL)
    return [
        other.user_id
        for other in others
        if any(channel_permissions(other, overwrites) & view for overwrites in viewer_channels)
    ]
