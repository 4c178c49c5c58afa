"""Rules of threads and forum posts (docs/threads.md), without I/O.

A thread is a channel of type 10 (in an announcement channel), 11 (public: in a text or forum
channel) or 12 (private: in a text channel) whose `parent_id` is that channel. It has no
overwrites of its own: what a member may do there is what they may do in the parent
(`domain.permissions.thread_permissions`). Limits, codes and the rules for who may change what
follow Discord's channel resource and threads topic (discord/discord-api-docs).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from townhall.domain import errors
from townhall.domain.models import (
    Channel,
    ChannelType,
    ForumSettings,
    ForumTag,
    Member,
    ThreadMetadata,
)
from townhall.domain.permissions import Permission, has
from townhall.domain.snowflake import snowflake_time

AUTO_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
"""Minutes of inactivity before a thread archives itself."""
DEFAULT_AUTO_ARCHIVE_DURATION = 1440
MAX_THREAD_MEMBERS = 1000
MAX_ACTIVE_THREADS = 1000
"""Active (not archived) threads a guild may have at once, of every kind (Discord's cap: 160006)."""
MAX_AVAILABLE_TAGS = 20
MAX_APPLIED_TAGS = 5
TAG_NAME_MAX = 20
EMOJI_NAME_MAX = 64
MEMBER_PAGE_MAX = 100
ARCHIVED_PAGE_MAX = 100

HAS_THREAD = 1 << 5
"""Message flag: a thread was started from this message (it has the message's id)."""

PARENT_TYPES = frozenset(
    {ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_FORUM}
)
"""Channels that have threads."""
SORT_ORDERS = (0, 1)
"""LATEST_ACTIVITY, CREATION_DATE."""
FORUM_LAYOUTS = (0, 1, 2)
"""NOT_SET, LIST_VIEW, GALLERY_VIEW."""


class ThreadFlag(enum.IntFlag):
    """The channel flags of threads and forums (Discord's)."""

    PINNED = 1 << 1
    """A forum post shown first; it never archives itself."""
    REQUIRE_TAG = 1 << 4
    """A forum whose posts must carry a tag."""


# -- errors (Discord's codes, opcodes-and-status-codes.mdx) -------------------------------------


class ThreadAlreadyCreated(errors.TownhallError):
    code, message = 160004, "A thread has already been created for this message"


class ThreadLocked(errors.Forbidden):
    code, message = 160005, "Thread is locked"


class ArchivedThread(errors.TownhallError):
    code, message = 50083, "Thread is archived"


class TagRequired(errors.TownhallError):
    code, message = 40067, "A tag is required to create a forum post in this channel"


class UnknownTag(errors.NotFound):
    code, message = 10087, "Unknown Tag"


class TagNamesNotUnique(errors.TownhallError):
    code, message = 40061, "Tag names must be unique"


class MaxTags(errors.TownhallError):
    code, message = 30048, "Maximum number of tags in a forum channel has been reached (20)"


class MaxThreadMembers(errors.TownhallError):
    code, message = 30033, "Maximum number of thread participants has been reached (1000)"


class MaxActiveThreads(errors.TownhallError):
    code, message = 160006, "Maximum number of active threads reached"


# -- the nouns of thread membership and its events ------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThreadMember:
    """Someone who joined a thread (or was added, or wrote in it)."""

    thread_id: int
    user_id: int
    join_timestamp: datetime
    flags: int = 0
    member: Member | None = None
    """Their guild membership, where Discord shows it (`with_member`, THREAD_MEMBERS_UPDATE)."""


@dataclass(frozen=True, slots=True)
class ThreadCreated:
    """THREAD_CREATE: a new thread (`newly_created`), with its first member when there is one."""

    thread: Channel
    members: tuple[ThreadMember, ...] = ()
    """Its first members (its creator): the gateway's replicas learn them from the event."""
    newly_created: bool = True


@dataclass(frozen=True, slots=True)
class ThreadMembersChange:
    """THREAD_MEMBERS_UPDATE: who joined or left a thread."""

    thread_id: int
    guild_id: int
    member_count: int
    added: tuple[ThreadMember, ...] = ()
    removed_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadMemberChange:
    """THREAD_MEMBER_UPDATE: the person's own thread membership, for their sessions."""

    guild_id: int
    member: ThreadMember


@dataclass(frozen=True, slots=True)
class MessageCounts:
    """A thread's counters after a message came or went: `message_count` counts the messages
    still there (after the first), `total_message_sent` every one ever sent."""

    message_count: int
    total_message_sent: int


@dataclass(frozen=True, slots=True)
class ThreadView:
    """A thread as one person fetches it: with their own membership, when they joined."""

    thread: Channel
    member: ThreadMember | None = None


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """A list of threads as the archived and active routes answer: with the asker's own thread
    memberships among them."""

    threads: tuple[Channel, ...]
    members: tuple[ThreadMember, ...]
    has_more: bool = False


# -- kinds and validation -------------------------------------------------------------------------


def thread_kind_from_message(parent: Channel) -> ChannelType:
    """A thread started from a message: an announcement thread in an announcement channel, a
    public thread in a text channel. Forums start posts instead (50024)."""
    if parent.type is ChannelType.GUILD_ANNOUNCEMENT:
        return ChannelType.ANNOUNCEMENT_THREAD
    if parent.type is ChannelType.GUILD_TEXT:
        return ChannelType.PUBLIC_THREAD
    raise errors.CannotExecuteOnChannelType()


def thread_kind_without_message(parent: Channel, requested: int | None) -> ChannelType:
    """A thread started on its own: private by default, as Discord's API documents; private
    threads only in text channels; announcement channels have announcement threads."""
    if parent.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
        raise errors.CannotExecuteOnChannelType()
    kind = _channel_type(requested if requested is not None else ChannelType.PRIVATE_THREAD)
    allowed = {
        ChannelType.GUILD_TEXT: (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD),
        ChannelType.GUILD_ANNOUNCEMENT: (ChannelType.ANNOUNCEMENT_THREAD,),
    }[parent.type]
    if requested is None and parent.type is ChannelType.GUILD_ANNOUNCEMENT:
        return ChannelType.ANNOUNCEMENT_THREAD
    if kind not in allowed:
        raise errors.InvalidFormBody.field(
            "type", "Value is not a valid thread type for this channel.", "BASE_TYPE_CHOICES"
        )
    return kind


def _channel_type(value: int) -> ChannelType | None:
    try:
        return ChannelType(value)
    except ValueError:
        return None


def creation_permission(kind: ChannelType, parent: Channel) -> int:
    """What starting a thread takes in its parent. A forum post takes SEND_MESSAGES only
    (Discord: CREATE_PUBLIC_THREADS is ignored there)."""
    if parent.type is ChannelType.GUILD_FORUM:
        return int(Permission.SEND_MESSAGES)
    if kind is ChannelType.PRIVATE_THREAD:
        return int(Permission.CREATE_PRIVATE_THREADS)
    return int(Permission.CREATE_PUBLIC_THREADS)


def auto_archive_duration(value: int | None, default: int | None = None) -> int:
    if value is None:
        return default or DEFAULT_AUTO_ARCHIVE_DURATION
    if value not in AUTO_ARCHIVE_DURATIONS:
        raise errors.InvalidFormBody.field(
            "auto_archive_duration",
            "Value must be one of (60, 1440, 4320, 10080).",
            "BASE_TYPE_CHOICES",
        )
    return value


def new_metadata(
    now: datetime, duration: int, *, invitable: bool = True, applied_tags: tuple[int, ...] = ()
) -> ThreadMetadata:
    return ThreadMetadata(
        archived=False,
        auto_archive_duration=duration,
        archive_timestamp=now,
        create_timestamp=now,
        invitable=invitable,
        applied_tags=applied_tags,
    )


def is_private(channel: Channel) -> bool:
    return channel.type is ChannelType.PRIVATE_THREAD


def metadata_of(thread: Channel) -> ThreadMetadata:
    if thread.thread is None:
        raise errors.UnknownChannel()
    return thread.thread


def require_thread(channel: Channel) -> ThreadMetadata:
    """The thread's metadata; 50024 for any other channel (Discord's answer on a non-thread)."""
    if not channel.type.is_thread or channel.thread is None:
        raise errors.CannotExecuteOnChannelType()
    return channel.thread


def require_active(thread: Channel) -> ThreadMetadata:
    """Members join, leave and are added only while a thread is active (50083)."""
    meta = require_thread(thread)
    if meta.archived:
        raise ArchivedThread()
    return meta


def require_may_send(thread: Channel, permissions: int) -> None:
    """Sending in a thread: SEND_MESSAGES_IN_THREADS (shown as SEND_MESSAGES there); a locked
    thread takes MANAGE_THREADS (160005), and so does reopening an archived locked one (50083).
    An archived thread that is not locked opens again with the message."""
    meta = require_thread(thread)
    if not has(permissions, Permission.SEND_MESSAGES):
        raise errors.MissingPermissions()
    if meta.locked and not has(permissions, Permission.MANAGE_THREADS):
        raise ArchivedThread() if meta.archived else ThreadLocked()


def require_room_for_active(active: int) -> None:
    """A thread starts or reopens only while the guild has fewer than `MAX_ACTIVE_THREADS`
    active ones (archived threads do not count)."""
    if active >= MAX_ACTIVE_THREADS:
        raise MaxActiveThreads()


class MessageChange(enum.Enum):
    """What is done to a thread's messages besides sending (topics/threads.mdx)."""

    EDIT = "edit"
    """Editing a message, pinning or unpinning one: an update of the thread's messages."""
    REACT = "react"
    """Adding or removing reactions."""
    DELETE = "delete"


def require_may_change_messages(thread: Channel, permissions: int, change: MessageChange) -> None:
    """Discord's rules for a thread's messages (topics/threads.mdx "Locked Threads", "Active &
    Archived Threads"): an archived thread takes no edits, pins or reactions from anyone (50083),
    and only MANAGE_THREADS holders delete in it (Discord's client reopens it first); in a locked
    thread that is active only MANAGE_THREADS holders edit or pin (160005), while deleting and
    reactions stay as in any channel."""
    meta = require_thread(thread)
    manages = has(permissions, Permission.MANAGE_THREADS)
    if meta.archived:
        if change is not MessageChange.DELETE or not manages:
            raise ArchivedThread()
    elif meta.locked and change is MessageChange.EDIT and not manages:
        raise ThreadLocked()


def archive_due(meta: ThreadMetadata, last_message_id: int | None) -> datetime:
    """When the thread archives itself: `auto_archive_duration` after its last activity (a
    message, its creation, unarchiving or a change of the duration)."""
    last = meta.archive_timestamp
    if last_message_id is not None:
        last = max(last, snowflake_time(last_message_id))
    return last + timedelta(minutes=meta.auto_archive_duration)


# -- editing a thread ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThreadChanges:
    """What a Modify Channel body changes on a thread (None: not given)."""

    name: str | None = None
    archived: bool | None = None
    auto_archive_duration: int | None = None
    locked: bool | None = None
    invitable: bool | None = None
    rate_limit_per_user: int | None = None
    flags: int | None = None
    applied_tags: tuple[int, ...] | None = None


def require_may_edit(
    thread: Channel, changes: ThreadChanges, permissions: int, *, actor_id: int
) -> None:
    """Discord's rules (topics/threads.mdx "Editing & Deleting Threads", resources/channel.mdx
    "JSON Params (Thread)"): MANAGE_THREADS may change anything. Without it: the creator may
    rename, archive, retag and change the duration of an unlocked thread; a member with
    SEND_MESSAGES_IN_THREADS may unarchive an unlocked one; nobody else changes `locked`,
    `rate_limit_per_user` or `flags`. An archived thread changes only if the request unarchives it
    (50083)."""
    meta = require_thread(thread)
    if meta.archived and changes.archived is not False:
        raise ArchivedThread()
    if has(permissions, Permission.MANAGE_THREADS):
        return
    moderator_only = (
        changes.locked is not None and changes.locked != meta.locked,
        changes.rate_limit_per_user is not None
        and changes.rate_limit_per_user != thread.rate_limit_per_user,
        changes.flags is not None and changes.flags != thread.flags,
    )
    if any(moderator_only) or meta.locked:
        raise errors.MissingPermissions()
    creator_only = (
        changes.name is not None and changes.name != thread.name,
        changes.archived is True and not meta.archived,
        changes.auto_archive_duration is not None
        and changes.auto_archive_duration != meta.auto_archive_duration,
        changes.invitable is not None and changes.invitable != meta.invitable,
        changes.applied_tags is not None and changes.applied_tags != meta.applied_tags,
    )
    if any(creator_only) and thread.owner_id != actor_id:
        raise errors.MissingPermissions()
    if (
        changes.archived is False
        and meta.archived
        and not has(permissions, Permission.SEND_MESSAGES)
    ):
        raise errors.MissingPermissions()


def thread_flags(value: int, parent: Channel | None) -> int:
    """A thread's settable flags: PINNED, on forum posts only."""
    if value < 0 or value & ~int(ThreadFlag.PINNED):
        raise errors.InvalidFormBody.field(
            "flags", "Unsupported thread flags.", "CHANNEL_FLAGS_INVALID"
        )
    if value and (parent is None or parent.type is not ChannelType.GUILD_FORUM):
        raise errors.InvalidFormBody.field(
            "flags", "Only forum posts can be pinned.", "CHANNEL_FLAGS_INVALID"
        )
    return value


# -- forums ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagDraft:
    """An entry of `available_tags` as sent: `id` keeps an existing tag, none makes a new one."""

    name: str
    id: int | None = None
    moderated: bool = False
    emoji_id: int | None = None
    emoji_name: str | None = None


def forum_tags(
    drafts: Sequence[TagDraft], existing: Iterable[ForumTag], new_id: Callable[[], int]
) -> tuple[ForumTag, ...]:
    """The forum's new set of tags: at most 20, names of 1-20 characters, unique; a draft with a
    known id keeps that tag's id (posts keep it), others get a new one."""
    if len(drafts) > MAX_AVAILABLE_TAGS:
        raise MaxTags()
    known = {t.id for t in existing}
    tags: list[ForumTag] = []
    names: set[str] = set()
    for index, draft in enumerate(drafts):
        name = draft.name.strip()
        if not 1 <= len(name) <= TAG_NAME_MAX:
            raise errors.InvalidFormBody.field(
                f"available_tags.{index}.name",
                f"Must be between 1 and {TAG_NAME_MAX} in length.",
                "BASE_TYPE_BAD_LENGTH",
            )
        if name.casefold() in names:
            raise TagNamesNotUnique()
        names.add(name.casefold())
        emoji_name = draft.emoji_name or None
        if emoji_name is not None and len(emoji_name) > EMOJI_NAME_MAX:
            raise errors.InvalidFormBody.field(
                f"available_tags.{index}.emoji_name",
                f"Must be {EMOJI_NAME_MAX} or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
        emoji_id = draft.emoji_id or None
        if emoji_id is not None and emoji_name is not None:
            raise errors.InvalidFormBody.field(
                f"available_tags.{index}",
                "At most one of emoji_id and emoji_name may be set.",
                "TAG_EMOJI_INVALID",
            )
        tag_id = draft.id if draft.id in known else new_id()
        tags.append(ForumTag(tag_id, name, draft.moderated, emoji_id, emoji_name))
    return tuple(tags)


def default_reaction(
    emoji_id: int | None, emoji_name: str | None
) -> tuple[int | None, str | None] | None:
    """A forum's reaction button: exactly one of a custom emoji's id or a unicode emoji."""
    emoji_name = emoji_name or None
    emoji_id = emoji_id or None
    if emoji_id is None and emoji_name is None:
        return None
    if emoji_id is not None and emoji_name is not None:
        raise errors.InvalidFormBody.field(
            "default_reaction_emoji",
            "Exactly one of emoji_id and emoji_name must be set.",
            "TAG_EMOJI_INVALID",
        )
    if emoji_name is not None and len(emoji_name) > EMOJI_NAME_MAX:
        raise errors.InvalidFormBody.field(
            "default_reaction_emoji.emoji_name",
            f"Must be {EMOJI_NAME_MAX} or fewer in length.",
            "BASE_TYPE_MAX_LENGTH",
        )
    return emoji_id, emoji_name


def sort_order(value: int | None) -> int | None:
    if value is not None and value not in SORT_ORDERS:
        raise errors.InvalidFormBody.field(
            "default_sort_order", "Value must be one of (0, 1).", "BASE_TYPE_CHOICES"
        )
    return value


def forum_layout(value: int) -> int:
    if value not in FORUM_LAYOUTS:
        raise errors.InvalidFormBody.field(
            "default_forum_layout", "Value must be one of (0, 1, 2).", "BASE_TYPE_CHOICES"
        )
    return value


def forum_flags(value: int) -> int:
    """A forum's settable flags: REQUIRE_TAG."""
    if value < 0 or value & ~int(ThreadFlag.REQUIRE_TAG):
        raise errors.InvalidFormBody.field(
            "flags", "Unsupported forum flags.", "CHANNEL_FLAGS_INVALID"
        )
    return value


def applied_tags(
    wanted: Sequence[int] | None,
    forum: Channel | None,
    *,
    may_moderate: bool,
    before: tuple[int, ...] = (),
    creating: bool = False,
) -> tuple[int, ...]:
    """A post's tags: tags of its forum (10087 otherwise), at most 5; a moderated tag added or
    removed takes MANAGE_THREADS; a forum with REQUIRE_TAG refuses a new post without one
    (40067). Threads outside forums carry no tags (50024)."""
    if forum is None or forum.type is not ChannelType.GUILD_FORUM:
        if wanted:
            raise errors.CannotExecuteOnChannelType()
        return ()
    settings = forum.forum or ForumSettings()
    tags = {t.id: t for t in settings.available_tags}
    chosen = tuple(dict.fromkeys(wanted or ()))
    if len(chosen) > MAX_APPLIED_TAGS:
        raise errors.InvalidFormBody.field(
            "applied_tags",
            f"Must be {MAX_APPLIED_TAGS} or fewer in length.",
            "BASE_TYPE_MAX_LENGTH",
        )
    for tag_id in chosen:
        if tag_id not in tags:
            raise UnknownTag()
    changed = set(chosen) ^ set(before)
    if not may_moderate and any(tags[t].moderated for t in changed if t in tags):
        raise errors.MissingPermissions()
    if creating and not chosen and forum.flags & ThreadFlag.REQUIRE_TAG:
        raise TagRequired()
    return chosen


def with_members(meta: ThreadMetadata, count: int) -> ThreadMetadata:
    return replace(meta, member_count=count)


def own_members(
    members: Mapping[int, Sequence[ThreadMember]], threads: Iterable[Channel]
) -> tuple[ThreadMember, ...]:
    """The asker's memberships among these threads, in the threads' order."""
    return tuple(m for t in threads for m in members.get(t.id, ()))
