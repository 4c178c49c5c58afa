"""`/guilds/{guild_id}`: the guild itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import guilds as guild_actions
from townhall.api.deps import CurrentActor, GuildId, ServicesDep, Snowflake
from townhall.api.responses import JSON, no_content
from townhall.domain.event_data import GuildView
from townhall.domain.groups import COMMUNITY
from townhall.domain.models import UNSET
from townhall.wire import payloads, schemas

router = APIRouter(tags=["guilds"])


class CreateGuildBody(BaseModel):
    name: str = Field(max_length=100)


class ModifyGuildBody(BaseModel):
    name: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=300)
    system_channel_id: Snowflake | None = None
    afk_channel_id: Snowflake | None = None
    afk_timeout: int | None = Field(default=None, ge=60, le=3600)
    verification_level: int | None = Field(default=None, ge=0, le=4)
    default_message_notifications: int | None = Field(default=None, ge=0, le=1)
    explicit_content_filter: int | None = Field(default=None, ge=0, le=2)
    preferred_locale: str | None = Field(default=None, max_length=10)
    owner_id: Snowflake | None = None
    max_file_size: int | None = Field(default=None, ge=1)
    """townhall's: the largest file members may share, in bytes, up to the server's limit;
    null goes back to the server's."""
    guests_enabled: bool | None = None
    """townhall's: allow guest links (docs/guests.md); enabling makes the Guest role."""
    guest_inactivity_days: int | None = Field(default=None, ge=1, le=365)
    """townhall's: a guest idle this many days is erased with what they wrote."""
    rules: str | None = Field(default=None, max_length=2000)
    """townhall's: the community's rules, which guests accept before joining; null removes them."""
    features: list[str] | None = Field(default=None, max_length=50)
    """Discord's: with "COMMUNITY" the guild becomes a community of groups, without it it stops
    being one (docs/communities.md); features townhall does not have are left as they are."""
    announcements_channel_id: Snowflake | None = None
    """townhall's: the community's announcement channel (an announcement channel of the guild)."""


def render(view: GuildView) -> dict[str, Any]:
    return payloads.guild(view.guild, view.roles, member_count=view.member_count)


@router.post("/guilds", status_code=201, response_model=schemas.Guild, response_class=JSON)
async def create_guild(body: CreateGuildBody, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(render(await guild_actions.create_guild(s, actor, body.name)), status_code=201)


@router.get("/guilds/{guild_id}", response_model=schemas.Guild, response_class=JSON)
async def get_guild(
    guild_id: GuildId, actor: CurrentActor, s: ServicesDep, with_counts: bool = False
) -> Any:
    return JSON(render(await guild_actions.get_guild(s, actor, guild_id, with_counts=with_counts)))


@router.patch("/guilds/{guild_id}", response_model=schemas.Guild, response_class=JSON)
async def modify_guild(
    guild_id: GuildId, body: ModifyGuildBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    given = body.model_fields_set
    nullable = {"description", "system_channel_id", "afk_channel_id", "max_file_size", "rules"}
    fields = {
        name: getattr(body, name)
        for name in given
        if getattr(body, name) is not None or name in nullable
    }
    if "features" in fields:
        fields["community"] = COMMUNITY in fields.pop("features")
    patch = guild_actions.GuildPatch(**{k: fields.get(k, UNSET) for k in fields})
    return JSON(render(await guild_actions.modify_guild(s, actor, guild_id, patch)))


@router.delete("/guilds/{guild_id}", status_code=204)
async def delete_guild(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Response:
    await guild_actions.delete_guild(s, actor, guild_id)
    return no_content()
