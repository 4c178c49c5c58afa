"""`/gateway` and `/gateway/bot`: where clients open their WebSocket."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from townhall.api.deps import CurrentActor, ServicesDep
from townhall.api.responses import JSON
from townhall.wire import schemas

router = APIRouter(tags=["gateway"])


def gateway_address(request: Request, public_url: str | None) -> str:
    """The WebSocket address of this server, as the client reached it (or as configured)."""
    base = public_url or str(request.base_url)
    return base.replace("https://", "wss://").replace("http://", "ws://").rstrip("/")


@router.get("/gateway", response_model=schemas.Gateway, response_class=JSON)
async def get_gateway(request: Request, s: ServicesDep) -> Any:
    return JSON({"url": gateway_address(request, s.settings.public_url)})


@router.get("/gateway/bot", response_model=schemas.GatewayBot, response_class=JSON)
async def get_gateway_bot(request: Request, _actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(
        {
            "url": gateway_address(request, s.settings.public_url),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }
    )
