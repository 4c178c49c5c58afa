"""`/auth`: sign up, sign in, sign out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import accounts
from townhall.api.deps import CurrentActor, ServicesDep, bearer_token
from townhall.api.responses import JSON, no_content
from townhall.wire import schemas

router = APIRouter(tags=["auth"])


class RegisterBody(BaseModel):
    username: str = Field(max_length=32)
    password: str = Field(max_length=256)
    email: str | None = Field(default=None, max_length=254)
    invite: str | None = Field(default=None, max_length=32)


class LoginBody(BaseModel):
    login: str = Field(max_length=254)
    password: str = Field(max_length=256)
    device_token: str | None = Field(default=None, max_length=64)
    """What an earlier sign-in on this device returned: it is never held back by the account's
    sign-in backoff (a townhall addition)."""


@router.post(
    "/auth/register", status_code=201, response_model=schemas.SignedIn, response_class=JSON
)
async def register(body: RegisterBody, s: ServicesDep) -> Any:
    user, token = await accounts.register(
        s, body.username, body.password, email=body.email, invite=body.invite
    )
    return JSON({"token": token, "user_id": str(user.id)}, status_code=201)


@router.post("/auth/login", response_model=schemas.SignedIn, response_class=JSON)
async def login(body: LoginBody, s: ServicesDep) -> Any:
    user, token, device_token = await accounts.login(
        s, body.login, body.password, device_token=body.device_token
    )
    return JSON({"token": token, "user_id": str(user.id), "device_token": device_token})


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
    everywhere: bool = Query(False, alias="all"),
) -> Response:
    """Sign out this device, or with `?all=true` every device (every token of the account)."""
    token = bearer_token(request)
    assert token is not None
    if everywhere:
        await accounts.logout_everywhere(s, actor)
    else:
        await accounts.logout(s, actor, token)
    return no_content()
