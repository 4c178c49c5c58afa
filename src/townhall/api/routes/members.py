"""`/guilds/{guild_id}/members` and `/guilds/{guild_id}/bans`: membership and its moderation."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import bans as ban_actions
from townhall.actions import members as member_actions
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    CurrentActor,
    GuildId,
    RoleId,
    ServicesDep,
    Snowflake,
    UserId,
)
from townhall.api.responses import JSON, no_content
from townhall.domain.models import UNSET
from townhall.domain.validation import NICK_MAX
from townhall.wire import payloads, schemas

router = APIRouter(tags=["members"])

MAX_PAGE = 1000
MAX_DELETE_SECONDS = ban_actions.MAX_DELETE_MESSAGE_SECONDS
AuditLogReason = Header(default=None, alias="X-Audit-Log-Reason", max_length=1536)
"""discord.py and discord.js percent-encode the reason; we decode it."""


class ModifyMemberBody(BaseModel):
    nick: str | None = Field(default=None, max_length=NICK_MAX)
    roles: list[Snowflake] | None = Field(default=None, max_length=250)
    mute: bool | None = None
    deaf: bool | None = None
    channel_id: Snowflake | None = None
    communication_disabled_until: datetime | None = None


class ModifyCurrentMemberBody(BaseModel):
    nick: str | None = Field(default=None, max_length=NICK_MAX)


class BanBody(BaseModel):
    delete_message_seconds: int | None = Field(default=None, ge=0, le=MAX_DELETE_SECONDS)
    delete_message_days: int | None = Field(default=None, ge=0, le=7)
    """Deprecated by Discord, still sent by older clients."""


@router.get("/guilds/{guild_id}/members", response_model=list[schemas.Member], response_class=JSON)
async def list_members(
    guild_id: GuildId,
    actor: CurrentActor,
    s: ServicesDep,
    limit: int = Query(default=1, ge=1, le=MAX_PAGE),
    after: int = Query(default=0, ge=0, le=MAX_SNOWFLAKE),
) -> Any:
    found = await member_actions.list_members(s, actor, guild_id, limit=limit, after=after)
    return JSON([payloads.member(m) for m in found])


@router.get(
    "/guilds/{guild_id}/members/search", response_model=list[schemas.Member], response_class=JSON
)
async def search_members(
    guild_id: GuildId,
    actor: CurrentActor,
    s: ServicesDep,
    query: str = Query(min_length=1, max_length=100),
    limit: int = Query(default=1, ge=1, le=MAX_PAGE),
) -> Any:
    found = await member_actions.search_members(s, actor, guild_id, query, limit=limit)
    return JSON([payloads.member(m) for m in found])


@router.patch("/guilds/{guild_id}/members/@me", response_model=schemas.Member, response_class=JSON)
async def modify_current_member(
    guild_id: GuildId, body: ModifyCurrentMemberBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    nick = body.nick if "nick" in body.model_fields_set else UNSET
    member = await member_actions.modify_current_member(s, actor, guild_id, nick)
    return JSON(payloads.member(member))


@router.patch(
    "/guilds/{guild_id}/members/@me/nick", response_model=schemas.Nick, response_class=JSON
)
async def modify_current_user_nick(
    guild_id: GuildId, body: ModifyCurrentMemberBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    """Deprecated by Discord in favour of PATCH .../members/@me; answers with the nick alone."""
    member = await member_actions.modify_current_member(s, actor, guild_id, body.nick)
    return JSON({"nick": member.nick})


@router.get(
    "/guilds/{guild_id}/members/{user_id}", response_model=schemas.Member, response_class=JSON
)
async def get_member(
    guild_id: GuildId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Any:
    return JSON(payloads.member(await member_actions.get_member(s, actor, guild_id, user_id)))


@router.patch(
    "/guilds/{guild_id}/members/{user_id}", response_model=schemas.Member, response_class=JSON
)
async def modify_member(
    guild_id: GuildId, user_id: UserId, body: ModifyMemberBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    given = body.model_fields_set
    patch = member_actions.MemberPatch(
        nick=body.nick if "nick" in given else UNSET,
        roles=tuple(body.roles) if body.roles is not None else UNSET,
        mute=body.mute if body.mute is not None else UNSET,
        deaf=body.deaf if body.deaf is not None else UNSET,
        communication_disabled_until=(
            body.communication_disabled_until if "communication_disabled_until" in given else UNSET
        ),
        channel_id=body.channel_id if "channel_id" in given else UNSET,
    )
    member = await member_actions.modify_member(s, actor, guild_id, user_id, patch)
    return JSON(payloads.member(member))


@router.put("/guilds/{guild_id}/members/{user_id}/roles/{role_id}", status_code=204)
async def add_member_role(
    guild_id: GuildId, user_id: UserId, role_id: RoleId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await member_actions.add_member_role(s, actor, guild_id, user_id, role_id)
    return no_content()


@router.delete("/guilds/{guild_id}/members/{user_id}/roles/{role_id}", status_code=204)
async def remove_member_role(
    guild_id: GuildId, user_id: UserId, role_id: RoleId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await member_actions.remove_member_role(s, actor, guild_id, user_id, role_id)
    return no_content()


@router.delete("/guilds/{guild_id}/members/{user_id}", status_code=204)
async def kick_member(
    guild_id: GuildId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await member_actions.kick_member(s, actor, guild_id, user_id)
    return no_content()


@router.get("/guilds/{guild_id}/bans", response_model=list[schemas.Ban], response_class=JSON)
async def list_bans(
    guild_id: GuildId,
    actor: CurrentActor,
    s: ServicesDep,
    limit: int = Query(default=MAX_PAGE, ge=1, le=MAX_PAGE),
    before: int | None = Query(default=None, ge=0, le=MAX_SNOWFLAKE),
    after: int | None = Query(default=None, ge=0, le=MAX_SNOWFLAKE),
) -> Any:
    found = await ban_actions.list_bans(s, actor, guild_id, limit=limit, before=before, after=after)
    return JSON([payloads.ban(b) for b in found])


@router.get("/guilds/{guild_id}/bans/{user_id}", response_model=schemas.Ban, response_class=JSON)
async def get_ban(guild_id: GuildId, user_id: UserId, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(payloads.ban(await ban_actions.get_ban(s, actor, guild_id, user_id)))


@router.put("/guilds/{guild_id}/bans/{user_id}", status_code=204)
async def ban_user(
    guild_id: GuildId,
    user_id: UserId,
    actor: CurrentActor,
    s: ServicesDep,
    body: BanBody | None = None,
    delete_message_seconds: int | None = Query(default=None, ge=0, le=MAX_DELETE_SECONDS),
    delete_message_days: int | None = Query(default=None, ge=0, le=7),
    reason: str | None = AuditLogReason,
) -> Response:
    """discord.py sends `delete_message_seconds` in the query string, discord.js in the body."""
    body = body or BanBody()
    seconds = _first_given(body.delete_message_seconds, delete_message_seconds)
    days = _first_given(body.delete_message_days, delete_message_days)
    if seconds is None:
        seconds = (days or 0) * 86400
    await ban_actions.ban_user(
        s, actor, guild_id, user_id,
        delete_message_seconds=seconds, reason=unquote(reason) if reason else None,
    )  # fmt: skip
    return no_content()


@router.delete("/guilds/{guild_id}/bans/{user_id}", status_code=204)
async def remove_ban(
    guild_id: GuildId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await ban_actions.remove_ban(s, actor, guild_id, user_id)
    return no_content()


def _first_given(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)
