"""A person's push subscriptions, the focus reports of their clients, and a community's
confidentiality: what the settings screens change. Deciding and sending is actions/push.py.

Subscriptions are for people; bots get 20001, as for the other personal settings. A browser's
endpoint names one subscription: subscribing again (a new key, another person signed in there)
replaces it. At most `MAX_SUBSCRIPTIONS` a person; a further one replaces their oldest.

Focus: a client in front of its person (the page visible and focused) says so every minute
(`PUT /users/@me/push-focus`), and says when it stops; each report holds two minutes, so a
client that vanished stops counting by itself. Only people with a subscription are written down:
for the others there is nothing to hold back.
"""

from __future__ import annotations

from townhall.actions.access import guild_access
from townhall.actions.push import vapid_key
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain import push as rules
from townhall.domain.actor import Actor
from townhall.domain.permissions import Permission
from townhall.store import push as push_store
from townhall.store.push import Subscription


def _people_only(actor: Actor) -> None:
    if actor.user.bot:
        raise errors.BotsCannotUse()


async def vapid_public_key(s: Services, actor: Actor) -> str:
    """The key browsers subscribe with (`applicationServerKey`)."""
    _people_only(actor)
    return (await vapid_key(s)).public_key


async def subscribe(
    s: Services, actor: Actor, endpoint: str, p256dh: str, auth: str, expires_at: int | None
) -> tuple[Subscription, bool]:
    """Store this browser's subscription for the person; True when it is new."""
    _people_only(actor)
    found = rules.check_subscription(
        endpoint,
        p256dh,
        auth,
        expires_at,
        now_ms=s.now_ms(),
        allow_loopback=s.settings.push_allow_loopback,
    )
    async with s.db.write() as conn:
        return await push_store.put_subscription(
            conn, s.ids.next_id(), actor.id, found, s.now_ms(), keep=rules.MAX_SUBSCRIPTIONS
        )


async def list_subscriptions(s: Services, actor: Actor) -> list[Subscription]:
    _people_only(actor)
    async with s.engine.connect() as conn:
        return await push_store.subscriptions_of_user(conn, actor.id)


async def unsubscribe(s: Services, actor: Actor, subscription_id: int) -> None:
    """Remove one of one's own subscriptions; another person's is unknown (404)."""
    _people_only(actor)
    async with s.db.write() as conn:
        if not await push_store.delete_subscription(conn, subscription_id, actor.id):
            raise errors.NotFound("Unknown push subscription")


async def report_focus(s: Services, actor: Actor, client_id: str, focused: bool) -> None:
    """A client is (or is no longer) in front of its person. Writes only what changes
    something: a person without subscriptions, or a report renewed within the last minute,
    costs a read."""
    _people_only(actor)
    client_id = rules.check_client_id(client_id)
    now = s.now_ms()
    hold = rules.FOCUS_SECONDS * 1000
    async with s.engine.connect() as conn:
        until = await push_store.focus_until(conn, actor.id, client_id)
        subscribed = focused and await push_store.has_subscription(conn, actor.id, now)
    if focused:
        if not subscribed or (until is not None and until - now > hold // 2):
            return
        async with s.db.write() as conn:
            await push_store.set_focus(conn, actor.id, client_id, now + hold, now)
    elif until is not None:
        async with s.db.write() as conn:
            await push_store.clear_focus(conn, actor.id, client_id)


async def guild_confidential(s: Services, actor: Actor, guild_id: int) -> bool:
    """Whether the community is marked confidential (its members may read it)."""
    async with s.engine.connect() as conn:
        await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        return await push_store.is_confidential(conn, guild_id)


async def set_guild_confidential(
    s: Services, actor: Actor, guild_id: int, confidential: bool
) -> bool:
    """Mark the community confidential, or not: MANAGE_GUILD."""
    async with s.db.write() as conn:
        access = await guild_access(conn, actor.user, guild_id, s.now(), s.cache)
        access.require(Permission.MANAGE_GUILD)
        await push_store.set_confidential(conn, guild_id, confidential)
    return confidential
