"""Voice states: join, move within, change and leave voice channels and calls.

A voice state belongs to the gateway session that joined (gateway op 4) and to the process that
holds that session (`holder`, its node lease): when the session ends the person leaves, and when a
process dies its states are cleared by the `voice.sweep` job once its lease has run out. Every
change is one VOICE_STATE_UPDATE, stored with the change (the outbox), so each node's guild replica
and every client see the same voice channels. In a DM or group DM the voice state's scope is the
channel and joining it starts or joins its call (`actions/calls.py`). Moderators' moves and the
stage's speakers are `actions/voice_moderation.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from townhall.actions import calls
from townhall.actions.access import channel_access, guild_access
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.actions.stage_instances import end_stage
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.event_data import VoiceStateChange
from townhall.domain.models import Channel, Member, VoiceState
from townhall.domain.permissions import Permission, has
from townhall.domain.voice import Rights, require_may_join, rights, suppressed_on_join
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import members as member_store
from townhall.store import stage_instances as stage_store
from townhall.store import users as user_store
from townhall.store import voice_states as voice_store

SWEEP_EVERY_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class VoiceRequest:
    """Gateway op 4, as the client sent it (no guild: a DM's call)."""

    guild_id: int | None
    channel_id: int | None
    self_mute: bool = False
    self_deaf: bool = False
    self_video: bool = False


@dataclass(frozen=True, slots=True)
class VoiceStanding:
    """A connected person's voice state, member (None in a call) and permissions in its
    channel: what the voice gateway needs to let them in and to decide what their media may do."""

    state: VoiceState
    member: Member | None
    permissions: int

    @property
    def rights(self) -> Rights:
        return rights(self.permissions, self.member, self.state)


async def voice_standing(s: Services, scope_id: int, user_id: int) -> VoiceStanding | None:
    """None when they are not connected (or can no longer see their channel)."""
    async with s.engine.connect() as conn:
        state = await voice_store.get_voice_state(conn, scope_id, user_id)
        user = await user_store.get_user(conn, user_id) if state is not None else None
        if state is None or user is None:
            return None
        try:
            access = await channel_access(conn, user, state.channel_id, s.now(), s.cache)
        except (errors.MissingAccess, errors.UnknownChannel, errors.UnknownGuild):
            return None
    member = access.guild.member if access.guild is not None else None
    return VoiceStanding(state, member, access.permissions)


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


@dataclass(frozen=True, slots=True)
class VoiceUpdate:
    state: VoiceState | None
    """None: not connected (any more)."""
    changed: bool


async def update_voice_state(
    s: Services, actor: Actor, session_id: str, request: VoiceRequest
) -> VoiceUpdate:
    """Join, move, change self mute/deaf/video, or (no channel) leave.

    A refused join raises and changes nothing; asking for exactly the current state changes
    nothing either (the gateway then issues a fresh voice token). A person (not a bot) is in one
    voice channel or call at a time: joining one leaves any other, as Discord's clients do.
    """
    now = s.now()
    async with s.write() as tx:
        member: Member | None = None
        if request.guild_id is not None:
            member = (
                await guild_access(tx.conn, actor.user, request.guild_id, now, s.cache)
            ).member
        if request.channel_id is None:
            left = False
            for joined in await voice_store.voice_states_of_user(tx.conn, actor.id):
                if joined.guild_id == request.guild_id:
                    await end_voice_state(tx, joined, member)
                    left = True
            return VoiceUpdate(None, left)
        target = await channel_access(tx.conn, actor.user, request.channel_id, now, s.cache)
        channel = target.channel
        if channel.guild_id != request.guild_id:
            raise errors.UnknownChannel()
        scope_id = request.guild_id if request.guild_id is not None else channel.id
        current = await voice_store.get_voice_state(tx.conn, scope_id, actor.id)
        inside = current is not None and current.channel_id == channel.id
        if not inside and channel.guild_id is not None:
            if channel.user_limit:
                await voice_store.hold_channel(tx.conn, channel.id)
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
            return VoiceUpdate(state, False)
        if not actor.user.bot and current is None:
            for elsewhere in await voice_store.voice_states_of_user(tx.conn, actor.id):
                if elsewhere.scope_id != scope_id:
                    await leave_voice(tx, elsewhere.scope_id, actor.id)
        await voice_store.put_voice_state(tx.conn, state, s.relay.owner)
        previous = current.channel_id if current is not None and not inside else None
        await emit_voice_state(tx, VoiceStateChange(state, member, previous_channel_id=previous))
        if channel.guild_id is None and not inside:
            await calls.entered(tx, channel, actor.id, now, s.settings.call_ring_seconds)
        if previous is not None:
            await left_channel(tx, previous)
    return VoiceUpdate(state, True)


async def emit_voice_state(tx: Transaction, change: VoiceStateChange) -> None:
    """VOICE_STATE_UPDATE: for the guild (the hub picks who sees the channel), or for a call's
    recipients."""
    state = change.state
    if state.guild_id is not None:
        tx.emit(Event(catalog.VOICE_STATE_UPDATE, change, guild_id=state.guild_id))
        return
    channel = await channel_store.get_channel(tx.conn, state.channel_id)
    recipients = frozenset(channel.recipient_ids if channel else ()) | {state.user_id}
    tx.emit(Event(catalog.VOICE_STATE_UPDATE, change, user_ids=recipients))


async def end_voice_state(tx: Transaction, state: VoiceState, member: Member | None) -> None:
    """They leave: the state goes, everyone who could see it hears, an empty stage or call
    ends."""
    await voice_store.delete_voice_state(tx.conn, state.scope_id, state.user_id)
    change = VoiceStateChange(state, member, left=True, previous_channel_id=state.channel_id)
    await emit_voice_state(tx, change)
    await left_channel(tx, state.channel_id)


async def left_channel(tx: Transaction, channel_id: int) -> None:
    """Someone left `channel_id`: a stage or a call nobody is in any more ends, as on Discord."""
    channel = await channel_store.get_channel(tx.conn, channel_id)
    if channel is None:
        return
    if channel.guild_id is None:
        await calls.left(tx, channel)
        return
    stage = await stage_store.stage_of_channel(tx.conn, channel_id, lock=True)
    if stage is not None and not await voice_store.count_in_channel(tx.conn, channel_id):
        await end_stage(tx, stage)


async def leave_voice_of_session(s: Services, session_id: str) -> None:
    """The gateway session ended: its voice states end with it."""
    async with s.engine.connect() as conn:
        if not await voice_store.voice_states_of_session(conn, session_id):
            return
    async with s.write() as tx:
        for state in await voice_store.voice_states_of_session(tx.conn, session_id):
            await leave_voice(tx, state.scope_id, state.user_id)


async def leave_voice(tx: Transaction, scope_id: int, user_id: int) -> None:
    """Within another change (a member removed, a channel deleted): end their voice state."""
    state = await voice_store.get_voice_state(tx.conn, scope_id, user_id)
    if state is None:
        return
    member = None
    if state.guild_id is not None:
        member = await member_store.get_member(tx.conn, state.guild_id, user_id)
        if member is None:
            await voice_store.delete_voice_state(tx.conn, scope_id, user_id)
            return
    await end_voice_state(tx, state, member)


async def empty_channel(tx: Transaction, channel: Channel) -> None:
    """A voice channel about to be deleted: everyone in it leaves first."""
    if channel.guild_id is None or not channel.type.is_voice:
        return
    for state in await voice_store.voice_states_in_channel(tx.conn, channel.id):
        await leave_voice(tx, channel.guild_id, state.user_id)


async def sweep_voice_states(s: Services) -> int:
    """States of processes that died (no live node lease): those people left. Returns how many."""
    async with s.engine.connect() as conn:
        orphans = await voice_store.orphaned_voice_states(conn, s.now_ms())
    if not orphans:
        return 0
    async with s.write() as tx:
        for state in await voice_store.orphaned_voice_states(tx.conn, s.now_ms()):
            await leave_voice(tx, state.scope_id, state.user_id)
    return len(orphans)


@job("voice.sweep", every_seconds=SWEEP_EVERY_SECONDS)
async def sweep(s: Services, _payload: Payload) -> None:
    await sweep_voice_states(s)
