"""Guest accounts (docs/guests.md): joining by a guest link with a name only, the community's
list of its guests, and a moderator ending a guest's access. Keeping the account is
`PATCH /users/@me` (routes/users.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from townhall.actions import guests as guest_actions
from townhall.api.deps import CurrentActor, GuildId, ServicesDep, UserId
from townhall.api.responses import JSON, no_content
from townhall.api.routes.invites import InviteCode
from townhall.wire import guests as wire
from townhall.wire import schemas

router = APIRouter(tags=["guests"])


class JoinAsGuestBody(BaseModel):
    global_name: str = Field(max_length=32)
    """The name others see; nothing else is asked of a guest."""
    accept_rules: bool = False
    """Required when the community has rules (the invite's `guild.rules`)."""


@router.post("/invites/{code}/guest", response_model=schemas.SignedIn, response_class=JSON)
async def join_as_guest(body: JoinAsGuestBody, s: ServicesDep, code: str = InviteCode) -> Any:
    """No token: a guest link makes a guest account and signs it in, as `/auth/login` answers."""
    user, token, _view = await guest_actions.join_as_guest(
        s, code, body.global_name, accept_rules=body.accept_rules
    )
    return JSON({"token": token, "user_id": str(user.id)})


@router.get("/guilds/{guild_id}/guests", response_model=list[wire.Guest], response_class=JSON)
async def list_guests(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    """MANAGE_GUILD: the community's current guests, oldest first, with when each one ends."""
    found = await guest_actions.list_guests(s, actor, guild_id)
    return JSON([wire.guest(g) for g in found])


@router.delete("/guilds/{guild_id}/guests/{user_id}", status_code=204)
async def end_guest_access(
    guild_id: GuildId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Response:
    """KICK_MEMBERS: the guest's access ends at once, and everything they wrote is erased."""
    await guest_actions.end_guest_access(s, actor, guild_id, user_id)
    return no_content()
