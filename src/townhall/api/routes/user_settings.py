"""`/users/@me/settings`: who may DM me, under the names of Discord's user settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool

from townhall.actions import dm_privacy
from townhall.api.deps import Actor, ServicesDep, Snowflake
from townhall.api.responses import JSON
from townhall.domain.models import UNSET

router = APIRouter(tags=["users"])


class ModifySettingsBody(BaseModel):
    restricted_guilds: list[Snowflake] | None = Field(default=None, max_length=200)
    """Guilds whose members may not DM me (the others' members may)."""
    default_guilds_restricted: StrictBool | None = None
    """Whether a guild I join later goes on `restricted_guilds`."""


def render(settings: dm_privacy.PrivacySettings) -> dict[str, Any]:
    return {
        "restricted_guilds": [str(g) for g in settings.restricted_guilds],
        "default_guilds_restricted": settings.default_guilds_restricted,
    }


@router.get("/users/@me/settings", response_class=JSON)
async def get_settings(actor: Actor, s: ServicesDep) -> Any:
    return JSON(render(await dm_privacy.get_privacy_settings(s, actor)))


@router.patch("/users/@me/settings", response_class=JSON)
async def modify_settings(body: ModifySettingsBody, actor: Actor, s: ServicesDep) -> Any:
    settings = await dm_privacy.modify_privacy_settings(
        s,
        actor,
        restricted_guilds=body.restricted_guilds if body.restricted_guilds is not None else UNSET,
        default_guilds_restricted=body.default_guilds_restricted
        if body.default_guilds_restricted is not None
        else UNSET,
    )
    return JSON(render(settings))
