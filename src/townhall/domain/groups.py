"""Communities of groups (docs/communities.md): the rules, as plain values.

A community is a guild with the COMMUNITY feature. Its groups are text channels flagged GROUP:
@everyone is denied VIEW_CHANNEL there, a member is a member overwrite that allows VIEW_CHANNEL,
and a group admin a member overwrite that also allows the managing permissions. Nothing here is a
second permission system: bots see groups as channels and set members with Discord's own
`PUT /channels/{id}/permissions/{user}`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from townhall.domain import errors
from townhall.domain.models import Channel, User
from townhall.domain.permissions import Overwrite, OverwriteType, Permission, has

COMMUNITY = "COMMUNITY"
"""The guild feature (Discord's name) that makes a guild a community of groups."""


class GroupFlag(enum.IntFlag):
    """townhall's channel flags for groups, below WEB_PUBLIC (1 << 30); never a Discord bit."""

    GROUP = 1 << 29
    """The channel is one of the community's groups: listed in its directory."""
    REQUESTS = 1 << 28
    """Closed: members ask to join and a group admin decides (without it, anyone joins at once)."""
    ARCHIVED = 1 << 27
    """Removed from the community and kept read-only for its members."""


class JoinPolicy(enum.IntEnum):
    OPEN = 0
    """Any member of the community joins at once."""
    REQUEST = 1
    """Members ask; a group admin approves or declines."""


MEMBER_ALLOW = Permission.VIEW_CHANNEL
"""A group member's overwrite: seeing the group; what they may do there is the community's."""
ADMIN_ALLOW = Permission.VIEW_CHANNEL | Permission.MANAGE_MESSAGES | Permission.MANAGE_ROLES
"""A group admin's overwrite: members (MANAGE_ROLES is "manage permissions" in a channel) and
any message in the group. Renaming or deleting the group stays with the community's admins."""
MANAGES_GROUP = Permission.MANAGE_ROLES
"""What adding, removing and approving members takes in the channel (group or community admin)."""
MANAGES_COMMUNITY = Permission.MANAGE_CHANNELS
"""What creating groups, deciding proposals and removing groups takes (guild-wide)."""

MAX_GROUPS = 500
"""Groups per community (WhatsApp: 100)."""
MAX_GROUP_MEMBERS = 1024
"""People per group, as WhatsApp."""


def is_group(flags: int) -> bool:
    return bool(flags & GroupFlag.GROUP)


def join_policy(flags: int) -> JoinPolicy:
    return JoinPolicy.REQUEST if flags & GroupFlag.REQUESTS else JoinPolicy.OPEN


def group_flags(policy: JoinPolicy) -> int:
    return int(GroupFlag.GROUP | (GroupFlag.REQUESTS if policy is JoinPolicy.REQUEST else 0))


def member_overwrite(user_id: int, *, admin: bool = False) -> Overwrite:
    allow = ADMIN_ALLOW if admin else MEMBER_ALLOW
    return Overwrite(id=user_id, type=OverwriteType.MEMBER, allow=int(allow), deny=0)


def is_member_overwrite(overwrite: Overwrite) -> bool:
    return overwrite.type == OverwriteType.MEMBER and bool(
        overwrite.allow & Permission.VIEW_CHANNEL
    )


def is_admin_overwrite(overwrite: Overwrite) -> bool:
    return is_member_overwrite(overwrite) and bool(overwrite.allow & MANAGES_GROUP)


def member_count(channel: Channel) -> int:
    """The group's members (its member overwrites that allow VIEW_CHANNEL)."""
    if channel.group_member_count is not None:
        return channel.group_member_count
    return sum(1 for o in channel.permission_overwrites if is_member_overwrite(o))


def sees_whole(permissions: int, *, bot: bool) -> bool:
    """Whether a viewer receives a group with every member's overwrite: its managers (who edit
    the list) and bots (which read channels as Discord sends them)."""
    return bot or has(permissions, MANAGES_GROUP)


def as_seen(channel: Channel, viewer_id: int, permissions: int, *, bot: bool) -> Channel:
    """The channel as this viewer receives it: a group without the other members' overwrites
    for an ordinary member (its member list is `GET /channels/{id}/group-members`)."""
    if not is_group(channel.flags) or sees_whole(permissions, bot=bot):
        return channel
    kept = tuple(
        o
        for o in channel.permission_overwrites
        if o.type != OverwriteType.MEMBER or o.id == viewer_id
    )
    return replace(channel, permission_overwrites=kept, group_member_count=member_count(channel))


# -- joining, leaving, requests and proposals (actions/groups.py, group_requests.py,
# group_proposals.py) -------------------------------------------------------------------------


class RequestStatus(enum.IntEnum):
    """A join request's or a group proposal's state."""

    PENDING = 0
    APPROVED = 1
    DECLINED = 2


REQUEST_MESSAGE_MAX = 500
"""Characters a join request's message may have."""
MAX_PENDING_PROPOSALS = 10
"""Pending group proposals per person and community."""
ARCHIVED_DENY = Permission.SEND_MESSAGES
"""What @everyone is also denied in an archived group: its members read, nobody writes."""


class MaxGroupMembers(errors.TownhallError):
    code, message = 30061, f"Maximum number of group members reached ({MAX_GROUP_MEMBERS})"


class MaxGroups(errors.TownhallError):
    code, message = 30013, f"Maximum number of groups reached ({MAX_GROUPS})"


class MaxPendingProposals(errors.TownhallError):
    code = 30062
    message = f"Maximum number of pending group proposals reached ({MAX_PENDING_PROPOSALS})"


class UnknownJoinRequest(errors.NotFound):
    code, message = 10072, "Unknown Join Request"


class UnknownGroupProposal(errors.NotFound):
    code, message = 10073, "Unknown Group Proposal"


class ClosedGroup(errors.MissingPermissions):
    """Joining a group that takes requests: the person asks instead."""

    message = "Missing Permissions: this group takes join requests"


class NotACommunity(errors.TownhallError):
    code, message = 50024, "Cannot execute action: this guild is not a community"


def form_error(code: str, message: str) -> errors.InvalidFormBody:
    """A 50035 about the request as a whole rather than one of its fields."""
    return errors.InvalidFormBody({"_errors": [{"code": code, "message": message}]})


def require_room(members: int) -> None:
    """Refuse one more member when the group has `members` already."""
    if members >= MAX_GROUP_MEMBERS:
        raise MaxGroupMembers()


def require_group_room(groups: int) -> None:
    if groups >= MAX_GROUPS:
        raise MaxGroups()


def joined(existing: Overwrite | None, user_id: int, *, admin: bool) -> Overwrite:
    """The person's member overwrite once they are a member (an admin, or not): what else it
    allowed or denied stays, the group's own bits are set afresh."""
    allow = int(ADMIN_ALLOW if admin else MEMBER_ALLOW)
    kept_allow = existing.allow & ~int(ADMIN_ALLOW) if existing is not None else 0
    kept_deny = existing.deny & ~allow if existing is not None else 0
    return Overwrite(user_id, OverwriteType.MEMBER, kept_allow | allow, kept_deny)


def left(existing: Overwrite) -> Overwrite | None:
    """The person's overwrite once they left or were removed (None: nothing is left of it)."""
    allow = existing.allow & ~int(ADMIN_ALLOW)
    if not allow and not existing.deny:
        return None
    return replace(existing, allow=allow)


def hidden_from_everyone(guild_id: int, existing: Overwrite | None) -> Overwrite:
    """@everyone's overwrite in a group: denied VIEW_CHANNEL, whatever else it said."""
    view = int(Permission.VIEW_CHANNEL)
    if existing is None:
        return Overwrite(guild_id, OverwriteType.ROLE, 0, view)
    return replace(existing, allow=existing.allow & ~view, deny=existing.deny | view)


def archived_for_everyone(guild_id: int, existing: Overwrite | None) -> Overwrite:
    """@everyone's overwrite in an archived group: hidden as before, and read-only."""
    hidden = hidden_from_everyone(guild_id, existing)
    deny = int(ARCHIVED_DENY)
    return replace(hidden, allow=hidden.allow & ~deny, deny=hidden.deny | deny)


def without_group(flags: int, *, archive: bool) -> int:
    """The flags of a channel removed from its community: a private channel, or an archive."""
    kept = flags & ~int(GroupFlag.GROUP | GroupFlag.REQUESTS)
    return kept | int(GroupFlag.ARCHIVED) if archive else kept


def join_request_push(
    status: RequestStatus,
    *,
    guild_id: int,
    channel_id: int,
    request_id: int,
    group: str | None,
    community: str | None,
) -> dict[str, Any]:
    """The Web Push telling a person how their join request was decided (names left out in a
    confidential community: `group` and `community` None)."""
    body: dict[str, Any] = {
        "type": "join_request",
        "reason": "join_request",
        "status": int(status),
        "guild_id": str(guild_id),
        "channel_id": str(channel_id),
        "request_id": str(request_id),
        "url": f"/channels/{guild_id}/{channel_id}" if status is RequestStatus.APPROVED else None,
        "tag": f"join-request-{request_id}",
    }
    if group is not None:
        body.update(channel_name=group, guild_name=community)
    return body


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """Someone asking to join a closed group."""

    id: int
    guild_id: int
    channel_id: int
    user_id: int
    created_at: datetime
    message: str | None = None
    status: RequestStatus = RequestStatus.PENDING
    decided_by: int | None = None
    decided_at: datetime | None = None
    user: User | None = None


@dataclass(frozen=True, slots=True)
class GroupProposal:
    """A member's proposal of a new group, or of a channel they run (`channel_id` while
    pending); once approved, `channel_id` names the group."""

    id: int
    guild_id: int
    user_id: int
    name: str
    created_at: datetime
    topic: str | None = None
    join_policy: JoinPolicy = JoinPolicy.OPEN
    channel_id: int | None = None
    status: RequestStatus = RequestStatus.PENDING
    decided_by: int | None = None
    decided_at: datetime | None = None
    user: User | None = None


@dataclass(frozen=True, slots=True)
class GroupListing:
    """One group in the community's directory, as one member sees it."""

    channel: Channel
    member_count: int
    joined: bool
    admin: bool
    requested: bool


@dataclass(frozen=True, slots=True)
class GroupMember:
    user: User
    admin: bool
