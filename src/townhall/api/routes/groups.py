"""Groups of a community (docs/communities.md): the directory, groups, their members, join
requests and group proposals. townhall's own routes, named the way Discord names its routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import group_proposals as proposal_actions
from townhall.actions import group_requests as request_actions
from townhall.actions import groups as group_actions
from townhall.actions.group_proposals import ProposalDraft
from townhall.actions.groups import GroupDraft
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    ChannelId,
    CurrentActor,
    GuildId,
    ServicesDep,
    Snowflake,
    UserId,
)
from townhall.api.responses import JSON, no_content
from townhall.domain import channels as channel_rules
from townhall.domain import groups as rules
from townhall.domain.groups import JoinPolicy, RequestStatus
from townhall.wire import payloads, schemas

router = APIRouter(tags=["groups"])

RequestId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="join request id")]
ProposalId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="group proposal id")]
After = Annotated[int, Query(ge=0, le=MAX_SNOWFLAKE)]
Status = Annotated[int, Query(ge=0, le=2, description="0 pending, 1 approved, 2 declined")]
Policy = Literal[0, 1]
"""0: anyone in the community joins; 1: members ask, a group admin decides."""

GROUPS = "/guilds/{guild_id}/groups"
MEMBERS = "/channels/{channel_id}/group-members"
REQUESTS = "/channels/{channel_id}/join-requests"
PROPOSALS = "/guilds/{guild_id}/group-proposals"


# -- groups ------------------------------------------------------------------------------------


class CreateGroupBody(BaseModel):
    name: str = Field(max_length=channel_rules.NAME_MAX)
    topic: str | None = Field(default=None, max_length=channel_rules.TOPIC_MAX)
    group_join_policy: Policy = 0
    parent_id: Snowflake | None = None


class GroupMemberBody(BaseModel):
    admin: bool | None = None
    """Left out: a new member is not an admin, an existing one stays as they are."""


@router.get(GROUPS, response_model=list[schemas.GroupListing], response_class=JSON)
async def list_groups(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    found = await group_actions.list_groups(s, actor, guild_id)
    return JSON([payloads.group_listing(g) for g in found])


@router.post(GROUPS, status_code=201, response_model=schemas.Channel, response_class=JSON)
async def create_group(
    guild_id: GuildId, body: CreateGroupBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    draft = GroupDraft(body.name, body.topic, JoinPolicy(body.group_join_policy), body.parent_id)
    channel = await group_actions.create_group(s, actor, guild_id, draft)
    return JSON(payloads.channel(channel), status_code=201)


@router.delete(GROUPS + "/{channel_id}", response_model=schemas.Channel, response_class=JSON)
async def remove_group(
    guild_id: GuildId,
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    mode: Literal["keep", "archive"] = "keep",
) -> Any:
    """Out of the community: `keep` leaves a private channel of its members, `archive` also
    makes it read-only."""
    channel = await group_actions.remove_group(
        s, actor, guild_id, channel_id, archive=mode == "archive"
    )
    return JSON(payloads.channel(channel))


@router.put(MEMBERS + "/@me", status_code=204)
async def join_group(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Response:
    await group_actions.join_group(s, actor, channel_id)
    return no_content()


@router.delete(MEMBERS + "/@me", status_code=204)
async def leave_group(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Response:
    await group_actions.leave_group(s, actor, channel_id)
    return no_content()


@router.get(MEMBERS, response_model=list[schemas.GroupMember], response_class=JSON)
async def list_group_members(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=group_actions.MEMBERS_PAGE_MAX)] = 100,
    after: After = 0,
) -> Any:
    found = await group_actions.list_group_members(s, actor, channel_id, limit=limit, after=after)
    return JSON([payloads.group_member(m) for m in found])


@router.put(MEMBERS + "/{user_id:int}", status_code=204)
async def put_group_member(
    channel_id: ChannelId,
    user_id: UserId,
    actor: CurrentActor,
    s: ServicesDep,
    body: GroupMemberBody | None = None,
) -> Response:
    admin = body.admin if body is not None else None
    await group_actions.put_group_member(s, actor, channel_id, user_id, admin=admin)
    return no_content()


@router.delete(MEMBERS + "/{user_id:int}", status_code=204)
async def remove_group_member(
    channel_id: ChannelId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await group_actions.remove_group_member(s, actor, channel_id, user_id)
    return no_content()


# -- join requests -----------------------------------------------------------------------------


class JoinRequestBody(BaseModel):
    message: str | None = Field(default=None, max_length=rules.REQUEST_MESSAGE_MAX)


class DecisionBody(BaseModel):
    status: Literal[1, 2]
    """1 approve, 2 decline."""


@router.post(REQUESTS, status_code=201, response_model=schemas.JoinRequest, response_class=JSON)
async def ask_to_join(
    channel_id: ChannelId, actor: CurrentActor, s: ServicesDep, body: JoinRequestBody | None = None
) -> Any:
    message = body.message if body is not None else None
    request = await request_actions.ask_to_join(s, actor, channel_id, message)
    return JSON(payloads.join_request(request), status_code=201)


@router.get(REQUESTS, response_model=list[schemas.JoinRequest], response_class=JSON)
async def list_join_requests(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    status: Status = 0,
    limit: Annotated[int, Query(ge=1, le=request_actions.REQUESTS_PAGE_MAX)] = 100,
    after: After = 0,
) -> Any:
    found = await request_actions.list_requests(
        s, actor, channel_id, RequestStatus(status), limit=limit, after=after
    )
    return JSON([payloads.join_request(r) for r in found])


@router.get(
    "/users/@me/join-requests", response_model=list[schemas.JoinRequest], response_class=JSON
)
async def own_join_requests(actor: CurrentActor, s: ServicesDep) -> Any:
    found = await request_actions.own_requests(s, actor)
    return JSON([payloads.join_request(r) for r in found])


@router.delete(REQUESTS + "/@me", status_code=204)
async def withdraw_join_request(
    channel_id: ChannelId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await request_actions.withdraw_request(s, actor, channel_id)
    return no_content()


@router.patch(
    REQUESTS + "/{request_id:int}", response_model=schemas.JoinRequest, response_class=JSON
)
async def decide_join_request(
    channel_id: ChannelId,
    request_id: RequestId,
    body: DecisionBody,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    decided = await request_actions.decide_request(
        s, actor, channel_id, request_id, RequestStatus(body.status)
    )
    return JSON(payloads.join_request(decided))


# -- group proposals ---------------------------------------------------------------------------


class ProposalBody(BaseModel):
    name: str | None = Field(default=None, max_length=channel_rules.NAME_MAX)
    """The new group's name; left out with `channel_id` (the channel keeps its own)."""
    topic: str | None = Field(default=None, max_length=channel_rules.TOPIC_MAX)
    group_join_policy: Policy = 0
    channel_id: Snowflake | None = None
    """A text channel of the guild where the proposer has MANAGE_ROLES, to become the group."""


@router.post(PROPOSALS, status_code=201, response_model=schemas.GroupProposal, response_class=JSON)
async def propose_group(
    guild_id: GuildId, body: ProposalBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    draft = ProposalDraft(
        body.name, body.topic, JoinPolicy(body.group_join_policy), body.channel_id
    )
    proposal = await proposal_actions.propose_group(s, actor, guild_id, draft)
    return JSON(payloads.group_proposal(proposal), status_code=201)


@router.get(PROPOSALS, response_model=list[schemas.GroupProposal], response_class=JSON)
async def list_group_proposals(
    guild_id: GuildId,
    actor: CurrentActor,
    s: ServicesDep,
    status: Status = 0,
    limit: Annotated[int, Query(ge=1, le=proposal_actions.PROPOSALS_PAGE_MAX)] = 100,
    after: After = 0,
) -> Any:
    found = await proposal_actions.list_proposals(
        s, actor, guild_id, RequestStatus(status), limit=limit, after=after
    )
    return JSON([payloads.group_proposal(p) for p in found])


@router.patch(
    PROPOSALS + "/{proposal_id}", response_model=schemas.GroupProposal, response_class=JSON
)
async def decide_group_proposal(
    guild_id: GuildId,
    proposal_id: ProposalId,
    body: DecisionBody,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    decided = await proposal_actions.decide_proposal(
        s, actor, guild_id, proposal_id, RequestStatus(body.status)
    )
    return JSON(payloads.group_proposal(decided))


@router.delete(PROPOSALS + "/{proposal_id}", status_code=204)
async def withdraw_group_proposal(
    guild_id: GuildId, proposal_id: ProposalId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await proposal_actions.withdraw_proposal(s, actor, guild_id, proposal_id)
    return no_content()
