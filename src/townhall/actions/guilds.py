"""Guilds: create, read, modify, delete, leave."""

from __future__ import annotations

from dataclasses import dataclass

from townhall.actions import communities, groups, guest_access, voice
from townhall.actions.access import guild_access, member_context
from townhall.actions.services import Services, Transaction
from townhall.domain import errors, validation
from townhall.domain import guests as guest_rules
from townhall.domain.actor import Actor
from townhall.domain.event_data import GuildView
from townhall.domain.models import UNSET, Channel, ChannelType, Guild, Role, Unset, User, provided
from townhall.domain.permissions import (
    DEFAULT_EVERYONE_PERMISSIONS,
    Permission,
    base_permissions,
)
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import guilds as guild_store
from townhall.store import members as member_store
from townhall.store import users as user_store


async def create_guild(s: Services, actor: Actor, name: str) -> GuildView:
    """A new guild with Discord's starter layout: `general` text and `General` voice channels."""
    guest_rules.require_full_account(actor.user)
    name = validation.text_name(name, "name", validation.GUILD_NAME_MIN, validation.GUILD_NAME_MAX)
    guild_id = s.ids.next_id()
    text_category, voice_category = s.ids.next_id(), s.ids.next_id()
    general_text, general_voice = s.ids.next_id(), s.ids.next_id()
    guild = Guild(id=guild_id, name=name, owner_id=actor.id, system_channel_id=general_text)
    everyone = Role(
        id=guild_id, guild_id=guild_id, name="@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS
    )
    starter = [
        Channel(text_category, ChannelType.GUILD_CATEGORY, guild_id, "Text Channels", position=0),
        Channel(voice_category, ChannelType.GUILD_CATEGORY, guild_id, "Voice Channels", position=1),
        Channel(general_text, ChannelType.GUILD_TEXT, guild_id, "general", parent_id=text_category),
        Channel(
            general_voice, ChannelType.GUILD_VOICE, guild_id, "General", parent_id=voice_category
        ),
    ]
    async with s.write() as tx:
        if (
            await guild_store.count_guilds_owned(tx.conn, actor.id)
            >= validation.MAX_GUILDS_PER_USER
        ):
            raise errors.MaxGuilds()
        await guild_store.insert_guild(tx.conn, guild)
        await guild_store.insert_role(tx.conn, everyone)
        for channel in starter:
            await channel_store.insert_channel(tx.conn, channel)
        await member_store.insert_member(tx.conn, guild_id, actor.id, s.now_ms())
        tx.emit(
            Event(catalog.GUILD_CREATE, guild_id, guild_id=guild_id, user_ids=frozenset({actor.id}))
        )
    return GuildView(guild, [everyone], 1)


async def get_guild(
    s: Services, actor: Actor, guild_id: int, *, with_counts: bool = False
) -> GuildView:
    async with s.engine.connect() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        count = await member_store.count_members(conn, guild_id) if with_counts else None
    return GuildView(access.guild, sorted(access.roles.values(), key=_role_order), count)


@dataclass(frozen=True)
class GuildPatch:
    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    icon: str | Unset | None = UNSET
    system_channel_id: int | Unset | None = UNSET
    afk_channel_id: int | Unset | None = UNSET
    afk_timeout: int | Unset = UNSET
    verification_level: int | Unset = UNSET
    default_message_notifications: int | Unset = UNSET
    explicit_content_filter: int | Unset = UNSET
    preferred_locale: str | Unset = UNSET
    owner_id: int | Unset = UNSET
    max_file_size: int | Unset | None = UNSET
    guests_enabled: bool | Unset = UNSET
    guest_inactivity_days: int | Unset = UNSET
    rules: str | Unset | None = UNSET
    community: bool | Unset = UNSET
    announcements_channel_id: int | Unset = UNSET


async def modify_guild(s: Services, actor: Actor, guild_id: int, patch: GuildPatch) -> GuildView:
    changes = provided(patch)
    if isinstance(patch.name, str):
        changes["name"] = validation.text_name(
            patch.name, "name", validation.GUILD_NAME_MIN, validation.GUILD_NAME_MAX
        )
    largest = changes.get("max_file_size")
    if largest is not None and int(largest) > s.settings.max_file_bytes:  # type: ignore[call-overload]
        raise errors.InvalidFormBody.field(
            "max_file_size",
            f"Must be {s.settings.max_file_bytes} or less (this server's limit).",
            "NUMBER_TYPE_MAX",
        )
    if isinstance(patch.guest_inactivity_days, int):
        changes["guest_inactivity_days"] = guest_rules.inactivity_days(patch.guest_inactivity_days)
    if not isinstance(patch.rules, Unset):
        text = (patch.rules or "").strip()
        changes["rules"] = validation.length(text, "rules", 0, guest_rules.RULES_MAX) or None
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_GUILD)
        if "owner_id" in changes:
            if not access.is_owner:
                raise errors.MissingPermissions()
            if not await member_store.is_member(tx.conn, guild_id, int(patch.owner_id)):  # type: ignore[arg-type]
                raise errors.UnknownMember()
            heir = await user_store.get_user(tx.conn, int(patch.owner_id))  # type: ignore[arg-type]
            if heir is None or guest_rules.is_guest(heir):
                raise errors.InvalidFormBody.field(
                    "owner_id", "A guest cannot own a community.", "BASE_TYPE_INVALID"
                )
        if changes.get("guests_enabled"):
            role_id, _made = await guest_access.ensure_guest_role(tx, s, access.guild, access.roles)
            changes["guest_role_id"] = role_id
        for key in ("system_channel_id", "afk_channel_id"):
            channel_id = changes.get(key)
            if channel_id is not None:
                channel = await channel_store.get_channel(tx.conn, int(channel_id))  # type: ignore[call-overload]
                if channel is None or channel.guild_id != guild_id:
                    raise errors.InvalidFormBody.field(key, "Unknown channel", "CHANNEL_INVALID")
        if "community" in changes or "announcements_channel_id" in changes:
            changes.update(await communities.community_changes(tx, s, access, changes))
        await guild_store.update_guild(tx.conn, guild_id, changes)
        guild = await guild_store.get_guild(tx.conn, guild_id)
        roles = await guild_store.roles_of_guild(tx.conn, guild_id)
        assert guild is not None
        view = GuildView(guild, roles)
        tx.emit(Event(catalog.GUILD_UPDATE, view, guild_id=guild_id))
    return view


async def delete_guild(s: Services, actor: Actor, guild_id: int) -> None:
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        if not access.is_owner:
            raise errors.MissingPermissions()
        await guild_store.delete_guild(tx.conn, guild_id)
        tx.emit(Event(catalog.GUILD_DELETE, guild_id, guild_id=guild_id))


async def leave_guild(s: Services, actor: Actor, guild_id: int) -> None:
    async with s.write() as tx:
        access = await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        if access.is_owner:
            raise errors.OwnerCannotLeave()
        await remove_member(tx, guild_id, actor.user)


async def remove_member(tx: Transaction, guild_id: int, user: User) -> None:
    """Someone leaves or is removed: out of voice and the community's groups, then the member
    row; their sessions lose the guild and the others see GUILD_MEMBER_REMOVE."""
    await voice.leave_voice(tx, guild_id, user.id)
    await groups.leave_community(tx, guild_id, user.id)
    await member_store.delete_member(tx.conn, guild_id, user.id)
    tx.emit(*member_removed(guild_id, user))


def member_removed(guild_id: int, user: User) -> tuple[Event[User], Event[int]]:
    """The departed user's sessions lose the guild; the others see GUILD_MEMBER_REMOVE."""
    return (
        Event(catalog.GUILD_MEMBER_REMOVE, user, guild_id=guild_id),
        Event(catalog.GUILD_DELETE, guild_id, guild_id=guild_id, user_ids=frozenset({user.id})),
    )


async def list_current_user_guilds(
    s: Services,
    actor: Actor,
    *,
    before: int | None,
    after: int | None,
    limit: int,
    with_counts: bool,
) -> list[tuple[Guild, int, int | None]]:
    """The actor's guilds, each with the actor's guild-level permissions and the member count."""
    now = s.now()
    async with s.engine.connect() as conn:
        found = await guild_store.guilds_of_user(
            conn, actor.id, before=before, after=after, limit=limit
        )
        ids = [guild.id for guild in found]
        roles = await guild_store.roles_of_guilds(conn, ids)
        memberships = await member_store.memberships_of_user(conn, actor.id, ids)
        counts = await member_store.count_members_of_guilds(conn, ids) if with_counts else {}
    result: list[tuple[Guild, int, int | None]] = []
    for guild in found:
        member = memberships.get(guild.id)
        if member is None:
            continue  # left between the two reads
        context = member_context(guild, member, roles[guild.id], now)
        result.append((guild, base_permissions(context), counts.get(guild.id)))
    return result


def _role_order(role: Role) -> tuple[int, int]:
    return (role.position, role.id)
