"""Who may DM me: members of the communities I share with them, unless I restricted a community.

As on Discord (no friends here, so a shared guild is the only way in): a user may DM, or put into
a group DM, someone who shares a guild with them where that someone allows DMs from members
(`restricted_guilds` lists those that do not; `default_guilds_restricted` decides for guilds joined
later). Turning DMs from server members off altogether is `default_guilds_restricted: true` with
every current guild listed, as Discord's client sends it. Otherwise: 50007 "Cannot send messages to
this user". Bots follow the same rule. The settings themselves are changed with the person's other
settings (actions/user_settings.py).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain import errors
from townhall.domain import guests as guest_rules
from townhall.domain.models import User
from townhall.store import dm_privacy as privacy_store
from townhall.store import guests as guest_store


async def require_may_dm(conn: AsyncConnection, sender: User, recipient_id: int) -> None:
    """A guest, moreover, writes only to someone who wrote to them first (domain/guests.py)."""
    if not await privacy_store.shares_an_open_guild(conn, sender.id, recipient_id):
        raise errors.CannotSendToUser()
    if guest_rules.is_guest(sender) and not guest_rules.may_message(
        sender, await guest_store.recipient_wrote_first(conn, sender.id, recipient_id)
    ):
        raise errors.CannotSendToUser()
