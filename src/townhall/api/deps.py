"""Request-scoped values every route needs: the services, who acts, typed ids."""

from __future__ import annotations

import itertools
import re
import secrets
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Path, Request
from pydantic import Field

from townhall.actions import accounts
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.actor import REASON_MAX, Actor

MAX_SNOWFLAKE = 2**63 - 1


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain `def` dependency in its thread pool, once per request.
    services: Services = request.app.state.services
    await services.keep_lease()
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


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PROCESS = secrets.token_hex(4)
_requests = itertools.count(1)


def request_id(request: Request) -> str:
    """The client's `X-Request-Id` when it is a plain token, else a new one (this process's
    prefix and a counter: unique without a random number per request)."""
    given = request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else f"{_PROCESS}-{next(_requests)}"


def audit_reason(request: Request) -> str | None:
    """`X-Audit-Log-Reason`, URL-decoded, at most 512 characters (Discord's limit)."""
    raw = request.headers.get("x-audit-log-reason")
    if not raw:
        return None
    return unquote(raw)[:REASON_MAX] or None


async def get_current_actor(request: Request) -> Actor:
    token = bearer_token(request)
    if not token:
        raise errors.Unauthorized()
    user = await accounts.authenticate(await get_services(request), token)
    if user is None:
        raise errors.Unauthorized()
    request.state.user_id = user.id
    client = request.client
    return Actor(
        user,
        address=client.host if client else None,
        request_id=request_id(request),
        reason=audit_reason(request),
    )


async def get_actor_or_visitor(request: Request) -> Actor | None:
    """The signed-in actor, or None for a visitor who sent no token (a wrong token is still 401).
    Only routes that serve visitors take this (api/routes/public.py)."""
    if not bearer_token(request):
        return None
    return await get_current_actor(request)


ServicesDep = Annotated[Services, Depends(get_services)]
CurrentActor = Annotated[Actor, Depends(get_current_actor)]
"""Who acts: the signed-in user or bot, with their address and the audit-log reason."""
ActorOrVisitor = Annotated[Actor | None, Depends(get_actor_or_visitor)]
"""Who asks: None for a visitor without an account (public channels only)."""

Snowflake = Annotated[int, Field(ge=0, le=MAX_SNOWFLAKE)]
"""An id in a JSON body: a string of digits (as Discord sends) or a number."""

GuildId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="guild id")]
ChannelId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="channel id")]
MessageId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="message id")]
UserId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="user id")]
RoleId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="role id")]
OverwriteId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="role or user id")]
ApplicationId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="application id")]
