"""Must-read announcements (docs/communities.md): acknowledging, a person's list, receipts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from townhall.actions import announcements as announcement_actions
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    ChannelId,
    CurrentActor,
    GuildId,
    MessageId,
    ServicesDep,
)
from townhall.api.responses import JSON, no_content
from townhall.domain.announcements import PENDING_DEFAULT, PENDING_MAX, PendingKind
from townhall.wire import payloads, schemas

router = APIRouter(tags=["announcements"])

MESSAGE = "/channels/{channel_id}/messages/{message_id:int}"


@router.put(MESSAGE + "/acknowledgement", status_code=204)
async def acknowledge_message(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Response:
    """townhall's: "Got it" on a must-read message; again changes nothing."""
    await announcement_actions.acknowledge_message(s, actor, channel_id, message_id)
    return no_content()


@router.get(
    "/guilds/{guild_id}/must-read", response_model=list[schemas.Message], response_class=JSON
)
async def list_must_read(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    """townhall's: the caller's unacknowledged must-read messages, newest first."""
    found = await announcement_actions.list_must_read(s, actor, guild_id)
    return JSON(payloads.message_list(found))


@router.get(MESSAGE + "/receipts", response_model=schemas.ReceiptCounts, response_class=JSON)
async def get_receipts(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Any:
    """townhall's: how many who see the channel read and acknowledged a must-read message
    (MANAGE_MESSAGES in the channel)."""
    counts = await announcement_actions.get_receipts(s, actor, channel_id, message_id)
    return JSON(payloads.receipt_counts(counts))


@router.get(MESSAGE + "/receipts/pending", response_model=list[schemas.User], response_class=JSON)
async def list_pending(
    channel_id: ChannelId,
    message_id: MessageId,
    actor: CurrentActor,
    s: ServicesDep,
    kind: Literal["unread", "unacknowledged"],
    after: Annotated[int, Query(ge=0, le=MAX_SNOWFLAKE)] = 0,
    limit: Annotated[int, Query(ge=1, le=PENDING_MAX)] = PENDING_DEFAULT,
) -> Any:
    """townhall's: who has not read (or not acknowledged) it yet, by user id after `after`."""
    users = await announcement_actions.list_pending(
        s, actor, channel_id, message_id, PendingKind(kind), after=after, limit=limit
    )
    return JSON([payloads.user(u) for u in users])
