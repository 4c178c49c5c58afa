"""Groups of a community (docs/communities.md): the directory, making and removing groups, and
who is in them.

A group is a text channel flagged GROUP and its members are member overwrites
(domain/groups.py). Every change of who is in a group writes one overwrite and publishes one
CHANNEL_UPDATE of the channel, the event any overwrite change publishes (actions/overwrites.py):
the gateway turns it into a CHANNEL_CREATE for the person who joined and the whole channel for
the group's managers (gateway/groups.py), so a join never costs a message to the community.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import push
from townhall.actions.access import ChannelAccess, GuildAccess, channel_access, guild_access
from townhall.actions.channels import require_manages
from townhall.actions.overwrites import require_grantable
from townhall.actions.services import Services, Transaction
from townhall.domain import channels as channel_rules
from townhall.domain import errors
from townhall.domain import groups as rules
from townhall.domain.actor import Actor
from townhall.domain.event_data import PrivateChannelView
from townhall.domain.groups import (
    GroupFlag,
    GroupListing,
    GroupMember,
    GroupProposal,
    JoinPolicy,
    JoinRequest,
    RequestStatus,
)
from townhall.domain.guests import overwrites_for_new_channel, require_full_account
from townhall.domain.models import Channel, ChannelType
from townhall.domain.permissions import Overwrite, OverwriteType
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import channels as channel_store
from townhall.store import groups as group_store
from townhall.store import members as member_store
from townhall.store.rows import from_millis

MEMBERS_PAGE_MAX = 1000


@dataclass(frozen=True, slots=True)
class GroupDraft:
    name: str
    topic: str | None = None
    join_policy: JoinPolicy = JoinPolicy.OPEN
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class GroupAccess:
    """A group and the actor's standing there, whether or not they see it yet (joining,
    asking to join)."""

    channel: Channel
    guild: GuildAccess
    permissions: int


# -- loading -----------------------------------------------------------------------------------


async def group_access(
    conn: AsyncConnection, s: Services, actor: Actor, channel_id: int
) -> GroupAccess:
    """A group of a guild the actor is a member of (50001 otherwise); 50024 for a channel that
    is not a group."""
    channel = await channel_store.get_channel(conn, channel_id)
    if channel is None:
        raise errors.UnknownChannel()
    if channel.guild_id is None:
        raise errors.CannotExecuteOnDM()
    access = await guild_access(conn, actor.user, channel.guild_id, s.now(), s.cache)
    if not rules.is_group(channel.flags):
        raise errors.CannotExecuteOnChannelType()
    return GroupAccess(channel, access, access.in_channel(channel))


async def managed_group(
    conn: AsyncConnection, s: Services, actor: Actor, channel_id: int
) -> ChannelAccess:
    """A group the actor sees and manages (MANAGE_ROLES there: its admins, the community's)."""
    access = await seen_group(conn, s, actor, channel_id)
    access.require(rules.MANAGES_GROUP)
    return access


async def seen_group(
    conn: AsyncConnection, s: Services, actor: Actor, channel_id: int, *, archived: bool = False
) -> ChannelAccess:
    """A group the actor sees (50001 otherwise); with `archived`, an archived one will do."""
    access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
    if access.guild is None:
        raise errors.CannotExecuteOnDM()
    wanted = GroupFlag.GROUP | GroupFlag.ARCHIVED if archived else GroupFlag.GROUP
    if not access.channel.flags & wanted:
        raise errors.CannotExecuteOnChannelType()
    return access


async def _own(conn: AsyncConnection, channel_id: int, user_id: int) -> Overwrite | None:
    return (await group_store.own_overwrites(conn, user_id, [channel_id])).get(channel_id)


def _is_member(own: Overwrite | None) -> bool:
    return own is not None and rules.is_member_overwrite(own)


# -- events ------------------------------------------------------------------------------------


async def emit_channel(
    tx: Transaction, kind: EventType[Channel | PrivateChannelView], channel_id: int
) -> Channel:
    """The channel as stored now, published as `kind` (CHANNEL_CREATE/UPDATE)."""
    channel = await channel_store.get_channel(tx.conn, channel_id)
    assert channel is not None
    tx.emit(Event(kind, channel, guild_id=channel.guild_id, channel_id=channel.id))
    return channel


def request_events(
    kind: EventType[JoinRequest], request: JoinRequest
) -> tuple[Event[JoinRequest], Event[JoinRequest]]:
    """A join request's event for the group's managers, and the same for the person asking
    (who does not see the group, so it goes to them by name)."""
    return (
        Event(
            kind,
            request,
            guild_id=request.guild_id,
            channel_id=request.channel_id,
            except_user_id=request.user_id,
        ),
        Event(kind, request, guild_id=request.guild_id, user_ids=frozenset({request.user_id})),
    )


def proposal_events(
    kind: EventType[GroupProposal], proposal: GroupProposal
) -> tuple[Event[GroupProposal], Event[GroupProposal]]:
    """For the community's admins, and for the proposer by name."""
    guild_id, user_id = proposal.guild_id, proposal.user_id
    return (
        Event(kind, proposal, guild_id=guild_id, except_user_id=user_id),
        Event(kind, proposal, guild_id=guild_id, user_ids=frozenset({user_id})),
    )


# -- membership, inside a transaction ----------------------------------------------------------


async def put_membership(
    tx: Transaction,
    channel: Channel,
    user_id: int,
    *,
    admin: bool | None,
    grantor_permissions: int | None = None,
) -> bool:
    """Make the person a member, an admin with `admin` (None: as they were), in one overwrite
    and one CHANNEL_UPDATE. `grantor_permissions`: what the person granting holds in the channel,
    which the overwrite may not exceed (Discord's rule for overwrites). False: no change."""
    own = await _own(tx.conn, channel.id, user_id)
    if admin is None:
        admin = own is not None and rules.is_admin_overwrite(own)
    wanted = rules.joined(own, user_id, admin=admin)
    if wanted == own:
        return False
    if grantor_permissions is not None:
        require_grantable(grantor_permissions, {user_id: own} if own else {}, [wanted])
    if not _is_member(own):
        counts = await group_store.member_counts(tx.conn, [channel.id])
        rules.require_room(counts.get(channel.id, 0))
    await channel_store.put_overwrite(tx.conn, channel.id, wanted)
    await emit_channel(tx, catalog.CHANNEL_UPDATE, channel.id)
    return True


async def drop_membership(tx: Transaction, channel: Channel, user_id: int) -> bool:
    """The person is no longer a member (what else their overwrite said stays). False: they
    were not one."""
    own = await _own(tx.conn, channel.id, user_id)
    if own is None or not rules.is_member_overwrite(own):
        return False
    rest = rules.left(own)
    if rest is None:
        await channel_store.delete_overwrite(tx.conn, channel.id, user_id)
    else:
        await channel_store.put_overwrite(tx.conn, channel.id, rest)
    await emit_channel(tx, catalog.CHANNEL_UPDATE, channel.id)
    return True


async def leave_community(tx: Transaction, guild_id: int, user_id: int) -> None:
    """Someone leaves the guild (or is removed): they leave its groups, as a person leaving a
    WhatsApp community leaves its groups, and their pending requests and proposals go. Called
    before the member row goes, so that each group's managers hear one CHANNEL_UPDATE."""
    groups = await group_store.group_channels(tx.conn, guild_id)
    owned = await group_store.own_overwrites(tx.conn, user_id, [g.id for g in groups])
    for group in groups:
        own = owned.get(group.id)
        if own is not None and rules.is_member_overwrite(own):
            await drop_membership(tx, group, user_id)
    for request in await group_store.pending_requests_of_user(tx.conn, user_id):
        if request.guild_id == guild_id and await group_store.delete_request(tx.conn, request.id):
            tx.emit(*request_events(catalog.GROUP_JOIN_REQUEST_DELETE, request))
    proposals = await group_store.proposals_of_guild(
        tx.conn, guild_id, RequestStatus.PENDING, user_id=user_id, limit=rules.MAX_PENDING_PROPOSALS
    )
    for proposal in proposals:
        if await group_store.delete_proposal(tx.conn, proposal.id):
            tx.emit(*proposal_events(catalog.GROUP_PROPOSAL_DELETE, proposal))


async def settle_request(
    tx: Transaction, s: Services, request: JoinRequest, status: RequestStatus, decided_by: int
) -> JoinRequest:
    """Record the decision on a pending request, tell the group's managers and the person
    asking, and push it to the latter."""
    now_ms = s.now_ms()
    if not await group_store.decide_request(tx.conn, request.id, status, decided_by, now_ms):
        raise already_decided()
    decided = replace(request, status=status, decided_by=decided_by, decided_at=from_millis(now_ms))
    tx.emit(*request_events(catalog.GROUP_JOIN_REQUEST_UPDATE, decided))
    await push.join_request_decided(tx, s, decided)
    return decided


def already_decided() -> errors.InvalidFormBody:
    return rules.form_error("GROUP_REQUEST_DECIDED", "This has been decided already.")


async def insert_group(
    tx: Transaction,
    s: Services,
    access: GuildAccess,
    draft: GroupDraft,
    admin_id: int,
) -> Channel:
    """A new group channel with its first admin: hidden from @everyone (and from guests),
    below the guild's channels, published as CHANNEL_CREATE."""
    guild = access.guild
    name = channel_rules.channel_name(draft.name, ChannelType.GUILD_TEXT)
    topic = channel_rules.topic(draft.topic, ChannelType.GUILD_TEXT)
    parent_id = None
    if draft.parent_id is not None:
        parent = await channel_store.get_channel(tx.conn, draft.parent_id)
        if (
            parent is None
            or parent.guild_id != guild.id
            or parent.type != ChannelType.GUILD_CATEGORY
        ):
            raise errors.InvalidFormBody.field(
                "parent_id", "Category does not exist", "CHANNEL_PARENT_INVALID"
            )
        require_manages(access, parent)
        parent_id = parent.id
    if await channel_store.count_channels(tx.conn, guild.id) >= channel_rules.MAX_GUILD_CHANNELS:
        raise errors.MaxChannels()
    rules.require_group_room(await group_store.count_groups(tx.conn, guild.id))
    given = [
        rules.hidden_from_everyone(guild.id, None),
        rules.member_overwrite(admin_id, admin=True),
    ]
    guest_role = guild.guest_role_id if guild.guest_role_id in access.roles else None
    channel = Channel(
        id=s.ids.next_id(),
        type=ChannelType.GUILD_TEXT,
        guild_id=guild.id,
        name=name,
        topic=topic,
        position=await group_store.next_position(tx.conn, guild.id),
        parent_id=parent_id,
        flags=rules.group_flags(draft.join_policy),
        permission_overwrites=overwrites_for_new_channel(guest_role, given),
    )
    await channel_store.insert_channel(tx.conn, channel)
    tx.emit(Event(catalog.CHANNEL_CREATE, channel, guild_id=guild.id, channel_id=channel.id))
    return channel


async def flag_as_group(
    tx: Transaction, guild_id: int, channel_id: int, policy: JoinPolicy, admin_id: int
) -> Channel:
    """An existing text channel becomes a group (a linked proposal): flagged, hidden from
    @everyone, `admin_id` its admin; one CHANNEL_UPDATE."""
    channel = await channel_store.get_channel(tx.conn, channel_id)
    if channel is None or channel.guild_id != guild_id:
        raise errors.UnknownChannel()
    if channel.type != ChannelType.GUILD_TEXT or rules.is_group(channel.flags):
        raise errors.CannotExecuteOnChannelType()
    rules.require_group_room(await group_store.count_groups(tx.conn, guild_id))
    flags = (channel.flags & ~int(GroupFlag.ARCHIVED)) | rules.group_flags(policy)
    await channel_store.update_channel(tx.conn, channel_id, {"flags": flags})
    before = {(o.type, o.id): o for o in channel.permission_overwrites}
    everyone = rules.hidden_from_everyone(guild_id, before.get((OverwriteType.ROLE, guild_id)))
    own = before.get((OverwriteType.MEMBER, admin_id))
    if not _is_member(own):
        rules.require_room(sum(1 for o in before.values() if rules.is_member_overwrite(o)))
    for overwrite in (everyone, rules.joined(own, admin_id, admin=True)):
        if before.get((overwrite.type, overwrite.id)) != overwrite:
            await channel_store.put_overwrite(tx.conn, channel_id, overwrite)
    return await emit_channel(tx, catalog.CHANNEL_UPDATE, channel_id)


# -- the use cases -----------------------------------------------------------------------------


async def list_groups(s: Services, actor: Actor, guild_id: int) -> list[GroupListing]:
    """The community's directory: every group, also those the actor is not in."""
    async with s.engine.connect() as conn:
        await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        require_full_account(actor.user)
        found = await group_store.group_channels(conn, guild_id)
        ids = [c.id for c in found]
        counts = await group_store.member_counts(conn, ids)
        own = await group_store.own_overwrites(conn, actor.id, ids)
        asked = await group_store.pending_request_channels(conn, actor.id, guild_id)
    listed = []
    for channel in found:
        mine = own.get(channel.id)
        listed.append(
            GroupListing(
                channel,
                member_count=counts.get(channel.id, 0),
                joined=_is_member(mine),
                admin=mine is not None and rules.is_admin_overwrite(mine),
                requested=channel.id in asked,
            )
        )
    return listed


async def create_group(s: Services, actor: Actor, guild_id: int, draft: GroupDraft) -> Channel:
    """A new group (MANAGE_CHANNELS); the actor is its first admin."""
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(rules.MANAGES_COMMUNITY)
        return await insert_group(tx, s, access, draft, actor.id)


async def join_group(s: Services, actor: Actor, channel_id: int) -> None:
    """Join an open group (again: no change); a closed one is asked to join instead."""
    async with s.write() as tx:
        group = await group_access(tx.conn, s, actor, channel_id)
        require_full_account(actor.user)
        if _is_member(await _own(tx.conn, channel_id, actor.id)):
            return
        if rules.join_policy(group.channel.flags) is JoinPolicy.REQUEST:
            raise rules.ClosedGroup()
        await put_membership(tx, group.channel, actor.id, admin=False)


async def leave_group(s: Services, actor: Actor, channel_id: int) -> None:
    async with s.write() as tx:
        access = await seen_group(tx.conn, s, actor, channel_id, archived=True)
        await drop_membership(tx, access.channel, actor.id)


async def list_group_members(
    s: Services, actor: Actor, channel_id: int, *, limit: int = 100, after: int = 0
) -> list[GroupMember]:
    """A page of the members, by user id, for anyone who sees the group."""
    async with s.engine.connect() as conn:
        await seen_group(conn, s, actor, channel_id, archived=True)
        return await group_store.group_members(conn, channel_id, limit=limit, after=after)


async def put_group_member(
    s: Services, actor: Actor, channel_id: int, user_id: int, *, admin: bool | None = None
) -> None:
    """Add a member of the community to the group, or change their admin flag. A request of
    theirs that was waiting is approved by it."""
    async with s.write() as tx:
        access = await managed_group(tx.conn, s, actor, channel_id)
        assert access.guild is not None
        if not await member_store.is_member(tx.conn, access.guild.guild.id, user_id):
            raise errors.UnknownMember()
        await put_membership(
            tx, access.channel, user_id, admin=admin, grantor_permissions=access.permissions
        )
        waiting = await group_store.pending_request(tx.conn, channel_id, user_id)
        if waiting is not None:
            await settle_request(tx, s, waiting, RequestStatus.APPROVED, actor.id)


async def remove_group_member(s: Services, actor: Actor, channel_id: int, user_id: int) -> None:
    """Remove someone from the group (not one: 204 for a member of the community, else 10007)."""
    async with s.write() as tx:
        access = await managed_group(tx.conn, s, actor, channel_id)
        assert access.guild is not None
        if await drop_membership(tx, access.channel, user_id):
            return
        if not await member_store.is_member(tx.conn, access.guild.guild.id, user_id):
            raise errors.UnknownMember()


async def remove_group(
    s: Services, actor: Actor, guild_id: int, channel_id: int, *, archive: bool
) -> Channel:
    """Take a group out of the community (MANAGE_CHANNELS). It stays a private channel of its
    members with its history; `archive` also makes it read-only. Waiting requests go."""
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(rules.MANAGES_COMMUNITY)
        channel = await channel_store.get_channel(tx.conn, channel_id)
        if channel is None or channel.guild_id != guild_id:
            raise errors.UnknownChannel()
        if not rules.is_group(channel.flags):
            raise errors.CannotExecuteOnChannelType()
        for request in await group_store.pending_requests_of_group(tx.conn, channel_id):
            await group_store.delete_request(tx.conn, request.id)
            tx.emit(*request_events(catalog.GROUP_JOIN_REQUEST_DELETE, request))
        flags = rules.without_group(channel.flags, archive=archive)
        await channel_store.update_channel(tx.conn, channel_id, {"flags": flags})
        if archive:
            everyone = next(
                (
                    o
                    for o in channel.permission_overwrites
                    if o.type is OverwriteType.ROLE and o.id == guild_id
                ),
                None,
            )
            read_only = rules.archived_for_everyone(guild_id, everyone)
            await channel_store.put_overwrite(tx.conn, channel_id, read_only)
        return await emit_channel(tx, catalog.CHANNEL_UPDATE, channel_id)
