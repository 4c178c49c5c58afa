"""`/guilds/{guild_id}/voice-states`: who is connected where, as Discord answers it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from townhall.actions import voice as voice_actions
from townhall.api.deps import CurrentActor, GuildId, ServicesDep, UserId
from townhall.api.responses import JSON
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
