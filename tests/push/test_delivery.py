"""Pushes from a real server to a push service on loopback that checks VAPID and decrypts each
push with its subscription's private key, on SQLite and PostgreSQL.

Absence is proven by order, never by waiting: a server runs its jobs one after another in the
order they are due, so once a later push to the same person has arrived, the job that would
have pushed before it has finished; jobs due later are awaited as finished rows.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Account
from tests.gateway.client import recording
from tests.gateway.test_voice_states import INTENTS
from tests.push.conftest import Person, guild_with
from tests.push.push_service import PushService
from tests.server_process import Deployment, Server
from tests.waiting import eventually


def expected_message_push(
    reason: str,
    message: dict[str, Any],
    author: Person,
    guild_id: str | None,
    *,
    channel_name: str | None,
    guild_name: str | None,
    content: str | None,
) -> dict[str, Any]:
    channel_id, message_id = message["channel_id"], message["id"]
    expected: dict[str, Any] = {
        "type": "message",
        "reason": reason,
        "guild_id": guild_id,
        "channel_id": channel_id,
        "message_id": message_id,
        "url": f"/channels/{guild_id or '@me'}/{channel_id}",
        "tag": f"message-{message_id}",
        "author": {"id": author.id, "name": author.name},
        "channel_name": channel_name,
        "guild_name": guild_name,
    }
    if content is not None:
        expected["content"] = content
    return expected


async def test_a_mention_produces_one_encrypted_push_that_decrypts_to_the_notification(
    people: Any, push_service: PushService
) -> None:
    ada, bob = await people("ada"), await people("bob")
    guild_id, general = await guild_with(ada, bob, name="Rowing club")
    phone = await bob.subscribe(push_service)

    mention = await ada.post(general, f"<@{bob.id}> the boat is ready")
    arrived = await phone.next_push()
    assert arrived.body == expected_message_push(
        "mention",
        mention,
        ada,
        guild_id,
        channel_name="general",
        guild_name="Rowing club",
        content=f"<@{bob.id}> the boat is ready",
    )
    assert arrived.headers.get("urgency") == "high", arrived.headers

    dm = await ada.post(await ada.dm(bob), "and the oars?")
    assert (await phone.next_push(after=1)).body["message_id"] == dm["id"]
    assert len(phone.pushes) == 2, "one push for the mention, one for the DM"


async def test_a_muted_channel_produces_none(people: Any, push_service: PushService) -> None:
    ada, bob = await people("ada"), await people("bob")
    guild_id, general = await guild_with(ada, bob)
    phone = await bob.subscribe(push_service)
    await bob.ok(
        "PATCH",
        f"/users/@me/guilds/{guild_id}/settings",
        json={"channel_overrides": {general: {"muted": True}}},
    )

    await ada.post(general, f"<@{bob.id}> are you there?")
    dm = await ada.post(await ada.dm(bob), "later then")

    first = await phone.next_push()
    assert first.body["reason"] == "dm" and first.body["message_id"] == dm["id"]


async def test_the_sender_gets_no_push_for_their_own_message(
    people: Any, push_service: PushService
) -> None:
    ada, bob = await people("ada"), await people("bob")
    _guild_id, general = await guild_with(ada, bob)
    ada_phone = await ada.subscribe(push_service)
    bob_phone = await bob.subscribe(push_service)

    await ada.post(general, f"<@{ada.id}> <@{bob.id}> @everyone note to self and all")
    await bob_phone.next_push()
    reply = await bob.post(await bob.dm(ada), "noted")

    first = await ada_phone.next_push()
    assert first.body["message_id"] == reply["id"], "ada's own message pushed nothing to her"


async def test_a_reply_pushes_the_person_replied_to_even_without_a_ping(
    people: Any, push_service: PushService
) -> None:
    ada, bob = await people("ada"), await people("bob")
    guild_id, general = await guild_with(ada, bob)
    await ada.ok(
        "PATCH", f"/users/@me/guilds/{guild_id}/settings", json={"message_notifications": 1}
    )
    phone = await ada.subscribe(push_service)
    question = await ada.post(general, "who brings the cake?")

    answer = await bob.post(
        general,
        "me",
        message_reference={"message_id": question["id"]},
        allowed_mentions={"parse": [], "replied_user": False},
    )
    arrived = await phone.next_push()
    assert arrived.body["reason"] == "reply"
    assert arrived.body["message_id"] == answer["id"]
    assert arrived.body["content"] == "me"


async def test_a_dm_pushes_its_text_and_sender(people: Any, push_service: PushService) -> None:
    ada, bob = await people("ada"), await people("bob")
    await guild_with(ada, bob)
    phone = await bob.subscribe(push_service)

    dm = await ada.post(await ada.dm(bob), "lunch at noon?")
    arrived = await phone.next_push()
    assert arrived.body == expected_message_push(
        "dm", dm, ada, None, channel_name=None, guild_name=None, content="lunch at noon?"
    )


async def test_a_confidential_community_hides_text_and_names_unless_the_person_chose_text(
    people: Any, push_service: PushService
) -> None:
    ada, bob, cy = await people("ada"), await people("bob"), await people("cy")
    guild_id, general = await guild_with(ada, bob, cy, name="Law firm")
    await ada.ok("PATCH", f"/guilds/{guild_id}/privacy", json={"confidential": True})
    bobs, cys = await bob.subscribe(push_service), await cy.subscribe(push_service)
    await cy.ok("PATCH", "/users/@me/settings", json={"notification_message_text": 1})

    message = await ada.post(general, f"<@{bob.id}> <@{cy.id}> the client's file is in")
    hidden = (await bobs.next_push()).body
    assert hidden == {
        "type": "message",
        "reason": "mention",
        "guild_id": guild_id,
        "channel_id": general,
        "message_id": message["id"],
        "url": f"/channels/{guild_id}/{general}",
        "tag": f"message-{message['id']}",
    }
    assert (await cys.next_push()).body["content"] == message["content"]

    await bob.ok("PATCH", "/users/@me/settings", json={"notification_message_text": 2})
    await ada.ok("PATCH", f"/guilds/{guild_id}/privacy", json={"confidential": False})
    again = await ada.post(general, f"<@{bob.id}> and the invoice")
    without_text = (await bobs.next_push(after=1)).body
    assert without_text["message_id"] == again["id"]
    assert without_text["author"] == {"id": ada.id, "name": ada.name}
    assert without_text["channel_name"] == "general" and "content" not in without_text


async def test_a_gone_subscription_is_removed(
    people: Any, push_service: PushService, push_deployment: tuple[Deployment, Server]
) -> None:
    deployment, _server = push_deployment
    ada, bob = await people("ada"), await people("bob")
    _guild_id, general = await guild_with(ada, bob)
    phone = await bob.subscribe(push_service)
    phone.answers.append(410)

    await ada.post(general, f"<@{bob.id}> hello?")

    def forgotten() -> bool:
        return not deployment.sql(f"SELECT id FROM push_subscriptions WHERE user_id = {bob.id}")

    await eventually(forgotten, 30, "the subscription is removed")
    assert phone.attempts == 1
    assert await bob.ok("GET", "/users/@me/push-subscriptions") == []


async def test_a_failing_push_service_is_tried_again(
    people: Any, push_service: PushService
) -> None:
    ada, bob = await people("ada"), await people("bob")
    _guild_id, general = await guild_with(ada, bob)
    phone = await bob.subscribe(push_service)
    phone.answers += [500, 503]

    message = await ada.post(general, f"<@{bob.id}> try again")
    arrived = await phone.next_push(timeout=60)
    assert arrived.body["message_id"] == message["id"]
    assert phone.attempts == 3


def job_finished(deployment: Deployment, kind: str, message_id: str) -> bool:
    rows = deployment.sql(
        f"SELECT count(*) FROM jobs WHERE kind = '{kind}' AND finished_at IS NOT NULL"
        f" AND payload LIKE '%{message_id}%'"
    )
    return bool(rows[0][0])


async def test_a_focused_client_holds_pushes_back_until_it_is_not(
    people: Any, push_service: PushService, push_deployment: tuple[Deployment, Server]
) -> None:
    deployment, _server = push_deployment
    ada, bob = await people("ada"), await people("bob")
    _guild_id, general = await guild_with(ada, bob)
    phone = await bob.subscribe(push_service)
    focus = {"client_id": "desk-tab-1", "focused": True}
    await bob.ok("PUT", "/users/@me/push-focus", json=focus)

    seen = await ada.post(general, f"<@{bob.id}> you are looking at it")
    await eventually(
        lambda: job_finished(deployment, "push.message", seen["id"]), 30, "the mention's job"
    )
    await bob.ok("PUT", "/users/@me/push-focus", json={**focus, "focused": False})
    later = await ada.post(general, f"<@{bob.id}> and now you are away")

    first = await phone.next_push()
    assert first.body["message_id"] == later["id"]


async def test_all_messages_push_once_per_window_of_a_channel(
    people: Any, push_service: PushService, push_deployment: tuple[Deployment, Server]
) -> None:
    deployment, _server = push_deployment
    ada, bob = await people("ada"), await people("bob")
    _guild_id, general = await guild_with(ada, bob)
    phone = await bob.subscribe(push_service)

    await ada.post(general, "first")
    await ada.post(general, "second", flags=1 << 12)  # @silent: pushes nobody
    last = await ada.post(general, "third")

    seen = 0
    while sum(p.body.get("count", 1) for p in phone.pushes) < 2:
        arrived = (await phone.next_push(after=seen)).body
        assert arrived["reason"] == "message" and arrived["tag"] == f"channel-{general}"
        seen += 1
    assert phone.pushes[-1].body["message_id"] == last["id"], [p.body for p in phone.pushes]

    def windows_done() -> bool:
        rows = deployment.sql(
            "SELECT count(*) FROM jobs WHERE kind = 'push.channel' AND finished_at IS NULL"
            f" AND payload LIKE '%{general}%'"
        )
        return rows[0][0] == 0

    await eventually(windows_done, 30, "the channel's window jobs ran")
    assert sum(p.body.get("count", 1) for p in phone.pushes) == 2


async def test_a_call_rings_the_other_recipient_with_a_push(
    people: Any, push_service: PushService, push_deployment: tuple[Deployment, Server]
) -> None:
    _deployment, server = push_deployment
    ada, bob = await people("ada"), await people("bob")
    await guild_with(ada, bob)
    phone = await bob.subscribe(push_service)
    dm = await ada.dm(bob)
    token = ada.http.headers["Authorization"]
    session = await recording(server, Account(int(ada.id), ada.name, token, ada.http), INTENTS)
    try:
        await session.client.send(4, {"guild_id": None, "channel_id": dm})
        arrived = await phone.next_push()
    finally:
        await session.close()
    assert arrived.body == {
        "type": "call",
        "reason": "call",
        "guild_id": None,
        "channel_id": dm,
        "url": f"/channels/@me/{dm}",
        "tag": f"call-{dm}",
        "author": {"id": ada.id, "name": ada.name},
        "channel_name": None,
    }
    assert arrived.headers.get("urgency") == "high"
