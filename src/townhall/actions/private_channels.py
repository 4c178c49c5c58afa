"""DMs and group DMs: open, list, rename, close or leave, and add or remove recipients.

Two users share exactly one DM, whoever opens it (stored under `domain.private_channels.dm_key`).
Closing a DM only hides it from the closer's list; opening it again finds the same channel and
history. Anyone may open a DM with anyone who exists, but messages and group DMs reach only people
who accept them (actions/dm_privacy.py: a shared guild they have not restricted).

Every recipient sees the others as `recipients` (never themselves), so each event about a private
channel is published once per recipient with that recipient's view; a group DM has at most ten.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import dm_privacy, voice
from townhall.actions.access import channel_access
from townhall.actions.accounts import token_hash
from townhall.actions.services import Services
from townhall.domain import channels as channel_rules
from townhall.domain import errors
from townhall.domain import guests as guest_rules
from townhall.domain.actor import Actor
from townhall.domain.event_data import PrivateChannelView
from townhall.domain.models import UNSET, Channel, ChannelType, Unset, User
from townhall.domain.private_channels import MAX_GROUP_DM_RECIPIENTS, dm_key
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import channels as channel_store
from townhall.store import users as user_store


def _view(channel: Channel, users: Mapping[int, User], viewer_id: int) -> PrivateChannelView:
    others = tuple(users[i] for i in channel.recipient_ids if i != viewer_id and i in users)
    return PrivateChannelView(channel, others)


PrivateEvent = Event[Channel | PrivateChannelView]


def _events(
    kind: EventType[Channel | PrivateChannelView],
    channel: Channel,
    users: Mapping[int, User],
    audience: Collection[int],
) -> list[PrivateEvent]:
    """One event per recipient, each carrying that recipient's view of the channel."""
    return [Event(kind, _view(channel, users, uid), user_ids=frozenset({uid})) for uid in audience]


async def view_for(conn: AsyncConnection, channel: Channel, viewer_id: int) -> PrivateChannelView:
    users = await user_store.get_users(conn, set(channel.recipient_ids))
    return _view(channel, users, viewer_id)


async def open_dm(s: Services, actor: Actor, recipient_id: int) -> PrivateChannelView:
    """The one DM of the actor and the recipient, made on first use and reopened if closed.

    Only the opener receives CHANNEL_CREATE (when the DM appears in their list). The other user
    finds the DM in their own list at once and receives its messages as a recipient; Discord would
    send them CHANNEL_CREATE with the first message, which is left to the message side.
    """
    if recipient_id == actor.id:
        raise errors.InvalidRecipients()
    key = dm_key(actor.id, recipient_id)
    async with s.write() as tx:
        other = await user_store.get_user(tx.conn, recipient_id)
        if other is None:
            raise errors.UnknownUser()
        if guest_rules.is_guest(actor.user):  # a guest opens only the DMs others started
            await dm_privacy.require_may_dm(tx.conn, actor.user, recipient_id)
        appeared = False
        existing_id = await channel_store.find_dm(tx.conn, key)
        if existing_id is None:
            channel = Channel(
                id=s.ids.next_id(),
                type=ChannelType.DM,
                recipient_ids=tuple(sorted((actor.id, recipient_id))),
            )
            appeared = await channel_store.insert_dm(tx.conn, channel, key)
            if not appeared:  # the other user opened it a moment ago: theirs is now stored
                existing_id = await channel_store.find_dm(tx.conn, key)
                assert existing_id is not None
        if existing_id is not None:
            appeared = await channel_store.reopen_private_channel(tx.conn, existing_id, actor.id)
            found = await channel_store.get_channel(tx.conn, existing_id)
            assert found is not None
            channel = found
        view = PrivateChannelView(channel, (other,))
        if appeared:
            tx.emit(Event(catalog.CHANNEL_CREATE, view, user_ids=frozenset({actor.id})))
    return view


async def create_group_dm(
    s: Services, actor: Actor, recipient_ids: Sequence[int], access_tokens: Sequence[str] = ()
) -> PrivateChannelView:
    """A new group DM owned by the actor, with users named by id or by their access tokens."""
    async with s.write() as tx:
        wanted = dict.fromkeys(recipient_ids)
        for index, token in enumerate(access_tokens):
            user = await user_store.user_for_token(tx.conn, token_hash(token))
            if user is None:
                raise errors.InvalidFormBody.field(
                    f"access_tokens.{index}", "Invalid access token.", "BASE_TYPE_INVALID"
                )
            wanted[user.id] = None
        wanted.pop(actor.id, None)
        if len(wanted) + 1 > MAX_GROUP_DM_RECIPIENTS:
            raise errors.MaxGroupRecipients()
        users = await user_store.get_users(tx.conn, set(wanted) | {actor.id})
        if any(uid not in users for uid in wanted):
            raise errors.UnknownUser()
        for user_id in dict.fromkeys(recipient_ids):  # those given by token agreed already
            if user_id != actor.id:
                await dm_privacy.require_may_dm(tx.conn, actor.user, user_id)
        channel = Channel(
            id=s.ids.next_id(),
            type=ChannelType.GROUP_DM,
            owner_id=actor.id,
            recipient_ids=tuple(sorted(users)),
        )
        await channel_store.insert_channel(tx.conn, channel)
        tx.emit(*_events(catalog.CHANNEL_CREATE, channel, users, channel.recipient_ids))
    return _view(channel, users, actor.id)


async def list_private_channels(s: Services, actor: Actor) -> list[PrivateChannelView]:
    async with s.engine.connect() as conn:
        found = await channel_store.private_channels_of_user(conn, actor.id)
        users = await user_store.get_users(conn, {u for c in found for u in c.recipient_ids})
    return [_view(channel, users, actor.id) for channel in found]


async def modify_group_dm(
    s: Services, actor: Actor, channel_id: int, *, name: str | Unset | None = UNSET
) -> PrivateChannelView:
    """Any recipient may rename a group DM; an empty name or null clears it."""
    if isinstance(name, str) and name.strip():
        name = channel_rules.channel_name(name, ChannelType.GROUP_DM)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        channel = access.channel
        if channel.type is not ChannelType.GROUP_DM:
            raise errors.CannotExecuteOnChannelType()
        if not isinstance(name, Unset):
            channel = replace(channel, name=name or None)
            await channel_store.update_channel(tx.conn, channel_id, {"name": channel.name})
        users = await user_store.get_users(tx.conn, set(channel.recipient_ids))
        if not isinstance(name, Unset):
            tx.emit(*_events(catalog.CHANNEL_UPDATE, channel, users, channel.recipient_ids))
    return _view(channel, users, actor.id)


async def close_private_channel(s: Services, actor: Actor, channel_id: int) -> PrivateChannelView:
    """DELETE on a DM closes it for the actor; on a group DM the actor leaves it."""
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        channel = access.channel
        users = await user_store.get_users(tx.conn, set(channel.recipient_ids))
        if channel.type is ChannelType.DM:
            await channel_store.close_private_channel(tx.conn, channel_id, actor.id)
            events = _events(catalog.CHANNEL_DELETE, channel, users, [actor.id])
        else:
            await voice.leave_voice(tx, channel_id, actor.id)
            events = await _remove_recipient(tx.conn, channel, users, actor.id)
        tx.emit(*events)
    return _view(channel, users, actor.id)


async def add_group_recipient(s: Services, actor: Actor, channel_id: int, user_id: int) -> None:
    """Any recipient may add someone, up to 32 people in all; adding someone twice is a no-op."""
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        channel = access.channel
        if channel.type is not ChannelType.GROUP_DM:
            raise errors.CannotExecuteOnChannelType()
        if await user_store.get_user(tx.conn, user_id) is None:
            raise errors.UnknownUser()
        if user_id in channel.recipient_ids:
            return
        if len(channel.recipient_ids) >= MAX_GROUP_DM_RECIPIENTS:
            raise errors.MaxGroupRecipients()
        await dm_privacy.require_may_dm(tx.conn, actor.user, user_id)
        await channel_store.add_recipient(tx.conn, channel_id, user_id)
        channel = replace(channel, recipient_ids=tuple(sorted((*channel.recipient_ids, user_id))))
        users = await user_store.get_users(tx.conn, set(channel.recipient_ids))
        others = [uid for uid in channel.recipient_ids if uid != user_id]
        tx.emit(
            *_events(catalog.CHANNEL_CREATE, channel, users, [user_id]),
            *_events(catalog.CHANNEL_UPDATE, channel, users, others),
        )


async def remove_group_recipient(s: Services, actor: Actor, channel_id: int, user_id: int) -> None:
    """The owner removes anyone; everyone else may only remove themselves."""
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        channel = access.channel
        if channel.type is not ChannelType.GROUP_DM:
            raise errors.CannotExecuteOnChannelType()
        if user_id != actor.id and channel.owner_id != actor.id:
            raise errors.MissingPermissions()
        if user_id not in channel.recipient_ids:
            raise errors.UnknownUser()
        users = await user_store.get_users(tx.conn, set(channel.recipient_ids))
        await voice.leave_voice(tx, channel_id, user_id)
        events = await _remove_recipient(tx.conn, channel, users, user_id)
        tx.emit(*events)


async def _remove_recipient(
    conn: AsyncConnection, channel: Channel, users: Mapping[int, User], user_id: int
) -> list[PrivateEvent]:
    """Take one person out of a group DM: ownership passes on, and an empty group is deleted."""
    await channel_store.remove_recipient(conn, channel.id, user_id)
    remaining = tuple(uid for uid in channel.recipient_ids if uid != user_id)
    events = _events(catalog.CHANNEL_DELETE, channel, users, [user_id])
    if not remaining:
        await channel_store.delete_channel(conn, channel.id)
        return events
    after = replace(channel, recipient_ids=remaining)
    if channel.owner_id == user_id:
        after = replace(after, owner_id=remaining[0])
        await channel_store.update_channel(conn, channel.id, {"owner_id": after.owner_id})
    return events + _events(catalog.CHANNEL_UPDATE, after, users, remaining)
