"""`/channels/{channel_id}/call`: ring the recipients of a DM's call, or stop ringing them."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import calls as call_actions
from townhall.api.deps import ChannelId, CurrentActor, ServicesDep, Snowflake
from townhall.api.responses import no_content

router = APIRouter(tags=["calls"])


class RecipientsBody(BaseModel):
    recipients: list[Snowflake] | None = Field(default=None, max_length=32)


@router.post("/channels/{channel_id}/call/ring", status_code=204)
async def ring(
    channel_id: ChannelId, actor: CurrentActor, s: ServicesDep, body: RecipientsBody | None = None
) -> Response:
    """From inside the call: ring these recipients (all who are not in it, without a list)."""
    recipients = body.recipients if body is not None else None
    await call_actions.ring(s, actor, channel_id, recipients)
    return no_content()


@router.post("/channels/{channel_id}/call/stop-ringing", status_code=204)
async def stop_ringing(
    channel_id: ChannelId, actor: CurrentActor, s: ServicesDep, body: RecipientsBody | None = None
) -> Response:
    """Decline (without a list), or stop ringing others."""
    recipients = body.recipients if body is not None else None
    await call_actions.stop_ringing(s, actor, channel_id, recipients)
    return no_content()
