"""`/channels/{channel_id}/messages/{message_id}/reactions`.

Clients percent-encode the emoji (`%E2%9C%85`); the server decodes the path before routing, so
`{emoji}` arrives as the emoji itself and domain.reactions checks it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from townhall.actions import reactions as reaction_actions
from townhall.api.deps import MAX_SNOWFLAKE, ChannelId, CurrentActor, MessageId, ServicesDep, UserId
from townhall.api.responses import JSON, no_content
from townhall.wire import payloads, schemas

router = APIRouter(tags=["reactions"])

REACTIONS = "/channels/{channel_id}/messages/{message_id:int}/reactions"
REACTION = REACTIONS + "/{emoji}"


@router.put(REACTION + "/@me", status_code=204)
async def add_reaction(
    channel_id: ChannelId, message_id: MessageId, emoji: str, actor: CurrentActor, s: ServicesDep
) -> Response:
    await reaction_actions.add_reaction(s, actor, channel_id, message_id, emoji)
    return no_content()


@router.delete(REACTION + "/@me", status_code=204)
async def remove_own_reaction(
    channel_id: ChannelId, message_id: MessageId, emoji: str, actor: CurrentActor, s: ServicesDep
) -> Response:
    await reaction_actions.remove_reaction(s, actor, channel_id, message_id, emoji, actor.id)
    return no_content()


@router.delete(REACTION + "/{user_id:int}", status_code=204)
async def remove_user_reaction(
    channel_id: ChannelId,
    message_id: MessageId,
    emoji: str,
    user_id: UserId,
    actor: CurrentActor,
    s: ServicesDep,
) -> Response:
    await reaction_actions.remove_reaction(s, actor, channel_id, message_id, emoji, user_id)
    return no_content()


@router.get(REACTION, response_model=list[schemas.User], response_class=JSON)
async def list_reactors(
    channel_id: ChannelId,
    message_id: MessageId,
    emoji: str,
    actor: CurrentActor,
    s: ServicesDep,
    after: Annotated[int, Query(ge=0, le=MAX_SNOWFLAKE)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    type: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Any:
    found = await reaction_actions.list_reactors(
        s, actor, channel_id, message_id, emoji, after=after, limit=limit, burst=type == 1
    )
    return JSON([payloads.user(u) for u in found])


@router.delete(REACTIONS, status_code=204)
async def clear_reactions(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await reaction_actions.clear_reactions(s, actor, channel_id, message_id)
    return no_content()


@router.delete(REACTION, status_code=204)
async def clear_emoji_reactions(
    channel_id: ChannelId, message_id: MessageId, emoji: str, actor: CurrentActor, s: ServicesDep
) -> Response:
    await reaction_actions.clear_reactions(s, actor, channel_id, message_id, emoji)
    return no_content()
