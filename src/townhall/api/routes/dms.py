"""`/users/@me/channels` (DMs and group DMs) and `/channels/{id}/recipients/{user_id}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import private_channels as private_actions
from townhall.api.deps import ChannelId, CurrentActor, ServicesDep, Snowflake, UserId
from townhall.api.responses import JSON, no_content
from townhall.api.routes.channels import render
from townhall.domain import errors
from townhall.domain.private_channels import MAX_GROUP_DM_RECIPIENTS
from townhall.wire import schemas

router = APIRouter(tags=["dms"])


class CreatePrivateChannelBody(BaseModel):
    """`recipient_id` opens a DM; `recipients` (user ids) or `access_tokens` make a group DM."""

    recipient_id: Snowflake | None = None
    recipients: list[Snowflake] | None = Field(default=None, max_length=100)
    access_tokens: list[str] | None = Field(default=None, max_length=MAX_GROUP_DM_RECIPIENTS)
    nicks: dict[str, str] | None = None


class AddRecipientBody(BaseModel):
    """Discord's fields for bots with the `gdm.join` scope; townhall needs neither."""

    access_token: str | None = None
    nick: str | None = None


@router.get("/users/@me/channels", response_model=list[schemas.Channel], response_class=JSON)
async def list_private_channels(actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON([render(v) for v in await private_actions.list_private_channels(s, actor)])


@router.post("/users/@me/channels", response_model=schemas.Channel, response_class=JSON)
async def create_private_channel(
    body: CreatePrivateChannelBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    if body.recipient_id is not None:
        view = await private_actions.open_dm(s, actor, body.recipient_id)
    elif body.recipients is not None or body.access_tokens is not None:
        view = await private_actions.create_group_dm(
            s, actor, body.recipients or [], body.access_tokens or []
        )
    else:
        raise errors.InvalidFormBody.field(
            "recipient_id", "This field is required", "BASE_TYPE_REQUIRED"
        )
    return JSON(render(view))


@router.put("/channels/{channel_id}/recipients/{user_id}", status_code=204)
async def add_group_recipient(
    channel_id: ChannelId,
    user_id: UserId,
    actor: CurrentActor,
    s: ServicesDep,
    body: AddRecipientBody | None = None,
) -> Response:
    await private_actions.add_group_recipient(s, actor, channel_id, user_id)
    return no_content()


@router.delete("/channels/{channel_id}/recipients/{user_id}", status_code=204)
async def remove_group_recipient(
    channel_id: ChannelId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await private_actions.remove_group_recipient(s, actor, channel_id, user_id)
    return no_content()
