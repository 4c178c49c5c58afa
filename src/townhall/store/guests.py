"""Guest accounts: who is a guest until when, and the queries that erase a guest's traces."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.guests import IS_GUEST
from townhall.domain.permissions import OverwriteType
from townhall.domain.private_channels import dm_key
from townhall.domain.snowflake import snowflake_time
from townhall.store.rows import to_millis
from townhall.store.schema import (
    attachments,
    channels,
    guests,
    guilds,
    member_roles,
    members,
    messages,
    permission_overwrites,
    reactions,
    sign_in_failures,
    uploads,
    users,
)


@dataclass(frozen=True, slots=True)
class Guest:
    user_id: int
    guild_id: int
    invite_code: str
    expires_at: int
    last_active_at: int
    ended: bool
    created_at: int
    """When the guest joined."""


@dataclass(frozen=True, slots=True)
class GuestStanding:
    """A guest with what decides whether its time is up (for the sweep)."""

    guest: Guest
    inactivity_days: int
    """The community's setting; the default when the community is gone."""
    member: bool
    """Still a member of the community (a kick, a ban or leaving ends a guest)."""
    last_message_at: int | None


def _guest(row: Row[Any]) -> Guest:
    return Guest(
        user_id=row.user_id,
        guild_id=row.guild_id,
        invite_code=row.invite_code,
        expires_at=row.expires_at,
        last_active_at=row.last_active_at,
        ended=bool(row.ended),
        created_at=row.created_at,
    )


async def insert_guest(
    conn: AsyncConnection,
    user_id: int,
    guild_id: int,
    invite_code: str,
    *,
    expires_at_ms: int,
    now_ms: int,
) -> None:
    await conn.execute(
        insert(guests).values(
            user_id=user_id,
            guild_id=guild_id,
            invite_code=invite_code,
            expires_at=expires_at_ms,
            last_active_at=now_ms,
            created_at=now_ms,
        )
    )


async def get_guest(conn: AsyncConnection, user_id: int) -> Guest | None:
    row = (await conn.execute(select(guests).where(guests.c.user_id == user_id))).first()
    return _guest(row) if row is not None else None


async def guests_of_guild(conn: AsyncConnection, guild_id: int) -> list[Guest]:
    query = select(guests).where(guests.c.guild_id == guild_id).order_by(guests.c.user_id)
    return [_guest(row) for row in await conn.execute(query)]


async def note_activity(
    conn: AsyncConnection, user_id: int, now_ms: int, *, before_ms: int
) -> None:
    """The guest was active at `now_ms`, written only if the last record is from before
    `before_ms`."""
    await conn.execute(
        update(guests)
        .where(guests.c.user_id == user_id, guests.c.last_active_at < before_ms)
        .values(last_active_at=now_ms)
    )


async def mark_ended(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(update(guests).where(guests.c.user_id == user_id).values(ended=True))


async def keep_account(conn: AsyncConnection, user_id: int) -> list[int]:
    """The guest kept their account: no more expiry, no more IS_GUEST member flag. Returns the
    guilds whose membership changed."""
    await conn.execute(delete(guests).where(guests.c.user_id == user_id))
    mine = members.c.user_id == user_id
    found = [
        row[0]
        for row in await conn.execute(
            select(members.c.guild_id).where(mine, members.c.flags.op("&")(IS_GUEST) != 0)
        )
    ]
    if found:
        await conn.execute(
            update(members)
            .where(mine, members.c.guild_id.in_(found))
            .values(flags=members.c.flags.op("&")(~IS_GUEST))
        )
    return found


async def standings(conn: AsyncConnection, guild_id: int | None = None) -> list[GuestStanding]:
    """Every guest (of one community, if given), with their community's idle limit, membership
    and last message."""
    last_message = (
        select(func.max(messages.c.id))
        .where(messages.c.author_id == guests.c.user_id)
        .scalar_subquery()
    )
    is_member = exists().where(
        and_(members.c.user_id == guests.c.user_id, members.c.guild_id == guests.c.guild_id)
    )
    query = select(
        guests,
        guilds.c.guest_inactivity_days,
        is_member.label("is_member"),
        last_message.label("last_message_id"),
    ).select_from(guests.outerjoin(guilds, guilds.c.id == guests.c.guild_id))
    if guild_id is not None:
        query = query.where(guests.c.guild_id == guild_id)
    found = []
    for row in await conn.execute(query.order_by(guests.c.user_id)):
        last = row.last_message_id
        found.append(
            GuestStanding(
                guest=_guest(row),
                inactivity_days=row.guest_inactivity_days or 0,
                member=bool(row.is_member),
                last_message_at=to_millis(snowflake_time(last)) if last else None,
            )
        )
    return found


async def recipient_wrote_first(conn: AsyncConnection, guest_id: int, recipient_id: int) -> bool:
    """The recipient has written to the guest in their DM."""
    query = select(
        exists().where(
            and_(
                channels.c.dm_key == dm_key(guest_id, recipient_id),
                messages.c.channel_id == channels.c.id,
                messages.c.author_id == recipient_id,
            )
        )
    )
    return bool((await conn.execute(query)).scalar())


# -- erasure ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trace:
    """One reaction or message of the guest, with where it is (for the event that removes it)."""

    message_id: int
    channel_id: int
    guild_id: int | None
    emoji: str = ""


async def reactions_of(conn: AsyncConnection, user_id: int, *, limit: int) -> list[Trace]:
    query = (
        select(
            reactions.c.message_id, reactions.c.channel_id, channels.c.guild_id, reactions.c.emoji
        )
        .select_from(reactions.outerjoin(channels, channels.c.id == reactions.c.channel_id))
        .where(reactions.c.user_id == user_id)
        .order_by(reactions.c.message_id, reactions.c.emoji)
        .limit(limit)
    )
    return [Trace(row[0], row[1], row[2], row[3]) for row in await conn.execute(query)]


async def delete_reactions(conn: AsyncConnection, user_id: int, found: Collection[Trace]) -> None:
    for trace in found:
        await conn.execute(
            delete(reactions).where(
                reactions.c.user_id == user_id,
                reactions.c.message_id == trace.message_id,
                reactions.c.emoji == trace.emoji,
            )
        )


async def messages_of(conn: AsyncConnection, author_id: int, *, limit: int) -> list[Trace]:
    query = (
        select(messages.c.id, messages.c.channel_id, messages.c.guild_id)
        .where(messages.c.author_id == author_id)
        .order_by(messages.c.id)
        .limit(limit)
    )
    return [Trace(row[0], row[1], row[2]) for row in await conn.execute(query)]


async def delete_messages(conn: AsyncConnection, message_ids: Collection[int]) -> None:
    """Their reactions and nonce claims go with them (foreign keys)."""
    if message_ids:
        await conn.execute(delete(messages).where(messages.c.id.in_(list(message_ids))))


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: int
    keys: tuple[str, ...]


async def files_of(conn: AsyncConnection, uploader_id: int, *, limit: int) -> list[StoredFile]:
    """The guest's files, on a message or not: erasure removes their bytes and rows itself."""
    query = (
        select(attachments.c.id, attachments.c.storage_key, attachments.c.preview_key)
        .where(attachments.c.uploader_id == uploader_id)
        .order_by(attachments.c.id)
        .limit(limit)
    )
    return [
        StoredFile(row.id, tuple(k for k in (row.storage_key, row.preview_key) if k))
        for row in await conn.execute(query)
    ]


async def upload_ids(conn: AsyncConnection, uploader_id: int) -> list[str]:
    query = select(uploads.c.id).where(uploads.c.uploader_id == uploader_id)
    return [row[0] for row in await conn.execute(query)]


async def delete_uploads(conn: AsyncConnection, upload_ids: Collection[str]) -> None:
    if upload_ids:
        await conn.execute(delete(uploads).where(uploads.c.id.in_(list(upload_ids))))


async def channels_with_member_overwrite(conn: AsyncConnection, user_id: int) -> list[int]:
    query = select(permission_overwrites.c.channel_id).where(
        permission_overwrites.c.target_id == user_id,
        permission_overwrites.c.type == int(OverwriteType.MEMBER),
    )
    return sorted(row[0] for row in await conn.execute(query))


async def delete_member_overwrites(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(
        delete(permission_overwrites).where(
            permission_overwrites.c.target_id == user_id,
            permission_overwrites.c.type == int(OverwriteType.MEMBER),
        )
    )


async def delete_account(conn: AsyncConnection, user_id: int) -> None:
    """The user row, and the rows that name the user without a foreign key; the rest (tokens,
    memberships, read states, settings, DM recipients, the guest row) go with the user."""
    await conn.execute(delete(member_roles).where(member_roles.c.user_id == user_id))
    await conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == f"user:{user_id}"))
    await conn.execute(delete(users).where(users.c.id == user_id))


async def is_open(conn: AsyncConnection, user_id: int) -> bool:
    """A guest whose access has not ended (who may still keep the account)."""
    query = select(guests.c.user_id).where(guests.c.user_id == user_id, guests.c.ended.is_(False))
    return (await conn.execute(query)).first() is not None
