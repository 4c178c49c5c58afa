"""Guests in the browser: a member allows guests and makes a guest link; someone with no account
opens it in a fresh browser, joins with a name, writes; the member sees the message with the Guest
badge, and can end the guest's access, which erases what they wrote. On a phone, a guest keeps
their account with an email and a password."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.web.conftest import (
    DESKTOP,
    PHONE,
    composer,
    create_guild,
    new_context,
    open_as,
    page_errors,
    sign_up,
)
from tests.e2e.web.test_accessibility import serious_violations
from tests.server_process import Server


def scanned_context(browser: Browser) -> BrowserContext:
    """A fresh browser with no account, whose pages axe-core may scan (its script is injected,
    so the page's CSP lets it past, as in test_accessibility.py)."""
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True, reduced_motion="reduce")  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.errors = errors  # type: ignore[attr-defined]
    return context


def message(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("article").filter(has_text=text)


def test_a_guest_joins_by_link_with_a_name_writes_and_is_seen_as_a_guest(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "host")
    guild_id, channel_id = create_guild(owner, "Open Evening")
    host_context, visitor_context = new_context(browser), scanned_context(browser)
    try:
        host = open_as(host_context, owner, f"/channels/{guild_id}/{channel_id}")
        expect(composer(host)).to_be_visible()
        sidebar = host.get_by_role("navigation", name="Channels of Open Evening")

        # The host allows guests, with rules, in the community's settings.
        sidebar.get_by_role("button", name="Open Evening").click()
        host.get_by_role("menuitem", name="Community settings").click()
        guests = host.get_by_role("form", name="Guests")
        guests.get_by_label("Allow guests").check()
        guests.get_by_label("Rules that guests accept before joining").fill("Be kind.\nNo selling.")
        guests.get_by_role("button", name="Save guest settings").click()
        expect(host.get_by_text("Saved")).to_be_visible()
        host.keyboard.press("Escape")
        expect(host.get_by_role("dialog")).to_have_count(0)

        # And makes a guest link for a day in the invite dialog.
        sidebar.get_by_role("button", name="Open Evening").click()
        host.get_by_role("menuitem", name="Invite people").click()
        link = host.get_by_test_id("invite-link")
        expect(link).to_have_value(re.compile(r"/invite/[A-Za-z0-9]+$"))  # the ordinary link
        first = link.input_value()
        host.get_by_label("Guest link (join with a name only)").check()
        host.get_by_label("Expires after").select_option(label="1 day")
        expect(link).not_to_have_value(first)  # a new code: the guest link
        guest_url = link.input_value()
        assert re.search(r"/invite/[A-Za-z0-9]+$", guest_url)
        host.keyboard.press("Escape")

        # Someone without an account opens it: the community, and a form asking only a name.
        visitor = visitor_context.new_page()
        visitor.goto(guest_url)
        expect(visitor.get_by_role("heading", name="Open Evening")).to_be_visible()
        form = visitor.get_by_role("form", name="Join as a guest")
        rules = form.get_by_role("region", name="The community's rules")
        expect(rules.locator("p")).to_have_text("Be kind.\nNo selling.")
        assert serious_violations(visitor) == []
        form.get_by_label("Your name").fill("Grace Visitor")
        join = form.get_by_role("button", name="Join as guest")
        accept = form.get_by_label("I accept the community's rules")
        join.click()  # the browser holds the form back: the rules are not accepted yet
        assert accept.evaluate("box => !box.checkValidity()")
        expect(form).to_be_visible()
        accept.check()
        join.click()

        # They land in the channel, marked as a guest, and write.
        expect(visitor.get_by_role("heading", name="general", exact=True)).to_be_visible()
        expect(visitor.get_by_role("region", name="Guest account")).to_be_visible()
        composer(visitor).fill("Hello from a guest")
        composer(visitor).press("Enter")
        expect(message(visitor, "Hello from a guest")).to_be_visible()
        assert serious_violations(visitor) == []

        # The host sees the message, with the Guest badge, and the guest in the member list.
        seen = message(host, "Hello from a guest")
        expect(seen).to_be_visible()
        expect(seen.get_by_text("Guest", exact=True)).to_be_visible()
        members = host.get_by_role("complementary", name="Members")
        expect(members.get_by_role("button", name=re.compile("^Grace Visitor"))).to_contain_text(
            "Guest"
        )

        # The community's settings list the guest, with when they end: the link's day.
        sidebar.get_by_role("button", name="Open Evening").click()
        host.get_by_role("menuitem", name="Community settings").click()
        listed = host.get_by_role("region", name="Current guests").get_by_role("listitem")
        expect(listed).to_have_count(1)
        expect(listed).to_contain_text("Grace Visitor")
        expect(listed).to_contain_text("with the guest link")
        expect(listed.get_by_role("button", name="End guest access: Grace Visitor")).to_be_visible()
        host.keyboard.press("Escape")
        expect(host.get_by_role("dialog")).to_have_count(0)

        # The host ends the guest's access: they are signed out, and their message goes.
        sidebar.get_by_role("button", name="Open Evening").click()
        host.get_by_role("menuitem", name="Community settings").click()
        host.get_by_role("tab", name="Members").click()
        settings = host.get_by_role("dialog", name="Open Evening: settings")
        settings.get_by_role("button", name=re.compile("^Grace Visitor Guest")).click()
        settings.get_by_role("button", name="End guest access").click()
        host.get_by_role("dialog", name="End Grace Visitor's guest access?").get_by_role(
            "button", name="End guest access"
        ).click()
        host.keyboard.press("Escape")
        expect(message(host, "Hello from a guest")).to_have_count(0, timeout=30_000)
        # The visitor's session ended: no composer, no guest banner (whatever screen follows).
        expect(composer(visitor)).to_have_count(0, timeout=30_000)
        expect(visitor.get_by_role("region", name="Guest account")).to_have_count(0)
    finally:
        errors = page_errors(host_context) + page_errors(visitor_context)
        host_context.close()
        visitor_context.close()
    assert errors == []


def test_on_a_phone_a_guest_joins_and_keeps_their_account(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "teacher")
    guild_id, channel_id = create_guild(owner, "Class 7b")
    with owner.api() as http:
        http.patch(f"/guilds/{guild_id}", json={"guests_enabled": True})
        made = http.post(
            f"/channels/{channel_id}/invites", json={"flags": 1, "max_age": 3600}
        ).json()
    context = new_context(browser, viewport=PHONE, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{web_server.url}/invite/{made['code']}")
        form = page.get_by_role("form", name="Als Gast beitreten")
        form.get_by_label("Dein Name").fill("Lena")
        form.get_by_role("button", name="Als Gast beitreten").click()
        expect(composer_de(page)).to_be_visible()
        banner = page.get_by_role("region", name="Gastkonto")
        expect(banner).to_be_visible()
        box = banner.bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
        composer_de(page).fill("Hallo zusammen")
        composer_de(page).press("Enter")
        expect(message(page, "Hallo zusammen")).to_be_visible()

        banner.get_by_role("button", name="Mein Konto behalten").click()
        dialog = page.get_by_role("dialog", name="Konto behalten")
        dialog.get_by_label("E-Mail-Adresse").fill(f"lena-{uuid.uuid4().hex[:8]}@example.org")
        dialog.get_by_label("Passwort").fill("ein langes Passwort")
        dialog.get_by_role("button", name="Mein Konto behalten").click()
        expect(page.get_by_role("region", name="Gastkonto")).to_have_count(0)
        expect(message(page, "Hallo zusammen")).to_be_visible()
    finally:
        errors = page_errors(context)
        context.close()
    assert errors == []


def composer_de(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("combobox", name=re.compile("^Nachricht an"))


def test_on_a_phone_the_rules_read_as_text_and_the_accept_box_names_them(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "club")
    guild_id, channel_id = create_guild(owner, "Club de lecture")
    rules = "Soyez bienveillants.\n" + "Pas de publicité, pas de liens vers des ventes. " * 12
    with owner.api() as http:
        http.patch(f"/guilds/{guild_id}", json={"guests_enabled": True, "rules": rules})
        made = http.post(
            f"/channels/{channel_id}/invites", json={"flags": 1, "max_age": 3600}
        ).json()
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{web_server.url}/invite/{made['code']}")
        form = page.get_by_role("form", name="Rejoindre en tant qu'invité")
        shown = form.get_by_role("region", name="Les règles de la communauté")
        expect(shown).to_contain_text("Soyez bienveillants.")
        # Text to read, not a field: the only text box is the name, and nothing draws a box
        # around the rules or gives them a field's background.
        expect(form.get_by_role("textbox")).to_have_count(1)
        look = shown.evaluate(
            "el => { const s = getComputedStyle(el); return [s.borderTopWidth, s.borderRightWidth,"
            " s.backgroundColor, getComputedStyle(el.querySelector('p')).fontSize] }"
        )
        assert look[:3] == ["0px", "0px", "rgba(0, 0, 0, 0)"], look
        assert float(look[3].removesuffix("px")) >= 15, look
        # Readable on the phone: the whole text, no wider than the screen, no box to scroll.
        box = shown.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert shown.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # The box to tick is named, and described by the rules it accepts.
        accept = form.get_by_role("checkbox", name="J'accepte les règles de la communauté")
        expect(accept).to_have_accessible_description(re.compile("^Soyez bienveillants"))
        form.get_by_label("Votre nom").fill("Camille")
        accept.check()
        form.get_by_role("button", name="Rejoindre en invité").click()
        expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()
    finally:
        errors = page_errors(context)
        context.close()
    assert errors == []


def test_on_a_phone_a_moderator_sees_the_guests_and_when_they_end(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "trainerin")
    guild_id, channel_id = create_guild(owner, "Ruderverein")
    with owner.api() as http:
        http.patch(f"/guilds/{guild_id}", json={"guests_enabled": True, "guest_inactivity_days": 1})
        made = http.post(
            f"/channels/{channel_id}/invites", json={"flags": 1, "max_age": 7 * 86400}
        ).json()
        for name in ("Jonas Gast", "Mia Gast"):
            joined = http.post(f"/invites/{made['code']}/guest", json={"global_name": name})
            assert joined.status_code == 200, joined.text
    context = new_context(browser, viewport=PHONE, locale="de-DE")
    try:
        page = open_as(context, owner, f"/channels/{guild_id}/{channel_id}")
        page.get_by_role("button", name="Navigation öffnen").click()
        page.get_by_role("navigation", name="Kanäle von Ruderverein").get_by_role(
            "button", name="Ruderverein"
        ).click()
        page.get_by_role("menuitem", name="Community-Einstellungen").click()
        guests = page.get_by_role("region", name="Aktuelle Gäste")
        rows = guests.get_by_role("listitem")
        expect(rows).to_have_count(2)
        # A week's link, one idle day: the idle day ends them first.
        expect(rows.first).to_contain_text("Jonas Gast")
        expect(rows.first).to_contain_text("außer bei Aktivität bis dahin")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        end = rows.first.get_by_role("button", name="Gastzugang beenden: Jonas Gast")
        box = end.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        end.click()
        page.get_by_role("dialog", name="Gastzugang von Jonas Gast beenden?").get_by_role(
            "button", name="Gastzugang beenden"
        ).click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Mia Gast")
        expect(guests.get_by_role("heading", name="Aktuelle Gäste")).to_be_focused()
    finally:
        errors = page_errors(context)
        context.close()
    assert errors == []
