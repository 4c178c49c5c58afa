"""Who may DM me: members of the communities I share with them, unless I restricted a community.

As on Discord (no friends here, so a shared guild is the only way in): a user may DM, or put into
a group DM, someone who shares a guild with them where that someone allows DMs from members
(`restricted_guilds` lists those that do not; `default_guilds_restricted` decides for guilds joined
later). Turning DMs from server members off altogether is `default_guilds_restricted: true` with
every current guild listed, as Discord's client sends it. Otherwise: 50007 "Cannot send messages to
this user". Bots follow the same rule, and cannot change settings (they have none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.models import UNSET, Unset, User
from townhall.store import dm_privacy as privacy_store


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    restricted_guilds: tuple[int, ...]
    default_guilds_restricted: bool


async def require_may_dm(conn: AsyncConnection, sender: User, recipient_id: int) -> None:
    if not await privacy_store.shares_an_open_guild(conn, sender.id, recipient_id):
        raise errors.CannotSendToUser()


async def get_privacy_settings(s: Services, actor: User) -> PrivacySettings:
    if actor.bot:
        raise errors.BotsCannotUse()
    async with s.engine.connect() as conn:
        return await _read(conn, actor.id)


async def modify_privacy_settings(
    s: Services,
    actor: User,
    *,
    restricted_guilds: Sequence[int] | Unset = UNSET,
    default_guilds_restricted: bool | Unset = UNSET,
) -> PrivacySettings:
    if actor.bot:
        raise errors.BotsCannotUse()
    async with s.write() as conn:
        if not isinstance(default_guilds_restricted, Unset):
            await privacy_store.set_default_guilds_restricted(
                conn, actor.id, default_guilds_restricted
            )
        if not isinstance(restricted_guilds, Unset):
            await privacy_store.set_restricted_guilds(conn, actor.id, set(restricted_guilds))
        return await _read(conn, actor.id)


async def _read(conn: AsyncConnection, user_id: int) -> PrivacySettings:
    return PrivacySettings(
        tuple(await privacy_store.restricted_guild_ids(conn, user_id)),
        await privacy_store.default_guilds_restricted(conn, user_id),
    )
