"""What guests see, set up through ordinary roles and overwrites: the community's Guest role, the
channels it opens, and the member list a guest is shown.

Guests get no permission engine of their own. The Guest role hides every channel from them (one
overwrite per channel, put when guests are enabled and on each new channel) and a guest link opens
its channel to them; from there the community changes the role like any other, and the gateway,
which knows nothing of guests, filters their events as it filters everyone's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import GuildAccess, member_context
from townhall.actions.services import Services, Transaction
from townhall.domain import guests as rules
from townhall.domain.event_data import GuildView
from townhall.domain.models import Channel, Guild, Member, Role
from townhall.domain.permissions import Permission, has
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import guests as guest_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store

NEW_ROLE_POSITION = 1
"""Just above @everyone, as Discord puts a new role."""


async def ensure_guest_role(
    tx: Transaction, s: Services, guild: Guild, roles: dict[int, Role]
) -> tuple[int, bool]:
    """The community's Guest role, made (with an overwrite hiding every channel) if it has none
    or it was deleted: (its id, whether it was made now). The caller stores the id on the guild."""
    if guild.guest_role_id is not None and guild.guest_role_id in roles:
        return guild.guest_role_id, False
    role = Role(
        id=s.ids.next_id(),
        guild_id=guild.id,
        name=rules.ROLE_NAME,
        permissions=rules.ROLE_PERMISSIONS,
        position=NEW_ROLE_POSITION,
    )
    await guild_store.make_room_for_role(tx.conn, guild.id, NEW_ROLE_POSITION)
    await guild_store.insert_role(tx.conn, role)
    tx.emit(Event(catalog.GUILD_ROLE_CREATE, role, guild_id=guild.id))
    moved = sorted(
        (r for r in roles.values() if not r.is_everyone and r.position >= NEW_ROLE_POSITION),
        key=lambda r: (r.position, r.id),
    )
    for other in moved:
        bumped = await guild_store.get_role(tx.conn, guild.id, other.id)
        if bumped is not None:
            tx.emit(Event(catalog.GUILD_ROLE_UPDATE, bumped, guild_id=guild.id))
    for channel in await channel_store.channels_of_guild(tx.conn, guild.id):
        await channel_store.put_overwrite(tx.conn, channel.id, rules.hidden_overwrite(role.id))
        await _channel_changed(tx, channel.id)
    return role.id, True


async def guild_with_guest_role(tx: Transaction, guild_id: int, role_id: int) -> None:
    """Store the Guest role on the guild and tell everyone (GUILD_UPDATE)."""
    await guild_store.update_guild(tx.conn, guild_id, {"guest_role_id": role_id})
    guild = await guild_store.get_guild(tx.conn, guild_id)
    assert guild is not None
    roles = await guild_store.roles_of_guild(tx.conn, guild_id)
    tx.emit(Event(catalog.GUILD_UPDATE, GuildView(guild, roles), guild_id=guild_id))


async def open_to_guests(tx: Transaction, channel: Channel, role_id: int) -> None:
    """A guest link's channel: guests read and write there, unless the community already set
    the Guest role's overwrite on it some other way."""
    overwrite = rules.overwrite_for_link(role_id, channel.permission_overwrites)
    if overwrite is None:
        return
    await channel_store.put_overwrite(tx.conn, channel.id, overwrite)
    await _channel_changed(tx, channel.id)


async def _channel_changed(tx: Transaction, channel_id: int) -> None:
    updated = await channel_store.get_channel(tx.conn, channel_id)
    assert updated is not None
    tx.emit(
        Event(catalog.CHANNEL_UPDATE, updated, guild_id=updated.guild_id, channel_id=updated.id)
    )


async def members_in_view(
    conn: AsyncConnection,
    access: GuildAccess,
    now: datetime,
    *,
    after: int = 0,
    limit: int = 1000,
    among: list[Member] | None = None,
) -> list[Member]:
    """A guest's member list: the members (`among` these, else all after `after`) who can view
    one of the channels the guest can view, at most `limit`."""
    channels = await channel_store.channels_of_guild(conn, access.guild.id)
    mine = [
        c.permission_overwrites
        for c in channels
        if has(access.in_channel(c), Permission.VIEW_CHANNEL)
    ]
    if among is None:
        among = await member_store.list_members(conn, access.guild.id, after=after, limit=1_000_000)
    contexts = [member_context(access.guild, m, access.roles, now) for m in among]
    seen = set(rules.members_in_view(mine, contexts))
    return [m for m in among if m.user.id in seen][:limit]


async def note_activity(s: Services, user_id: int) -> None:
    """A guest opened or resumed a gateway session: their idle time starts again. Written at
    most once per `ACTIVITY_STEP_MS` (a read otherwise); the write's own condition keeps two
    nodes from writing the same step twice."""
    now_ms = s.now_ms()
    async with s.engine.connect() as conn:
        guest = await guest_store.get_guest(conn, user_id)
    if guest is None or not rules.activity_is_news(guest.last_active_at, now_ms):
        return
    async with s.write() as tx:
        await guest_store.note_activity(
            tx.conn, user_id, now_ms, before_ms=now_ms - rules.ACTIVITY_STEP_MS
        )
