"""Application commands (Discord's routes under `/applications/{id}/commands` and
`/applications/{id}/guilds/{guild_id}/commands`), their permissions, and the index of the
commands a person may use in a guild (docs/interactions.md).

Also `GET /soundboard-default-sounds`, which py-cord 2.8 asks before dispatching `on_ready`
and never becomes ready on a 404: townhall has no sounds, and answers an empty list.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from townhall.actions import commands as command_actions
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    ApplicationId,
    ChannelId,
    CurrentActor,
    GuildId,
    ServicesDep,
)
from townhall.api.message_bodies import inline_schema
from townhall.api.responses import JSON, no_content
from townhall.domain import errors
from townhall.wire import interactions as wire
from townhall.wire import schemas

router = APIRouter(tags=["application commands"])

CommandId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="command id")]
GLOBAL = "/applications/{application_id}/commands"
GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"
ONE = "/{command_id:int}"
WithLocalizations = Annotated[bool, Query(description="include the localization dictionaries")]
QueryChannel = Annotated[int | None, Query(ge=0, le=MAX_SNOWFLAKE)]


class InvalidJson(errors.TownhallError):
    code, message = 50109, "The request body contains invalid JSON."


async def json_body(request: Request) -> object:
    """The body as JSON, checked by the domain rather than by a model (Discord's error paths
    go deep into options and components)."""
    try:
        return orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        raise InvalidJson() from None


class CommandBody(BaseModel):
    """For the document: what a command may hold (checked in domain/commands.py)."""

    name: str
    type: int | None = None
    description: str | None = None
    options: list[dict[str, Any]] | None = None
    name_localizations: dict[str, str] | None = None
    description_localizations: dict[str, str] | None = None
    default_member_permissions: str | None = None
    dm_permission: bool | None = None
    contexts: list[int] | None = None
    integration_types: list[int] | None = None
    nsfw: bool | None = None


class PermissionsBody(BaseModel):
    permissions: list[dict[str, Any]]


def _documented(model: type[BaseModel], *, many: bool = False) -> dict[str, Any]:
    schema = inline_schema(model)
    if many:
        schema = {"type": "array", "items": schema}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _listed(found: list[Any], with_localizations: bool) -> JSON:
    return JSON([wire.command(c, with_localizations=with_localizations) for c in found])


@router.get("/soundboard-default-sounds", response_model=list[dict[str, Any]], response_class=JSON)
async def list_default_soundboard_sounds(_actor: CurrentActor) -> Any:
    return JSON([])


# -- global ------------------------------------------------------------------------------------


@router.get(GLOBAL, response_model=list[schemas.ApplicationCommand], response_class=JSON)
async def list_global_commands(
    application_id: ApplicationId,
    actor: CurrentActor,
    s: ServicesDep,
    with_localizations: WithLocalizations = False,
) -> Any:
    found = await command_actions.list_commands(s, actor, application_id, None)
    return _listed(found, with_localizations)


@router.post(
    GLOBAL,
    status_code=201,
    response_model=schemas.ApplicationCommand,
    responses={200: {"model": schemas.ApplicationCommand}},
    response_class=JSON,
    openapi_extra=_documented(CommandBody),
)
async def create_global_command(
    application_id: ApplicationId, request: Request, actor: CurrentActor, s: ServicesDep
) -> Any:
    """An upsert: 201 for a new command, 200 when one of that type and name was replaced."""
    command, created = await command_actions.create_command(
        s, actor, application_id, None, await json_body(request)
    )
    return JSON(wire.command(command), status_code=201 if created else 200)


@router.put(
    GLOBAL,
    response_model=list[schemas.ApplicationCommand],
    response_class=JSON,
    openapi_extra=_documented(CommandBody, many=True),
)
async def overwrite_global_commands(
    application_id: ApplicationId, request: Request, actor: CurrentActor, s: ServicesDep
) -> Any:
    found = await command_actions.overwrite_commands(
        s, actor, application_id, None, await json_body(request)
    )
    return _listed(found, True)


@router.get(GLOBAL + ONE, response_model=schemas.ApplicationCommand, response_class=JSON)
async def get_global_command(
    application_id: ApplicationId, command_id: CommandId, actor: CurrentActor, s: ServicesDep
) -> Any:
    command = await command_actions.get_command(s, actor, application_id, None, command_id)
    return JSON(wire.command(command))


@router.patch(
    GLOBAL + ONE,
    response_model=schemas.ApplicationCommand,
    response_class=JSON,
    openapi_extra=_documented(CommandBody),
)
async def edit_global_command(
    application_id: ApplicationId,
    command_id: CommandId,
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    command = await command_actions.edit_command(
        s, actor, application_id, None, command_id, _patch(await json_body(request))
    )
    return JSON(wire.command(command))


@router.delete(GLOBAL + ONE, status_code=204)
async def delete_global_command(
    application_id: ApplicationId, command_id: CommandId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await command_actions.delete_command(s, actor, application_id, None, command_id)
    return no_content()


def _patch(body: object) -> dict[str, object]:
    if not isinstance(body, dict):
        raise errors.InvalidFormBody.field("_root", "Must be an object.", "DICT_TYPE_CONVERT")
    return body


# -- one guild's ---------------------------------------------------------------------------------


@router.get(GUILD, response_model=list[schemas.ApplicationCommand], response_class=JSON)
async def list_guild_commands(
    application_id: ApplicationId,
    guild_id: GuildId,
    actor: CurrentActor,
    s: ServicesDep,
    with_localizations: WithLocalizations = False,
) -> Any:
    found = await command_actions.list_commands(s, actor, application_id, guild_id)
    return _listed(found, with_localizations)


@router.post(
    GUILD,
    status_code=201,
    response_model=schemas.ApplicationCommand,
    responses={200: {"model": schemas.ApplicationCommand}},
    response_class=JSON,
    openapi_extra=_documented(CommandBody),
)
async def create_guild_command(
    application_id: ApplicationId,
    guild_id: GuildId,
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    command, created = await command_actions.create_command(
        s, actor, application_id, guild_id, await json_body(request)
    )
    return JSON(wire.command(command), status_code=201 if created else 200)


@router.put(
    GUILD,
    response_model=list[schemas.ApplicationCommand],
    response_class=JSON,
    openapi_extra=_documented(CommandBody, many=True),
)
async def overwrite_guild_commands(
    application_id: ApplicationId,
    guild_id: GuildId,
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    found = await command_actions.overwrite_commands(
        s, actor, application_id, guild_id, await json_body(request)
    )
    return _listed(found, True)


@router.get(
    GUILD + "/permissions",
    response_model=list[schemas.GuildApplicationCommandPermissions],
    response_class=JSON,
)
async def guild_command_permissions(
    application_id: ApplicationId, guild_id: GuildId, actor: CurrentActor, s: ServicesDep
) -> Any:
    found = await command_actions.guild_command_permissions(s, actor, application_id, guild_id)
    return JSON([wire.command_permissions(p) for p in found])


@router.get(GUILD + ONE, response_model=schemas.ApplicationCommand, response_class=JSON)
async def get_guild_command(
    application_id: ApplicationId,
    guild_id: GuildId,
    command_id: CommandId,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    command = await command_actions.get_command(s, actor, application_id, guild_id, command_id)
    return JSON(wire.command(command))


@router.patch(
    GUILD + ONE,
    response_model=schemas.ApplicationCommand,
    response_class=JSON,
    openapi_extra=_documented(CommandBody),
)
async def edit_guild_command(
    application_id: ApplicationId,
    guild_id: GuildId,
    command_id: CommandId,
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    command = await command_actions.edit_command(
        s, actor, application_id, guild_id, command_id, _patch(await json_body(request))
    )
    return JSON(wire.command(command))


@router.delete(GUILD + ONE, status_code=204)
async def delete_guild_command(
    application_id: ApplicationId,
    guild_id: GuildId,
    command_id: CommandId,
    actor: CurrentActor,
    s: ServicesDep,
) -> Response:
    await command_actions.delete_command(s, actor, application_id, guild_id, command_id)
    return no_content()


@router.get(
    GUILD + ONE + "/permissions",
    response_model=schemas.GuildApplicationCommandPermissions,
    response_class=JSON,
)
async def command_permissions(
    application_id: ApplicationId,
    guild_id: GuildId,
    command_id: CommandId,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    """`command_id` may be the application's id: its overwrites for all its commands."""
    found = await command_actions.command_permissions(
        s, actor, application_id, guild_id, command_id
    )
    return JSON(wire.command_permissions(found))


@router.put(
    GUILD + ONE + "/permissions",
    response_model=schemas.GuildApplicationCommandPermissions,
    response_class=JSON,
    openapi_extra=_documented(PermissionsBody),
)
async def set_command_permissions(
    application_id: ApplicationId,
    guild_id: GuildId,
    command_id: CommandId,
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    """A person who may manage the guild and its roles (bots get 20001, as Discord refuses
    their tokens here)."""
    changed = await command_actions.set_command_permissions(
        s, actor, application_id, guild_id, command_id, await json_body(request)
    )
    return JSON(wire.command_permissions(changed))


# -- what a person may use -----------------------------------------------------------------------


@router.get(
    "/guilds/{guild_id}/application-command-index",
    response_model=schemas.ApplicationCommandIndex,
    response_class=JSON,
)
async def application_command_index(
    guild_id: GuildId, actor: CurrentActor, s: ServicesDep, channel_id: QueryChannel = None
) -> Any:
    """Discord's client route (undocumented by Discord; docs/interactions.md): the guild's
    applications and the commands the person may use, in `channel_id` when given."""
    index = await command_actions.command_index(s, actor, guild_id, channel_id)
    return JSON(wire.command_index(index.applications, index.commands, index.version))


@router.get(
    "/channels/{channel_id}/application-command-index",
    response_model=schemas.ApplicationCommandIndex,
    response_class=JSON,
)
async def channel_application_command_index(
    channel_id: ChannelId, actor: CurrentActor, s: ServicesDep
) -> Any:
    """Discord's client route for DMs: in the DM with an application's bot, the commands that
    work there (docs/interactions.md)."""
    index = await command_actions.channel_command_index(s, actor, channel_id)
    return JSON(wire.command_index(index.applications, index.commands, index.version))


__all__ = ["router"]
