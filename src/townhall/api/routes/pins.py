"""Pins: the current routes under `/channels/{id}/messages/pins` and the deprecated
`/channels/{id}/pins` ones, which older clients still call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from townhall.actions import pins as pin_actions
from townhall.api.deps import ChannelId, CurrentActor, MessageId, ServicesDep
from townhall.api.responses import JSON, no_content
from townhall.wire import payloads, schemas

router = APIRouter(tags=["pins"])

LEGACY_PAGE = 50


@router.get(
    "/channels/{channel_id}/messages/pins", response_model=schemas.PinsPage, response_class=JSON
)
async def list_pins(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 50,
) -> Any:
    if before is not None and before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    found, has_more = await pin_actions.list_pins(s, actor, channel_id, before=before, limit=limit)
    items = [
        {"pinned_at": payloads.timestamp(m.pinned_at), "message": payloads.message(m)}
        for m in found
    ]
    return JSON({"items": items, "has_more": has_more})


@router.put("/channels/{channel_id}/messages/pins/{message_id:int}", status_code=204)
async def pin_message(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await pin_actions.pin_message(s, actor, channel_id, message_id)
    return no_content()


@router.delete("/channels/{channel_id}/messages/pins/{message_id:int}", status_code=204)
async def unpin_message(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await pin_actions.unpin_message(s, actor, channel_id, message_id)
    return no_content()


@router.get(
    "/channels/{channel_id}/pins", response_model=list[schemas.Message], response_class=JSON
)
async def list_pinned_messages(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Any:
    """Deprecated: the first 50 pins as plain messages."""
    found, _has_more = await pin_actions.list_pins(s, actor, channel_id, limit=LEGACY_PAGE)
    return JSON(payloads.message_list(found))


@router.put("/channels/{channel_id}/pins/{message_id:int}", status_code=204)
async def pin_message_legacy(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await pin_actions.pin_message(s, actor, channel_id, message_id)
    return no_content()


@router.delete("/channels/{channel_id}/pins/{message_id:int}", status_code=204)
async def unpin_message_legacy(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await pin_actions.unpin_message(s, actor, channel_id, message_id)
    return no_content()
