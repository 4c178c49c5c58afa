"""Test setup written straight to the store: roles, overwrites, slowmode, timeouts, old messages.

The message tests need these states without depending on the routes that make them (roles,
channels and members have their own tests); what the tests then assert goes through the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI

from tests.conftest import direct_write
from townhall.actions.services import Services
from townhall.domain.models import Channel, ChannelType, Guild, Message, Role, User
from townhall.domain.permissions import Overwrite, OverwriteType
from townhall.domain.private_channels import dm_key
from townhall.domain.snowflake import DISCORD_EPOCH_MS
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store
from townhall.store import messages as message_store
from townhall.store.rows import to_millis


def services(app: FastAPI) -> Services:
    found: Services = app.state.services
    return found


async def overwrite(
    app: FastAPI,
    channel_id: str,
    target_id: str | int,
    *,
    allow: int = 0,
    deny: int = 0,
    member: bool = False,
) -> None:
    """Put a channel overwrite for a role (the guild id means @everyone) or a member."""
    kind = OverwriteType.MEMBER if member else OverwriteType.ROLE
    async with direct_write(services(app)) as conn:
        await channel_store.put_overwrite(
            conn, int(channel_id), Overwrite(int(target_id), kind, allow, deny)
        )


async def give_role(
    app: FastAPI,
    guild_id: str,
    user_ids: list[int],
    permissions: int,
    *,
    mentionable: bool = False,
    position: int = 1,
) -> int:
    """Create a role with `permissions`, give it to the users, return its id."""
    s = services(app)
    role_id = s.ids.next_id()
    role = Role(
        id=role_id,
        guild_id=int(guild_id),
        name=f"role-{role_id}",
        permissions=permissions,
        position=position,
        mentionable=mentionable,
    )
    async with direct_write(s) as conn:
        await guild_store.insert_role(conn, role)
        for user_id in user_ids:
            await member_store.add_member_role(conn, int(guild_id), user_id, role_id)
    return role_id


async def set_everyone_permissions(app: FastAPI, guild_id: str, permissions: int) -> None:
    async with direct_write(services(app)) as conn:
        await guild_store.update_role(conn, int(guild_id), {"permissions": permissions})


async def set_slowmode(app: FastAPI, channel_id: str, seconds: int) -> None:
    async with direct_write(services(app)) as conn:
        await channel_store.update_channel(conn, int(channel_id), {"rate_limit_per_user": seconds})


async def time_out(app: FastAPI, guild_id: str, user_id: int) -> None:
    until = datetime.now().astimezone() + timedelta(hours=1)
    async with direct_write(services(app)) as conn:
        await member_store.update_member(
            conn, int(guild_id), user_id, {"communication_disabled_until": to_millis(until)}
        )


async def old_message(
    app: FastAPI, channel_id: str, guild_id: str | None, author_id: int, age: timedelta
) -> str:
    """A message written `age` ago (its snowflake says so), stored directly."""
    moment = datetime.now().astimezone() - age
    message_id = (to_millis(moment) - DISCORD_EPOCH_MS) << 22
    message = Message(
        id=message_id,
        channel_id=int(channel_id),
        guild_id=int(guild_id) if guild_id else None,
        author=User(id=author_id, username="unused"),
        content="from long ago",
    )
    async with direct_write(services(app)) as conn:
        await message_store.insert_message(conn, message)
    return str(message_id)


async def channel(app: FastAPI, guild_id: str, kind: ChannelType, name: str = "extra") -> str:
    """A guild channel of any type, as the channel routes would make it."""
    s = services(app)
    made = Channel(id=s.ids.next_id(), type=kind, guild_id=int(guild_id), name=name)
    async with direct_write(s) as conn:
        await channel_store.insert_channel(conn, made)
    return str(made.id)


async def dm(app: FastAPI, user_id: int, other_id: int) -> str:
    """The DM channel of two users, who share a guild so that they may write to each other."""
    s = services(app)
    made = Channel(id=s.ids.next_id(), type=ChannelType.DM, recipient_ids=(user_id, other_id))
    shared = Guild(id=s.ids.next_id(), name="Shared", owner_id=user_id)
    async with direct_write(s) as conn:
        await guild_store.insert_guild(conn, shared)
        for member in (user_id, other_id):
            await member_store.insert_member(conn, shared.id, member, s.now_ms())
        await channel_store.insert_channel(conn, made, dm_key=dm_key(user_id, other_id))
    return str(made.id)
