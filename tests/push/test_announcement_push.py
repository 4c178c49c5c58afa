"""A community's announcements reach every member as a push (a real server, a push service on
loopback). Absence is proven by order: a later push to the same person arrives first."""

from __future__ import annotations

from typing import Any

from tests.push.conftest import Person, guild_with
from tests.push.push_service import PushService
from tests.server_process import Deployment, Server

SUPPRESS_NOTIFICATIONS, MUST_READ = 1 << 12, 1 << 30


async def community(owner: Person, *members: Person) -> tuple[str, str]:
    """A community with `members`; its id and its announcement channel's."""
    guild_id, _general = await guild_with(owner, *members, name="Harbour rowing")
    guild = await owner.ok("PATCH", f"/guilds/{guild_id}", json={"features": ["COMMUNITY"]})
    return guild_id, str(guild["announcements_channel_id"])


def window_jobs(deployment: Deployment, channel_id: str) -> int:
    rows = deployment.sql(
        f"SELECT count(*) FROM jobs WHERE kind = 'push.channel' AND payload LIKE '%{channel_id}%'"
    )
    return int(rows[0][0])


async def test_an_announcement_pushes_every_member_once(
    people: Any, push_service: PushService, push_deployment: tuple[Deployment, Server]
) -> None:
    deployment, _server = push_deployment
    coach, ada, bob = await people("coach"), await people("ada"), await people("bob")
    guild_id, news = await community(coach, ada, bob)
    for member in (ada, bob):  # "only mentions": an ordinary message would push neither
        await member.ok(
            "PATCH", f"/users/@me/guilds/{guild_id}/settings", json={"message_notifications": 1}
        )
    ada_phone, bob_phone = await ada.subscribe(push_service), await bob.subscribe(push_service)
    coach_phone = await coach.subscribe(push_service)

    posted = await coach.post(news, "No training tonight", flags=MUST_READ)
    for phone in (ada_phone, bob_phone):
        arrived = await phone.next_push()
        assert arrived.body["reason"] == "announcement"
        assert arrived.body["message_id"] == posted["id"]
        assert arrived.body["content"] == "No training tonight"
        assert arrived.body["channel_name"] == "announcements"
        assert arrived.headers.get("urgency") == "high", arrived.headers
    assert window_jobs(deployment, news) == 0, "announcements are pushed by their own job"

    dm = await coach.post(await coach.dm(ada), "see you Thursday")
    assert (await ada_phone.next_push(after=1)).body["message_id"] == dm["id"], "one push only"
    back = await ada.post(await ada.dm(coach), "ok")
    assert (await coach_phone.next_push()).body["message_id"] == back["id"], "not to its author"


async def test_a_silent_announcement_pushes_nobody(people: Any, push_service: PushService) -> None:
    coach, ada = await people("coach"), await people("ada")
    _guild_id, news = await community(coach, ada)
    phone = await ada.subscribe(push_service)

    await coach.post(news, "minor fix to the rota", flags=SUPPRESS_NOTIFICATIONS)
    loud = await coach.post(news, "Regatta on Sunday")
    first = await phone.next_push()
    assert first.body["message_id"] == loud["id"]


async def test_a_member_who_muted_the_announcements_gets_none(
    people: Any, push_service: PushService
) -> None:
    coach, ada = await people("coach"), await people("ada")
    guild_id, news = await community(coach, ada)
    await ada.ok(
        "PATCH",
        f"/users/@me/guilds/{guild_id}/settings",
        json={"channel_overrides": {news: {"muted": True}}},
    )
    phone = await ada.subscribe(push_service)

    await coach.post(news, "Boathouse keys moved")
    dm = await coach.post(await coach.dm(ada), "did you get the keys?")
    first = await phone.next_push()
    assert first.body["reason"] == "dm" and first.body["message_id"] == dm["id"]


async def test_an_ordinary_channel_of_a_community_pushes_as_before(
    people: Any, push_service: PushService
) -> None:
    coach, ada = await people("coach"), await people("ada")
    guild_id, _news = await community(coach, ada)
    await ada.ok(
        "PATCH", f"/users/@me/guilds/{guild_id}/settings", json={"message_notifications": 1}
    )
    phone = await ada.subscribe(push_service)
    channels = await coach.ok("GET", f"/guilds/{guild_id}/channels")
    general = next(c["id"] for c in channels if c["type"] == 0)

    await coach.post(general, "nothing urgent")
    mention = await coach.post(general, f"<@{ada.id}> your turn to cox")
    first = await phone.next_push()
    assert first.body["reason"] == "mention" and first.body["message_id"] == mention["id"]
