"""A person's own settings: notifications per guild and channel, their interface language and
theme, and who may DM them.

Stored on the server, in the shapes Discord's client uses (`PATCH /users/@me/guilds/{id}/settings`,
`PATCH /users/@me/settings`), so they follow the person to every device; each change is sent to
the person's other sessions (`USER_GUILD_SETTINGS_UPDATE`, `USER_SETTINGS_UPDATE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.actions.access import guild_access
from townhall.actions.read_states import read_states_with_mentions
from townhall.actions.services import Services
from townhall.domain import errors, notifications
from townhall.domain.actor import Actor
from townhall.domain.models import UNSET, Unset
from townhall.domain.notifications import (
    GuildSettings,
    PersonalState,
    UserSettings,
    VersionedGuildSettings,
)
from townhall.events import catalog
from townhall.events.event import Event
from townhall.store import channels as channel_store
from townhall.store import dm_privacy as privacy_store
from townhall.store import user_settings as settings_store


def _people_only(actor: Actor) -> None:
    """Bots have no notification or interface settings: 20001, as Discord answers them."""
    if actor.user.bot:
        raise errors.BotsCannotUse()


async def modify_guild_settings(
    s: Services, actor: Actor, guild_id: int, patch: Mapping[str, Any]
) -> VersionedGuildSettings:
    _people_only(actor)
    version = s.now_ms()
    async with s.write() as tx:
        await guild_access(tx.conn, actor.user, guild_id, s.now(), s.cache)
        stored = await settings_store.guild_settings_of_user(tx.conn, actor.id, guild_id)
        current = notifications.from_json(stored[0][0]) if stored else GuildSettings(guild_id)
        changed = notifications.apply_patch(current, patch)
        known = {c.id for c in await channel_store.channels_of_guild(tx.conn, guild_id)}
        strangers = [o.channel_id for o in changed.channel_overrides if o.channel_id not in known]
        if strangers:
            raise errors.InvalidFormBody.field(
                f"channel_overrides.{strangers[0]}", "Unknown channel.", "CHANNEL_INVALID"
            )
        await settings_store.put_guild_settings(
            tx.conn, actor.id, guild_id, notifications.to_json(changed), version
        )
        found = VersionedGuildSettings(changed, version)
        tx.emit(Event(catalog.USER_GUILD_SETTINGS_UPDATE, found, user_ids=frozenset({actor.id})))
    return found


@dataclass(frozen=True, slots=True)
class SettingsPatch:
    locale: str | Unset = UNSET
    theme: str | Unset = UNSET
    restricted_guilds: Sequence[int] | Unset = UNSET
    default_guilds_restricted: bool | Unset = UNSET
    notification_message_text: int | Unset = UNSET


async def _settings(
    conn: AsyncConnection, user_id: int, restricted_guilds: Sequence[int] | None = None
) -> UserSettings:
    """The person's settings (`restricted_guilds` is read unless the caller already has it)."""
    if restricted_guilds is None:
        restricted_guilds = await privacy_store.restricted_guild_ids(conn, user_id)
    return UserSettings(
        **await settings_store.get_user_settings(conn, user_id),
        restricted_guilds=tuple(restricted_guilds),
        default_guilds_restricted=await privacy_store.default_guilds_restricted(conn, user_id),
    )


async def get_user_settings(s: Services, actor: Actor) -> UserSettings:
    _people_only(actor)
    async with s.engine.connect() as conn:
        return await _settings(conn, actor.id)


async def modify_user_settings(s: Services, actor: Actor, patch: SettingsPatch) -> UserSettings:
    _people_only(actor)
    changes: dict[str, str | int] = {}
    if isinstance(patch.locale, str):
        if patch.locale not in notifications.LOCALES:
            raise errors.InvalidFormBody.field("locale", "Unknown locale.", "LOCALE_INVALID")
        changes["locale"] = patch.locale
    if isinstance(patch.theme, str):
        if patch.theme not in notifications.THEMES:
            raise errors.InvalidFormBody.field("theme", "Unknown theme.", "BASE_TYPE_CHOICES")
        changes["theme"] = patch.theme
    if isinstance(patch.notification_message_text, int):
        if patch.notification_message_text not in (0, 1, 2):
            raise errors.InvalidFormBody.field(
                "notification_message_text",
                "Value must be one of (0, 1, 2).",
                "BASE_TYPE_CHOICES",
            )
        changes["notification_message_text"] = patch.notification_message_text
    async with s.write() as tx:
        before = await _settings(tx.conn, actor.id)
        if changes:
            await settings_store.put_user_settings(tx.conn, actor.id, changes)
        if isinstance(patch.default_guilds_restricted, bool):
            await privacy_store.set_default_guilds_restricted(
                tx.conn, actor.id, patch.default_guilds_restricted
            )
        if not isinstance(patch.restricted_guilds, Unset):
            await privacy_store.set_restricted_guilds(
                tx.conn, actor.id, set(patch.restricted_guilds)
            )
        settings = await _settings(tx.conn, actor.id)
        if settings != before:
            tx.emit(Event(catalog.USER_SETTINGS_UPDATE, settings, user_ids=frozenset({actor.id})))
    return settings


async def personal_state(
    conn: AsyncConnection, s: Services, user_id: int, restricted_guilds: Sequence[int]
) -> PersonalState:
    """For READY (read in the session's opening connection, `actions/sessions.py`): read states
    with their mention counts, notification settings, language."""
    stored = await settings_store.guild_settings_of_user(conn, user_id)
    settings = await _settings(conn, user_id, restricted_guilds)
    guild_settings = tuple(
        VersionedGuildSettings(notifications.from_json(body), version) for body, version in stored
    )
    by_guild = {found.settings.guild_id: found.settings for found in guild_settings}
    read_states = await read_states_with_mentions(conn, user_id, by_guild)
    return PersonalState(tuple(read_states), guild_settings, settings, s.now_ms())
