"""Incoming webhooks: managed by members with MANAGE_WEBHOOKS, executed with their token.

The token is shown once, in the response that creates the webhook; only its SHA-256 hash is
stored (docs/webhooks.md), so a lost token means a new webhook. Executing posts through
actions/messages.py's `send_message` (`Draft.webhook`), so content rules, mentions, embeds and
events are the same as for any message.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from townhall.actions import message_changes
from townhall.actions import messages as message_actions
from townhall.actions import threads as thread_actions
from townhall.actions.access import ChannelAccess, channel_access, guild_access
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain import threads as thread_rules
from townhall.domain.actor import Actor
from townhall.domain.models import ChannelType, Message, User
from townhall.domain.permissions import ALL_PERMISSIONS, Permission
from townhall.domain.webhooks import (
    InvalidWebhookToken,
    UnknownWebhook,
    Webhook,
    require_name,
    require_thread_choice,
)
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import messages as message_store
from townhall.store import users as user_store
from townhall.store import webhooks as webhook_store

MAX_PER_CHANNEL = 15
"""Discord's limit of webhooks per channel (error 30007)."""


class MaximumWebhooks(errors.TownhallError):
    code, message = 30007, "Maximum number of webhooks reached (15)"


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _require_webhook_channel(access: ChannelAccess) -> None:
    """A channel with messages, or a forum (whose webhooks post into its posts)."""
    if access.channel.type is not ChannelType.GUILD_FORUM:
        message_actions.require_message_channel(access)


def _changed(webhook: Webhook, channel_id: int | None = None) -> Event[int]:
    channel = channel_id if channel_id is not None else webhook.channel_id
    return Event(catalog.WEBHOOKS_UPDATE, channel, guild_id=webhook.guild_id, channel_id=channel)


async def create_webhook(
    s: Services, actor: Actor, channel_id: int, name: object
) -> tuple[Webhook, str]:
    """A new webhook of a guild text channel, and its token (returned this once)."""
    checked = require_name(name)
    token = secrets.token_urlsafe(48)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        _require_webhook_channel(access)
        if access.channel.guild_id is None:
            raise errors.CannotExecuteOnChannelType()
        access.require(Permission.MANAGE_WEBHOOKS)
        if len(await webhook_store.of_channel(tx.conn, channel_id)) >= MAX_PER_CHANNEL:
            raise MaximumWebhooks()
        webhook = Webhook(
            id=s.ids.next_id(),
            guild_id=access.channel.guild_id,
            channel_id=channel_id,
            user_id=actor.id,
            name=checked,
        )
        await webhook_store.insert(tx.conn, webhook, _hash(token))
        tx.emit(_changed(webhook))
    return webhook, token


async def _creators(s: Services, found: list[Webhook]) -> dict[int, User]:
    ids = {w.user_id for w in found if w.user_id is not None}
    async with s.engine.connect() as conn:
        return await user_store.get_users(conn, ids) if ids else {}


async def channel_webhooks(
    s: Services, actor: Actor, channel_id: int
) -> tuple[list[Webhook], dict[int, User]]:
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        access.require(Permission.MANAGE_WEBHOOKS)
        found = await webhook_store.of_channel(conn, channel_id)
    return found, await _creators(s, found)


async def guild_webhooks(
    s: Services, actor: Actor, guild_id: int
) -> tuple[list[Webhook], dict[int, User]]:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_WEBHOOKS)
        found = await webhook_store.of_guild(conn, guild_id)
    return found, await _creators(s, found)


async def _managed(s: Services, actor: Actor, webhook_id: int) -> Webhook:
    """The webhook, if the actor may manage webhooks in its channel (else 10015 or 50013)."""
    async with s.engine.connect() as conn:
        found = await webhook_store.get(conn, webhook_id)
        if found is None:
            raise UnknownWebhook()
        webhook = found[0]
        try:
            access = await channel_access(conn, actor.user, webhook.channel_id, s.now(), s.cache)
        except errors.MissingAccess:
            raise UnknownWebhook() from None  # a non-member learns nothing about it
        access.require(Permission.MANAGE_WEBHOOKS)
    return webhook


async def _by_token(s: Services, webhook_id: int, token: str) -> Webhook:
    async with s.engine.connect() as conn:
        found = await webhook_store.get(conn, webhook_id)
    if found is None:
        raise UnknownWebhook()
    webhook, token_hash = found
    if not hmac.compare_digest(token_hash, _hash(token)):
        raise InvalidWebhookToken()
    return webhook


async def get_webhook(
    s: Services, actor: Actor | None, webhook_id: int, token: str | None = None
) -> tuple[Webhook, User | None]:
    """With a token, anyone may read it (without its creator); otherwise MANAGE_WEBHOOKS."""
    if token is not None:
        return await _by_token(s, webhook_id, token), None
    assert actor is not None
    webhook = await _managed(s, actor, webhook_id)
    creators = await _creators(s, [webhook])
    return webhook, creators.get(webhook.user_id) if webhook.user_id else None


async def modify_webhook(
    s: Services,
    actor: Actor | None,
    webhook_id: int,
    *,
    token: str | None = None,
    name: object = None,
    channel_id: int | None = None,
) -> Webhook:
    """Rename it, or (with MANAGE_WEBHOOKS, not with a token) move it to another channel."""
    if token is not None:
        webhook = await _by_token(s, webhook_id, token)
        if channel_id is not None:
            raise errors.InvalidFormBody.field(
                "channel_id", "Cannot change the channel with a token.", "BASE_TYPE_INVALID"
            )
    else:
        assert actor is not None
        webhook = await _managed(s, actor, webhook_id)
    changed = webhook
    if name is not None:
        changed = replace(changed, name=require_name(name))
    async with s.write() as tx:
        if channel_id is not None and channel_id != webhook.channel_id:
            assert actor is not None
            target = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
            _require_webhook_channel(target)
            if target.channel.guild_id != webhook.guild_id:
                raise errors.InvalidFormBody.field(
                    "channel_id", "Must be a channel of the webhook's guild.", "BASE_TYPE_INVALID"
                )
            target.require(Permission.MANAGE_WEBHOOKS)
            changed = replace(changed, channel_id=channel_id)
            tx.emit(_changed(webhook))
        await webhook_store.modify(tx.conn, changed)
        tx.emit(_changed(changed))
    return changed


async def delete_webhook(
    s: Services, actor: Actor | None, webhook_id: int, token: str | None = None
) -> None:
    if token is not None:
        webhook = await _by_token(s, webhook_id, token)
    else:
        assert actor is not None
        webhook = await _managed(s, actor, webhook_id)
    async with s.write() as tx:
        await webhook_store.remove(tx.conn, webhook_id)
        tx.emit(_changed(webhook))


@dataclass(frozen=True, slots=True)
class Target:
    """Where an execute posts: the webhook's channel, a thread of it (`thread_id`), or, for a
    forum's webhook, a new post named `thread_name` with `applied_tags`."""

    thread_id: int | None = None
    thread_name: str | None = None
    applied_tags: Sequence[int] | None = None
    service: bool = False
    """The Slack- or GitHub-shaped routes (they cannot start a forum post: 220004)."""


def webhook_user(webhook: Webhook, username: str | None = None) -> User:
    """The author a webhook's messages show: its name (or the execute's), `bot`."""
    return User(id=webhook.id, username=username or webhook.name, avatar=webhook.avatar, bot=True)


async def message_channel(
    s: Services, webhook: Webhook, thread_id: int | None, *, posting: bool = False
) -> int:
    """The webhook's channel, or the thread of it that `thread_id` names (10003 otherwise).
    `posting`: a locked thread refuses the webhook as it refuses members without
    MANAGE_THREADS (160005; 50083 when also archived); an archived one opens again."""
    if thread_id is None:
        return webhook.channel_id
    async with s.engine.connect() as conn:
        thread = await channel_store.get_channel(conn, thread_id)
    if thread is None or not thread.type.is_thread or thread.parent_id != webhook.channel_id:
        raise errors.UnknownChannel()
    if posting:
        thread_rules.require_may_send(thread, ALL_PERMISSIONS & ~Permission.MANAGE_THREADS)
    return thread.id


async def execute_webhook(
    s: Services,
    webhook_id: int,
    token: str,
    draft: message_actions.Draft,
    *,
    username: str | None = None,
    avatar_url: str | None = None,
    target: Target = Target(),
) -> Message:
    """Post a message as the webhook, with its name and avatar or the execute's overrides, into
    its channel, a thread of it, or a new post of its forum. An archived thread opens again
    (actions/thread_activity.py, as for any message)."""
    webhook = await _by_token(s, webhook_id, token)
    shown = require_name(username, "username") if username is not None else webhook.name
    # `avatar_url` is accepted but not shown yet: Discord re-hosts the image, townhall does not.
    del avatar_url
    author = webhook_user(webhook, shown)
    async with s.engine.connect() as conn:
        channel = await channel_store.get_channel(conn, webhook.channel_id)
    if channel is None:
        raise errors.UnknownChannel()
    require_thread_choice(
        forum=channel.type is ChannelType.GUILD_FORUM,
        thread_id=target.thread_id,
        thread_name=target.thread_name,
        service=target.service,
    )
    posted = replace(draft, webhook=author)
    if target.thread_name is not None:
        post = thread_actions.ThreadDraft(name=target.thread_name, applied_tags=target.applied_tags)
        _thread, message = await thread_actions.start_forum_post(
            s, Actor.of(author), webhook.channel_id, post, posted
        )
        return message
    channel_id = await message_channel(s, webhook, target.thread_id, posting=True)
    return await message_actions.send_message(s, Actor.of(author), channel_id, posted)


async def get_webhook_message(
    s: Services, webhook_id: int, token: str, message_id: int, *, thread_id: int | None = None
) -> Message:
    """A message this webhook posted in its channel (or in its thread `thread_id`), or 10008."""
    webhook = await _by_token(s, webhook_id, token)
    channel_id = await message_channel(s, webhook, thread_id)
    async with s.engine.connect() as conn:
        message = await message_store.get_message(conn, channel_id, message_id, webhook.id)
    if message is None or message.webhook_id != webhook.id:
        raise errors.UnknownMessage()
    return message


async def delete_webhook_message(
    s: Services, webhook_id: int, token: str, message_id: int, *, thread_id: int | None = None
) -> None:
    webhook = await _by_token(s, webhook_id, token)
    channel_id = await message_channel(s, webhook, thread_id)
    async with s.write() as tx:
        author = webhook_user(webhook)
        access = await message_actions.webhook_access(tx.conn, author, channel_id, s.now())
        message = await message_store.get_plain(tx.conn, channel_id, message_id)
        if message is None or message.webhook_id != webhook.id:
            raise errors.UnknownMessage()
        await message_changes.remove_message(tx, access, message_id)
