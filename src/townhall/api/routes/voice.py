"""`/guilds/{guild_id}/voice-states`: who is connected where, as Discord answers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from townhall.actions import voice as voice_actions
from townhall.actions import voice_moderation
from townhall.api.deps import CurrentActor, GuildId, ServicesDep, Snowflake, UserId
from townhall.api.responses import JSON, no_content
from townhall.wire import payloads, schemas

router = APIRouter(tags=["voice"])


@router.get(
    "/guilds/{guild_id}/voice-states/@me",
    response_model=schemas.VoiceState,
    response_class=JSON,
)
async def get_current_user_voice_state(
    guild_id: GuildId, actor: CurrentActor, s: ServicesDep
) -> Any:
    state, member = await voice_actions.get_voice_state(s, actor, guild_id, actor.id)
    return JSON(payloads.voice_state(state, member))


@router.get(
    "/guilds/{guild_id}/voice-states/{user_id}",
    response_model=schemas.VoiceState,
    response_class=JSON,
)
async def get_user_voice_state(
    guild_id: GuildId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Any:
    state, member = await voice_actions.get_voice_state(s, actor, guild_id, user_id)
    return JSON(payloads.voice_state(state, member))


class CurrentVoiceStateBody(BaseModel):
    channel_id: Snowflake
    suppress: bool | None = None
    request_to_speak_timestamp: datetime | None = None


class VoiceStateBody(BaseModel):
    channel_id: Snowflake
    suppress: bool | None = None


@router.patch("/guilds/{guild_id}/voice-states/@me", status_code=204)
async def modify_current_user_voice_state(
    guild_id: GuildId, body: CurrentVoiceStateBody, actor: CurrentActor, s: ServicesDep
) -> Response:
    """On a stage: step down (`suppress: true`), raise or lower a hand, or (a moderator) speak."""
    hand = None
    if "request_to_speak_timestamp" in body.model_fields_set:
        hand = body.request_to_speak_timestamp is not None
    patch = voice_moderation.StagePatch(body.channel_id, body.suppress, hand)
    await voice_moderation.update_stage_voice_state(s, actor, guild_id, actor.id, patch)
    return no_content()


@router.patch("/guilds/{guild_id}/voice-states/{user_id}", status_code=204)
async def modify_user_voice_state(
    guild_id: GuildId, user_id: UserId, body: VoiceStateBody, actor: CurrentActor, s: ServicesDep
) -> Response:
    """On a stage, a moderator (MUTE_MEMBERS) invites someone up or moves them back."""
    patch = voice_moderation.StagePatch(body.channel_id, body.suppress)
    await voice_moderation.update_stage_voice_state(s, actor, guild_id, user_id, patch)
    return no_content()
