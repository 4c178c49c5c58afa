"""A public channel in the browser: a member makes it readable by anyone with the link and copies
the link; someone with no account opens it in a fresh browser, reads its history (scrolling back),
sees a new message arrive live, and has nothing to write with. The API refuses them a send; the
guild's other channel stays closed to them, in the API and on their gateway connection."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from tests.e2e.web.conftest import (
    DESKTOP,
    PHONE,
    composer,
    create_guild,
    new_context,
    open_as,
    page_errors,
    post,
    sign_up,
)
from tests.e2e.web.test_accessibility import serious_violations
from tests.server_process import Server


def visitor_context(browser: Browser, viewport: dict[str, int] = DESKTOP) -> BrowserContext:
    """A fresh browser with no account, whose pages axe-core may scan (as in test_guests.py)."""
    context = browser.new_context(viewport=viewport, bypass_csp=True, reduced_motion="reduce")  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.errors = errors  # type: ignore[attr-defined]
    return context


def record_gateway(page: Page) -> list[dict[str, Any]]:
    """Every payload the page's gateway connections receive (the app speaks plain JSON)."""
    frames: list[dict[str, Any]] = []

    def on_socket(socket: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            text = payload.decode() if isinstance(payload, bytes) else payload
            frames.append(json.loads(text))

        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return frames


def message(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("log").get_by_role("listitem").filter(has_text=text)


def test_a_visitor_reads_a_public_channel_live_and_cannot_write(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "librarian")
    guild_id, general = create_guild(owner, "Open Library")
    with owner.api() as http:
        staff = http.post(f"/guilds/{guild_id}/channels", json={"name": "staff"}).json()["id"]
    for n in range(60):
        post(owner, general, f"history {n}")
    member_context = new_context(browser)
    member_context.grant_permissions(["clipboard-read", "clipboard-write"])
    visitors = visitor_context(browser)
    try:
        # The member opens the channel's settings and makes it readable by anyone with the link.
        member = open_as(member_context, owner, f"/channels/{guild_id}/{general}")
        expect(composer(member)).to_be_visible()
        sidebar = member.get_by_role("navigation", name="Channels of Open Library")
        sidebar.get_by_role("button", name="Open Library").click()
        member.get_by_role("menuitem", name="Community settings").click()
        member.get_by_role("tab", name="Channel permissions").click()
        member.get_by_role("combobox", name="Channel", exact=True).select_option(label="#general")
        switch = member.get_by_role("switch", name=re.compile("#general readable by anyone"))
        expect(switch).not_to_be_checked()
        switch.click()  # the switch follows the channel as the server says it is
        expect(switch).to_be_checked()
        link_field = member.get_by_test_id("public-link")
        expect(link_field).to_have_value(f"{web_server.url}/channels/{guild_id}/{general}")
        member.get_by_role("button", name="Copy link").click()
        expect(member.get_by_role("button", name="Copied")).to_be_visible()
        link = member.evaluate("navigator.clipboard.readText()")
        assert link == link_field.input_value()
        member.keyboard.press("Escape")

        # Someone with no account opens the link: the channel, its history, no composer.
        visitor = visitors.new_page()
        frames = record_gateway(visitor)
        visitor.goto(link)
        expect(visitor.get_by_role("heading", name="#general")).to_be_visible()
        expect(visitor.get_by_text("Open Library", exact=True)).to_be_visible()
        expect(message(visitor, "history 59")).to_be_visible()
        expect(visitor.get_by_role("status").filter(has_text="Live")).to_be_visible()
        expect(composer(visitor)).to_have_count(0)
        expect(visitor.get_by_role("textbox")).to_have_count(0)
        bar = visitor.get_by_role("region", name="Join this community")
        expect(bar.get_by_role("button", name="Register")).to_be_visible()
        expect(bar.get_by_role("button", name="Log in")).to_be_visible()
        # Scrolling back: the first page is the newest fifty.
        expect(visitor.get_by_text("history 5", exact=True)).to_have_count(0)
        visitor.get_by_role("button", name="Show older messages").click()
        expect(visitor.get_by_text("history 0", exact=True)).to_be_visible()
        expect(visitor.get_by_text("This is the beginning of #general.")).to_be_visible()
        assert serious_violations(visitor) == []

        # A new message arrives live.
        post(owner, general, "Fresh off the press")
        expect(message(visitor, "Fresh off the press")).to_be_visible()

        # Without a token the API refuses a send; the other channel stays closed.
        with httpx.Client(base_url=web_server.api, timeout=30) as anonymous:
            send = anonymous.post(f"/channels/{general}/messages", json={"content": "hi"})
            assert send.status_code == 401
            assert send.json()["code"] == 0
            for path in (f"/channels/{staff}", f"/channels/{staff}/messages"):
                assert anonymous.get(path).status_code == 401
        # Its events never reach the visitor: a later event of the public channel shows it.
        post(owner, staff, "staff only: the key is under the mat")
        post(owner, general, "marker")
        expect(message(visitor, "marker")).to_be_visible()
        received = json.dumps(frames)
        assert "under the mat" not in received
        assert staff not in received
        dispatches = {f.get("t") for f in frames if f.get("op") == 0}
        assert dispatches <= {"READY", "CHANNEL_CREATE", "MESSAGE_CREATE"}, dispatches

        # The other channel's address shows it is not public.
        closed = visitors.new_page()
        closed.goto(f"{web_server.url}/channels/{guild_id}/{staff}")
        expect(closed.get_by_role("heading", name="This channel is not public")).to_be_visible()
        closed.close()

        # When the member turns it off, the visitor's page says so at once.
        member.get_by_role("navigation", name="Channels of Open Library").get_by_role(
            "button", name="Open Library"
        ).click()
        member.get_by_role("menuitem", name="Community settings").click()
        member.get_by_role("tab", name="Channel permissions").click()
        member.get_by_role("combobox", name="Channel", exact=True).select_option(label="#general")
        member.get_by_role("switch", name=re.compile("#general readable by anyone")).click()
        expect(visitor.get_by_role("heading", name="This channel is not public")).to_be_visible()
    finally:
        errors = page_errors(member_context) + page_errors(visitors)
        member_context.close()
        visitors.close()
    assert errors == []


def test_on_a_phone_a_visitor_is_offered_the_invite_the_link_carries(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "coach")
    guild_id, general = create_guild(owner, "Rowing Club")
    with owner.api() as http:
        assert http.patch(f"/channels/{general}", json={"flags": 1 << 30}).status_code == 200
        code = http.post(f"/channels/{general}/invites", json={"max_age": 3600}).json()["code"]
    post(owner, general, "Training is at six.")
    context = visitor_context(browser, PHONE)
    try:
        page = context.new_page()
        page.goto(f"{web_server.url}/channels/{guild_id}/{general}?invite={code}")
        expect(message(page, "Training is at six.")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "nothing wider than the phone's screen"
        bar = page.get_by_role("region", name="Join this community")
        join = bar.get_by_role("button", name="Join the community")
        expect(bar.get_by_role("button", name="Register")).to_be_visible()
        box = join.bounding_box()
        assert box is not None and box["height"] >= 44  # a thumb's target
        assert serious_violations(page) == []
        join.click()
        expect(page).to_have_url(re.compile(f"/invite/{code}$"))
        expect(page.get_by_role("heading", name="Rowing Club")).to_be_visible()
    finally:
        errors = page_errors(context)
        context.close()
    assert errors == []
