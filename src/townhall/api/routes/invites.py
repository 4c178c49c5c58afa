"""Invites: `/channels/{id}/invites`, `/invites/{code}`, `/guilds/{id}/invites`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from townhall.actions import invites as invite_actions
from townhall.api.deps import ChannelId, CurrentActor, GuildId, ServicesDep
from townhall.api.responses import JSON
from townhall.wire import payloads, schemas

router = APIRouter(tags=["invites"])

InviteCode = Path(max_length=32, pattern=r"^[A-Za-z0-9-]+$")
DEFAULT_MAX_AGE = 86400


class CreateInviteBody(BaseModel):
    """Every field optional; null means the default, as Discord's optional fields allow."""

    max_age: int | None = Field(default=None, ge=0, le=2592000)
    """Up to 604800 (7 days), 0 for never; a guest link lasts 3600 to 2592000 (30 days)."""
    max_uses: int | None = Field(default=None, ge=0, le=100)
    temporary: bool | None = None
    unique: bool | None = None
    flags: int | None = Field(default=None, ge=0, le=1)
    """Discord's invite flags: 1 (IS_GUEST_INVITE) makes a guest link (docs/guests.md)."""


@router.post("/channels/{channel_id}/invites", response_model=schemas.Invite, response_class=JSON)
async def create_channel_invite(
    channel_id: ChannelId, actor: CurrentActor, s: ServicesDep, body: CreateInviteBody | None = None
) -> Any:
    body = body or CreateInviteBody()
    view = await invite_actions.create_invite(
        s,
        actor,
        channel_id,
        max_age=body.max_age if body.max_age is not None else DEFAULT_MAX_AGE,
        max_uses=body.max_uses or 0,
        temporary=bool(body.temporary),
        unique=bool(body.unique),
        flags=body.flags or 0,
    )
    return JSON(payloads.invite(view, metadata=True))


@router.get(
    "/channels/{channel_id}/invites", response_model=list[schemas.Invite], response_class=JSON
)
async def list_channel_invites(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Any:
    views = await invite_actions.list_channel_invites(s, actor, channel_id)
    return JSON([payloads.invite(v, metadata=True) for v in views])


@router.get("/guilds/{guild_id}/invites", response_model=list[schemas.Invite], response_class=JSON)
async def list_guild_invites(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    views = await invite_actions.list_guild_invites(s, actor, guild_id)
    return JSON([payloads.invite(v, metadata=True) for v in views])


@router.get("/invites/{code}", response_model=schemas.Invite, response_class=JSON)
async def get_invite(s: ServicesDep, code: str = InviteCode, with_counts: bool = False) -> Any:
    return JSON(payloads.invite(await invite_actions.get_invite(s, code, with_counts=with_counts)))


@router.post("/invites/{code}", response_model=schemas.Invite, response_class=JSON)
async def accept_invite(actor: CurrentActor, s: ServicesDep, code: str = InviteCode) -> Any:
    view, _member = await invite_actions.accept_invite(s, actor, code)
    return JSON(payloads.invite(view))


@router.delete("/invites/{code}", response_model=schemas.Invite, response_class=JSON)
async def delete_invite(actor: CurrentActor, s: ServicesDep, code: str = InviteCode) -> Any:
    return JSON(payloads.invite(await invite_actions.delete_invite(s, actor, code), metadata=True))
