"""Push notifications: deciding who gets one, off the hot path, and delivering them with retries.

Sending a message costs at most one job row in its own transaction (`message_sent`): a message
that may concern particular people (a DM, a mention, a reply, @everyone/@here, a role) schedules
`push.message` for itself, and a guild channel's messages schedule one `push.channel` per five
second window for the people whose level is "all messages" (one push per window: "3 new
messages in #general"). The jobs read who subscribed, their settings and permissions in a few
batched queries, leave out the sender, anyone who may not see the channel and anyone with a
focused client (the app open and in front of them on some device: `push_focus`, which every
node reads), and POST the pushes concurrently. A push service that fails or does not answer
gets a `push.deliver` job for that one subscription, retried with backoff; one that answers
404 or 410 loses the subscription. Jobs carry ids, never message text: text is read when sent.

A message held for a file scan pushes nothing until it is released (`message_released`, from
actions/file_scans.py), however long the scan takes.

DM and group DM calls ring through `call_ringing` (actions/calls.py); a message in a community's
announcement channel schedules `announcement_posted` instead of the above: one job for everyone.
A group admin's decision on a join request pushes to the person who asked (`join_request_decided`).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.jobs import Payload, job
from townhall.actions.services import Services, Transaction
from townhall.config import Settings
from townhall.domain import groups, notifications
from townhall.domain import push as rules
from townhall.domain.announcements import is_community_announcement
from townhall.domain.groups import JoinRequest, RequestStatus
from townhall.domain.mentions import only_here
from townhall.domain.models import Channel, ChannelType, Guild, Message, User
from townhall.domain.permissions import (
    MemberContext,
    Permission,
    channel_permissions,
    has,
    thread_permissions,
)
from townhall.domain.push import MessageFacts, Names, Place, Reason
from townhall.domain.snowflake import snowflake_at, snowflake_time
from townhall.push import sender
from townhall.push.sender import Outcome, Target
from townhall.push.vapid import VapidKey, new_private_key
from townhall.store import channels as channel_store
from townhall.store import groups as group_store
from townhall.store import guilds as guild_store
from townhall.store import jobs as job_store
from townhall.store import messages as message_store
from townhall.store import push as push_store
from townhall.store import secrets as secret_store
from townhall.store import threads as thread_store
from townhall.store.database import Database
from townhall.store.push import Subscription

log = logging.getLogger("townhall.push")

VAPID_SECRET = "push_vapid"
WINDOW_MS = 5000
"""A channel's messages for people at "all messages" are pushed once per window of this length."""
WINDOW_GRACE_MS = 1000
"""A window's job runs this long after it closes, so that sends minted in it have committed."""
WINDOW_MESSAGES = 100
RETRY_SECONDS = 2.0
MESSAGE_TTL = 24 * 3600
"""How long a push service keeps a push for a device that is offline (RFC 8030 TTL)."""
PARALLEL = 20

_keys: weakref.WeakKeyDictionary[Database, VapidKey] = weakref.WeakKeyDictionary()
_windows: OrderedDict[int, int] = OrderedDict()
"""Channels this process scheduled a window job for lately, and the window: a send in a window
already scheduled writes nothing more."""
_WINDOWS_KEPT = 10_000


def vapid_contact(settings: Settings) -> str:
    if settings.push_contact:
        return settings.push_contact
    if settings.public_url and settings.public_url.startswith("https://"):
        return settings.public_url.rstrip("/")
    return "mailto:townhall@localhost"


async def vapid_key(s: Services) -> VapidKey:
    """The system's VAPID key, made by the first node that needs it and shared by all
    (`server_secrets`: the SQLite file in the data directory, or the PostgreSQL database)."""
    found = _keys.get(s.db)
    if found is None:
        async with s.db.write() as conn:
            raw = await secret_store.get_or_create(conn, VAPID_SECRET, new_private_key())
        found = _keys[s.db] = VapidKey(raw, vapid_contact(s.settings))
    return found


# -- scheduling (inside the transaction that made the change) ----------------------------------


def _facts(message: Message, replied_author_id: int | None, *, direct: bool) -> MessageFacts:
    return MessageFacts(
        author_id=message.author.id,
        direct=direct,
        mention_ids=frozenset(message.mention_ids),
        mention_role_ids=frozenset(message.mention_role_ids),
        everyone=message.mention_everyone,
        here=message.mention_everyone and only_here(message.content),
        replied_author_id=replied_author_id,
        flags=message.flags,
    )


async def message_sent(tx: Transaction, s: Services, message: Message, channel: Channel) -> None:
    """Schedule what may push about a new message: its own job when it may concern particular
    people, and its channel's window for those who follow every message. A message held for a
    file scan schedules nothing: its release does (`message_released`)."""
    replied = message.referenced_message.author.id if message.referenced_message else None
    facts = _facts(message, replied, direct=channel.guild_id is None)
    if facts.silent or message.held:
        return
    if facts.directed:
        payload: dict[str, Any] = {
            "channel_id": message.channel_id,
            "message_id": message.id,
            "guild_id": channel.guild_id,
        }
        named = _named(facts, channel)
        if named is not None:
            payload["user_ids"] = sorted(named)
        await tx.schedule(message_pushes, payload, at_ms=s.now_ms())
    if channel.guild_id is not None:
        await _schedule_window(tx, channel.guild_id, channel.id, message.id)


def _named(facts: MessageFacts, channel: Channel) -> set[int] | None:
    """Everyone the message may push to, when that is a few named people (None: the guild)."""
    if facts.direct:
        named = set(channel.recipient_ids)
    elif facts.everyone or facts.mention_role_ids or facts.announcement:
        return None
    else:
        named = set(facts.mention_ids)
        if facts.replied_author_id is not None:
            named.add(facts.replied_author_id)
    return named - {facts.author_id}


async def announcement_posted(tx: Transaction, s: Services, message: Message) -> None:
    """A message in a community's announcement channel (actions/messages.py): every member who
    may see the channel and has not muted it or chosen "nothing" gets a push; none for one sent
    with SUPPRESS_NOTIFICATIONS. A held one waits for its release (`message_released`)."""
    if message.flags & rules.SUPPRESS_NOTIFICATIONS or message.held:
        return
    payload = {
        "channel_id": message.channel_id,
        "message_id": message.id,
        "guild_id": message.guild_id,
        "announcement": True,
    }
    await tx.schedule(message_pushes, payload, at_ms=s.now_ms())


async def message_released(tx: Transaction, s: Services, message: Message) -> None:
    """A message held for a file scan was released (actions/file_scans.py), however long the
    scan took: it pushes now as it would have when sent. The job finds out whether it is an
    announcement, and pushes "all messages" followers too unless its window is still to come."""
    if message.flags & rules.SUPPRESS_NOTIFICATIONS:
        return
    payload = {
        "channel_id": message.channel_id,
        "message_id": message.id,
        "guild_id": message.guild_id,
        "released": True,
    }
    await tx.schedule(message_pushes, payload, at_ms=s.now_ms())


async def call_ringing(
    tx: Transaction, channel: Channel, caller_id: int, user_ids: Iterable[int], now_ms: int
) -> None:
    """A DM or group DM call started ringing these people."""
    ringing = sorted(set(user_ids) - {caller_id})
    if ringing:
        payload = {"channel_id": channel.id, "caller_id": caller_id, "user_ids": ringing}
        await tx.schedule(call_pushes, payload, at_ms=now_ms)


def _window_of(message_id: int) -> int:
    return int(snowflake_time(message_id).timestamp() * 1000) // WINDOW_MS


def _window_key(channel_id: int, message_id: int) -> str:
    """The unique key of the job of the message's window in its channel."""
    return f"push.channel:{channel_id}:{_window_of(message_id)}"


async def _schedule_window(
    tx: Transaction, guild_id: int, channel_id: int, message_id: int
) -> None:
    window = _window_of(message_id)
    if _windows.get(channel_id) == window:
        return
    await tx.schedule(
        channel_pushes,
        {"guild_id": guild_id, "channel_id": channel_id, "window": window},
        at_ms=(window + 1) * WINDOW_MS + WINDOW_GRACE_MS,
        unique_key=_window_key(channel_id, message_id),
    )
    _windows[channel_id] = window
    _windows.move_to_end(channel_id)
    while len(_windows) > _WINDOWS_KEPT:
        _windows.popitem(last=False)


# -- deciding who -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    reason: Reason


@dataclass(frozen=True, slots=True)
class Scene:
    """Where a message was posted, as the decision and the wording need it."""

    channel: Channel
    guild: Guild | None
    confidential: bool


async def _scene(conn: AsyncConnection, channel_id: int) -> Scene | None:
    channel = await channel_store.get_channel(conn, channel_id)
    if channel is None:
        return None
    if channel.guild_id is None:
        return Scene(channel, None, False)
    guild = await guild_store.get_guild(conn, channel.guild_id)
    if guild is None:
        return None
    return Scene(channel, guild, await push_store.is_confidential(conn, guild.id))


@dataclass(frozen=True, slots=True)
class Audience:
    """A guild's members with a subscription who may see the channel, with what decides for
    each: their roles and their notification settings there."""

    place: Place
    roles: dict[int, set[int]]
    settings: dict[int, notifications.GuildSettings]

    def recipients(
        self,
        facts: MessageFacts,
        keep: frozenset[Reason],
        now: datetime,
        online: Callable[[int], bool] | None = None,
    ) -> list[Recipient]:
        """`online`: who is online, for an @here (Services.online: from memory)."""
        found: list[Recipient] = []
        for user_id, role_ids in self.roles.items():
            settings = self.settings.get(user_id)
            reason = rules.reason_for(
                facts,
                user_id,
                role_ids,
                settings,
                self.place,
                now,
                online=online is None or not facts.here or online(user_id),
            )
            if reason is not None and reason in keep:
                found.append(Recipient(user_id, reason))
        return found


async def _audience(
    conn: AsyncConnection, scene: Scene, wanted: set[int] | None, now_ms: int
) -> Audience:
    """Members with a subscription (all, or those in `wanted`) who may see the channel: a few
    queries whatever their number, permissions computed here."""
    guild, channel = scene.guild, scene.channel
    assert guild is not None
    place = Place(channel.id, channel.parent_id, guild.default_message_notifications)
    people = await push_store.subscribed_members(conn, guild.id, wanted, now_ms)
    if not people:
        return Audience(place, {}, {})
    roles = {role.id: role for role in await guild_store.roles_of_guild(conn, guild.id)}
    everyone = roles.get(guild.id)
    seeing: dict[int, set[int]] = {}
    sees = await _seeing_rule(conn, channel)
    for user_id, role_ids in people.items():
        member = MemberContext(
            guild_id=guild.id,
            owner_id=guild.owner_id,
            user_id=user_id,
            everyone_permissions=everyone.permissions if everyone else 0,
            role_permissions={r: roles[r].permissions for r in role_ids if r in roles},
        )
        allowed = sees(member)
        if has(allowed, Permission.VIEW_CHANNEL) and (
            not channel.type.is_voice or has(allowed, Permission.CONNECT)
        ):
            seeing[user_id] = role_ids
    stored = await push_store.guild_settings_of_users(conn, guild.id, seeing)
    settings = {user_id: notifications.from_json(body) for user_id, body in stored.items()}
    return Audience(place, seeing, settings)


async def _seeing_rule(conn: AsyncConnection, channel: Channel) -> Callable[[MemberContext], int]:
    """How a member's permissions in the channel are found: a thread's through its parent, and
    a private thread's for its members only (docs/threads.md)."""
    if not channel.type.is_thread:
        return lambda member: channel_permissions(member, channel.permission_overwrites)
    parent = await channel_store.get_channel(conn, channel.parent_id or 0)
    overwrites = parent.permission_overwrites if parent is not None else ()
    private = channel.type is ChannelType.PRIVATE_THREAD
    joined = set(await thread_store.member_ids(conn, channel.id)) if private else set()
    if parent is None:
        return lambda member: 0
    return lambda member: thread_permissions(
        member, overwrites, private=private, joined=member.user_id in joined
    )


async def _unfocused(
    conn: AsyncConnection, recipients: Sequence[Recipient], now_ms: int
) -> list[Recipient]:
    focused = await push_store.focused_users(conn, {r.user_id for r in recipients}, now_ms)
    return [r for r in recipients if r.user_id not in focused]


def _display_name(user: User) -> str:
    return user.global_name or user.username


def _names(scene: Scene, author: User) -> Names | None:
    """What the push may name; nothing in a confidential community (a DM's channel name is a
    group DM's name, or none)."""
    if scene.confidential:
        return None
    guild = scene.guild.name if scene.guild else None
    return Names(author=_display_name(author), channel=scene.channel.name, guild=guild)


# -- the jobs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Push:
    """One push for one subscription: its JSON, and whether message text goes in at sending."""

    subscription: Subscription
    body: dict[str, Any]
    text_of: tuple[int, int] | None = None
    """(channel, message) whose content the push shows, read when it is sent."""
    ttl: int = MESSAGE_TTL
    urgency: str = "normal"
    topic: str | None = None


@job("push.message", max_attempts=3)
async def message_pushes(s: Services, payload: Payload) -> None:
    """Pushes about one message to the people it concerns (or, for an announcement, everyone).
    A released message (`released`) also reaches "all messages" followers unless its window's
    job is still to run (and will count it)."""
    channel_id, message_id = int(payload["channel_id"]), int(payload["message_id"])
    announcement = bool(payload.get("announcement"))
    now_ms, now = s.now_ms(), s.now()
    async with s.engine.connect() as conn:
        if not await _anyone_subscribed(conn, payload, now_ms):
            return  # the usual case where push is not in use: one query, on push tables
        message = await message_store.get_plain(conn, channel_id, message_id)
        if message is None or message.held:
            return  # a held message pushes when it is released
        scene = await _scene(conn, channel_id)
        if scene is None:
            return
        released = bool(payload.get("released"))
        if released and scene.guild is not None:
            announcement = is_community_announcement(scene.guild, scene.channel)
        replied = None
        if message.reference is not None and message.reference.message_id is not None:
            original = await message_store.get_plain(conn, channel_id, message.reference.message_id)
            replied = original.author.id if original is not None else None
        facts = replace(
            _facts(message, replied, direct=scene.guild is None), announcement=announcement
        )
        if scene.guild is None:
            others = set(scene.channel.recipient_ids) - {message.author.id}
            subscribed = await push_store.subscribers_among(conn, others, now_ms)
            recipients = [Recipient(u, Reason.DM) for u in sorted(subscribed)]
        else:
            followers = (
                released
                and not announcement
                and not await job_store.is_pending(conn, _window_key(channel_id, message.id))
            )
            broad = facts.everyone or facts.mention_role_ids or facts.announcement or followers
            wanted = None if broad else set(facts.mention_ids) | ({replied} if replied else set())
            keep = frozenset({Reason.ANNOUNCEMENT}) if announcement else rules.DIRECTED
            if followers:
                keep |= {Reason.MESSAGE}
            audience = await _audience(conn, scene, wanted, now_ms)
            recipients = audience.recipients(facts, keep, now, s.online)
        recipients = await _unfocused(conn, recipients, now_ms)
        pushes = await _message_pushes(conn, scene, message, recipients, now_ms)
    await deliver(s, pushes)


async def _anyone_subscribed(conn: AsyncConnection, payload: Payload, now_ms: int) -> bool:
    """Whether the job can push to anyone at all: the people it names, or the guild's members."""
    named = payload.get("user_ids")
    if named is not None:
        return bool(await push_store.subscribers_among(conn, [int(u) for u in named], now_ms))
    guild_id = payload.get("guild_id")
    if guild_id is None:
        return True  # a job scheduled before guild ids were part of the payload
    return bool(await push_store.subscribed_members(conn, int(guild_id), None, now_ms))


async def _message_pushes(
    conn: AsyncConnection,
    scene: Scene,
    message: Message,
    recipients: Sequence[Recipient],
    now_ms: int,
    *,
    count: int = 1,
) -> list[Push]:
    if not recipients:
        return []
    users = {r.user_id for r in recipients}
    choices = await push_store.message_text_choices(conn, users)
    subscriptions = await push_store.subscriptions_of_users(conn, users, now_ms)
    by_user: dict[int, list[Subscription]] = {}
    for found in subscriptions:
        by_user.setdefault(found.user_id, []).append(found)
    names = _names(scene, message.author)
    channel = scene.channel
    pushes: list[Push] = []
    for recipient in recipients:
        shown = rules.shows_text(choices.get(recipient.user_id), confidential=scene.confidential)
        body = rules.message_push(
            recipient.reason,
            guild_id=channel.guild_id,
            channel_id=channel.id,
            message_id=message.id,
            author_id=message.author.id,
            names=names,
            text=None,
            count=count,
        )
        urgent = recipient.reason in rules.DIRECTED or recipient.reason is Reason.ANNOUNCEMENT
        for subscription in by_user.get(recipient.user_id, ()):
            pushes.append(
                Push(
                    subscription,
                    body,
                    text_of=(channel.id, message.id) if shown and message.content else None,
                    urgency="high" if urgent else "normal",
                    topic=None if urgent else f"c{channel.id}",
                )
            )
    return pushes


@job("push.channel", max_attempts=3)
async def channel_pushes(s: Services, payload: Payload) -> None:
    """One push per person at "all messages" for a channel's window: the window's latest message
    that was not meant for them in particular (those went out with `push.message`)."""
    channel_id, window = int(payload["channel_id"]), int(payload["window"])
    start = snowflake_at(_moment(window * WINDOW_MS))
    end = snowflake_at(_moment((window + 1) * WINDOW_MS))
    now_ms, now = s.now_ms(), s.now()
    async with s.engine.connect() as conn:
        if not await _anyone_subscribed(conn, payload, now_ms):
            return
        scene = await _scene(conn, channel_id)
        if scene is None or scene.guild is None:
            return
        page = await message_store.history(
            conn, channel_id, viewer_id=None, limit=WINDOW_MESSAGES, after=start - 1
        )
        written = sorted(
            (m for m in page if m.id < end and not m.flags & rules.SUPPRESS_NOTIFICATIONS),
            key=lambda m: m.id,
        )
        if not written:
            return
        audience = await _audience(conn, scene, None, now_ms)
        latest: dict[int, tuple[Message, int]] = {}
        for message in written:
            replied = message.referenced_message.author.id if message.referenced_message else None
            facts = _facts(message, replied, direct=False)
            for recipient in audience.recipients(facts, frozenset({Reason.MESSAGE}), now, s.online):
                seen = latest.get(recipient.user_id)
                latest[recipient.user_id] = (message, (seen[1] if seen else 0) + 1)
        pushes: list[Push] = []
        for message, count, users in _grouped(latest):
            recipients = await _unfocused(
                conn, [Recipient(u, Reason.MESSAGE) for u in users], now_ms
            )
            pushes += await _message_pushes(conn, scene, message, recipients, now_ms, count=count)
    await deliver(s, pushes)


def _moment(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _grouped(latest: dict[int, tuple[Message, int]]) -> list[tuple[Message, int, list[int]]]:
    """People who get the same push (the same latest message and count), together."""
    groups: dict[tuple[int, int], tuple[Message, int, list[int]]] = {}
    for user_id, (message, count) in latest.items():
        groups.setdefault((message.id, count), (message, count, []))[2].append(user_id)
    return list(groups.values())


@job("push.call", max_attempts=3)
async def call_pushes(s: Services, payload: Payload) -> None:
    """A call rings: a push to each ringing person who is not in front of the app."""
    channel_id, caller_id = int(payload["channel_id"]), int(payload["caller_id"])
    ringing = [int(u) for u in payload["user_ids"]]
    now_ms = s.now_ms()
    async with s.engine.connect() as conn:
        if not await push_store.subscribers_among(conn, ringing, now_ms):
            return
        channel = await channel_store.get_channel(conn, channel_id)
        callers = await message_store.mentionable_users(conn, {caller_id}, None)
        if channel is None or caller_id not in callers:
            return
        focused = await push_store.focused_users(conn, ringing, now_ms)
        wanted = [u for u in ringing if u not in focused and u in channel.recipient_ids]
        subscriptions = await push_store.subscriptions_of_users(conn, wanted, now_ms)
    body = rules.call_push(channel_id, caller_id, _display_name(callers[caller_id]), channel.name)
    ttl = s.settings.call_ring_seconds
    await deliver(
        s,
        [
            Push(found, body, ttl=ttl, urgency="high", topic=f"call{channel_id}")
            for found in subscriptions
        ],
    )


class PushNotDelivered(Exception):
    """The push service refused or did not answer: the job runner tries again later."""


@job("push.deliver", max_attempts=8)
async def deliver_again(s: Services, payload: Payload) -> None:
    """One push that failed before, for one subscription."""
    async with s.engine.connect() as conn:
        subscription = await push_store.get_subscription(conn, int(payload["subscription_id"]))
    if subscription is None or subscription.endpoint != payload["endpoint"]:
        return  # unsubscribed, or the browser subscribed anew
    text_of = payload.get("text_of")
    push = Push(
        subscription,
        payload["body"],
        text_of=(int(text_of[0]), int(text_of[1])) if text_of else None,
        ttl=int(payload["ttl"]),
        urgency=str(payload["urgency"]),
        topic=payload.get("topic"),
    )
    async with aiohttp.ClientSession() as session:
        result = await _send(s, session, push, await vapid_key(s))
    if result.outcome is Outcome.RETRY:
        raise PushNotDelivered(f"{result.status or 'no answer'}: {result.detail}")
    await _settle(s, push, result)


@job("push.prune", every_seconds=600)
async def prune(s: Services, _payload: Payload) -> None:
    """Forget lapsed focus reports and subscriptions past their expiration time."""
    async with s.db.write() as conn:
        await push_store.prune(conn, s.now_ms())


# -- sending --------------------------------------------------------------------------------------


async def deliver(s: Services, pushes: Sequence[Push]) -> None:
    """Send them all, at most `PARALLEL` at a time; each failure becomes a `push.deliver` job."""
    if not pushes:
        return
    key = await vapid_key(s)
    gate = asyncio.Semaphore(PARALLEL)

    async def one(push: Push) -> tuple[Push, sender.Result]:
        async with gate:
            return push, await _send(s, session, push, key)

    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(*(one(p) for p in pushes))
    retries: list[tuple[Push, sender.Result]] = []
    for push, result in results:
        if result.outcome is Outcome.RETRY:
            retries.append((push, result))
        else:
            await _settle(s, push, result)
    if retries:
        async with s.write() as tx:
            for push, result in retries:
                delay = rules.retry_delay_seconds(result.retry_after, RETRY_SECONDS)
                await tx.schedule(
                    deliver_again,
                    {
                        "subscription_id": push.subscription.id,
                        "endpoint": push.subscription.endpoint,
                        "body": push.body,
                        "text_of": list(push.text_of) if push.text_of else None,
                        "ttl": push.ttl,
                        "urgency": push.urgency,
                        "topic": push.topic,
                    },
                    at_ms=s.now_ms() + int(delay * 1000),
                )


async def _send(
    s: Services, session: aiohttp.ClientSession, push: Push, key: VapidKey
) -> sender.Result:
    body = push.body
    if push.text_of is not None:
        channel_id, message_id = push.text_of
        async with s.engine.connect() as conn:
            message = await message_store.get_plain(conn, channel_id, message_id)
        if message is None:
            return sender.Result(Outcome.DELIVERED, detail="the message is gone")
        body = {**body, "content": rules.clip(message.content)}
    found = push.subscription
    return await sender.send(
        session,
        Target(found.endpoint, found.p256dh, found.auth),
        orjson.dumps(body),
        key,
        ttl=push.ttl,
        urgency=push.urgency,
        topic=push.topic,
    )


async def _settle(s: Services, push: Push, result: sender.Result) -> None:
    found = push.subscription
    if result.outcome is Outcome.GONE:
        async with s.db.write() as conn:
            await push_store.delete_gone(conn, found.id, found.endpoint)
        log.info("push subscription %d is gone (%s): removed", found.id, result.status)
    elif result.outcome is Outcome.TOO_LARGE:
        log.warning("push to subscription %d refused as too large", found.id)


# -- join requests (docs/communities.md) ----------------------------------------------------------


async def join_request_decided(tx: Transaction, s: Services, request: JoinRequest) -> None:
    """A group admin decided someone's request to join: they hear it by push too."""
    payload = {"channel_id": request.channel_id, "request_id": request.id}
    await tx.schedule(join_request_pushes, payload, at_ms=s.now_ms())


@job("push.join_request", max_attempts=3)
async def join_request_pushes(s: Services, payload: Payload) -> None:
    """The decision on a join request, to the person who asked (unless they are in front of
    the app, where GROUP_JOIN_REQUEST_UPDATE told them); names left out where confidential."""
    channel_id, request_id = int(payload["channel_id"]), int(payload["request_id"])
    now_ms = s.now_ms()
    async with s.engine.connect() as conn:
        request = await group_store.get_request(conn, channel_id, request_id)
        if request is None or request.status is RequestStatus.PENDING:
            return
        asker = request.user_id
        if not await push_store.subscribers_among(conn, [asker], now_ms):
            return
        scene = await _scene(conn, channel_id)
        if scene is None or scene.guild is None:
            return
        if asker in await push_store.focused_users(conn, [asker], now_ms):
            return
        subscriptions = await push_store.subscriptions_of_users(conn, [asker], now_ms)
    named = not scene.confidential
    body = groups.join_request_push(
        request.status,
        guild_id=scene.guild.id,
        channel_id=channel_id,
        request_id=request.id,
        group=scene.channel.name if named else None,
        community=scene.guild.name if named else None,
    )
    await deliver(s, [Push(found, body, topic=f"join{channel_id}") for found in subscriptions])
