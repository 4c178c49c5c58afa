"""Web Push: a person's subscriptions (`/users/@me/push-subscriptions`), the server's VAPID key,
focus reports that hold pushes back while a client is in front of its person, and a community's
confidentiality (`/guilds/{guild_id}/privacy`). See docs/push.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, StrictBool
from starlette.responses import Response

from townhall.actions import push_subscriptions as push_actions
from townhall.api.deps import MAX_SNOWFLAKE, CurrentActor, GuildId, ServicesDep
from townhall.api.responses import JSON, no_content
from townhall.domain.push import MAX_ENDPOINT_LENGTH
from townhall.wire import push as wire

router = APIRouter(tags=["push"])

SubscriptionId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="push subscription id")]


class SubscriptionKeys(BaseModel):
    p256dh: str = Field(max_length=200)
    """The browser's P-256 public key (base64url)."""
    auth: str = Field(max_length=100)
    """The 16-byte authentication secret (base64url)."""


class PushSubscriptionBody(BaseModel):
    """What the browser's `PushSubscription.toJSON()` holds, in snake_case."""

    endpoint: str = Field(max_length=MAX_ENDPOINT_LENGTH)
    keys: SubscriptionKeys
    expiration_time: float | None = Field(default=None, ge=0)
    """Milliseconds since the epoch, as the browser gives it (usually null)."""


class FocusBody(BaseModel):
    client_id: str = Field(min_length=1, max_length=64)
    """The client's own name for itself (one per tab), letters, digits, - and _."""
    focused: StrictBool


class GuildPrivacyBody(BaseModel):
    confidential: StrictBool


@router.get(
    "/users/@me/push-subscriptions/vapid-key", response_model=wire.VapidKey, response_class=JSON
)
async def get_vapid_key(actor: CurrentActor, s: ServicesDep) -> Any:
    """The key a browser subscribes with."""
    return JSON({"public_key": await push_actions.vapid_public_key(s, actor)})


@router.get(
    "/users/@me/push-subscriptions",
    response_model=list[wire.PushSubscription],
    response_class=JSON,
)
async def list_push_subscriptions(actor: CurrentActor, s: ServicesDep) -> Any:
    """One's subscriptions, on every device."""
    found = await push_actions.list_subscriptions(s, actor)
    return JSON([wire.push_subscription(f) for f in found])


@router.post(
    "/users/@me/push-subscriptions",
    status_code=201,
    response_model=wire.PushSubscription,
    responses={200: {"model": wire.PushSubscription, "description": "Already known: updated"}},
    response_class=JSON,
)
async def create_push_subscription(
    body: PushSubscriptionBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    """Push to this browser from now on (201), or update its subscription (200)."""
    expires = int(body.expiration_time) if body.expiration_time is not None else None
    found, created = await push_actions.subscribe(
        s, actor, body.endpoint, body.keys.p256dh, body.keys.auth, expires
    )
    return JSON(wire.push_subscription(found), status_code=201 if created else 200)


@router.delete("/users/@me/push-subscriptions/{subscription_id}", status_code=204)
async def delete_push_subscription(
    subscription_id: SubscriptionId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await push_actions.unsubscribe(s, actor, subscription_id)
    return no_content()


@router.put("/users/@me/push-focus", status_code=204)
async def report_push_focus(body: FocusBody, actor: CurrentActor, s: ServicesDep) -> Response:
    """This client is (focused: true) or is no longer in front of its person; a report holds
    two minutes, so a focused client renews it every minute."""
    await push_actions.report_focus(s, actor, body.client_id, body.focused)
    return no_content()


@router.get("/guilds/{guild_id}/privacy", response_model=wire.GuildPrivacy, response_class=JSON)
async def get_guild_privacy(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    confidential = await push_actions.guild_confidential(s, actor, guild_id)
    return JSON(wire.guild_privacy(guild_id, confidential))


@router.patch("/guilds/{guild_id}/privacy", response_model=wire.GuildPrivacy, response_class=JSON)
async def modify_guild_privacy(
    guild_id: GuildId, body: GuildPrivacyBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    """Mark the community confidential (MANAGE_GUILD)."""
    confidential = await push_actions.set_guild_confidential(s, actor, guild_id, body.confidential)
    return JSON(wire.guild_privacy(guild_id, confidential))
