"""Who is interested in a scheduled event: marking oneself, the list, one's own interests.

Discord's client marks interest with `PUT`/`DELETE /guilds/{guild}/scheduled-events/{event}/
users/@me` and reads its own with `GET /users/@me/scheduled-events`; bots list the interested with
`GET …/users`. Anyone who can see an event may mark themselves interested while it is not
finished; every change goes to the guild as GUILD_SCHEDULED_EVENT_USER_ADD or _REMOVE.
"""

from __future__ import annotations

from collections.abc import Collection

from townhall.actions.access import guild_access
from townhall.actions.scheduled_events import viewable_event
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain import scheduled_events as rules
from townhall.domain.actor import Actor
from townhall.domain.models import Member
from townhall.domain.scheduled_events import Interest
from townhall.events import catalog
from townhall.events.event import Event, EventType
from townhall.store import members as member_store
from townhall.store import scheduled_events as event_store


def _interest_event(
    kind: EventType[Interest], interest: Interest, channel_id: int | None
) -> Event[Interest]:
    return Event(kind, interest, guild_id=interest.guild_id, channel_id=channel_id)


async def add_interest(s: Services, actor: Actor, guild_id: int, event_id: int) -> Interest:
    """Mark oneself interested (again is no change, and no event)."""
    async with s.write() as tx:
        _access, event = await viewable_event(tx.conn, s, actor, guild_id, event_id, lock=True)
        if event.status.finished:
            raise rules.EventFinished()
        interest = Interest(event.id, guild_id, actor.id)
        if await event_store.add_user(tx.conn, event.id, guild_id, actor.id):
            tx.emit(
                _interest_event(catalog.GUILD_SCHEDULED_EVENT_USER_ADD, interest, event.channel_id)
            )
    return interest


async def remove_interest(s: Services, actor: Actor, guild_id: int, event_id: int) -> None:
    """10071 when one was not interested."""
    async with s.write() as tx:
        _access, event = await viewable_event(tx.conn, s, actor, guild_id, event_id, lock=True)
        if not await event_store.remove_user(tx.conn, event.id, actor.id):
            raise rules.UnknownScheduledEventUser()
        interest = Interest(event.id, guild_id, actor.id)
        tx.emit(
            _interest_event(catalog.GUILD_SCHEDULED_EVENT_USER_REMOVE, interest, event.channel_id)
        )


async def list_interested(
    s: Services,
    actor: Actor,
    guild_id: int,
    event_id: int,
    *,
    limit: int = rules.USERS_PAGE_MAX,
    before: int | None = None,
    after: int = 0,
) -> list[Member]:
    """A page of the interested members, by ascending user id (`before` wins over `after`, as
    on Discord)."""
    async with s.engine.connect() as conn:
        await viewable_event(conn, s, actor, guild_id, event_id)
        ids = await event_store.interested_ids(
            conn, event_id, limit=limit, before=before, after=after
        )
        if not ids:
            return []
        return await member_store.list_members(conn, guild_id, user_ids=ids, limit=len(ids))


async def interests_of(s: Services, actor: Actor, guild_ids: Collection[int]) -> list[Interest]:
    """The actor's own interests in the unfinished events of these guilds (a member's only)."""
    async with s.engine.connect() as conn:
        member_of = []
        for guild_id in sorted(set(guild_ids)):
            try:
                await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
            except (errors.MissingAccess, errors.UnknownGuild):
                continue
            member_of.append(guild_id)
        found = await event_store.interests_of_user(conn, actor.id, member_of)
    return [
        Interest(event_id, guild_id, actor.id)
        for guild_id in member_of
        for event_id in found.get(guild_id, [])
    ]
