"""The push routes: subscriptions, the VAPID key, focus reports, a community's confidentiality
and the person's choice about message text, with their refusals (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.api.test_applications import bot_account, create_app
from tests.conftest import Account, Api, error_code, text_channel
from townhall.domain.push import MAX_SUBSCRIPTIONS


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscription(endpoint: str | None = None, **changes: Any) -> dict[str, Any]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    body: dict[str, Any] = {
        "endpoint": endpoint or f"https://push.example.com/send/{os.urandom(8).hex()}",
        "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16))},
        "expiration_time": None,
    }
    body.update(changes)
    return body


async def subscriptions(account: Account) -> list[dict[str, Any]]:
    response = await account.get("/users/@me/push-subscriptions")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_a_browser_subscribes_once_per_endpoint_and_unsubscribes(api: Api) -> None:
    ada = await api.account()
    body = subscription()
    created = await ada.post("/users/@me/push-subscriptions", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["endpoint"] == body["endpoint"]
    again = await ada.post("/users/@me/push-subscriptions", json=subscription(body["endpoint"]))
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert [s["id"] for s in await subscriptions(ada)] == [created.json()["id"]]

    gone = await ada.delete(f"/users/@me/push-subscriptions/{created.json()['id']}")
    assert gone.status_code == 204
    assert await subscriptions(ada) == []
    twice = await ada.delete(f"/users/@me/push-subscriptions/{created.json()['id']}")
    assert twice.status_code == 404


async def test_an_endpoint_subscribed_by_another_person_moves_to_them(api: Api) -> None:
    ada, bob = await api.account(), await api.account()
    body = subscription()
    first = await ada.post("/users/@me/push-subscriptions", json=body)
    assert first.status_code == 201
    moved = await bob.post("/users/@me/push-subscriptions", json=subscription(body["endpoint"]))
    assert moved.status_code == 200
    assert await subscriptions(ada) == []
    assert [s["endpoint"] for s in await subscriptions(bob)] == [body["endpoint"]]


async def test_nobody_sees_or_removes_another_persons_subscription(api: Api) -> None:
    ada, bob = await api.account(), await api.account()
    mine = (await ada.post("/users/@me/push-subscriptions", json=subscription())).json()
    assert await subscriptions(bob) == []
    refused = await bob.delete(f"/users/@me/push-subscriptions/{mine['id']}")
    assert refused.status_code == 404
    assert len(await subscriptions(ada)) == 1


async def test_a_subscription_beyond_the_limit_replaces_the_oldest(api: Api) -> None:
    ada = await api.account()
    made = []
    for _ in range(MAX_SUBSCRIPTIONS + 1):
        response = await ada.post("/users/@me/push-subscriptions", json=subscription())
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    assert [s["id"] for s in await subscriptions(ada)] == made[1:]


async def test_bad_subscriptions_are_refused_with_the_field_named(api: Api) -> None:
    ada = await api.account()
    cases = {
        "endpoint": [
            subscription("http://push.example.com/x"),
            subscription("http://127.0.0.1:9/push/x"),
            subscription("https://localhost/push"),
            subscription("https://10.1.2.3/push"),
            subscription("https://[::1]/push"),
            subscription("https://intranet/push"),
            subscription("https://user:pw@push.example.com/x"),
            subscription("not a url"),
            subscription("https://push.example.com/" + "x" * 2100),
        ],
        "keys": [
            subscription(keys={"p256dh": b64url(b"\x04" + os.urandom(64)), "auth": "AAAA"}),
            subscription(keys={"p256dh": "not base64!", "auth": b64url(os.urandom(16))}),
            subscription(keys={"p256dh": b64url(os.urandom(65)), "auth": b64url(os.urandom(16))}),
        ],
        "expiration_time": [subscription(expiration_time=1000.0)],
    }
    for field, bodies in cases.items():
        for body in bodies:
            response = await ada.post("/users/@me/push-subscriptions", json=body)
            assert response.status_code == 400, (body, response.text)
            assert error_code(response) == 50035
            assert field in response.json()["errors"], response.json()
    missing = await ada.post("/users/@me/push-subscriptions", json={"endpoint": "https://a.b/c"})
    assert missing.status_code == 400 and error_code(missing) == 50035
    assert await subscriptions(ada) == []


async def test_the_vapid_key_is_one_p256_point_for_everyone(api: Api) -> None:
    ada, bob = await api.account(), await api.account()
    first = await ada.get("/users/@me/push-subscriptions/vapid-key")
    second = await bob.get("/users/@me/push-subscriptions/vapid-key")
    assert first.status_code == 200 and first.json() == second.json()
    raw = base64.urlsafe_b64decode(first.json()["public_key"] + "==")
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


async def test_bots_cannot_use_push(api: Api) -> None:
    owner = await api.account()
    bot = await bot_account(owner, await create_app(owner))
    for method, path, body in (
        ("GET", "/users/@me/push-subscriptions", None),
        ("GET", "/users/@me/push-subscriptions/vapid-key", None),
        ("POST", "/users/@me/push-subscriptions", subscription()),
        ("PUT", "/users/@me/push-focus", {"client_id": "x", "focused": True}),
    ):
        response = await bot.request(method, path, json=body)
        assert response.status_code == 403, (path, response.text)
        assert error_code(response) == 20001


async def test_signed_out_requests_are_refused(api: Api) -> None:
    for method, path in (
        ("GET", "/users/@me/push-subscriptions"),
        ("POST", "/users/@me/push-subscriptions"),
        ("PUT", "/users/@me/push-focus"),
    ):
        response = await api.http.request(method, path, json=subscription())
        assert response.status_code == 401, path


async def test_focus_reports_name_their_client(api: Api) -> None:
    ada = await api.account()
    ok = await ada.put("/users/@me/push-focus", json={"client_id": "tab-1_a", "focused": True})
    assert ok.status_code == 204
    await ada.post("/users/@me/push-subscriptions", json=subscription())
    for focused in (True, True, False, False):
        again = await ada.put(
            "/users/@me/push-focus", json={"client_id": "tab-1_a", "focused": focused}
        )
        assert again.status_code == 204
    for body in (
        {"client_id": "has space", "focused": True},
        {"client_id": "", "focused": True},
        {"client_id": "tab", "focused": "yes"},
    ):
        refused = await ada.put("/users/@me/push-focus", json=body)
        assert refused.status_code == 400 and error_code(refused) == 50035, body


async def test_a_community_is_marked_confidential_by_who_may_manage_it(api: Api) -> None:
    owner, member, stranger = await api.account(), await api.account(), await api.account()
    guild = await owner.guild()
    await member.join(owner, text_channel(guild)["id"])
    path = f"/guilds/{guild['id']}/privacy"

    seen = await member.get(path)
    assert seen.status_code == 200
    assert seen.json() == {"guild_id": guild["id"], "confidential": False}
    refused = await member.patch(path, json={"confidential": True})
    assert refused.status_code == 403 and error_code(refused) == 50013
    outside = await stranger.get(path)
    assert outside.status_code == 403 and error_code(outside) == 50001
    outside_patch = await stranger.patch(path, json={"confidential": True})
    assert outside_patch.status_code == 403 and error_code(outside_patch) == 50001
    bad = await owner.patch(path, json={"confidential": "yes"})
    assert bad.status_code == 400 and error_code(bad) == 50035

    marked = await owner.patch(path, json={"confidential": True})
    assert marked.status_code == 200 and marked.json()["confidential"] is True
    assert (await member.get(path)).json()["confidential"] is True
    unknown = await owner.get("/guilds/1/privacy")
    assert unknown.status_code == 404


async def test_the_message_text_choice_is_a_user_setting(api: Api) -> None:
    ada = await api.account()
    assert (await ada.get("/users/@me/settings")).json()["notification_message_text"] == 0
    changed = await ada.patch("/users/@me/settings", json={"notification_message_text": 2})
    assert changed.status_code == 200 and changed.json()["notification_message_text"] == 2
    for value in (3, -1, "1", True):
        refused = await ada.patch("/users/@me/settings", json={"notification_message_text": value})
        assert refused.status_code == 400 and error_code(refused) == 50035, value
    assert (await ada.get("/users/@me/settings")).json()["notification_message_text"] == 2
