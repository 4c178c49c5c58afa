"""Calls in DMs and group DMs: the first to join starts the call and rings the others.

A call exists while anyone is in it. Joining rings every other recipient (CALL_CREATE with
`ringing`); a recipient stops ringing when they join, decline (stop-ringing), or after
`call_ring_seconds` (a minute; a job); anyone in the call may ring someone again. When the last
person leaves, the call ends (CALL_DELETE). Who is in the call are voice states whose scope is
the DM channel; their joining and leaving is `actions/voice.py`, which calls `entered` and `left`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from townhall.actions import push
from townhall.actions.access import ChannelAccess, channel_access
from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.event_data import CallView
from townhall.domain.models import Call, Channel
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import calls as call_store
from townhall.store import channels as channel_store
from townhall.store import voice_states as voice_store
from townhall.store.rows import to_millis


def _stored_millis(moment: datetime) -> int:
    """A moment read back from the database, as the milliseconds it was stored as."""
    return round(moment.timestamp() * 1000)


def _recipients(channel: Channel) -> frozenset[int]:
    return frozenset(channel.recipient_ids)


async def entered(
    tx: Transaction, channel: Channel, user_id: int, now: datetime, ring_seconds: int
) -> None:
    """`user_id` is now in the call of `channel` (their voice state is written): start the call
    and ring the others, or stop ringing them."""
    call = await call_store.get_call(tx.conn, channel.id, lock=True)
    if call is None:
        ringing = tuple(sorted(r for r in channel.recipient_ids if r != user_id))
        call = Call(channel.id, now, ringing)
        await call_store.insert_call(tx.conn, call)
        states = await voice_store.voice_states_in_channel(tx.conn, channel.id)
        view = CallView(call, tuple(states))
        tx.emit(Event(catalog.CALL_CREATE, view, user_ids=_recipients(channel)))
        started = to_millis(now)
        await tx.schedule(
            ring_timeout,
            {"channel_id": channel.id, "started_at": started},
            at_ms=started + ring_seconds * 1000,
        )
        await push.call_ringing(tx, channel, user_id, ringing, started)
    elif user_id in call.ringing:
        await _ring(tx, channel, call, tuple(r for r in call.ringing if r != user_id))


async def left(tx: Transaction, channel: Channel) -> None:
    """Someone left the call of `channel`: the last one out ends it."""
    call = await call_store.get_call(tx.conn, channel.id, lock=True)
    if call is None or await voice_store.count_in_channel(tx.conn, channel.id):
        return
    await call_store.delete_call(tx.conn, channel.id)
    tx.emit(Event(catalog.CALL_DELETE, call, user_ids=_recipients(channel)))


async def _ring(tx: Transaction, channel: Channel, call: Call, ringing: tuple[int, ...]) -> None:
    if ringing == call.ringing:
        return
    await call_store.set_ringing(tx.conn, channel.id, ringing)
    updated = Call(call.channel_id, call.started_at, ringing)
    tx.emit(Event(catalog.CALL_UPDATE, updated, user_ids=_recipients(channel)))


async def _call_of(
    tx: Transaction, s: Services, actor: Actor, channel_id: int
) -> tuple[ChannelAccess, Call]:
    access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
    if access.guild is not None:
        raise errors.CannotExecuteOnChannelType()
    call = await call_store.get_call(tx.conn, channel_id, lock=True)
    if call is None:
        raise errors.InvalidFormBody.field("channel_id", "No call in this channel.", "CALL_INVALID")
    return access, call


def _only_recipients(channel: Channel, user_ids: Collection[int]) -> tuple[int, ...]:
    unknown = [u for u in user_ids if u not in channel.recipient_ids]
    if unknown:
        raise errors.InvalidFormBody.field(
            "recipients", "Not a recipient of this channel.", "USER_INVALID"
        )
    return tuple(user_ids)


async def ring(s: Services, actor: Actor, channel_id: int, recipients: list[int] | None) -> None:
    """Ring recipients (all who are not in the call, without a list); only from inside it."""
    async with s.write() as tx:
        access, call = await _call_of(tx, s, actor, channel_id)
        channel = access.channel
        if await voice_store.get_voice_state(tx.conn, channel_id, actor.id) is None:
            raise errors.MissingPermissions()
        inside = {v.user_id for v in await voice_store.voice_states_in_channel(tx.conn, channel_id)}
        wanted = (
            _only_recipients(channel, recipients)
            if recipients is not None
            else channel.recipient_ids
        )
        ringing = set(call.ringing) | {u for u in wanted if u not in inside}
        await _ring(tx, channel, call, tuple(sorted(ringing)))
        await push.call_ringing(tx, channel, actor.id, ringing - set(call.ringing), s.now_ms())


async def stop_ringing(
    s: Services, actor: Actor, channel_id: int, recipients: list[int] | None
) -> None:
    """Decline (oneself, without a list), or stop ringing others (from inside the call)."""
    async with s.write() as tx:
        access, call = await _call_of(tx, s, actor, channel_id)
        channel = access.channel
        stopped = set(_only_recipients(channel, recipients)) if recipients else {actor.id}
        others = stopped != {actor.id}
        if others and await voice_store.get_voice_state(tx.conn, channel_id, actor.id) is None:
            raise errors.MissingPermissions()
        await _ring(tx, channel, call, tuple(r for r in call.ringing if r not in stopped))


@job("call.ring_timeout")
async def ring_timeout(s: Services, payload: Payload) -> None:
    """Nobody answered within a minute: the call stops ringing (the call itself goes on)."""
    channel_id = int(payload["channel_id"])
    async with s.write() as tx:
        call = await call_store.get_call(tx.conn, channel_id, lock=True)
        if call is None or _stored_millis(call.started_at) != int(payload["started_at"]):
            return  # that call ended; this may be a later one
        channel = await channel_store.get_channel(tx.conn, channel_id)
        if channel is not None:
            await _ring(tx, channel, call, ())
