"""Scheduled events in the browser (docs/scheduled-events.md): the owner plans an event from the
channel list's "Events"; a member sees it appear, marks themselves interested and the owner's
count changes live; the member saves the calendar file; the owner starts it and the member sees it
live. On a phone, an interested member gets the reminder as a notice."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.web.conftest import (
    PHONE,
    Pair,
    create_guild,
    invite_into,
    new_context,
    open_as,
    page_errors,
    sign_up,
)
from tests.e2e.web.test_accessibility import serious_violations
from tests.server_process import Server


def open_events(page: Page) -> Locator:
    page.get_by_role("button", name=re.compile(r"^Events")).click()
    dialog = page.get_by_role("dialog", name="Events of Club")
    expect(dialog).to_be_visible()
    return dialog


def card(dialog: Locator, name: str) -> Locator:
    return dialog.get_by_role("listitem", name=name)


def local(moment: datetime) -> str:
    """A `datetime-local` value in the browser's time zone (the machine's, as the server's)."""
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


def test_a_planned_event_gets_interest_live_and_downloads_as_a_calendar_file(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    try:
        alice, bob = pair.alice, pair.bob
        bob_events = open_events(bob)
        expect(bob_events.get_by_text("No events are planned.")).to_be_visible()

        alice_events = open_events(alice)
        alice_events.get_by_role("button", name="Plan an event").click()
        form = alice.get_by_role("dialog", name="Plan an event")
        form.get_by_label("Name").fill("Summer party")
        expect(form.get_by_label("Where")).to_have_value("elsewhere")
        form.get_by_label("Place").fill("Clubhouse garden")
        start = (datetime.now() + timedelta(days=2)).replace(hour=18, minute=0)
        form.get_by_label("Starts").fill(local(start))
        form.get_by_label("Ends").fill(local(start + timedelta(hours=3)))
        form.get_by_label("What it is about").fill("Bring something to grill")
        form.get_by_role("button", name="Plan an event").click()

        alice_events = alice.get_by_role("dialog", name="Events of Club")
        mine = card(alice_events, "Summer party")
        expect(mine).to_be_visible()
        expect(mine.get_by_text("0 interested")).to_be_visible()
        expect(mine.get_by_text("Clubhouse garden")).to_be_visible()
        checked = browser.new_context(bypass_csp=True, reduced_motion="reduce")  # for axe-core
        try:
            page = open_as(checked, pair.alice_person, pair.path)
            expect(card(open_events(page), "Summer party")).to_be_visible()
            assert serious_violations(page) == []
        finally:
            checked.close()

        theirs = card(bob_events, "Summer party")
        expect(theirs).to_be_visible()  # arrived over the gateway
        expect(theirs.get_by_text("Bring something to grill")).to_be_visible()
        expect(theirs.get_by_role("button", name="Start now")).to_have_count(0)
        interested = theirs.get_by_role("button", name="Interested")
        expect(interested).to_have_attribute("aria-pressed", "false")
        interested.click()
        expect(interested).to_have_attribute("aria-pressed", "true")
        expect(theirs.get_by_text("1 interested")).to_be_visible()
        expect(mine.get_by_text("1 interested")).to_be_visible()  # live, for the owner

        with bob.expect_download() as download:
            theirs.get_by_role("button", name="Add to calendar (.ics)").click()
        saved = download.value
        assert saved.suggested_filename == "summer-party.ics"
        path = saved.path()
        text = path.read_text()
        assert text.startswith("BEGIN:VCALENDAR")
        assert "SUMMARY:Summer party" in text and "LOCATION:Clubhouse garden" in text

        mine.get_by_role("button", name="Start now").click()
        expect(theirs.get_by_text("Live", exact=True)).to_be_visible()
        interested.click()
        expect(interested).to_have_attribute("aria-pressed", "false")
        expect(mine.get_by_text("0 interested")).to_be_visible()
        mine.get_by_role("button", name="End", exact=True).click()
        expect(bob_events.get_by_text("No events are planned.")).to_be_visible()
    finally:
        pair.close()


def test_on_a_phone_an_interested_member_is_reminded_in_the_app(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "host")
    member = sign_up(web_server, "guest")
    guild_id, channel_id = create_guild(owner, "Club")
    invite_into(owner, channel_id, member)
    start = datetime.now().astimezone() + timedelta(seconds=60)
    with owner.api() as http:
        made = http.post(
            f"/guilds/{guild_id}/scheduled-events",
            json={
                "name": "Pop-up choir",
                "entity_type": 3,
                "privacy_level": 2,
                "scheduled_start_time": start.isoformat(),
                "scheduled_end_time": (start + timedelta(hours=1)).isoformat(),
                "entity_metadata": {"location": "Market square"},
            },
        )
    assert made.status_code == 200, made.text
    context = new_context(browser, viewport=PHONE)
    try:
        page = open_as(context, member, f"/channels/{guild_id}/{channel_id}")
        page.get_by_role("button", name="Open navigation").click()
        events = open_events(page)
        choir = card(events, "Pop-up choir")
        choir.get_by_role("button", name="Interested").click()
        expect(choir.get_by_role("button", name="Interested")).to_have_attribute(
            "aria-pressed", "true"
        )
        box = choir.get_by_role("button", name="Interested").bounding_box()
        assert box is not None and box["height"] >= 44
        page.keyboard.press("Escape")
        expect(events).to_have_count(0)
        notice = page.get_by_role("status").filter(has_text="Starting soon: Pop-up choir (Club)")
        expect(notice).to_be_visible(timeout=120_000)
        assert page_errors(context) == []
    finally:
        context.close()
