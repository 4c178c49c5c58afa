"""`/users`: the signed-in user, other users, and the user's guild list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictBool, StrictInt
from starlette.responses import Response

from townhall.actions import accounts
from townhall.actions import guilds as guild_actions
from townhall.actions import user_settings as settings_actions
from townhall.actions.user_settings import SettingsPatch
from townhall.api.deps import CurrentActor, GuildId, ServicesDep, Snowflake, UserId
from townhall.api.responses import JSON, no_content
from townhall.domain.models import UNSET
from townhall.wire import payloads, schemas

router = APIRouter(tags=["users"])


class ModifyCurrentUserBody(BaseModel):
    username: str | None = Field(default=None, max_length=32)
    global_name: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, max_length=256)
    new_password: str | None = Field(default=None, max_length=256)
    avatar: str | None = None


@router.get("/users/@me", response_model=schemas.User, response_class=JSON)
async def get_current_user(actor: CurrentActor) -> Any:
    return JSON(payloads.user(actor.user, private=True))


@router.patch("/users/@me", response_model=schemas.CurrentUser, response_class=JSON)
async def modify_current_user(
    body: ModifyCurrentUserBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    given = body.model_fields_set

    def pick(name: str) -> Any:
        return getattr(body, name) if name in given else UNSET

    username = pick("username")
    patch = accounts.ProfilePatch(
        username=username if username is not None else UNSET,
        global_name=pick("global_name"),
        email=pick("email"),
        password=pick("password") or UNSET,
        new_password=pick("new_password") or UNSET,
    )
    user, token = await accounts.modify_current_user(s, actor, patch)
    body_out = payloads.user(user, private=True)
    if token is not None:
        body_out["token"] = token
    return JSON(body_out)


@router.get("/users/@me/guilds", response_model=list[schemas.PartialGuild], response_class=JSON)
async def list_current_user_guilds(
    actor: CurrentActor,
    s: ServicesDep,
    before: int | None = Query(default=None, ge=0, le=2**63 - 1),
    after: int | None = Query(default=None, ge=0, le=2**63 - 1),
    limit: int = Query(default=200, ge=1, le=200),
    with_counts: bool = False,
) -> Any:
    found = await guild_actions.list_current_user_guilds(
        s, actor, before=before, after=after, limit=limit, with_counts=with_counts
    )
    return JSON(
        [
            payloads.partial_guild(g, permissions, owner=g.owner_id == actor.id, count=count)
            for g, permissions, count in found
        ]
    )


@router.delete("/users/@me/guilds/{guild_id}", status_code=204)
async def leave_guild(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Response:
    await guild_actions.leave_guild(s, actor, guild_id)
    return no_content()


class MuteConfigBody(BaseModel):
    end_time: str | None = None
    selected_time_window: int | None = None


class ChannelOverrideBody(BaseModel):
    muted: StrictBool | None = None
    mute_config: MuteConfigBody | None = None
    message_notifications: int | None = Field(default=None, ge=0, le=3)
    collapsed: StrictBool | None = None


class GuildSettingsBody(BaseModel):
    """Discord's client fields; `message_notifications`: 0 all, 1 only @mentions, 2 nothing,
    3 as the guild says. Channel overrides are keyed by channel id."""

    muted: StrictBool | None = None
    mute_config: MuteConfigBody | None = None
    message_notifications: int | None = Field(default=None, ge=0, le=3)
    suppress_everyone: StrictBool | None = None
    suppress_roles: StrictBool | None = None
    mobile_push: StrictBool | None = None
    hide_muted_channels: StrictBool | None = None
    channel_overrides: dict[str, ChannelOverrideBody] | None = Field(default=None, max_length=500)


class UserSettingsBody(BaseModel):
    locale: str | None = Field(default=None, max_length=16)
    theme: str | None = Field(default=None, max_length=16)
    restricted_guilds: list[Snowflake] | None = Field(default=None, max_length=200)
    """Guilds whose members may not DM me (the others' members may)."""
    default_guilds_restricted: StrictBool | None = None
    """Whether a guild I join later goes on `restricted_guilds`."""
    notification_message_text: StrictInt | None = None
    """Message text in push notifications: 0 except in confidential communities, 1 always,
    2 never."""


@router.patch(
    "/users/@me/guilds/{guild_id}/settings",
    response_model=schemas.UserGuildSettings,
    response_class=JSON,
)
async def modify_guild_settings(
    guild_id: GuildId, body: GuildSettingsBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    """One's notification settings for a guild and its channels (a partial update)."""
    patch = body.model_dump(exclude_unset=True)
    found = await settings_actions.modify_guild_settings(s, actor, guild_id, patch)
    return JSON(payloads.user_guild_settings(found))


@router.get("/users/@me/settings", response_model=schemas.UserSettings, response_class=JSON)
async def get_user_settings(actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(payloads.user_settings(await settings_actions.get_user_settings(s, actor)))


@router.patch("/users/@me/settings", response_model=schemas.UserSettings, response_class=JSON)
async def modify_user_settings(body: UserSettingsBody, actor: CurrentActor, s: ServicesDep) -> Any:
    """The settings that follow the person everywhere: language, theme, who may DM them."""
    given = body.model_dump(exclude_none=True)
    found = await settings_actions.modify_user_settings(s, actor, SettingsPatch(**given))
    return JSON(payloads.user_settings(found))


@router.get("/users/{user_id}", response_model=schemas.User, response_class=JSON)
async def get_user(user_id: UserId, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(payloads.user(await accounts.get_user(s, actor, user_id)))
