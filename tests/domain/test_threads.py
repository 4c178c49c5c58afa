"""Thread rules without I/O (domain/threads.py, domain.permissions.thread_permissions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from townhall.domain import errors
from townhall.domain import threads as rules
from townhall.domain.models import Channel, ChannelType, ForumSettings, ForumTag
from townhall.domain.permissions import (
    DEFAULT_EVERYONE_PERMISSIONS,
    MemberContext,
    Overwrite,
    OverwriteType,
    Permission,
    has,
    thread_permissions,
)
from townhall.domain.snowflake import snowflake_at

GUILD, PARENT, OWNER, MEMBER = 1, 2, 3, 4
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def member(permissions: int = DEFAULT_EVERYONE_PERMISSIONS, **roles: int) -> MemberContext:
    return MemberContext(
        GUILD, OWNER, MEMBER, permissions, {int(k[1:]): v for k, v in roles.items()}
    )


def everyone(allow: int = 0, deny: int = 0) -> Overwrite:
    return Overwrite(GUILD, OverwriteType.ROLE, allow, deny)


def thread(kind: ChannelType = ChannelType.PUBLIC_THREAD, **meta: object) -> Channel:
    return Channel(
        10,
        kind,
        guild_id=GUILD,
        name="topic",
        parent_id=PARENT,
        owner_id=MEMBER,
        thread=replace(rules.new_metadata(NOW, 60), **meta),
    )


def test_send_messages_in_a_thread_is_send_messages_in_threads_of_its_parent() -> None:
    read_only = [
        everyone(allow=int(Permission.SEND_MESSAGES_IN_THREADS), deny=int(Permission.SEND_MESSAGES))
    ]
    permissions = thread_permissions(member(), read_only, private=False, joined=False)
    assert has(permissions, Permission.SEND_MESSAGES | Permission.ATTACH_FILES)
    closed = [
        everyone(allow=int(Permission.SEND_MESSAGES), deny=int(Permission.SEND_MESSAGES_IN_THREADS))
    ]
    permissions = thread_permissions(member(), closed, private=False, joined=False)
    assert not has(permissions, Permission.SEND_MESSAGES)
    assert not has(permissions, Permission.ATTACH_FILES), "implicit: nothing to attach to"


def test_a_private_thread_is_for_its_members_and_thread_managers() -> None:
    overwrites = [everyone()]
    assert thread_permissions(member(), overwrites, private=True, joined=False) == 0
    assert has(
        thread_permissions(member(), overwrites, private=True, joined=True), Permission.VIEW_CHANNEL
    )
    manager = member(r9=int(Permission.MANAGE_THREADS))
    assert has(
        thread_permissions(manager, overwrites, private=True, joined=False), Permission.VIEW_CHANNEL
    )
    hidden = [everyone(deny=int(Permission.VIEW_CHANNEL))]
    assert thread_permissions(member(), hidden, private=True, joined=True) == 0


def test_who_may_change_what() -> None:
    plain = DEFAULT_EVERYONE_PERMISSIONS
    rules.require_may_edit(thread(), rules.ThreadChanges(name="x"), plain, actor_id=MEMBER)
    with pytest.raises(errors.MissingPermissions):
        rules.require_may_edit(thread(), rules.ThreadChanges(name="x"), plain, actor_id=99)
    with pytest.raises(errors.MissingPermissions):
        rules.require_may_edit(thread(), rules.ThreadChanges(locked=True), plain, actor_id=MEMBER)
    locked = thread(locked=True)
    with pytest.raises(errors.MissingPermissions):
        rules.require_may_edit(locked, rules.ThreadChanges(name="x"), plain, actor_id=MEMBER)
    archived = thread(archived=True)
    with pytest.raises(rules.ArchivedThread):
        rules.require_may_edit(archived, rules.ThreadChanges(name="x"), plain, actor_id=MEMBER)
    rules.require_may_edit(archived, rules.ThreadChanges(archived=False), plain, actor_id=99)
    moderator = plain | int(Permission.MANAGE_THREADS)
    rules.require_may_edit(locked, rules.ThreadChanges(locked=False), moderator, actor_id=99)


def test_sending_in_locked_and_archived_threads() -> None:
    plain = DEFAULT_EVERYONE_PERMISSIONS
    rules.require_may_send(thread(archived=True), plain)
    with pytest.raises(rules.ThreadLocked):
        rules.require_may_send(thread(locked=True), plain)
    with pytest.raises(rules.ArchivedThread):
        rules.require_may_send(thread(locked=True, archived=True), plain)
    rules.require_may_send(
        thread(locked=True, archived=True), plain | int(Permission.MANAGE_THREADS)
    )


def test_a_thread_archives_after_its_last_activity() -> None:
    meta = rules.new_metadata(NOW, 60)
    assert rules.archive_due(meta, None) == NOW + timedelta(minutes=60)
    later = snowflake_at(NOW + timedelta(minutes=30))
    assert rules.archive_due(meta, later) > NOW + timedelta(minutes=89)


def test_forum_tags_keep_known_ids_and_refuse_duplicates_and_excess() -> None:
    existing = (ForumTag(500, "bug"),)
    ids = iter(range(600, 700))
    tags = rules.forum_tags(
        [rules.TagDraft("Bug", id=500), rules.TagDraft("idea", id=12345)],
        existing,
        lambda: next(ids),
    )
    assert [(t.id, t.name) for t in tags] == [(500, "Bug"), (600, "idea")]
    with pytest.raises(rules.TagNamesNotUnique):
        rules.forum_tags([rules.TagDraft("a"), rules.TagDraft("A")], (), lambda: next(ids))
    with pytest.raises(rules.MaxTags):
        rules.forum_tags([rules.TagDraft(f"t{i}") for i in range(21)], (), lambda: next(ids))


def test_applied_tags_belong_to_the_forum() -> None:
    settings = ForumSettings(
        available_tags=(ForumTag(1, "open"), ForumTag(2, "staff", moderated=True))
    )
    forum = Channel(PARENT, ChannelType.GUILD_FORUM, guild_id=GUILD, forum=settings)
    assert rules.applied_tags([1, 1], forum, may_moderate=False) == (1,)
    with pytest.raises(rules.UnknownTag):
        rules.applied_tags([3], forum, may_moderate=True)
    with pytest.raises(errors.MissingPermissions):
        rules.applied_tags([2], forum, may_moderate=False)
    assert rules.applied_tags([1, 2], forum, may_moderate=False, before=(1, 2)) == (1, 2)
    required = replace(forum, flags=int(rules.ThreadFlag.REQUIRE_TAG))
    with pytest.raises(rules.TagRequired):
        rules.applied_tags([], required, may_moderate=True, creating=True)
    text = Channel(PARENT, ChannelType.GUILD_TEXT, guild_id=GUILD)
    with pytest.raises(errors.CannotExecuteOnChannelType):
        rules.applied_tags([1], text, may_moderate=True)


def test_what_archived_and_locked_threads_allow_their_messages() -> None:
    change = rules.MessageChange
    plain = int(DEFAULT_EVERYONE_PERMISSIONS)
    manager = plain | int(Permission.MANAGE_THREADS)
    for kind in change:
        rules.require_may_change_messages(thread(), plain, kind)
    archived = thread(archived=True)
    for kind in change:
        with pytest.raises(rules.ArchivedThread):
            rules.require_may_change_messages(archived, plain, kind)
    for kind in (change.EDIT, change.REACT):
        with pytest.raises(rules.ArchivedThread):
            rules.require_may_change_messages(archived, manager, kind)
    rules.require_may_change_messages(archived, manager, change.DELETE)
    locked = thread(locked=True)
    with pytest.raises(rules.ThreadLocked):
        rules.require_may_change_messages(locked, plain, change.EDIT)
    for kind in (change.REACT, change.DELETE):
        rules.require_may_change_messages(locked, plain, kind)
    rules.require_may_change_messages(locked, manager, change.EDIT)
    with pytest.raises(rules.ArchivedThread):
        rules.require_may_change_messages(thread(locked=True, archived=True), plain, change.REACT)


def test_a_guild_starts_no_thread_past_its_active_cap() -> None:
    rules.require_room_for_active(rules.MAX_ACTIVE_THREADS - 1)
    with pytest.raises(rules.MaxActiveThreads) as refused:
        rules.require_room_for_active(rules.MAX_ACTIVE_THREADS)
    assert refused.value.code == 160006 and rules.MAX_ACTIVE_THREADS == 1000
