"""Threads and forum posts: start, read, list, change, delete (docs/threads.md).

Starting a thread is one transaction: the thread (a channel row and its metadata), its creator
as first member, THREAD_CREATE, and the system messages Discord posts (THREAD_STARTER_MESSAGE in
a thread started from a message, THREAD_CREATED in the parent of one started on its own). A forum
post is a thread whose first message has the thread's id; that message goes through the one send
path (actions/messages.py), right after the thread is made. Members are actions/thread_members.py;
what messages do to threads, and archiving, actions/thread_activity.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import messages as message_actions
from townhall.actions import thread_activity
from townhall.actions.access import ChannelAccess, GuildAccess, channel_access, guild_access
from townhall.actions.messages import Draft, require_content_length
from townhall.actions.services import Services, Transaction
from townhall.actions.thread_activity import thread_event
from townhall.domain import channels as channel_rules
from townhall.domain import errors
from townhall.domain import threads as rules
from townhall.domain.actor import Actor
from townhall.domain.embeds import has_visible_content, validate_embeds
from townhall.domain.models import (
    UNSET,
    Channel,
    ChannelType,
    ForumSettings,
    Message,
    MessageReference,
    MessageType,
    Unset,
)
from townhall.domain.permissions import Permission, has, thread_permissions
from townhall.domain.threads import (
    HAS_THREAD,
    TagDraft,
    ThreadChanges,
    ThreadCreated,
    ThreadFlag,
    ThreadMember,
    ThreadPage,
    ThreadView,
)
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import messages as message_store
from townhall.store import threads as thread_store
from townhall.store.rows import from_millis_required, to_millis

STARTABLE_FROM = frozenset(
    {
        MessageType.DEFAULT,
        MessageType.REPLY,
        MessageType.CHAT_INPUT_COMMAND,
        MessageType.CONTEXT_MENU_COMMAND,
    }
)


@dataclass(frozen=True, slots=True)
class ThreadDraft:
    """A thread as asked for (Start Thread from Message / without Message / in Forum)."""

    name: str
    auto_archive_duration: int | None = None
    rate_limit_per_user: int | None = None
    type: int | None = None
    invitable: bool | None = None
    applied_tags: Sequence[int] | None = None


# -- starting ----------------------------------------------------------------------------------


async def _parent_access(
    conn: AsyncConnection, s: Services, actor: Actor, channel_id: int, *, webhook: bool = False
) -> ChannelAccess:
    """`webhook`: the actor is a webhook posting into its forum (actions/webhooks.py)."""
    if webhook:
        access = await message_actions.webhook_access(conn, actor.user, channel_id, s.now())
    else:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
    if access.guild is None:
        raise errors.CannotExecuteOnDM()
    if access.channel.type not in rules.PARENT_TYPES:
        raise errors.CannotExecuteOnChannelType()
    return access


def _name(value: str) -> str:
    return channel_rules.channel_name(value, ChannelType.PUBLIC_THREAD)


def _rate_limit(value: int | None, default: int = 0) -> int:
    return channel_rules.rate_limit_per_user(value if value is not None else default)


async def _begin(
    tx: Transaction,
    s: Services,
    actor: Actor,
    access: ChannelAccess,
    kind: ChannelType,
    thread_id: int,
    draft: ThreadDraft,
    *,
    duration: int,
    rate_limit: int,
    applied_tags: tuple[int, ...] = (),
    creator_joins: bool = True,
) -> ThreadView:
    """The thread, with its creator as first member (not a webhook: `creator_joins`), and
    THREAD_CREATE; a guild has at most `MAX_ACTIVE_THREADS` active ones (160006)."""
    parent = access.channel
    assert parent.guild_id is not None
    rules.require_room_for_active(await thread_store.count_active_threads(tx.conn, parent.guild_id))
    now = s.now()
    invitable = draft.invitable is not False if kind is ChannelType.PRIVATE_THREAD else True
    meta = rules.new_metadata(now, duration, invitable=invitable, applied_tags=applied_tags)
    thread = Channel(
        id=thread_id,
        type=kind,
        guild_id=parent.guild_id,
        name=_name(draft.name),
        parent_id=parent.id,
        owner_id=actor.id,
        rate_limit_per_user=rate_limit,
        thread=meta,
    )
    if not await thread_store.insert_thread(tx.conn, thread):
        raise rules.ThreadAlreadyCreated()
    guild = access.guild
    assert guild is not None and thread.guild_id is not None
    members: tuple[ThreadMember, ...] = ()
    if creator_joins:
        joined_ms = to_millis(now)
        await thread_store.add_member(tx.conn, thread.id, thread.guild_id, actor.id, joined_ms)
        thread = replace(thread, thread=replace(meta, member_count=1))
        members = (ThreadMember(thread.id, actor.id, from_millis_required(joined_ms)),)
    tx.emit(
        Event(
            catalog.THREAD_CREATE,
            ThreadCreated(thread, members=members),
            guild_id=thread.guild_id,
            channel_id=thread.id,
        )
    )
    await thread_activity.schedule_archive(tx, thread)
    return ThreadView(thread, members[0] if members else None)


async def start_thread_from_message(
    s: Services, actor: Actor, channel_id: int, message_id: int, draft: ThreadDraft
) -> ThreadView:
    """A public (or announcement) thread on a message: it takes the message's id, the message
    is flagged HAS_THREAD (MESSAGE_UPDATE), and the thread opens with a THREAD_STARTER_MESSAGE
    pointing at it. Takes CREATE_PUBLIC_THREADS in the channel. The thread comes with its
    creator's membership, as Discord answers."""
    _name(draft.name)
    async with s.write() as tx:
        access = await _parent_access(tx.conn, s, actor, channel_id)
        parent = access.channel
        kind = rules.thread_kind_from_message(parent)
        access.require(rules.creation_permission(kind, parent))
        message = await message_store.get_plain(tx.conn, channel_id, message_id)
        if message is None or (message.held and message.author.id != actor.id):
            raise errors.UnknownMessage()
        if message.type not in STARTABLE_FROM:
            raise errors.CannotExecuteOnSystemMessage()
        if message.flags & HAS_THREAD:
            raise rules.ThreadAlreadyCreated()
        view = await _begin(
            tx,
            s,
            actor,
            access,
            kind,
            message.id,
            draft,
            duration=rules.auto_archive_duration(draft.auto_archive_duration),
            rate_limit=_rate_limit(draft.rate_limit_per_user),
        )
        thread = view.thread
        await thread_store.set_has_thread(tx.conn, message.id, has_thread=True)
        starter = Message(
            id=s.ids.next_id(),
            channel_id=thread.id,
            guild_id=thread.guild_id,
            author=actor.user,
            content="",
            type=MessageType.THREAD_STARTER_MESSAGE,
            reference=MessageReference(message.id, parent.id, parent.guild_id),
        )
        await message_store.insert_message(tx.conn, starter)
        thread = replace(thread, last_message_id=starter.id)
        flagged = await message_store.get_message(tx.conn, channel_id, message.id, None)
        assert flagged is not None
        member = access.guild.member if access.guild is not None else None
        tx.emit(
            message_actions.message_event(
                catalog.MESSAGE_UPDATE, replace(flagged, thread=thread, reactions=()), access
            ),
            Event(
                catalog.MESSAGE_CREATE,
                replace(starter, referenced_message=flagged, author_member=member),
                guild_id=thread.guild_id,
                channel_id=thread.id,
            ),
        )
    return replace(view, thread=thread)


async def start_thread(
    s: Services, actor: Actor, channel_id: int, draft: ThreadDraft
) -> ThreadView:
    """A thread on its own: private unless `type` says public (CREATE_PRIVATE_THREADS or
    CREATE_PUBLIC_THREADS); a public one is announced in its channel (THREAD_CREATED). With its
    creator's membership."""
    _name(draft.name)
    async with s.write() as tx:
        access = await _parent_access(tx.conn, s, actor, channel_id)
        parent = access.channel
        if parent.type is ChannelType.GUILD_FORUM:
            raise errors.InvalidFormBody.field(
                "message", "This field is required", "BASE_TYPE_REQUIRED"
            )
        kind = rules.thread_kind_without_message(parent, draft.type)
        access.require(rules.creation_permission(kind, parent))
        view = await _begin(
            tx,
            s,
            actor,
            access,
            kind,
            s.ids.next_id(),
            draft,
            duration=rules.auto_archive_duration(draft.auto_archive_duration),
            rate_limit=_rate_limit(draft.rate_limit_per_user),
        )
        thread = view.thread
        if kind is not ChannelType.PRIVATE_THREAD:
            notice = Message(
                id=s.ids.next_id(),
                channel_id=parent.id,
                guild_id=parent.guild_id,
                author=actor.user,
                content=thread.name or "",
                type=MessageType.THREAD_CREATED,
                reference=MessageReference(None, thread.id, parent.guild_id),
            )
            await message_store.insert_message(tx.conn, notice)
            member = access.guild.member if access.guild is not None else None
            tx.emit(
                message_actions.message_event(
                    catalog.MESSAGE_CREATE, replace(notice, author_member=member), access
                )
            )
    return view


async def start_forum_post(
    s: Services, actor: Actor, forum_id: int, draft: ThreadDraft, first: Draft
) -> tuple[ThreadView, Message]:
    """A forum post: a public thread (SEND_MESSAGES in the forum is enough) with the forum's
    defaults and its tags (REQUIRE_TAG: at least one), then its first message, which has the
    thread's id. Should that message be refused after all, the thread goes again."""
    _name(draft.name)
    require_content_length(s, first.content)
    embeds = validate_embeds(first.embeds)
    if not (
        first.content.strip() or has_visible_content(embeds) or first.files or first.components
    ):
        raise errors.EmptyMessage()
    async with s.write() as tx:
        by_webhook = first.webhook is not None
        access = await _parent_access(tx.conn, s, actor, forum_id, webhook=by_webhook)
        forum = access.channel
        if forum.type is not ChannelType.GUILD_FORUM:
            raise errors.CannotExecuteOnChannelType()
        access.require(Permission.SEND_MESSAGES)
        settings = forum.forum or ForumSettings()
        tags = rules.applied_tags(
            draft.applied_tags,
            forum,
            may_moderate=has(access.permissions, Permission.MANAGE_THREADS),
            creating=True,
        )
        view = await _begin(
            tx,
            s,
            actor,
            access,
            ChannelType.PUBLIC_THREAD,
            s.ids.next_id(),
            draft,
            duration=rules.auto_archive_duration(
                draft.auto_archive_duration, settings.default_auto_archive_duration
            ),
            rate_limit=_rate_limit(
                draft.rate_limit_per_user, settings.default_thread_rate_limit_per_user
            ),
            applied_tags=tags,
            creator_joins=not by_webhook,
        )
        thread = view.thread
        # A forum's last_message_id is its newest post (Discord's; no CHANNEL_UPDATE for it).
        await channel_store.update_channel(tx.conn, forum.id, {"last_message_id": thread.id})
    try:
        message = await message_actions.send_message(
            s, actor, thread.id, replace(first, id=thread.id, forum_post=True)
        )
    except BaseException:
        async with s.write() as tx:
            await thread_store.delete_thread(tx.conn, thread.id)
            tx.emit(thread_event(catalog.THREAD_DELETE, thread))
        raise
    return replace(view, thread=replace(thread, last_message_id=message.id)), message


# -- reading ----------------------------------------------------------------------------------


async def thread_view(conn: AsyncConnection, viewer_id: int, thread_id: int) -> ThreadView:
    """The thread, fresh, with the viewer's membership (GET /channels/{id} of a thread; the
    caller checked that they see it)."""
    thread = await thread_store.get_thread(conn, thread_id)
    if thread is None:
        raise errors.UnknownChannel()
    return ThreadView(thread, await thread_store.get_member(conn, thread_id, viewer_id))


def _visible(
    access: GuildAccess,
    found: Sequence[Channel],
    parents: dict[int, Channel],
    joined: dict[int, ThreadMember],
) -> list[Channel]:
    """The threads the member may see, through their parents."""
    seen = []
    for thread in found:
        parent = parents.get(thread.parent_id or 0)
        if parent is None:
            continue
        permissions = thread_permissions(
            access.context,
            parent.permission_overwrites,
            private=rules.is_private(thread),
            joined=thread.id in joined,
        )
        if has(permissions, Permission.VIEW_CHANNEL):
            seen.append(thread)
    return seen


async def list_active_threads(s: Services, actor: Actor, guild_id: int) -> ThreadPage:
    """The guild's active threads the actor may see, newest first, with their memberships."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        found = await thread_store.active_threads(conn, guild_id)
        parents = {c.id: c for c in await channel_store.channels_of_guild(conn, guild_id)}
        joined = await thread_store.memberships(conn, actor.id, [t.id for t in found])
    shown = _visible(access, found, parents, joined)
    return ThreadPage(tuple(shown), tuple(joined[t.id] for t in shown if t.id in joined))


async def list_archived_threads(
    s: Services,
    actor: Actor,
    channel_id: int,
    *,
    private: bool,
    before: datetime | None,
    limit: int,
) -> ThreadPage:
    """A channel's archived threads, last archived first: public ones (READ_MESSAGE_HISTORY),
    or private ones (also MANAGE_THREADS)."""
    async with s.engine.connect() as conn:
        access = await _parent_access(conn, s, actor, channel_id)
        access.require(Permission.READ_MESSAGE_HISTORY)
        parent = access.channel
        if private:
            access.require(Permission.MANAGE_THREADS)
            if parent.type is not ChannelType.GUILD_TEXT:
                return ThreadPage((), ())
            kinds = [int(ChannelType.PRIVATE_THREAD)]
        elif parent.type is ChannelType.GUILD_ANNOUNCEMENT:
            kinds = [int(ChannelType.ANNOUNCEMENT_THREAD)]
        else:
            kinds = [int(ChannelType.PUBLIC_THREAD)]
        found = await thread_store.archived_threads(
            conn,
            channel_id,
            kinds,
            before_ms=to_millis(before) if before is not None else None,
            limit=limit + 1,
        )
        joined = await thread_store.memberships(conn, actor.id, [t.id for t in found[:limit]])
    return _page(found, limit, joined)


async def list_joined_private_archived_threads(
    s: Services, actor: Actor, channel_id: int, *, before: int | None, limit: int
) -> ThreadPage:
    """The archived private threads of a channel the actor is a member of, newest first."""
    async with s.engine.connect() as conn:
        access = await _parent_access(conn, s, actor, channel_id)
        access.require(Permission.READ_MESSAGE_HISTORY)
        found = await thread_store.joined_archived_private_threads(
            conn, channel_id, actor.id, before_id=before, limit=limit + 1
        )
        joined = await thread_store.memberships(conn, actor.id, [t.id for t in found[:limit]])
    return _page(found, limit, joined)


def _page(found: Sequence[Channel], limit: int, joined: dict[int, ThreadMember]) -> ThreadPage:
    shown = tuple(found[:limit])
    members = tuple(joined[t.id] for t in shown if t.id in joined)
    return ThreadPage(shown, members, has_more=len(found) > limit)


# -- changing and deleting (through PATCH and DELETE /channels/{id}: actions/channels.py) -------


async def modify_thread(
    tx: Transaction, s: Services, actor: Actor, access: ChannelAccess, changes: ThreadChanges
) -> Channel:
    """Change a thread (THREAD_UPDATE), by Discord's rules (`rules.require_may_edit`)."""
    thread = await thread_store.get_thread(tx.conn, access.channel.id)
    if thread is None or thread.thread is None:
        raise errors.UnknownChannel()
    rules.require_may_edit(thread, changes, access.permissions, actor_id=actor.id)
    meta = thread.thread
    now = s.now()
    parent = await channel_store.get_channel(tx.conn, thread.parent_id or 0)
    flags = thread.flags
    if changes.flags is not None:
        flags = rules.thread_flags(changes.flags, parent)
    changed = meta
    if changes.auto_archive_duration is not None:
        duration = rules.auto_archive_duration(changes.auto_archive_duration)
        if duration != meta.auto_archive_duration:
            changed = replace(changed, auto_archive_duration=duration, archive_timestamp=now)
    if changes.locked is not None:
        changed = replace(changed, locked=changes.locked)
    if changes.invitable is not None and rules.is_private(thread):
        changed = replace(changed, invitable=changes.invitable)
    if changes.applied_tags is not None:
        tags = rules.applied_tags(
            changes.applied_tags,
            parent,
            may_moderate=has(access.permissions, Permission.MANAGE_THREADS),
            before=meta.applied_tags,
        )
        changed = replace(changed, applied_tags=tags)
    if changes.archived is not None and changes.archived != meta.archived:
        if not changes.archived and thread.guild_id is not None:  # reopening: is there room?
            active = await thread_store.count_active_threads(tx.conn, thread.guild_id)
            rules.require_room_for_active(active)
        changed = replace(changed, archived=changes.archived, archive_timestamp=now)
        if changes.archived:
            flags &= ~int(ThreadFlag.PINNED)  # an archived post is no longer pinned
    updated = replace(
        thread,
        name=_name(changes.name) if changes.name is not None else thread.name,
        rate_limit_per_user=(
            _rate_limit(changes.rate_limit_per_user)
            if changes.rate_limit_per_user is not None
            else thread.rate_limit_per_user
        ),
        flags=flags,
        thread=changed,
    )
    columns = {
        key: getattr(updated, key)
        for key in ("name", "rate_limit_per_user", "flags")
        if getattr(updated, key) != getattr(thread, key)
    }
    if not columns and changed == meta:
        return thread
    await thread_store.update_thread(tx.conn, thread.id, columns, changed)
    tx.emit(thread_event(catalog.THREAD_UPDATE, updated))
    if not changed.archived and changed.archive_timestamp != meta.archive_timestamp:
        await thread_activity.schedule_archive(tx, updated)  # reopened, or a new duration
    return updated


async def delete_thread(tx: Transaction, access: ChannelAccess) -> Channel:
    """Delete a thread and its messages (MANAGE_THREADS): THREAD_DELETE; the message it was
    started from is no longer flagged HAS_THREAD."""
    access.require(Permission.MANAGE_THREADS)
    thread = access.channel
    await thread_store.delete_thread(tx.conn, thread.id)
    await thread_store.set_has_thread(tx.conn, thread.id, has_thread=False)
    tx.emit(thread_event(catalog.THREAD_DELETE, thread))
    return thread


# -- forum settings (through POST /guilds/{id}/channels and PATCH /channels/{id}) ----------------


@dataclass(frozen=True, slots=True)
class ForumDraft:
    """A forum's settings as a body gives them; UNSET: left as they are."""

    available_tags: Sequence[TagDraft] | Unset = UNSET
    default_reaction_emoji: tuple[int | None, str | None] | Unset | None = UNSET
    default_sort_order: int | Unset | None = UNSET
    default_forum_layout: int | Unset | None = UNSET
    default_auto_archive_duration: int | Unset | None = UNSET
    default_thread_rate_limit_per_user: int | Unset | None = UNSET

    @property
    def given(self) -> bool:
        return any(
            not isinstance(value, Unset)
            for value in (
                self.available_tags,
                self.default_reaction_emoji,
                self.default_sort_order,
                self.default_forum_layout,
                self.default_auto_archive_duration,
                self.default_thread_rate_limit_per_user,
            )
        )


def forum_settings(s: Services, draft: ForumDraft, before: ForumSettings) -> ForumSettings:
    """The forum's settings after the draft, validated."""
    settings = before
    if not isinstance(draft.available_tags, Unset):
        tags = rules.forum_tags(draft.available_tags, before.available_tags, s.ids.next_id)
        settings = replace(settings, available_tags=tags)
    if not isinstance(draft.default_reaction_emoji, Unset):
        emoji = draft.default_reaction_emoji or (None, None)
        settings = replace(settings, default_reaction_emoji=rules.default_reaction(*emoji))
    if not isinstance(draft.default_sort_order, Unset):
        settings = replace(settings, default_sort_order=rules.sort_order(draft.default_sort_order))
    if not isinstance(draft.default_forum_layout, Unset):
        layout = rules.forum_layout(draft.default_forum_layout or 0)
        settings = replace(settings, default_forum_layout=layout)
    if not isinstance(draft.default_auto_archive_duration, Unset):
        value = draft.default_auto_archive_duration
        duration = rules.auto_archive_duration(value) if value is not None else None
        settings = replace(settings, default_auto_archive_duration=duration)
    if not isinstance(draft.default_thread_rate_limit_per_user, Unset):
        rate = _rate_limit(draft.default_thread_rate_limit_per_user)
        settings = replace(settings, default_thread_rate_limit_per_user=rate)
    return settings


async def put_forum_settings(
    tx: Transaction, s: Services, forum: Channel, draft: ForumDraft
) -> ForumSettings | None:
    """Store what the draft changes of a forum's settings; None when it changes nothing."""
    before = forum.forum or ForumSettings()
    after = forum_settings(s, draft, before)
    if after == before:
        return None
    await thread_store.put_forum_settings(tx.conn, forum.id, after)
    return after
