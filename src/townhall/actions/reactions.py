"""Reactions: add and remove one's own, moderate others', list who reacted.

Discord's rules: reacting needs READ_MESSAGE_HISTORY; putting a NEW emoji on a message also needs
ADD_REACTIONS, while joining an emoji already there does not; at most 20 distinct emoji per
message; removing others' reactions needs MANAGE_MESSAGES. A timed-out member cannot react at all.
An archived thread takes no reactions, added or removed (50083; docs/threads.md).
"""

from __future__ import annotations

from townhall.actions.access import ChannelAccess, channel_access
from townhall.actions.messages import load_message, message_event
from townhall.actions.services import Services
from townhall.actions.thread_activity import require_may_change_messages
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.event_data import ReactionChange, ReactionsCleared
from townhall.domain.models import User
from townhall.domain.permissions import Permission, has
from townhall.domain.reactions import MAX_DISTINCT_REACTIONS, reaction_emoji
from townhall.domain.threads import MessageChange
from townhall.events import catalog
from townhall.store import reactions as reaction_store


def _require_not_timed_out(access: ChannelAccess) -> None:
    if access.guild is not None and access.guild.context.timed_out:
        raise errors.MissingPermissions()


async def add_reaction(
    s: Services, actor: Actor, channel_id: int, message_id: int, emoji: str
) -> None:
    emoji = reaction_emoji(emoji)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        message = await load_message(tx.conn, access, message_id)
        access.require(Permission.READ_MESSAGE_HISTORY)
        _require_not_timed_out(access)
        require_may_change_messages(access, MessageChange.REACT)
        state = await reaction_store.reaction_state(tx.conn, message_id, emoji, actor.id)
        if state.already_reacted:
            return
        if not state.emoji_present:
            access.require(Permission.ADD_REACTIONS)
            if state.distinct_emoji >= MAX_DISTINCT_REACTIONS:
                raise errors.MaxReactions()
        added = await reaction_store.add_reaction(
            tx.conn, message_id, channel_id, emoji, actor.id, s.ids.next_id()
        )
        if added:
            change = ReactionChange(
                user_id=actor.id,
                channel_id=channel_id,
                message_id=message_id,
                guild_id=access.guild_id,
                emoji=emoji,
                message_author_id=message.author.id,
                member=access.guild.member if access.guild else None,
            )
            tx.emit(message_event(catalog.MESSAGE_REACTION_ADD, change, access))


async def remove_reaction(
    s: Services, actor: Actor, channel_id: int, message_id: int, emoji: str, user_id: int
) -> None:
    """Remove `user_id`'s reaction: one's own freely, anyone else's with MANAGE_MESSAGES."""
    emoji = reaction_emoji(emoji)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        await load_message(tx.conn, access, message_id)
        if user_id != actor.id:
            access.require(Permission.MANAGE_MESSAGES)
        require_may_change_messages(access, MessageChange.REACT)
        removed = await reaction_store.remove_reaction(tx.conn, message_id, emoji, user_id)
        if removed:
            change = ReactionChange(
                user_id=user_id,
                channel_id=channel_id,
                message_id=message_id,
                guild_id=access.guild_id,
                emoji=emoji,
            )
            tx.emit(message_event(catalog.MESSAGE_REACTION_REMOVE, change, access))


async def list_reactors(
    s: Services,
    actor: Actor,
    channel_id: int,
    message_id: int,
    emoji: str,
    *,
    after: int = 0,
    limit: int = 25,
    burst: bool = False,
) -> list[User]:
    """Who reacted with `emoji`, by user id. townhall has no super reactions: `burst` lists none."""
    emoji = reaction_emoji(emoji)
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        await load_message(conn, access, message_id)
        access.require(Permission.READ_MESSAGE_HISTORY)
        if burst:
            return []
        return await reaction_store.reactors(conn, message_id, emoji, after=after, limit=limit)


async def clear_reactions(
    s: Services, actor: Actor, channel_id: int, message_id: int, emoji: str | None = None
) -> None:
    """Remove every reaction of a message, or every reaction with one emoji (MANAGE_MESSAGES)."""
    if emoji is not None:
        emoji = reaction_emoji(emoji)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        await load_message(tx.conn, access, message_id)
        if not has(access.permissions, Permission.MANAGE_MESSAGES):
            raise errors.MissingPermissions()
        require_may_change_messages(access, MessageChange.REACT)
        removed = await reaction_store.remove_all(tx.conn, message_id, emoji)
        if removed:
            cleared = ReactionsCleared(channel_id, message_id, access.guild_id, emoji)
            kind = (
                catalog.MESSAGE_REACTION_REMOVE_ALL
                if emoji is None
                else catalog.MESSAGE_REACTION_REMOVE_EMOJI
            )
            tx.emit(message_event(kind, cleared, access))
