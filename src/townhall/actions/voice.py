"""Voice states: join, move, change and leave voice channels; moderators move and disconnect.

A voice state belongs to the gateway session that joined (gateway op 4) and to the process that
holds that session (`holder`, its node lease): when the session ends the person leaves, and when a
process dies its states are cleared by the `voice.sweep` job once its lease has run out. Every
change is one VOICE_STATE_UPDATE, stored with the change (the outbox), so each node's guild replica
and every client see the same voice channels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import GuildAccess, channel_access, guild_access, member_context
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.event_data import VoiceStateChange
from townhall.domain.models import Channel, Member, VoiceState
from townhall.domain.permissions import Permission, channel_permissions, has
from townhall.domain.voice import require_may_join, suppressed_on_join
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import members as member_store
from townhall.store import voice_states as voice_store

SWEEP_EVERY_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class VoiceRequest:
    """Gateway op 4, as the client sent it."""

    guild_id: int
    channel_id: int | None
    self_mute: bool = False
    self_deaf: bool = False
    self_video: bool = False


def _event(change: VoiceStateChange) -> Event[VoiceStateChange]:
    return Event(catalog.VOICE_STATE_UPDATE, change, guild_id=change.state.guild_id)


async def get_voice_state(
    s: Services, actor: Actor, guild_id: int, user_id: int
) -> tuple[VoiceState, Member]:
    """Someone's voice state, for members who can see the channel they are in (else 10065)."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        state = await voice_store.get_voice_state(conn, guild_id, user_id)
        member = await member_store.get_member(conn, guild_id, user_id)
        if state is None or member is None:
            raise errors.UnknownVoiceState()
        channel = await channel_store.get_channel(conn, state.channel_id)
        if channel is None or not has(access.in_channel(channel), Permission.VIEW_CHANNEL):
            raise errors.UnknownVoiceState()
    return state, member


async def update_voice_state(
    s: Services, actor: Actor, session_id: str, request: VoiceRequest
) -> VoiceState | None:
    """Join, move, change self mute/deaf/video, or (no channel) leave; the new state or None.

    A refused join raises and changes nothing. A person (not a bot) is in one voice channel at a
    time: joining one leaves any other, in any guild, as Discord's clients do.
    """
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, request.guild_id, s.now(), s.cache)
        member = access.member
        current = await voice_store.get_voice_state(tx.conn, request.guild_id, actor.id)
        if request.channel_id is None:
            if current is not None:
                await _leave(tx, current, member)
            return None
        target = await channel_access(tx.conn, actor.user, request.channel_id, s.now(), s.cache)
        channel = target.channel
        if channel.guild_id != request.guild_id:
            raise errors.UnknownChannel()
        inside = current is not None and current.channel_id == channel.id
        if not inside:
            occupants = await voice_store.count_in_channel(tx.conn, channel.id)
            require_may_join(target.permissions, channel, occupants, already_inside=False)
        state = VoiceState(
            guild_id=request.guild_id,
            channel_id=channel.id,
            user_id=actor.id,
            session_id=session_id,
            self_mute=request.self_mute or request.self_deaf,
            self_deaf=request.self_deaf,
            self_video=request.self_video and has(target.permissions, Permission.STREAM),
            self_stream=current.self_stream if inside and current is not None else False,
            suppress=(
                current.suppress
                if inside and current is not None
                else suppressed_on_join(target.permissions, channel)
            ),
            request_to_speak_at=current.request_to_speak_at if inside and current else None,
        )
        if state == current:
            return state
        if not actor.user.bot and current is None:
            for elsewhere in await voice_store.voice_states_of_user(tx.conn, actor.id):
                if elsewhere.guild_id != request.guild_id:
                    other = await member_store.get_member(tx.conn, elsewhere.guild_id, actor.id)
                    if other is not None:
                        await _leave(tx, elsewhere, other)
        await voice_store.put_voice_state(tx.conn, state, s.relay.owner)
        previous = current.channel_id if current is not None and not inside else None
        tx.emit(_event(VoiceStateChange(state, member, previous_channel_id=previous)))
    return state


async def _leave(tx: Transaction, state: VoiceState, member: Member) -> None:
    await voice_store.delete_voice_state(tx.conn, state.guild_id, state.user_id)
    change = VoiceStateChange(state, member, left=True, previous_channel_id=state.channel_id)
    tx.emit(_event(change))


async def leave_voice_of_session(s: Services, session_id: str) -> None:
    """The gateway session ended: its voice states end with it."""
    async with s.engine.connect() as conn:
        if not await voice_store.voice_states_of_session(conn, session_id):
            return
    async with s.write() as tx:
        for state in await voice_store.voice_states_of_session(tx.conn, session_id):
            await leave_voice(tx, state.guild_id, state.user_id)


async def leave_voice(tx: Transaction, guild_id: int, user_id: int) -> None:
    """Within another change (a member removed, a channel deleted): end their voice state."""
    state = await voice_store.get_voice_state(tx.conn, guild_id, user_id)
    if state is None:
        return
    member = await member_store.get_member(tx.conn, guild_id, user_id)
    if member is None:
        await voice_store.delete_voice_state(tx.conn, guild_id, user_id)
        return
    await _leave(tx, state, member)


async def empty_channel(tx: Transaction, channel: Channel) -> None:
    """A voice channel about to be deleted: everyone in it leaves first."""
    if channel.guild_id is None or not channel.type.is_voice:
        return
    for state in await voice_store.voice_states_in_channel(tx.conn, channel.id):
        await leave_voice(tx, channel.guild_id, state.user_id)


async def member_voice_changed(tx: Transaction, member: Member) -> None:
    """Server mute or deafen changed: a connected member's voice state shows it."""
    state = await voice_store.get_voice_state(tx.conn, member.guild_id, member.user.id)
    if state is not None:
        tx.emit(_event(VoiceStateChange(state, member)))


async def move_member(
    tx: Transaction,
    access: GuildAccess,
    target: Member,
    channel_id: int | None,
    now: datetime,
) -> None:
    """Member PATCH `channel_id`: MOVE_MEMBERS; into a channel both may connect to; None
    disconnects. The member must be connected (40032)."""
    access.require(Permission.MOVE_MEMBERS)
    guild_id = access.guild.id
    state = await voice_store.get_voice_state(tx.conn, guild_id, target.user.id)
    if state is None:
        raise errors.TargetNotInVoice()
    if channel_id is None:
        await _leave(tx, state, target)
        return
    if channel_id == state.channel_id:
        return
    channel = await _voice_channel(tx.conn, guild_id, channel_id)
    mover = access.in_channel(channel)
    moved = channel_permissions(
        member_context(access.guild, target, access.roles, now), channel.permission_overwrites
    )
    needed = Permission.VIEW_CHANNEL | Permission.CONNECT
    if not has(mover, needed) or not has(moved, needed):
        raise errors.MissingPermissions()
    moved_state = replace(
        state,
        channel_id=channel.id,
        suppress=suppressed_on_join(moved, channel),
        request_to_speak_at=None,
    )
    await voice_store.put_voice_state(tx.conn, moved_state)
    change = VoiceStateChange(moved_state, target, previous_channel_id=state.channel_id)
    tx.emit(_event(change))


async def _voice_channel(conn: AsyncConnection, guild_id: int, channel_id: int) -> Channel:
    channel = await channel_store.get_channel(conn, channel_id)
    if channel is None or channel.guild_id != guild_id:
        raise errors.InvalidFormBody.field("channel_id", "Unknown channel.", "CHANNEL_INVALID")
    if not channel.type.is_voice:
        raise errors.InvalidFormBody.field(
            "channel_id", "The channel is not a voice channel.", "CHANNEL_TYPE_INVALID"
        )
    return channel


async def sweep_voice_states(s: Services) -> int:
    """States of processes that died (no live node lease): those people left. Returns how many."""
    async with s.engine.connect() as conn:
        orphans = await voice_store.orphaned_voice_states(conn, s.now_ms())
    if not orphans:
        return 0
    async with s.write() as tx:
        for state in await voice_store.orphaned_voice_states(tx.conn, s.now_ms()):
            await leave_voice(tx, state.guild_id, state.user_id)
    return len(orphans)


@job("voice.sweep", every_seconds=SWEEP_EVERY_SECONDS)
async def sweep(s: Services, _payload: Payload) -> None:
    await sweep_voice_states(s)
