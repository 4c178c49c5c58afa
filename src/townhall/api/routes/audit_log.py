"""`GET /guilds/{guild.id}/audit-logs`: Discord's audit log (the moderation log)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from townhall.actions import audit_log as audit_actions
from townhall.api.deps import MAX_SNOWFLAKE, CurrentActor, GuildId, ServicesDep
from townhall.api.responses import JSON
from townhall.domain.audit_log import LIMIT_DEFAULT, LIMIT_MAX, AuditLogQuery
from townhall.wire import payloads, schemas

router = APIRouter(tags=["audit log"])

QuerySnowflake = Annotated[int | None, Query(ge=0, le=MAX_SNOWFLAKE)]


@router.get("/guilds/{guild_id}/audit-logs", response_model=schemas.AuditLog, response_class=JSON)
async def get_audit_log(
    guild_id: GuildId,
    actor: CurrentActor,
    s: ServicesDep,
    user_id: QuerySnowflake = None,
    action_type: Annotated[int | None, Query(ge=0, le=255)] = None,
    before: QuerySnowflake = None,
    after: QuerySnowflake = None,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = LIMIT_DEFAULT,
    channel_id: QuerySnowflake = None,
) -> Any:
    """VIEW_AUDIT_LOG reads every entry; townhall's `channel_id` lets a channel's moderator
    (MANAGE_MESSAGES there: a group admin) read that channel's."""
    query = AuditLogQuery(
        action_type=action_type,
        user_id=user_id,
        before=before,
        after=after,
        limit=limit,
        channel_id=channel_id,
    )
    entries, users = await audit_actions.list_entries(s, actor, guild_id, query)
    return JSON(payloads.audit_log(entries, users))
