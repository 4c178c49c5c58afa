"""Voice states: who is connected to which voice channel, from which session and process."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import RowMapping, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.models import VoiceState
from townhall.store.rows import from_millis, to_millis
from townhall.store.schema import channels, node_leases, voice_states

_COLUMNS = (
    voice_states.c.guild_id,
    voice_states.c.channel_id,
    voice_states.c.user_id,
    voice_states.c.session_id,
    voice_states.c.self_mute,
    voice_states.c.self_deaf,
    voice_states.c.self_video,
    voice_states.c.self_stream,
    voice_states.c.suppress,
    voice_states.c.request_to_speak_at,
)


def _state(row: RowMapping) -> VoiceState:
    return VoiceState(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        session_id=row["session_id"],
        self_mute=row["self_mute"],
        self_deaf=row["self_deaf"],
        self_video=row["self_video"],
        self_stream=row["self_stream"],
        suppress=row["suppress"],
        request_to_speak_at=from_millis(row["request_to_speak_at"]),
    )


def _values(state: VoiceState) -> dict[str, object]:
    at = state.request_to_speak_at
    return {
        "channel_id": state.channel_id,
        "session_id": state.session_id,
        "self_mute": state.self_mute,
        "self_deaf": state.self_deaf,
        "self_video": state.self_video,
        "self_stream": state.self_stream,
        "suppress": state.suppress,
        "request_to_speak_at": to_millis(at) if at is not None else None,
    }


async def get_voice_state(conn: AsyncConnection, scope_id: int, user_id: int) -> VoiceState | None:
    """The person's voice state in a guild, or in the call of a DM channel (`scope_id`)."""
    query = select(*_COLUMNS).where(
        voice_states.c.scope_id == scope_id, voice_states.c.user_id == user_id
    )
    row = (await conn.execute(query)).mappings().first()
    return _state(row) if row is not None else None


async def hold_channel(conn: AsyncConnection, channel_id: int) -> None:
    """Lock the channel's row to the end of the transaction (PostgreSQL; SQLite has one writer):
    of two people joining a channel with one place left at once, the second sees the first."""
    await conn.execute(select(channels.c.id).where(channels.c.id == channel_id).with_for_update())


async def count_in_channel(conn: AsyncConnection, channel_id: int) -> int:
    query = select(func.count()).where(voice_states.c.channel_id == channel_id)
    return int((await conn.execute(query)).scalar_one())


async def put_voice_state(
    conn: AsyncConnection, state: VoiceState, holder: str | None = None
) -> None:
    """Insert or replace the member's voice state in its guild; without `holder`, the state
    stays with the process that holds it (a moderator's move)."""
    values = _values(state) | ({"holder": holder} if holder is not None else {})
    result = await conn.execute(
        update(voice_states)
        .where(voice_states.c.scope_id == state.scope_id, voice_states.c.user_id == state.user_id)
        .values(**values)
    )
    if result.rowcount == 0 and holder is not None:
        await conn.execute(
            insert(voice_states).values(
                scope_id=state.scope_id, guild_id=state.guild_id, user_id=state.user_id, **values
            )
        )


async def delete_voice_state(conn: AsyncConnection, scope_id: int, user_id: int) -> None:
    await conn.execute(
        delete(voice_states).where(
            voice_states.c.scope_id == scope_id, voice_states.c.user_id == user_id
        )
    )


async def voice_states_of_calls(
    conn: AsyncConnection, channel_ids: Collection[int]
) -> dict[int, list[VoiceState]]:
    """Who is in the calls of these DM channels."""
    found: dict[int, list[VoiceState]] = defaultdict(list)
    if channel_ids:
        query = select(*_COLUMNS).where(
            voice_states.c.scope_id.in_(list(channel_ids)), voice_states.c.guild_id.is_(None)
        )
        for row in (await conn.execute(query)).mappings():
            found[row["channel_id"]].append(_state(row))
    return found


async def voice_states_of_guilds(
    conn: AsyncConnection, guild_ids: Collection[int]
) -> dict[int, list[VoiceState]]:
    found: dict[int, list[VoiceState]] = defaultdict(list)
    if guild_ids:
        query = select(*_COLUMNS).where(voice_states.c.guild_id.in_(list(guild_ids)))
        for row in (await conn.execute(query)).mappings():
            found[row["guild_id"]].append(_state(row))
    return found


async def voice_states_of_session(conn: AsyncConnection, session_id: str) -> list[VoiceState]:
    query = select(*_COLUMNS).where(voice_states.c.session_id == session_id)
    return [_state(row) for row in (await conn.execute(query)).mappings()]


async def voice_states_in_channel(conn: AsyncConnection, channel_id: int) -> list[VoiceState]:
    query = select(*_COLUMNS).where(voice_states.c.channel_id == channel_id)
    return [_state(row) for row in (await conn.execute(query)).mappings()]


async def voice_states_of_user(conn: AsyncConnection, user_id: int) -> list[VoiceState]:
    query = select(*_COLUMNS).where(voice_states.c.user_id == user_id)
    return [_state(row) for row in (await conn.execute(query)).mappings()]


async def orphaned_voice_states(
    conn: AsyncConnection, now_ms: int, limit: int = 500
) -> list[VoiceState]:
    """States whose process no longer holds a live node lease: their sessions died with it."""
    live = and_(node_leases.c.holder == voice_states.c.holder, node_leases.c.expires_at > now_ms)
    query = (
        select(*_COLUMNS).where(~select(node_leases.c.node_id).where(live).exists()).limit(limit)
    )
    return [_state(row) for row in (await conn.execute(query)).mappings()]
