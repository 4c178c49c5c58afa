"""What a visitor without an account reads: public channels, their messages, a guild's preview.

The channel routes are Discord's own URLs (`GET /channels/{id}`, `GET /channels/{id}/messages`,
`GET /channels/{id}/messages/{id}`) answered here only for requests that carry no token
(`VisitorRoute`): a request with a token goes on to the ordinary routes (channels.py,
messages.py), a request without one to a channel that is not public gets 401, exactly as before
public channels existed. Every other route, and every write, still needs a token. These
duplicates stay out of the OpenAPI document (the ordinary routes document the paths);
`GET /guilds/{id}/preview` exists only here and takes a token or none. The per-address limit on
visitors' reads is in api/ratelimit.py (`VISITOR_READS`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from townhall.actions import public_channels
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    ActorOrVisitor,
    ChannelId,
    GuildId,
    MessageId,
    ServicesDep,
)
from townhall.api.responses import JSON
from townhall.wire import payloads, schemas

QuerySnowflake = Annotated[int | None, Query(ge=0, le=MAX_SNOWFLAKE)]


def carries_token(scope: Scope) -> bool:
    """Whether the request sends an `Authorization` header with something in it (as
    `deps.bearer_token` reads it: `Bot x`, `Bearer x` or a bare token)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, rest = value.strip().partition(b" ")
            return bool(rest.strip() or scheme)
    return False


class VisitorRoute(APIRoute):
    """A route that only requests without a token match; the others fall through to the
    ordinary route at the same path."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and carries_token(scope):
            return Match.NONE, {}
        return super().matches(scope)


router = APIRouter(tags=["public channels"])
visitors = APIRouter(route_class=VisitorRoute, include_in_schema=False)


@visitors.get("/channels/{channel_id}", response_class=JSON)
async def get_public_channel(channel_id: ChannelId, s: ServicesDep) -> Any:
    return JSON(payloads.channel(await public_channels.get_public_channel(s, channel_id)))


@visitors.get("/channels/{channel_id}/messages", response_class=JSON)
async def list_public_messages(
    channel_id: ChannelId,
    s: ServicesDep,
    around: QuerySnowflake = None,
    before: QuerySnowflake = None,
    after: QuerySnowflake = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Any:
    page = await public_channels.list_public_messages(
        s, channel_id, limit=limit, before=before, after=after, around=around
    )
    return JSON(payloads.message_list(page))


@visitors.get("/channels/{channel_id}/messages/{message_id:int}", response_class=JSON)
async def get_public_message(channel_id: ChannelId, message_id: MessageId, s: ServicesDep) -> Any:
    message = await public_channels.get_public_message(s, channel_id, message_id)
    return JSON(payloads.message(message))


@router.get("/guilds/{guild_id}/preview", response_model=schemas.GuildPreview, response_class=JSON)
async def get_guild_preview(guild_id: GuildId, viewer: ActorOrVisitor, s: ServicesDep) -> Any:
    """Discord's Guild Preview. Without a token: only for a guild with a public channel."""
    user = viewer.user if viewer is not None else None
    preview = await public_channels.guild_preview(s, user, guild_id)
    return JSON(payloads.guild_preview(preview.guild, preview.member_count))


router.include_router(visitors)
