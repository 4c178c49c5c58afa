"""The decision on a join request reaches the person who asked by Web Push (docs/communities.md),
from a real server to the push service on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.push.conftest import guild_with
from tests.push.push_service import PushService


async def test_the_person_who_asked_hears_approval_and_refusal_by_push(
    people: Any, push_service: PushService
) -> None:
    ada, bob = await people("ada"), await people("bob")
    guild_id, _general = await guild_with(ada, bob, name="Rowing club")
    crew, board = [
        await ada.ok("POST", f"/guilds/{guild_id}/groups", json={"name": n, "group_join_policy": 1})
        for n in ("crew", "board")
    ]
    phone = await bob.subscribe(push_service)

    asked = await bob.ok("POST", f"/channels/{crew['id']}/join-requests", json={})
    await ada.ok("PATCH", f"/channels/{crew['id']}/join-requests/{asked['id']}", json={"status": 1})
    arrived = await phone.next_push()
    assert arrived.body == {
        "type": "join_request",
        "reason": "join_request",
        "status": 1,
        "guild_id": guild_id,
        "channel_id": crew["id"],
        "request_id": asked["id"],
        "url": f"/channels/{guild_id}/{crew['id']}",
        "tag": f"join-request-{asked['id']}",
        "channel_name": "crew",
        "guild_name": "Rowing club",
    }

    asked = await bob.ok("POST", f"/channels/{board['id']}/join-requests", json={})
    await ada.ok(
        "PATCH", f"/channels/{board['id']}/join-requests/{asked['id']}", json={"status": 2}
    )
    declined = await phone.next_push(after=1)
    assert declined.body["status"] == 2 and declined.body["channel_id"] == board["id"]
    assert len(phone.pushes) == 2
