"""`/stage-instances`: a stage channel's live session, as Discord has it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import stage_instances as stage_actions
from townhall.api.deps import ChannelId, CurrentActor, ServicesDep, Snowflake
from townhall.api.responses import JSON, no_content
from townhall.wire import payloads, schemas

router = APIRouter(tags=["stage instances"])


class CreateStageBody(BaseModel):
    channel_id: Snowflake
    topic: str = Field(max_length=stage_actions.TOPIC_MAX)
    privacy_level: int = Field(default=2, ge=1, le=2)
    send_start_notification: bool = False


class ModifyStageBody(BaseModel):
    topic: str | None = Field(default=None, max_length=stage_actions.TOPIC_MAX)
    privacy_level: int | None = Field(default=None, ge=1, le=2)


@router.post("/stage-instances", response_model=schemas.StageInstance, response_class=JSON)
async def create_stage_instance(body: CreateStageBody, actor: CurrentActor, s: ServicesDep) -> Any:
    stage = await stage_actions.create_stage_instance(s, actor, body.channel_id, body.topic)
    return JSON(payloads.stage_instance(stage))


@router.get(
    "/stage-instances/{channel_id}", response_model=schemas.StageInstance, response_class=JSON
)
async def get_stage_instance(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(
        payloads.stage_instance(await stage_actions.get_stage_instance(s, actor, channel_id))
    )


@router.patch(
    "/stage-instances/{channel_id}", response_model=schemas.StageInstance, response_class=JSON
)
async def modify_stage_instance(
    channel_id: ChannelId, body: ModifyStageBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    stage = await stage_actions.modify_stage_instance(s, actor, channel_id, body.topic)
    return JSON(payloads.stage_instance(stage))


@router.delete("/stage-instances/{channel_id}", status_code=204)
async def delete_stage_instance(
    channel_id: ChannelId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await stage_actions.delete_stage_instance(s, actor, channel_id)
    return no_content()
