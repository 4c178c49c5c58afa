"""`/applications` (bot applications and their tokens) and `/oauth2` (adding a bot to a guild)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from townhall.actions import applications as application_actions
from townhall.actions import bot_authorization
from townhall.api.deps import MAX_SNOWFLAKE, ApplicationId, CurrentActor, ServicesDep, Snowflake
from townhall.api.responses import JSON
from townhall.domain.applications import bot_flow_scopes
from townhall.domain.models import UNSET
from townhall.wire import payloads, schemas

router = APIRouter(tags=["applications"])

ClientId = Query(ge=0, le=MAX_SNOWFLAKE, description="the application id")
Scope = Query(max_length=200, description="space-separated OAuth2 scopes; must include `bot`")
PermissionsQuery = Query(default=None, max_length=20, description="permission bitfield")


class CreateApplicationBody(BaseModel):
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=400)


class ModifyCurrentApplicationBody(BaseModel):
    description: str | None = Field(default=None, max_length=400)
    flags: int | None = Field(default=None, ge=0, le=2**31 - 1)
    interactions_endpoint_url: str | None = Field(default=None, max_length=2048)
    """Interactions are POSTed there, signed, instead of sent over the gateway; null or ""
    removes it (docs/interactions.md)."""


class ModifyApplicationBody(ModifyCurrentApplicationBody):
    name: str | None = Field(default=None, max_length=100)
    bot_public: bool | None = None


class AuthorizeBody(BaseModel):
    guild_id: Snowflake
    permissions: str | int | None = None
    authorize: bool


def render(view: application_actions.ApplicationView) -> dict[str, Any]:
    return payloads.application(view.application, view.owner, view.bot)


def _patch(body: ModifyCurrentApplicationBody) -> application_actions.ApplicationPatch:
    clearable = {"interactions_endpoint_url"}
    given = {
        k: v
        for k, v in body.model_dump().items()
        if k in body.model_fields_set and (v is not None or k in clearable)
    }
    return application_actions.ApplicationPatch(**{k: given.get(k, UNSET) for k in given})


@router.post(
    "/applications", status_code=201, response_model=schemas.Application, response_class=JSON
)
async def create_application(
    body: CreateApplicationBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    """Townhall's own route (Discord uses its developer portal); people only, not bots."""
    view = await application_actions.create_application(s, actor, body.name, body.description)
    return JSON(render(view), status_code=201)


@router.get("/applications", response_model=list[schemas.Application], response_class=JSON)
async def list_applications(actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON([render(v) for v in await application_actions.list_applications(s, actor)])


@router.get("/applications/@me", response_model=schemas.Application, response_class=JSON)
async def get_current_application(actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(render(await application_actions.get_current_application(s, actor)))


@router.patch("/applications/@me", response_model=schemas.Application, response_class=JSON)
async def modify_current_application(
    body: ModifyCurrentApplicationBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    view = await application_actions.modify_current_application(s, actor, _patch(body))
    return JSON(render(view))


@router.get("/oauth2/applications/@me", response_model=schemas.Application, response_class=JSON)
async def get_current_bot_application(actor: CurrentActor, s: ServicesDep) -> Any:
    """What discord.py asks right after login (`Client.application_info`)."""
    return JSON(render(await application_actions.get_current_application(s, actor)))


@router.get(
    "/applications/{application_id}", response_model=schemas.Application, response_class=JSON
)
async def get_application(
    application_id: ApplicationId, actor: CurrentActor, s: ServicesDep
) -> Any:
    return JSON(render(await application_actions.get_application(s, actor, application_id)))


@router.patch(
    "/applications/{application_id}", response_model=schemas.Application, response_class=JSON
)
async def modify_application(
    application_id: ApplicationId, body: ModifyApplicationBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    view = await application_actions.modify_application(s, actor, application_id, _patch(body))
    return JSON(render(view))


@router.post(
    "/applications/{application_id}/bot/reset", response_model=schemas.BotToken, response_class=JSON
)
async def reset_bot_token(
    application_id: ApplicationId, actor: CurrentActor, s: ServicesDep
) -> Any:
    return JSON({"token": await application_actions.reset_bot_token(s, actor, application_id)})


@router.get("/oauth2/authorize", response_model=schemas.Authorization, response_class=JSON)
async def get_authorization(
    actor: CurrentActor,
    s: ServicesDep,
    client_id: int = ClientId,
    scope: str = Scope,
    permissions: str | None = PermissionsQuery,
) -> Any:
    """The consent screen's data: the application, its bot, and the guilds it may join."""
    scopes = bot_flow_scopes(scope)
    requested = bot_authorization.requested_permissions(permissions)
    info = await bot_authorization.authorization_info(s, actor, client_id)
    application = info.application
    return JSON(
        {
            "application": payloads.application(application.application, application.owner),
            "bot": payloads.user(application.bot),
            "user": payloads.user(actor.user),
            "scopes": sorted(scopes),
            "permissions": str(requested),
            "guilds": [
                {
                    "id": str(guild.id),
                    "name": guild.name,
                    "icon": guild.icon,
                    "owner": guild.owner_id == actor.id,
                    "permissions": str(guild_permissions),
                }
                for guild, guild_permissions in info.guilds
            ],
            "authorized": False,
            "redirect_uri": None,
        }
    )


@router.post("/oauth2/authorize", response_model=schemas.Location, response_class=JSON)
async def authorize(
    body: AuthorizeBody,
    actor: CurrentActor,
    s: ServicesDep,
    client_id: int = ClientId,
    scope: str = Scope,
    permissions: str | None = PermissionsQuery,
) -> Any:
    """Add the bot to `guild_id`; the body's `permissions` win over the URL's, as the consent
    screen lets the person untick some. Answers where the browser goes next, as Discord does."""
    bot_flow_scopes(scope)
    requested = bot_authorization.requested_permissions(
        body.permissions if body.permissions is not None else permissions
    )
    location = f"{s.settings.base_url}/oauth2/authorized"
    if not body.authorize:
        return JSON({"location": f"{location}?error=access_denied"})
    await bot_authorization.add_bot_to_guild(s, actor, client_id, body.guild_id, requested)
    return JSON({"location": location})
