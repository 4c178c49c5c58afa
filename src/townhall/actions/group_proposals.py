"""Group proposals (docs/communities.md): a member proposes a group, the community decides.

A proposal names a new group, or links a text channel the member runs (MANAGE_ROLES there).
The community's admins (MANAGE_CHANNELS) see every proposal, others their own; approving makes
the group with the proposer as its admin (or flags the linked channel), through the same path
as `POST /guilds/{id}/groups` (actions/groups.py). Changes go to the admins and the proposer as
GROUP_PROPOSAL_*.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from townhall.actions.access import guild_access
from townhall.actions.groups import (
    GroupDraft,
    already_decided,
    flag_as_group,
    insert_group,
    proposal_events,
)
from townhall.actions.services import Services
from townhall.domain import channels as channel_rules
from townhall.domain import errors
from townhall.domain import groups as rules
from townhall.domain.actor import Actor
from townhall.domain.groups import GroupProposal, JoinPolicy, RequestStatus
from townhall.domain.guests import require_full_account
from townhall.domain.models import ChannelType
from townhall.domain.permissions import Permission, has
from townhall.events import catalog
from townhall.store import channels as channel_store
from townhall.store import groups as group_store
from townhall.store import members as member_store
from townhall.store.rows import from_millis, from_millis_required

PROPOSALS_PAGE_MAX = 1000


@dataclass(frozen=True, slots=True)
class ProposalDraft:
    """A new group (`name`, required then), or an existing channel (`channel_id`: its name)."""

    name: str | None = None
    topic: str | None = None
    join_policy: JoinPolicy = JoinPolicy.OPEN
    channel_id: int | None = None


async def propose_group(
    s: Services, actor: Actor, guild_id: int, draft: ProposalDraft
) -> GroupProposal:
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        require_full_account(actor.user)
        if not access.guild.community:
            raise rules.NotACommunity()
        text = ChannelType.GUILD_TEXT
        if draft.channel_id is not None:
            channel = await channel_store.get_channel(tx.conn, draft.channel_id)
            if channel is None or channel.guild_id != guild_id or channel.type is not text:
                raise errors.InvalidFormBody.field(
                    "channel_id", "Must be a text channel of this guild.", "CHANNEL_INVALID"
                )
            if rules.is_group(channel.flags):
                raise errors.InvalidFormBody.field(
                    "channel_id", "This channel is a group already.", "CHANNEL_INVALID"
                )
            permissions = access.in_channel(channel)
            if not has(permissions, Permission.VIEW_CHANNEL | rules.MANAGES_GROUP):
                raise errors.MissingPermissions()
            name = channel.name or ""
            topic = channel_rules.topic(draft.topic, text) if draft.topic else channel.topic
        else:
            if draft.name is None:
                raise errors.InvalidFormBody.field(
                    "name", "This field is required", "BASE_TYPE_REQUIRED"
                )
            name = channel_rules.channel_name(draft.name, text)
            topic = channel_rules.topic(draft.topic, text)
        pending = await group_store.count_pending_proposals(tx.conn, guild_id, actor.id)
        if pending >= rules.MAX_PENDING_PROPOSALS:
            raise rules.MaxPendingProposals()
        proposal = GroupProposal(
            id=s.ids.next_id(),
            guild_id=guild_id,
            user_id=actor.id,
            name=name,
            created_at=from_millis_required(s.now_ms()),
            topic=topic,
            join_policy=draft.join_policy,
            channel_id=draft.channel_id,
            user=actor.user,
        )
        await group_store.insert_proposal(tx.conn, proposal)
        tx.emit(*proposal_events(catalog.GROUP_PROPOSAL_CREATE, proposal))
    return proposal


async def list_proposals(
    s: Services,
    actor: Actor,
    guild_id: int,
    status: RequestStatus = RequestStatus.PENDING,
    *,
    limit: int = PROPOSALS_PAGE_MAX,
    after: int = 0,
) -> list[GroupProposal]:
    """Oldest first: all of them for the community's admins, one's own for anyone else."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        everyone = has(access.permissions, rules.MANAGES_COMMUNITY)
        return await group_store.proposals_of_guild(
            conn,
            guild_id,
            status,
            user_id=None if everyone else actor.id,
            limit=limit,
            after=after,
        )


async def decide_proposal(
    s: Services, actor: Actor, guild_id: int, proposal_id: int, status: RequestStatus
) -> GroupProposal:
    """Approve (the group is made, or the channel flagged; the proposer is its admin) or
    decline a pending proposal."""
    if status is RequestStatus.PENDING:
        raise errors.InvalidFormBody.field("status", "Must be 1 or 2.", "BASE_TYPE_CHOICES")
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(rules.MANAGES_COMMUNITY)
        proposal = await group_store.get_proposal(tx.conn, guild_id, proposal_id)
        if proposal is None:
            raise rules.UnknownGroupProposal()
        if proposal.status is not RequestStatus.PENDING:
            raise already_decided()
        channel_id = proposal.channel_id
        if status is RequestStatus.APPROVED:
            if not await member_store.is_member(tx.conn, guild_id, proposal.user_id):
                raise errors.UnknownMember()
            if channel_id is None:
                draft = GroupDraft(proposal.name, proposal.topic, proposal.join_policy)
                channel_id = (await insert_group(tx, s, access, draft, proposal.user_id)).id
            else:
                await flag_as_group(
                    tx, guild_id, channel_id, proposal.join_policy, proposal.user_id
                )
        now_ms = s.now_ms()
        if not await group_store.decide_proposal(
            tx.conn, proposal.id, status, actor.id, now_ms, channel_id
        ):
            raise already_decided()
        decided = replace(
            proposal,
            status=status,
            decided_by=actor.id,
            decided_at=from_millis(now_ms),
            channel_id=channel_id,
        )
        tx.emit(*proposal_events(catalog.GROUP_PROPOSAL_UPDATE, decided))
    return decided


async def withdraw_proposal(s: Services, actor: Actor, guild_id: int, proposal_id: int) -> None:
    """The proposer takes a pending proposal back."""
    async with s.write() as tx:
        await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        proposal = await group_store.get_proposal(tx.conn, guild_id, proposal_id)
        if proposal is None:
            raise rules.UnknownGroupProposal()
        if proposal.user_id != actor.id:
            raise errors.MissingPermissions()
        if proposal.status is not RequestStatus.PENDING:
            raise already_decided()
        await group_store.delete_proposal(tx.conn, proposal.id)
        tx.emit(*proposal_events(catalog.GROUP_PROPOSAL_DELETE, proposal))
