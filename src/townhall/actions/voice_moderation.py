"""Voice moderation: server mute and deafen shown on the voice state, moving and disconnecting
members (member PATCH), and a stage's speakers and audience (`PATCH .../voice-states/...`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import GuildAccess, guild_access, member_context
from townhall.actions.services import Services, Transaction
from townhall.actions.voice import emit_voice_state, end_voice_state, left_channel
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.event_data import VoiceStateChange
from townhall.domain.models import Channel, ChannelType, Member
from townhall.domain.permissions import Permission, channel_permissions, has
from townhall.domain.voice import suppressed_on_join
from townhall.store import channels as channel_store
from townhall.store import members as member_store
from townhall.store import voice_states as voice_store


async def member_voice_changed(tx: Transaction, member: Member) -> None:
    """Server mute or deafen changed: a connected member's voice state shows it."""
    state = await voice_store.get_voice_state(tx.conn, member.guild_id, member.user.id)
    if state is not None:
        await emit_voice_state(tx, VoiceStateChange(state, member))


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
        await end_voice_state(tx, state, target)
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
    await emit_voice_state(tx, change)
    await left_channel(tx, state.channel_id)


async def _voice_channel(conn: AsyncConnection, guild_id: int, channel_id: int) -> Channel:
    channel = await channel_store.get_channel(conn, channel_id)
    if channel is None or channel.guild_id != guild_id:
        raise errors.InvalidFormBody.field("channel_id", "Unknown channel.", "CHANNEL_INVALID")
    if not channel.type.is_voice:
        raise errors.InvalidFormBody.field(
            "channel_id", "The channel is not a voice channel.", "CHANNEL_TYPE_INVALID"
        )
    return channel


@dataclass(frozen=True, slots=True)
class StagePatch:
    """`PATCH /guilds/{id}/voice-states/@me|{user}` in a stage channel."""

    channel_id: int
    suppress: bool | None = None
    request_to_speak: bool | None = None
    """True raises the hand (now), False lowers it; only for oneself."""


async def update_stage_voice_state(
    s: Services, actor: Actor, guild_id: int, user_id: int, patch: StagePatch
) -> None:
    """Speakers and audience of a stage: anyone may step down or raise a hand (with
    REQUEST_TO_SPEAK); bringing someone up, oneself included, needs MUTE_MEMBERS, as on
    Discord. The person must be connected to that stage channel."""
    now = s.now()
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, now, s.cache)
        state = await voice_store.get_voice_state(tx.conn, guild_id, user_id)
        channel = await channel_store.get_channel(tx.conn, patch.channel_id)
        if channel is None or channel.guild_id != guild_id:
            raise errors.UnknownChannel()
        if channel.type is not ChannelType.GUILD_STAGE_VOICE:
            raise errors.CannotExecuteOnChannelType()
        if state is None or state.channel_id != channel.id:
            raise errors.UnknownVoiceState()
        permissions = access.in_channel(channel)
        own = user_id == actor.id
        if not own and patch.request_to_speak is not None:
            raise errors.InvalidFormBody.field(
                "request_to_speak_timestamp", "Only for your own voice state.", "BASE_TYPE_INVALID"
            )
        moderating = not own or patch.suppress is False
        if moderating and not has(permissions, Permission.MUTE_MEMBERS):
            raise errors.MissingPermissions()
        changed = state
        if patch.suppress is not None:
            changed = replace(changed, suppress=patch.suppress)
            if patch.suppress is False:
                changed = replace(changed, request_to_speak_at=None)
        if patch.request_to_speak is not None:
            if patch.request_to_speak and not has(permissions, Permission.REQUEST_TO_SPEAK):
                raise errors.MissingPermissions()
            changed = replace(changed, request_to_speak_at=now if patch.request_to_speak else None)
        if changed == state:
            return
        member = access.member
        if not own:
            found = await member_store.get_member(tx.conn, guild_id, user_id)
            if found is None:
                raise errors.UnknownMember()
            member = found
        await voice_store.put_voice_state(tx.conn, changed)
        await emit_voice_state(tx, VoiceStateChange(changed, member))
