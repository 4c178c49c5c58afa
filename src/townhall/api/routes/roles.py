"""`/guilds/{guild_id}/roles`: the guild's roles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, BeforeValidator, Field
from starlette.responses import Response

from townhall.actions import roles as role_actions
from townhall.api.deps import CurrentActor, GuildId, RoleId, ServicesDep, Snowflake
from townhall.api.responses import JSON, no_content
from townhall.domain.models import UNSET
from townhall.domain.permissions import parse_permissions
from townhall.domain.validation import ROLE_NAME_MAX
from townhall.wire import payloads, schemas

router = APIRouter(tags=["roles"])

MAX_COLOR = 0xFFFFFF


def _permission_bits(value: object) -> int | None:
    """Discord sends permissions as a decimal string; older clients send a number."""
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ValueError("not a permission bitfield")
    return parse_permissions(value)


PermissionBits = Annotated[int | None, BeforeValidator(_permission_bits)]
Color = Annotated[int, Field(ge=0, le=MAX_COLOR)]


class RoleColorsBody(BaseModel):
    primary_color: Color | None = None
    secondary_color: Color | None = None
    tertiary_color: Color | None = None


class RoleBody(BaseModel):
    """Create and modify take the same fields; every one is optional (and nullable on modify)."""

    name: str | None = Field(default=None, max_length=ROLE_NAME_MAX)
    permissions: PermissionBits = None
    color: Color | None = None
    colors: RoleColorsBody | None = None
    hoist: bool | None = None
    mentionable: bool | None = None

    def given_color(self) -> int | None:
        """`colors.primary_color` is the new spelling of `color`; either sets the role's color."""
        if self.color is not None:
            return self.color
        return self.colors.primary_color if self.colors is not None else None


class RolePositionBody(BaseModel):
    id: Snowflake
    position: int | None = Field(default=None, ge=0)


@router.get("/guilds/{guild_id}/roles", response_model=list[schemas.Role], response_class=JSON)
async def list_roles(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON([payloads.role(r) for r in await role_actions.list_roles(s, actor, guild_id)])


@router.get("/guilds/{guild_id}/roles/{role_id}", response_model=schemas.Role, response_class=JSON)
async def get_role(guild_id: GuildId, role_id: RoleId, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(payloads.role(await role_actions.get_role(s, actor, guild_id, role_id)))


@router.post("/guilds/{guild_id}/roles", response_model=schemas.Role, response_class=JSON)
async def create_role(
    guild_id: GuildId, actor: CurrentActor, s: ServicesDep, body: RoleBody | None = None
) -> Any:
    body = body or RoleBody()
    draft = role_actions.RoleDraft(
        name=body.name if body.name is not None else "new role",
        permissions=body.permissions,
        color=body.given_color() or 0,
        hoist=bool(body.hoist),
        mentionable=bool(body.mentionable),
    )
    return JSON(payloads.role(await role_actions.create_role(s, actor, guild_id, draft)))


@router.patch("/guilds/{guild_id}/roles", response_model=list[schemas.Role], response_class=JSON)
async def modify_role_positions(
    guild_id: GuildId, body: list[RolePositionBody], actor: CurrentActor, s: ServicesDep
) -> Any:
    moves = [(item.id, item.position) for item in body if item.position is not None]
    roles = await role_actions.modify_role_positions(s, actor, guild_id, moves)
    return JSON([payloads.role(r) for r in roles])


@router.patch(
    "/guilds/{guild_id}/roles/{role_id}", response_model=schemas.Role, response_class=JSON
)
async def modify_role(
    guild_id: GuildId, role_id: RoleId, body: RoleBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    color = body.given_color()
    patch = role_actions.RolePatch(
        name=body.name if body.name is not None else UNSET,
        permissions=body.permissions if body.permissions is not None else UNSET,
        color=color if color is not None else UNSET,
        hoist=body.hoist if body.hoist is not None else UNSET,
        mentionable=body.mentionable if body.mentionable is not None else UNSET,
    )
    return JSON(payloads.role(await role_actions.modify_role(s, actor, guild_id, role_id, patch)))


@router.delete("/guilds/{guild_id}/roles/{role_id}", status_code=204)
async def delete_role(
    guild_id: GuildId, role_id: RoleId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await role_actions.delete_role(s, actor, guild_id, role_id)
    return no_content()
