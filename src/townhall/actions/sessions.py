"""What the gateway reads when a session starts or a node loads a guild; no state changes here.

These are reads, but they live beside the other use cases so the gateway never touches SQL.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import accounts, guest_access
from townhall.actions.services import Services
from townhall.actions.user_settings import personal_state
from townhall.domain import guests as guest_rules
from townhall.domain.event_data import CallView
from townhall.domain.models import Channel, Guild, Member, Role, StageInstance, User, VoiceState
from townhall.domain.notifications import PersonalState
from townhall.domain.scheduled_events import ScheduledEvent
from townhall.domain.threads import ThreadMember
from townhall.store import calls as call_store
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store
from townhall.store import scheduled_events as scheduled_event_store
from townhall.store import stage_instances as stage_store
from townhall.store import threads as thread_store
from townhall.store import users as user_store
from townhall.store import voice_states as voice_store


@dataclass(frozen=True, slots=True)
class GuildSnapshot:
    """Everything a node's replica of a guild starts from, read in one consistent view."""

    guild: Guild
    version: int
    roles: list[Role]
    channels: list[Channel]
    members: list[Member]
    voice_states: list[VoiceState]
    stages: list[StageInstance]
    scheduled_events: list[ScheduledEvent] = field(default_factory=list)
    threads: list[Channel] = field(default_factory=list)
    """Every thread of the guild, active or archived (docs/threads.md)."""
    thread_members: list[ThreadMember] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PrivateChannel:
    channel: Channel
    recipients: list[User]


@dataclass(frozen=True, slots=True)
class Opening:
    """What a session reads once it is registered, beside its guilds' replicas."""

    guild_ids: list[int]
    private_channels: list[PrivateChannel]
    personal: PersonalState | None
    """Read states and settings; None for bots, which have neither."""
    calls: list[CallView] = field(default_factory=list)
    """Calls going on in the user's DMs and group DMs (CALL_CREATE follows READY)."""


def session_token_hash(token: str) -> bytes:
    """The stored form of a gateway token (`Bot ` prefix tolerated, as discord.js may send it)."""
    return accounts.token_hash(token.removeprefix("Bot ").removeprefix("Bearer ").strip())


async def identify(s: Services, token: str) -> User | None:
    """The token's user; a guest's IDENTIFY or RESUME (both come here) counts as activity
    (domain/guests.py)."""
    token = token.removeprefix("Bot ").removeprefix("Bearer ").strip()
    user = await accounts.authenticate(s, token) if token else None
    if user is not None and guest_rules.is_guest(user):
        await guest_access.note_activity(s, user.id)
    return user


async def token_still_valid(s: Services, hashed: bytes) -> bool:
    async with s.engine.connect() as conn:
        return await user_store.user_for_token(conn, hashed) is not None


async def opening(s: Services, user: User, *, direct_messages: bool) -> Opening:
    """The user's guilds, DMs (if the session receives them) and personal state, in one
    connection: a few prebuilt queries, as a reconnect storm runs this thousands of times."""
    async with s.engine.connect() as conn:
        memberships = await guild_store.memberships_of_user(conn, user.id)
        private = []
        if direct_messages and not user.bot:
            private = await _private_channels(conn, user)
        personal = None
        calls: list[CallView] = []
        if not user.bot:
            restricted = sorted(guild_id for guild_id, no_dms in memberships if no_dms)
            personal = await personal_state(conn, s, user.id, restricted)
            calls = await _calls(conn, [p.channel.id for p in private])
    return Opening([guild_id for guild_id, _ in memberships], private, personal, calls)


async def _calls(conn: AsyncConnection, channel_ids: list[int]) -> list[CallView]:
    found = await call_store.calls_of_channels(conn, channel_ids)
    if not found:
        return []
    inside = await voice_store.voice_states_of_calls(conn, [c.channel_id for c in found])
    return [CallView(c, tuple(inside.get(c.channel_id, ()))) for c in found]


async def guild_snapshots(s: Services, guild_ids: Collection[int]) -> dict[int, GuildSnapshot]:
    """Several guilds for the gateway's replicas: a few queries however many guilds."""
    async with s.db.snapshot() as conn:
        found = await guild_store.guilds_with_versions(conn, guild_ids)
        ids = [guild.id for guild, _version in found]
        roles = await guild_store.roles_of_guilds(conn, ids)
        channels = await channel_store.channels_of_guilds(conn, ids)
        members = await member_store.members_of_guilds(conn, ids)
        voice = await voice_store.voice_states_of_guilds(conn, ids)
        stages = await stage_store.stages_of_guilds(conn, ids)
        scheduled = await scheduled_event_store.unfinished_events_of_guilds(conn, ids)
        threads = await thread_store.threads_of_guilds(conn, ids)
        thread_members = await thread_store.members_of_guilds(conn, ids)
    return {
        guild.id: GuildSnapshot(
            guild,
            version,
            sorted(roles[guild.id].values(), key=lambda r: (r.position, r.id)),
            channels[guild.id],
            members[guild.id],
            voice.get(guild.id, []),
            stages.get(guild.id, []),
            scheduled.get(guild.id, []),
            threads.get(guild.id, []),
            thread_members.get(guild.id, []),
        )
        for guild, version in found
    }


async def member_chunk(
    s: Services,
    guild_id: int,
    *,
    query: str | None,
    limit: int,
    user_ids: list[int] | None,
) -> list[Member]:
    """Members for REQUEST_GUILD_MEMBERS: by id, by username prefix, or everyone (limit 0)."""
    async with s.engine.connect() as conn:
        if user_ids is not None:
            return await member_store.list_members(conn, guild_id, user_ids=user_ids[:100])
        return await member_store.list_members(
            conn, guild_id, limit=limit or 1_000_000, username_prefix=query or None
        )


async def _private_channels(conn: AsyncConnection, user: User) -> list[PrivateChannel]:
    found = await channel_store.private_channels_of_user(conn, user.id)
    if not found:
        return []
    users = await user_store.get_users(conn, {uid for c in found for uid in c.recipient_ids})
    return [
        PrivateChannel(
            c, [users[uid] for uid in c.recipient_ids if uid != user.id and uid in users]
        )
        for c in found
    ]


async def is_member(s: Services, guild_id: int, user_id: int) -> bool:
    async with s.engine.connect() as conn:
        return await member_store.is_member(conn, guild_id, user_id)
