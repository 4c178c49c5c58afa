"""Push notifications in Chromium: the settings switch subscribes this device and unsubscribes,
the service worker shows a push in the person's language, and a click on it opens the channel.

Headless Chromium has no push service of its own (`pushManager.subscribe` fails with
"Registration failed - permission denied"), so the browser's side of subscribing is stood in for
by a PushManager that returns a subscription with a real P-256 key, and pushes reach the worker
through CDP's `ServiceWorker.deliverPushMessage`, as the push service would hand them over.
Delivery from the server through a push service is tests/push/test_delivery.py.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.web.conftest import (
    PHONE,
    Person,
    create_guild,
    new_context,
    open_as,
    page_errors,
    sign_up,
)
from tests.server_process import Server

FAKE_PUSH_MANAGER = """
(() => {
  const endpoint = %(endpoint)s, p256dh = %(p256dh)s, auth = %(auth)s;
  let current = null;
  const make = (key) => ({
    endpoint,
    expirationTime: null,
    options: { applicationServerKey: key, userVisibleOnly: true },
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => { current = null; return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = options.applicationServerKey;
    current = make(key.buffer ? key.buffer.slice(0) : key);
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();
"""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": f"https://push.example.com/device/{os.urandom(6).hex()}",
        "p256dh": b64url(point),
        "auth": b64url(os.urandom(16)),
    }


@pytest.fixture(params=["desktop", "phone"])
def context(
    request: pytest.FixtureRequest, browser: Browser, web_server: Server
) -> Iterator[BrowserContext]:
    opened = new_context(browser, viewport=PHONE if request.param == "phone" else None)
    opened.grant_permissions(["notifications"], origin=web_server.url)
    yield opened
    opened.close()


def with_push_manager(context: BrowserContext) -> dict[str, str]:
    found = browser_subscription()
    context.add_init_script(FAKE_PUSH_MANAGER % {k: json.dumps(v) for k, v in found.items()})
    return found


def open_settings(page: Page) -> None:
    settings = page.get_by_role("button", name="Settings").first
    expect(
        page.get_by_role("button", name=re.compile("^(Settings|Open navigation)$")).first
    ).to_be_visible()
    if not settings.is_visible():  # a phone: the button is in the drawer
        page.get_by_role("button", name="Open navigation").click()
    settings.click()
    expect(page.get_by_role("heading", name="Push notifications")).to_be_visible()


def device_switch(page: Page) -> Any:
    return page.get_by_role("switch", name="Notifications on this device")


def server_subscriptions(person: Person) -> list[dict[str, Any]]:
    with person.api() as http:
        found: list[dict[str, Any]] = http.get("/users/@me/push-subscriptions").json()
    return found


def enable_push(page: Page) -> None:
    open_settings(page)
    switch = device_switch(page)
    expect(switch).to_be_enabled()
    switch.click()  # it waits for the browser and the server before it shows "on"
    expect(switch).to_be_checked()


def test_the_switch_subscribes_this_device_and_unsubscribes_it(
    context: BrowserContext, web_server: Server
) -> None:
    ada = sign_up(web_server, "ada")
    browser_side = with_push_manager(context)
    with context.expect_event(
        "request",
        lambda r: (
            r.url.endswith("/users/@me/push-focus") and '"focused":true' in (r.post_data or "")
        ),
    ):
        page = open_as(context, ada)
    enable_push(page)
    assert [s["endpoint"] for s in server_subscriptions(ada)] == [browser_side["endpoint"]]

    never = page.get_by_role("radio", name="Never show it")
    never.check()
    expect(never).to_be_checked()
    with ada.api() as http:
        expect_setting = http.get("/users/@me/settings").json()["notification_message_text"]
    assert expect_setting == 2

    device_switch(page).click()
    expect(device_switch(page)).not_to_be_checked()
    assert server_subscriptions(ada) == []
    assert page_errors(context) == []


def deliver(context: BrowserContext, page: Page, server: Server, push: dict[str, Any]) -> None:
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    found = next(r for r in registrations if not r["isDeleted"])
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": server.url + "/",
            "registrationId": found["registrationId"],
            "data": json.dumps(push),
        },
    )


def shown_notifications(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        """() => navigator.serviceWorker.ready
            .then((r) => r.getNotifications())
            .then((all) => all.map((n) => ({ title: n.title, body: n.body, tag: n.tag })))"""
    )
    return found


def test_a_push_shows_in_the_persons_language_and_its_click_opens_the_channel(
    browser: Browser, web_server: Server
) -> None:
    context = new_context(browser, locale="de-DE")
    context.grant_permissions(["notifications"], origin=web_server.url)
    try:
        ada, bob = sign_up(web_server, "ada"), sign_up(web_server, "bob")
        with ada.api() as http:
            dm = http.post("/users/@me/channels", json={"recipient_id": bob.user_id}).json()
        with_push_manager(context)
        page = open_as(context, ada)
        page.get_by_role("button", name="Einstellungen").first.click()
        switch = page.get_by_role("switch", name="Benachrichtigungen auf diesem Gerät")
        switch.click()
        expect(switch).to_be_checked()
        page.keyboard.press("Escape")

        push = {
            "type": "message",
            "reason": "mention",
            "guild_id": "123",
            "channel_id": dm["id"],
            "message_id": "456",
            "url": f"/channels/@me/{dm['id']}",
            "tag": "message-456",
        }
        deliver(context, page, web_server, push)
        page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                const deadline = Date.now() + 15000;
                while (!(await registration.getNotifications()).length && Date.now() < deadline) {
                    await new Promise((done) => setTimeout(done, 50));
                }
            }"""
        )
        assert shown_notifications(page) == [
            {"title": "townhall", "body": "Jemand hat dich erwähnt", "tag": "message-456"}
        ]

        (worker,) = context.service_workers
        worker.evaluate(
            """() => self.registration.getNotifications().then((all) => {
                const click = new NotificationEvent("notificationclick", { notification: all[0] });
                try { self.dispatchEvent(click); } catch (_) { /* a synthetic event's waitUntil */ }
            })"""
        )
        expect(page).to_have_url(re.compile(f"/channels/@me/{dm['id']}$"))
        assert shown_notifications(page) == []
    finally:
        context.close()


def test_an_owner_marks_the_community_confidential(browser: Browser, web_server: Server) -> None:
    context = new_context(browser)
    try:
        ada = sign_up(web_server, "ada")
        guild_id, channel_id = create_guild(ada, "Law firm")
        page = open_as(context, ada, f"/channels/{guild_id}/{channel_id}")
        page.get_by_role("navigation", name=re.compile("^Channels of")).get_by_role(
            "button", name="Law firm"
        ).click()
        page.get_by_role("menuitem", name="Community settings").click()
        switch = page.get_by_role("switch", name="Confidential community")
        expect(switch).to_be_enabled()
        switch.click()
        expect(switch).to_be_checked()
        with ada.api() as http:
            assert http.get(f"/guilds/{guild_id}/privacy").json()["confidential"] is True
        assert page_errors(context) == []
    finally:
        context.close()
