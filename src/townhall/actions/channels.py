"""Guild channels: list, create, reorder, read, modify, delete.

Reading, changing and deleting `/channels/{id}` also covers DMs and group DMs; those cases are
handed to actions/private_channels.py. Single overwrites are edited in actions/overwrites.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions import overwrites as overwrite_actions
from townhall.actions import private_channels, public_channels, voice
from townhall.actions import threads as thread_actions
from townhall.actions.access import GuildAccess, channel_access, guild_access
from townhall.actions.overwrites import OverwriteDraft
from townhall.actions.services import Services
from townhall.domain import channels as rules
from townhall.domain import errors, groups
from townhall.domain import guests as guest_rules
from townhall.domain import threads as thread_rules
from townhall.domain.actor import Actor
from townhall.domain.event_data import GuildView, PrivateChannelView
from townhall.domain.models import UNSET, Channel, ChannelType, Guild, Unset
from townhall.domain.permissions import Permission, has
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import threads as thread_store


@dataclass(frozen=True, slots=True)
class ChannelDraft:
    """A new guild channel as asked for; `None` means "not given"."""

    name: str
    type: int = int(ChannelType.GUILD_TEXT)
    topic: str | None = None
    position: int | None = None
    parent_id: int | None = None
    nsfw: bool | None = None
    rate_limit_per_user: int | None = None
    user_limit: int | None = None
    bitrate: int | None = None
    permission_overwrites: Sequence[OverwriteDraft] | None = None
    forum: thread_actions.ForumDraft | None = None
    """A forum's tags and defaults (docs/threads.md)."""


@dataclass(frozen=True, slots=True)
class ChannelPatch:
    """Changes to a channel; UNSET fields stay as they are. Group DMs accept only `name`."""

    name: str | Unset | None = UNSET
    type: int | Unset | None = UNSET
    position: int | Unset | None = UNSET
    topic: str | Unset | None = UNSET
    nsfw: bool | Unset | None = UNSET
    rate_limit_per_user: int | Unset | None = UNSET
    bitrate: int | Unset | None = UNSET
    user_limit: int | Unset | None = UNSET
    permission_overwrites: Sequence[OverwriteDraft] | Unset | None = UNSET
    parent_id: int | Unset | None = UNSET
    flags: int | Unset | None = UNSET
    """Only WEB_PUBLIC may be set (actions/public_channels.py); on forums REQUIRE_TAG, on
    threads PINNED (docs/threads.md)."""
    archived: bool | Unset | None = UNSET
    """This and the rest up to `applied_tags`: threads only."""
    auto_archive_duration: int | Unset | None = UNSET
    locked: bool | Unset | None = UNSET
    invitable: bool | Unset | None = UNSET
    applied_tags: Sequence[int] | Unset | None = UNSET
    forum: thread_actions.ForumDraft | None = None
    """A forum's tags and defaults."""

    def thread_changes(self) -> thread_rules.ThreadChanges:
        """What the patch asks of a thread (docs/threads.md)."""

        def number(value: int | Unset | None) -> int | None:
            return value if isinstance(value, int) else None

        def flag(value: bool | Unset | None) -> bool | None:
            return value if isinstance(value, bool) else None

        tags = self.applied_tags
        return thread_rules.ThreadChanges(
            name=self.name if isinstance(self.name, str) else None,
            archived=flag(self.archived),
            auto_archive_duration=number(self.auto_archive_duration),
            locked=flag(self.locked),
            invitable=flag(self.invitable),
            rate_limit_per_user=number(self.rate_limit_per_user),
            flags=number(self.flags),
            applied_tags=tuple(tags) if not isinstance(tags, Unset) and tags is not None else None,
        )


@dataclass(frozen=True, slots=True)
class PositionChange:
    """One entry of Modify Guild Channel Positions."""

    id: int
    position: int | None = None
    lock_permissions: bool = False
    parent_id: int | Unset | None = UNSET


async def list_guild_channels(s: Services, actor: Actor, guild_id: int) -> list[Channel]:
    """The guild's channels the actor can see, as Discord lists them."""
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        found = await channel_store.channels_of_guild(conn, guild_id)
    seen = ((c, access.in_channel(c)) for c in found)
    bot = actor.user.bot
    return [
        groups.as_seen(c, actor.id, permissions, bot=bot)
        for c, permissions in seen
        if has(permissions, Permission.VIEW_CHANNEL)
    ]


async def create_guild_channel(
    s: Services, actor: Actor, guild_id: int, draft: ChannelDraft
) -> Channel:
    kind = rules.creatable_type(draft.type)
    name = rules.channel_name(draft.name, kind)
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        existing = await channel_store.channels_of_guild(tx.conn, guild_id)
        parent = None
        if draft.parent_id is not None:
            if kind is ChannelType.GUILD_CATEGORY:
                raise _categories_cannot_nest()
            parent = _category(existing, draft.parent_id, "parent_id")
        if parent is not None:
            # The new channel takes the category's overwrites: the actor must manage it.
            require_manages(access, parent)
        elif not has(access.permissions, Permission.MANAGE_CHANNELS):
            raise errors.MissingPermissions()
        if len(existing) >= rules.MAX_GUILD_CHANNELS:
            raise errors.MaxChannels()
        if draft.permission_overwrites:
            # Only what the actor holds in the guild may be allowed or denied (Discord's rule).
            access.require(Permission.MANAGE_ROLES)
            overwrites = await overwrite_actions.parsed_overwrites(
                tx.conn, access, draft.permission_overwrites
            )
            overwrite_actions.require_grantable(access.permissions, {}, overwrites)
        else:
            # Discord's client copies the category's overwrites into a new channel; so do we.
            overwrites = list(parent.permission_overwrites) if parent is not None else []
        guest_role = access.guild.guest_role_id  # new channels hide from guests (domain/guests.py)
        overwrites = list(
            guest_rules.overwrites_for_new_channel(
                guest_role if guest_role in access.roles else None, overwrites
            )
        )
        channel = Channel(
            id=s.ids.next_id(),
            type=kind,
            guild_id=guild_id,
            name=name,
            topic=rules.topic(draft.topic, kind) if kind in rules.TOPIC_TYPES else None,
            position=_next_position(existing, kind) if draft.position is None else draft.position,
            parent_id=parent.id if parent is not None else None,
            nsfw=bool(draft.nsfw),
            rate_limit_per_user=_create_rate_limit(draft, kind),
            user_limit=rules.user_limit(draft.user_limit or 0, kind) if kind.is_voice else 0,
            bitrate=_create_bitrate(draft, kind),
            permission_overwrites=tuple(overwrites),
        )
        await channel_store.insert_channel(tx.conn, channel)
        if kind is ChannelType.GUILD_FORUM and draft.forum is not None:
            settings = await thread_actions.put_forum_settings(tx, s, channel, draft.forum)
            channel = replace(channel, forum=settings)
        tx.emit(_guild_event(catalog.CHANNEL_CREATE, channel))
    return channel


def _create_rate_limit(draft: ChannelDraft, kind: ChannelType) -> int:
    if kind not in rules.RATE_LIMITED_TYPES:
        return 0
    return rules.rate_limit_per_user(draft.rate_limit_per_user or 0)


def _create_bitrate(draft: ChannelDraft, kind: ChannelType) -> int:
    if not kind.is_voice or draft.bitrate is None:
        return rules.DEFAULT_BITRATE
    return rules.bitrate(draft.bitrate)


def _next_position(existing: Sequence[Channel], kind: ChannelType) -> int:
    """At the bottom of its kind: categories among categories, channels among channels."""
    is_category = kind is ChannelType.GUILD_CATEGORY
    positions = [
        c.position for c in existing if (c.type is ChannelType.GUILD_CATEGORY) == is_category
    ]
    return max(positions, default=-1) + 1


def _category(channels: Sequence[Channel], channel_id: int, path: str) -> Channel:
    found = next((c for c in channels if c.id == channel_id), None)
    if found is None or found.type is not ChannelType.GUILD_CATEGORY:
        raise errors.InvalidFormBody.field(
            path, "Category does not exist", "CHANNEL_PARENT_INVALID"
        )
    return found


def require_manages(access: GuildAccess, channel: Channel) -> None:
    """MANAGE_CHANNELS in this channel itself: 50001 when the actor cannot see it, else 50013."""
    permissions = access.in_channel(channel)
    if not has(permissions, Permission.VIEW_CHANNEL):
        raise errors.MissingAccess()
    if not has(permissions, Permission.MANAGE_CHANNELS):
        raise errors.MissingPermissions()


def _categories_cannot_nest() -> errors.InvalidFormBody:
    return errors.InvalidFormBody.field(
        "parent_id", "Categories cannot have subcategories", "CHANNEL_PARENT_INVALID"
    )


async def reorder_guild_channels(
    s: Services, actor: Actor, guild_id: int, changes: Sequence[PositionChange]
) -> None:
    """Move channels: position, category, and with `lock_permissions` the category's overwrites.

    Each moved channel, and each category it moves into, needs MANAGE_CHANNELS there (so a
    channel the actor cannot see cannot be moved). Syncing overwrites changes who sees a channel,
    so it also needs MANAGE_ROLES, and the category's overwrites pass the same "only what you
    hold" check as an edit of the channel's own.
    """
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_CHANNELS)
        channels = await channel_store.channels_of_guild(tx.conn, guild_id)
        before = {c.id: c for c in channels}
        after = dict(before)
        for index, change in enumerate(changes):
            if change.id not in after:
                raise errors.InvalidFormBody.field(
                    f"{index}.id", "Unknown channel", "CHANNEL_INVALID"
                )
            after[change.id] = _moved(after[change.id], change, channels, index)
        moved = [c for c in after.values() if c != before[c.id]]
        synced = [c for c in moved if _overwrites_differ(c, before[c.id])]
        for channel in moved:
            require_manages(access, before[channel.id])
            parent_changed = channel.parent_id != before[channel.id].parent_id
            if channel.parent_id is not None and (parent_changed or channel in synced):
                require_manages(access, before[channel.parent_id])
        if synced:
            access.require(Permission.MANAGE_ROLES)
        for channel in synced:
            old = {o.id: o for o in before[channel.id].permission_overwrites}
            overwrite_actions.require_grantable(
                access.permissions, old, channel.permission_overwrites
            )
        await channel_store.set_channel_positions(
            tx.conn, [{"id": c.id, "position": c.position, "parent_id": c.parent_id} for c in moved]
        )
        for channel in synced:
            await channel_store.replace_overwrites(
                tx.conn, channel.id, channel.permission_overwrites
            )
        tx.emit(*(_guild_event(catalog.CHANNEL_UPDATE, c) for c in moved))


def _moved(
    channel: Channel, change: PositionChange, channels: Sequence[Channel], index: int
) -> Channel:
    position = change.position if change.position is not None else channel.position
    if isinstance(change.parent_id, Unset):
        return replace(channel, position=position)
    parent = None
    if change.parent_id is not None:
        if channel.type is ChannelType.GUILD_CATEGORY:
            raise _categories_cannot_nest()
        parent = _category(channels, change.parent_id, f"{index}.parent_id")
    overwrites = channel.permission_overwrites
    if change.lock_permissions and parent is not None:
        overwrites = parent.permission_overwrites
    return replace(
        channel, position=position, parent_id=change.parent_id, permission_overwrites=overwrites
    )


def _overwrites_differ(a: Channel, b: Channel) -> bool:
    return set(a.permission_overwrites) != set(b.permission_overwrites)


async def get_channel(
    s: Services, actor: Actor, channel_id: int
) -> Channel | PrivateChannelView | thread_rules.ThreadView:
    async with s.engine.connect() as conn:
        access = await channel_access(conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            return await private_channels.view_for(conn, access.channel, actor.id)
        if access.channel.type.is_thread:  # with the reader's membership
            return await thread_actions.thread_view(conn, actor.id, channel_id)
        fresh = await channel_store.get_channel(conn, channel_id) or access.channel
    return groups.as_seen(fresh, actor.id, access.permissions, bot=actor.user.bot)


async def modify_channel(
    s: Services, actor: Actor, channel_id: int, patch: ChannelPatch
) -> Channel | PrivateChannelView:
    if await _is_private(s, channel_id):
        return await private_channels.modify_group_dm(s, actor, channel_id, name=patch.name)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            raise errors.UnknownChannel()
        if access.channel.type.is_thread:  # its own rules (docs/threads.md)
            return await thread_actions.modify_thread(tx, s, actor, access, patch.thread_changes())
        access.require(Permission.MANAGE_CHANNELS)
        channel = access.channel
        if channel.type is ChannelType.GUILD_FORUM:
            channel = await channel_store.get_channel(tx.conn, channel_id) or channel
        changes = await _channel_changes(tx.conn, access.guild, channel, patch)
        overwrites = None
        if not isinstance(patch.permission_overwrites, Unset):
            overwrites = await overwrite_actions.parsed_overwrites(
                tx.conn, access.guild, patch.permission_overwrites or (), "permission_overwrites"
            )
            if set(overwrites) == set(channel.permission_overwrites):
                overwrites = None
            else:
                access.require(Permission.MANAGE_ROLES)
                before = {o.id: o for o in channel.permission_overwrites}
                overwrite_actions.require_grantable(access.permissions, before, overwrites)
        forum_changed = False
        if channel.type is ChannelType.GUILD_FORUM:
            flags = patch.flags
            if isinstance(flags, int) and flags != channel.flags:
                changes["flags"] = thread_rules.forum_flags(flags)
            if patch.forum is not None:
                put = await thread_actions.put_forum_settings(tx, s, channel, patch.forum)
                forum_changed = put is not None
        elif not isinstance(patch.flags, Unset):
            converted = changes.get("type")
            kind = ChannelType(converted) if isinstance(converted, int) else channel.type
            shown_to = channel.permission_overwrites if overwrites is None else overwrites
            changes.update(
                public_channels.flag_changes(access.guild, channel, patch.flags, kind, shown_to)
            )
        await channel_store.update_channel(tx.conn, channel_id, changes)
        if overwrites is not None:
            await channel_store.replace_overwrites(tx.conn, channel_id, overwrites)
        updated = await channel_store.get_channel(tx.conn, channel_id)
        assert updated is not None
        if changes or overwrites is not None or forum_changed:
            tx.emit(_guild_event(catalog.CHANNEL_UPDATE, updated))
        return updated


async def _channel_changes(
    conn: AsyncConnection, access: GuildAccess, channel: Channel, patch: ChannelPatch
) -> dict[str, object]:
    """The columns a guild channel patch changes, validated for the channel's type."""
    kind = channel.type
    changes: dict[str, object] = {}
    if patch.type is not None and not isinstance(patch.type, Unset) and patch.type != kind:
        if kind not in rules.CONVERTIBLE_TYPES or patch.type not in rules.CONVERTIBLE_TYPES:
            raise errors.InvalidFormBody.field(
                "type", "Only text and announcement channels convert", "CHANNEL_TYPE_INVALID"
            )
        kind = ChannelType(patch.type)
        changes["type"] = int(kind)
    if not isinstance(patch.name, Unset):
        changes["name"] = rules.channel_name(patch.name or "", kind)
    if isinstance(patch.position, int):
        changes["position"] = patch.position
    if isinstance(patch.nsfw, bool):
        changes["nsfw"] = patch.nsfw
    if not isinstance(patch.topic, Unset) and kind in rules.TOPIC_TYPES:
        changes["topic"] = rules.topic(patch.topic, kind)
    if not isinstance(patch.rate_limit_per_user, Unset) and kind in rules.RATE_LIMITED_TYPES:
        changes["rate_limit_per_user"] = rules.rate_limit_per_user(patch.rate_limit_per_user or 0)
    if kind.is_voice:
        if isinstance(patch.bitrate, int):
            changes["bitrate"] = rules.bitrate(patch.bitrate)
        if not isinstance(patch.user_limit, Unset):
            changes["user_limit"] = rules.user_limit(patch.user_limit or 0, kind)
    if not isinstance(patch.parent_id, Unset):
        if patch.parent_id is not None:
            if kind is ChannelType.GUILD_CATEGORY:
                raise _categories_cannot_nest()
            siblings = await channel_store.channels_of_guild(conn, access.guild.id)
            require_manages(access, _category(siblings, patch.parent_id, "parent_id"))
        changes["parent_id"] = patch.parent_id
    return changes


async def delete_channel(
    s: Services, actor: Actor, channel_id: int
) -> Channel | PrivateChannelView:
    """Delete a guild channel; for a DM, close it; for a group DM, leave it.

    A deleted category's channels stay, outside any category (one CHANNEL_UPDATE each); a guild
    whose system, AFK or announcement channel this was forgets it (GUILD_UPDATE).
    """
    if await _is_private(s, channel_id):
        return await private_channels.close_private_channel(s, actor, channel_id)
    async with s.write() as tx:
        access = await channel_access(tx.conn, actor.user, channel_id, s.now(), s.cache)
        if access.guild is None:
            raise errors.UnknownChannel()
        if access.channel.type.is_thread:  # MANAGE_THREADS, THREAD_DELETE (docs/threads.md)
            return await thread_actions.delete_thread(tx, access)
        access.require(Permission.MANAGE_CHANNELS)
        channel, guild = access.channel, access.guild.guild
        orphans: list[Channel] = []
        if channel.type is ChannelType.GUILD_CATEGORY:
            siblings = await channel_store.channels_of_guild(tx.conn, guild.id)
            orphans = [replace(c, parent_id=None) for c in siblings if c.parent_id == channel.id]
        if channel.type in thread_rules.PARENT_TYPES:
            await thread_store.delete_threads_of(tx.conn, channel.id)  # they go with it
        await voice.empty_channel(tx, channel)
        await channel_store.delete_channel(tx.conn, channel_id)
        guild_view = None
        forgetful = _without_channel(guild, channel_id)
        if forgetful != guild:
            columns = {
                "system_channel_id": forgetful.system_channel_id,
                "afk_channel_id": forgetful.afk_channel_id,
                "announcements_channel_id": forgetful.announcements_channel_id,
            }
            await guild_store.update_guild(tx.conn, guild.id, columns)
            roles = sorted(access.guild.roles.values(), key=lambda r: (r.position, r.id))
            guild_view = GuildView(forgetful, roles)
        tx.emit(_guild_event(catalog.CHANNEL_DELETE, channel))
        tx.emit(*(_guild_event(catalog.CHANNEL_UPDATE, c) for c in orphans))
        if guild_view is not None:
            tx.emit(Event(catalog.GUILD_UPDATE, guild_view, guild_id=guild.id))
    return channel


def _without_channel(guild: Guild, channel_id: int) -> Guild:
    """The guild with a deleted channel no longer named as its system, AFK or announcement
    channel."""

    def kept(value: int | None) -> int | None:
        return None if value == channel_id else value

    return replace(
        guild,
        system_channel_id=kept(guild.system_channel_id),
        afk_channel_id=kept(guild.afk_channel_id),
        announcements_channel_id=kept(guild.announcements_channel_id),
    )


async def _is_private(s: Services, channel_id: int) -> bool:
    async with s.engine.connect() as conn:
        channel = await channel_store.get_channel(conn, channel_id)
    return channel is not None and channel.type.is_private


def _guild_event(
    kind: EventType[Channel | PrivateChannelView], channel: Channel
) -> Event[Channel | PrivateChannelView]:
    return Event(kind, channel, guild_id=channel.guild_id, channel_id=channel.id)
