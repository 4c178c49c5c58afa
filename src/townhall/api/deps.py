"""Request-scoped values every route needs: the services, the signed-in user, typed ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import Field

from townhall.actions import accounts
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.models import User

MAX_SNOWFLAKE = 2**63 - 1


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain `def` dependency in its thread pool, once per request.
    services: Services = request.app.state.services
    return services


def bearer_token(request: Request) -> str | None:
    """The token from `Authorization: <token>` (users) or `Authorization: Bot <token>` (bots)."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, rest = header.partition(" ")
    if rest and scheme.lower() in ("bot", "bearer"):
        return rest.strip()
    return header.strip()


async def get_current_user(request: Request) -> User:
    token = bearer_token(request)
    if not token:
        raise errors.Unauthorized()
    user = await accounts.authenticate(await get_services(request), token)
    if user is None:
        raise errors.Unauthorized()
    request.state.user_id = user.id
    return user


ServicesDep = Annotated[Services, Depends(get_services)]
Actor = Annotated[User, Depends(get_current_user)]

Snowflake = Annotated[int, Field(ge=0, le=MAX_SNOWFLAKE)]
"""An id in a JSON body: a string of digits (as Discord sends) or a number."""

GuildId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="guild id")]
ChannelId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="channel id")]
MessageId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="message id")]
UserId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="user id")]
RoleId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="role id")]
OverwriteId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="role or user id")]
ApplicationId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="application id")]
