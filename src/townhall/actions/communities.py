"""A community of groups (docs/communities.md): turning a guild into one, and back.

Called from the guild PATCH inside its transaction: the guild's own columns change there, this
module only settles what the COMMUNITY feature brings along, the announcement channel.
"""

from __future__ import annotations

from typing import Any

from townhall.actions.access import GuildAccess
from townhall.actions.services import Services, Transaction
from townhall.domain import errors
from townhall.domain import guests as guest_rules
from townhall.domain.models import Channel, ChannelType
from townhall.domain.permissions import Overwrite, OverwriteType, Permission
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store

ANNOUNCEMENTS_NAME = "announcements"
READ_ONLY = Permission.SEND_MESSAGES | Permission.SEND_MESSAGES_IN_THREADS
"""What @everyone is denied in the announcement channel: every member reads, admins post."""


async def community_changes(
    tx: Transaction, s: Services, access: GuildAccess, changes: dict[str, Any]
) -> dict[str, Any]:
    """The guild columns that go with `changes`: a named announcement channel is checked, and
    turning the feature on makes one when the guild has none."""
    guild = access.guild
    channels = {c.id: c for c in await channel_store.channels_of_guild(tx.conn, guild.id)}
    named = changes.get("announcements_channel_id", guild.announcements_channel_id)
    if named is not None:
        channel = channels.get(int(named))
        if channel is None or channel.type is not ChannelType.GUILD_ANNOUNCEMENT:
            if "announcements_channel_id" in changes:
                raise errors.InvalidFormBody.field(
                    "announcements_channel_id",
                    "Must be an announcement channel of this guild.",
                    "CHANNEL_INVALID",
                )
            named = None  # the one it had is gone: a new one is made below
    community = bool(changes.get("community", guild.community))
    if community and named is None:
        channel = _announcement_channel(s, access)
        await channel_store.insert_channel(tx.conn, channel)
        tx.emit(Event(catalog.CHANNEL_CREATE, channel, guild_id=guild.id, channel_id=channel.id))
        named = channel.id
    return {"announcements_channel_id": None if named is None else int(named)}


def _announcement_channel(s: Services, access: GuildAccess) -> Channel:
    """Outside the categories (on top), read by all and written by those who manage the guild."""
    guild = access.guild
    everyone = Overwrite(id=guild.id, type=OverwriteType.ROLE, allow=0, deny=int(READ_ONLY))
    guest_role = guild.guest_role_id if guild.guest_role_id in access.roles else None
    return Channel(
        id=s.ids.next_id(),
        type=ChannelType.GUILD_ANNOUNCEMENT,
        guild_id=guild.id,
        name=ANNOUNCEMENTS_NAME,
        topic=None,
        position=0,
        permission_overwrites=guest_rules.overwrites_for_new_channel(guest_role, [everyone]),
    )
