"""Routes real clients call on connect for features townhall does not have yet, answered as
Discord answers when there is nothing to list.

- `GET /soundboard-default-sounds` (List Default Soundboard Sounds): py-cord 2.8 asks it before
  dispatching `on_ready` and never becomes ready on a 404.
- `GET /applications/{id}/commands` (Get Global Application Commands): nextcord 3 asks it on every
  connect to sync slash commands. Until interactions exist, every application has none.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from townhall.actions import applications as application_actions
from townhall.api.deps import ApplicationId, CurrentActor, ServicesDep
from townhall.api.responses import JSON

router = APIRouter(tags=["applications"])


@router.get("/soundboard-default-sounds", response_model=list[dict[str, Any]], response_class=JSON)
async def list_default_soundboard_sounds(_actor: CurrentActor) -> Any:
    return JSON([])


@router.get(
    "/applications/{application_id}/commands",
    response_model=list[dict[str, Any]],
    response_class=JSON,
)
async def list_global_application_commands(
    application_id: ApplicationId,
    actor: CurrentActor,
    s: ServicesDep,
    with_localizations: bool = Query(default=False),
) -> Any:
    await application_actions.require_application_access(s, actor, application_id)
    return JSON([])
