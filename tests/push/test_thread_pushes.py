"""Pushes about messages in threads go to who may see the thread (docs/threads.md): a private
thread's message never pushes to someone outside it, even when it mentions them.

Absence is proven by order: a server runs its jobs one after another in the order they are due,
so once a later push to the same person has arrived, the earlier job has finished."""

from __future__ import annotations

from typing import Any

from tests.push.conftest import guild_with
from tests.push.push_service import PushService


async def test_a_private_threads_mention_pushes_to_its_members_only(
    people: Any, push_service: PushService
) -> None:
    ada, bob, cat = await people("ada"), await people("bob"), await people("cat")
    _guild_id, general = await guild_with(ada, bob, cat, name="Choir")
    bobs, cats = await bob.subscribe(push_service), await cat.subscribe(push_service)
    thread = await ada.ok(
        "POST", f"/channels/{general}/threads", json={"name": "Solo parts", "type": 12}
    )
    await ada.ok("PUT", f"/channels/{thread['id']}/thread-members/{cat.id}")

    secret = await ada.post(thread["id"], f"<@{bob.id}> <@{cat.id}> who sings the solo?")
    assert (await cats.next_push()).body["message_id"] == secret["id"]
    later = await ada.post(general, f"<@{bob.id}> rehearsal at six")
    assert (await bobs.next_push()).body["message_id"] == later["id"]
    assert [p.body["message_id"] for p in bobs.pushes] == [later["id"]]
