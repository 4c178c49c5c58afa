"""Invites: `/channels/{id}/invites`, `/invites/{code}`, `/guilds/{id}/invites`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from townhall.actions import invites as invite_actions
from townhall.api import payloads
from townhall.api.deps import Actor, ChannelId, GuildId, ServicesDep
from townhall.api.responses import JSON

router = APIRouter(tags=["invites"])

InviteCode = Path(max_length=32, pattern=r"^[A-Za-z0-9-]+$")
DEFAULT_MAX_AGE = 86400


class CreateInviteBody(BaseModel):
    """Every field optional; null means the default, as Discord's optional fields allow."""

    max_age: int | None = Field(default=None, ge=0, le=604800)
    max_uses: int | None = Field(default=None, ge=0, le=100)
    temporary: bool | None = None
    unique: bool | None = None


def render(view: invite_actions.InviteView, *, metadata: bool = False) -> dict[str, Any]:
    invite = view.invite
    body: dict[str, Any] = {
        "type": 0,
        "code": invite.code,
        "guild": {
            "id": str(view.guild.id),
            "name": view.guild.name,
            "icon": view.guild.icon,
            "splash": None,
            "banner": None,
            "description": view.guild.description,
            "features": [],
            "verification_level": view.guild.verification_level,
            "nsfw_level": 0,
            "premium_subscription_count": 0,
        },
        "guild_id": str(view.guild.id),
        "channel": {
            "id": str(view.channel.id),
            "name": view.channel.name,
            "type": int(view.channel.type),
        },
        "inviter": payloads.user(view.inviter) if view.inviter else None,
        "expires_at": payloads.timestamp(invite.expires_at()),
    }
    if view.member_count is not None:
        body["approximate_member_count"] = view.member_count
        body["approximate_presence_count"] = view.presence_count or 0
    if metadata:
        body.update(
            uses=invite.uses,
            max_uses=invite.max_uses,
            max_age=invite.max_age,
            temporary=invite.temporary,
            created_at=payloads.timestamp(invite.created_at),
        )
    return body


@router.post("/channels/{channel_id}/invites", response_class=JSON)
async def create_channel_invite(
    channel_id: ChannelId, actor: Actor, s: ServicesDep, body: CreateInviteBody | None = None
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
    )
    return JSON(render(view, metadata=True))


@router.get("/channels/{channel_id}/invites", response_class=JSON)
async def list_channel_invites(channel_id: ChannelId, actor: Actor, s: ServicesDep) -> Any:
    views = await invite_actions.list_channel_invites(s, actor, channel_id)
    return JSON([render(v, metadata=True) for v in views])


@router.get("/guilds/{guild_id}/invites", response_class=JSON)
async def list_guild_invites(guild_id: GuildId, actor: Actor, s: ServicesDep) -> Any:
    views = await invite_actions.list_guild_invites(s, actor, guild_id)
    return JSON([render(v, metadata=True) for v in views])


@router.get("/invites/{code}", response_class=JSON)
async def get_invite(s: ServicesDep, code: str = InviteCode, with_counts: bool = False) -> Any:
    return JSON(render(await invite_actions.get_invite(s, code, with_counts=with_counts)))


@router.post("/invites/{code}", response_class=JSON)
async def accept_invite(actor: Actor, s: ServicesDep, code: str = InviteCode) -> Any:
    view, _member = await invite_actions.accept_invite(s, actor, code)
    return JSON(render(view))


@router.delete("/invites/{code}", response_class=JSON)
async def delete_invite(actor: Actor, s: ServicesDep, code: str = InviteCode) -> Any:
    return JSON(render(await invite_actions.delete_invite(s, actor, code), metadata=True))
