"""Groups of a community: the directory and member list queries, join requests, proposals.

A group's members are member overwrites of its channel (store/channels.py writes them); what is
here reads them in bulk without loading a thousand overwrites per group, and keeps the two
tables only groups have.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import ColumnElement, RowMapping, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.groups import (
    ADMIN_ALLOW,
    GroupFlag,
    GroupMember,
    GroupProposal,
    JoinPolicy,
    JoinRequest,
    RequestStatus,
    is_admin_overwrite,
)
from townhall.domain.models import Channel, ChannelType
from townhall.domain.permissions import Overwrite, OverwriteType, Permission
from townhall.store import users as user_store
from townhall.store.rows import from_millis, from_millis_required, to_millis, user_from_row
from townhall.store.schema import channels, group_join_requests, group_proposals, users
from townhall.store.schema import permission_overwrites as overwrites

_VIEW = int(Permission.VIEW_CHANNEL)
_MEMBER = int(OverwriteType.MEMBER)


def _is_member_row() -> ColumnElement[bool]:
    """Member overwrites that allow VIEW_CHANNEL: a group's members."""
    return (overwrites.c.type == _MEMBER) & (overwrites.c.allow.op("&")(_VIEW) != 0)


# -- groups ------------------------------------------------------------------------------------


async def group_channels(conn: AsyncConnection, guild_id: int) -> list[Channel]:
    """The guild's groups by position, with their role overwrites only (the directory needs no
    member list: counts and the viewer's own overwrite come from `member_counts`/`own`)."""
    query = (
        select(channels)
        .where(
            channels.c.guild_id == guild_id,
            channels.c.flags.op("&")(int(GroupFlag.GROUP)) != 0,
        )
        .order_by(channels.c.position, channels.c.id)
    )
    rows = list((await conn.execute(query)).mappings())
    ids = [row["id"] for row in rows]
    roles: dict[int, list[Overwrite]] = defaultdict(list)
    if ids:
        found = select(overwrites).where(
            overwrites.c.channel_id.in_(ids), overwrites.c.type != _MEMBER
        )
        for row in (await conn.execute(found)).mappings():
            roles[row["channel_id"]].append(_overwrite(row))
    return [
        Channel(
            id=row["id"],
            type=ChannelType(row["type"]),
            guild_id=row["guild_id"],
            name=row["name"],
            topic=row["topic"],
            position=row["position"],
            parent_id=row["parent_id"],
            flags=row["flags"],
            permission_overwrites=tuple(roles[row["id"]]),
        )
        for row in rows
    ]


def _overwrite(row: RowMapping) -> Overwrite:
    return Overwrite(row["target_id"], OverwriteType(row["type"]), row["allow"], row["deny"])


async def count_groups(conn: AsyncConnection, guild_id: int) -> int:
    query = select(func.count()).where(
        channels.c.guild_id == guild_id, channels.c.flags.op("&")(int(GroupFlag.GROUP)) != 0
    )
    return int((await conn.execute(query)).scalar_one())


async def next_position(conn: AsyncConnection, guild_id: int) -> int:
    """Below the guild's channels (categories keep their own order)."""
    query = select(func.max(channels.c.position)).where(
        channels.c.guild_id == guild_id, channels.c.type != int(ChannelType.GUILD_CATEGORY)
    )
    last = (await conn.execute(query)).scalar_one_or_none()
    return 0 if last is None else int(last) + 1


async def member_counts(conn: AsyncConnection, channel_ids: Collection[int]) -> dict[int, int]:
    """Members per group, counted in the database."""
    if not channel_ids:
        return {}
    query = (
        select(overwrites.c.channel_id, func.count())
        .where(overwrites.c.channel_id.in_(list(channel_ids)), _is_member_row())
        .group_by(overwrites.c.channel_id)
    )
    return {channel_id: int(n) for channel_id, n in (await conn.execute(query)).all()}


async def own_overwrites(
    conn: AsyncConnection, user_id: int, channel_ids: Collection[int]
) -> dict[int, Overwrite]:
    """The user's member overwrite in each of these channels that has one."""
    if not channel_ids:
        return {}
    query = select(overwrites).where(
        overwrites.c.channel_id.in_(list(channel_ids)),
        overwrites.c.target_id == user_id,
        overwrites.c.type == _MEMBER,
    )
    return {row["channel_id"]: _overwrite(row) for row in (await conn.execute(query)).mappings()}


async def group_members(
    conn: AsyncConnection, channel_id: int, *, limit: int, after: int = 0
) -> list[GroupMember]:
    """A page of the group's members by user id."""
    query = (
        select(users, overwrites.c.allow, overwrites.c.deny)
        .select_from(overwrites.join(users, users.c.id == overwrites.c.target_id))
        .where(overwrites.c.channel_id == channel_id, _is_member_row(), users.c.id > after)
        .order_by(users.c.id)
        .limit(limit)
    )
    found = []
    for row in (await conn.execute(query)).mappings():
        overwrite = Overwrite(row["id"], OverwriteType.MEMBER, row["allow"], row["deny"])
        found.append(GroupMember(user_from_row(row), is_admin_overwrite(overwrite)))
    return found


async def admin_ids(conn: AsyncConnection, channel_id: int) -> list[int]:
    """The group's admins (member overwrites with its managing bits)."""
    manages = int(ADMIN_ALLOW & ~Permission.VIEW_CHANNEL)
    query = (
        select(overwrites.c.target_id)
        .where(
            overwrites.c.channel_id == channel_id,
            _is_member_row(),
            overwrites.c.allow.op("&")(manages) != 0,
        )
        .order_by(overwrites.c.target_id)
    )
    return list((await conn.execute(query)).scalars())


# -- join requests -----------------------------------------------------------------------------


def _request(row: RowMapping) -> JoinRequest:
    return JoinRequest(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        created_at=from_millis_required(row["created_at"]),
        message=row["message"],
        status=RequestStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=from_millis(row["decided_at"]),
    )


async def _with_requesters(conn: AsyncConnection, found: list[JoinRequest]) -> list[JoinRequest]:
    people = await user_store.get_users(conn, {r.user_id for r in found}) if found else {}
    return [replace(r, user=people.get(r.user_id)) for r in found]


async def insert_request(conn: AsyncConnection, request: JoinRequest) -> bool:
    """Store a pending request; False when the person has one pending for the group already
    (two sent at once: the unique index decides)."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(group_join_requests).values(
                    id=request.id,
                    guild_id=request.guild_id,
                    channel_id=request.channel_id,
                    user_id=request.user_id,
                    message=request.message,
                    status=int(request.status),
                    created_at=to_millis(request.created_at),
                )
            )
    except IntegrityError:
        return False
    return True


async def get_request(
    conn: AsyncConnection, channel_id: int, request_id: int
) -> JoinRequest | None:
    query = select(group_join_requests).where(
        group_join_requests.c.id == request_id, group_join_requests.c.channel_id == channel_id
    )
    row = (await conn.execute(query)).mappings().first()
    return (await _with_requesters(conn, [_request(row)]))[0] if row is not None else None


async def pending_request(
    conn: AsyncConnection, channel_id: int, user_id: int
) -> JoinRequest | None:
    query = select(group_join_requests).where(
        group_join_requests.c.channel_id == channel_id,
        group_join_requests.c.user_id == user_id,
        group_join_requests.c.status == int(RequestStatus.PENDING),
    )
    row = (await conn.execute(query)).mappings().first()
    return (await _with_requesters(conn, [_request(row)]))[0] if row is not None else None


async def requests_of_group(
    conn: AsyncConnection, channel_id: int, status: RequestStatus, *, limit: int, after: int = 0
) -> list[JoinRequest]:
    """Oldest first (ids are snowflakes: in the order they came)."""
    query = (
        select(group_join_requests)
        .where(
            group_join_requests.c.channel_id == channel_id,
            group_join_requests.c.status == int(status),
            group_join_requests.c.id > after,
        )
        .order_by(group_join_requests.c.id)
        .limit(limit)
    )
    found = [_request(row) for row in (await conn.execute(query)).mappings()]
    return await _with_requesters(conn, found)


async def pending_requests_of_user(conn: AsyncConnection, user_id: int) -> list[JoinRequest]:
    query = (
        select(group_join_requests)
        .where(
            group_join_requests.c.user_id == user_id,
            group_join_requests.c.status == int(RequestStatus.PENDING),
        )
        .order_by(group_join_requests.c.id)
    )
    found = [_request(row) for row in (await conn.execute(query)).mappings()]
    return await _with_requesters(conn, found)


async def pending_request_channels(conn: AsyncConnection, user_id: int, guild_id: int) -> set[int]:
    """The groups of one guild the user has asked to join."""
    query = select(group_join_requests.c.channel_id).where(
        group_join_requests.c.user_id == user_id,
        group_join_requests.c.guild_id == guild_id,
        group_join_requests.c.status == int(RequestStatus.PENDING),
    )
    return set((await conn.execute(query)).scalars())


async def pending_requests_of_group(conn: AsyncConnection, channel_id: int) -> list[JoinRequest]:
    query = (
        select(group_join_requests)
        .where(
            group_join_requests.c.channel_id == channel_id,
            group_join_requests.c.status == int(RequestStatus.PENDING),
        )
        .order_by(group_join_requests.c.id)
    )
    found = [_request(row) for row in (await conn.execute(query)).mappings()]
    return await _with_requesters(conn, found)


async def decide_request(
    conn: AsyncConnection, request_id: int, status: RequestStatus, decided_by: int, now_ms: int
) -> bool:
    """Settle a pending request; False when it was settled (or withdrawn) meanwhile."""
    result = await conn.execute(
        update(group_join_requests)
        .where(
            group_join_requests.c.id == request_id,
            group_join_requests.c.status == int(RequestStatus.PENDING),
        )
        .values(status=int(status), decided_by=decided_by, decided_at=now_ms)
    )
    return bool(result.rowcount)


async def delete_request(conn: AsyncConnection, request_id: int) -> bool:
    result = await conn.execute(
        delete(group_join_requests).where(group_join_requests.c.id == request_id)
    )
    return bool(result.rowcount)


# -- proposals ---------------------------------------------------------------------------------


def _proposal(row: RowMapping) -> GroupProposal:
    return GroupProposal(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        name=row["name"],
        created_at=from_millis_required(row["created_at"]),
        topic=row["topic"],
        join_policy=JoinPolicy(row["join_policy"]),
        channel_id=row["channel_id"],
        status=RequestStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=from_millis(row["decided_at"]),
    )


async def _with_proposers(conn: AsyncConnection, found: list[GroupProposal]) -> list[GroupProposal]:
    people = await user_store.get_users(conn, {p.user_id for p in found}) if found else {}
    return [replace(p, user=people.get(p.user_id)) for p in found]


async def insert_proposal(conn: AsyncConnection, proposal: GroupProposal) -> None:
    await conn.execute(
        insert(group_proposals).values(
            id=proposal.id,
            guild_id=proposal.guild_id,
            user_id=proposal.user_id,
            name=proposal.name,
            topic=proposal.topic,
            join_policy=int(proposal.join_policy),
            channel_id=proposal.channel_id,
            status=int(proposal.status),
            created_at=to_millis(proposal.created_at),
        )
    )


async def get_proposal(
    conn: AsyncConnection, guild_id: int, proposal_id: int
) -> GroupProposal | None:
    query = select(group_proposals).where(
        group_proposals.c.id == proposal_id, group_proposals.c.guild_id == guild_id
    )
    row = (await conn.execute(query)).mappings().first()
    return (await _with_proposers(conn, [_proposal(row)]))[0] if row is not None else None


async def proposals_of_guild(
    conn: AsyncConnection,
    guild_id: int,
    status: RequestStatus,
    *,
    user_id: int | None = None,
    limit: int,
    after: int = 0,
) -> list[GroupProposal]:
    """Oldest first; only `user_id`'s when given."""
    query = select(group_proposals).where(
        group_proposals.c.guild_id == guild_id,
        group_proposals.c.status == int(status),
        group_proposals.c.id > after,
    )
    if user_id is not None:
        query = query.where(group_proposals.c.user_id == user_id)
    query = query.order_by(group_proposals.c.id).limit(limit)
    found = [_proposal(row) for row in (await conn.execute(query)).mappings()]
    return await _with_proposers(conn, found)


async def count_pending_proposals(conn: AsyncConnection, guild_id: int, user_id: int) -> int:
    query = select(func.count()).where(
        group_proposals.c.guild_id == guild_id,
        group_proposals.c.user_id == user_id,
        group_proposals.c.status == int(RequestStatus.PENDING),
    )
    return int((await conn.execute(query)).scalar_one())


async def decide_proposal(
    conn: AsyncConnection,
    proposal_id: int,
    status: RequestStatus,
    decided_by: int,
    now_ms: int,
    channel_id: int | None,
) -> bool:
    """Settle a pending proposal (naming the group it made); False when settled meanwhile."""
    result = await conn.execute(
        update(group_proposals)
        .where(
            group_proposals.c.id == proposal_id,
            group_proposals.c.status == int(RequestStatus.PENDING),
        )
        .values(status=int(status), decided_by=decided_by, decided_at=now_ms, channel_id=channel_id)
    )
    return bool(result.rowcount)


async def delete_proposal(conn: AsyncConnection, proposal_id: int) -> bool:
    result = await conn.execute(delete(group_proposals).where(group_proposals.c.id == proposal_id))
    return bool(result.rowcount)
