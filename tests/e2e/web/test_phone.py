"""On a 390 by 844 phone the sidebars are drawers and every control is big enough to touch."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.web.conftest import PHONE, create_guild, invite_into, new_context, open_as, sign_up
from tests.server_process import Server


def test_the_phone_layout_uses_drawers_and_touch_sized_controls(
    browser: Browser, web_server: Server
) -> None:
    person = sign_up(web_server, "phone")
    friend = sign_up(web_server, "friend")
    guild_id, channel_id = create_guild(person, "Pocket Club")
    invite_into(person, channel_id, friend)
    context = new_context(browser, viewport=PHONE)
    try:
        page = open_as(context, person, f"/channels/{guild_id}/{channel_id}")
        expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()
        channels = page.get_by_role("navigation", name="Channels of Pocket Club")
        expect(channels).not_to_be_in_viewport()

        page.get_by_role("button", name="Open navigation").click()
        expect(channels).to_be_in_viewport()
        channels.get_by_role("link", name=re.compile(r"\bgeneral$")).click()
        expect(channels).not_to_be_in_viewport()

        page.get_by_role("button", name="Show members").click()
        members = page.get_by_role("complementary", name="Members")
        expect(members).to_be_in_viewport()
        page.get_by_role("button", name="Close panel").click(position={"x": 30, "y": 400})
        expect(members).not_to_be_in_viewport()

        box = page.get_by_role("combobox", name=re.compile("^Write a message"))
        box.fill("sent from my phone")
        box.press("Enter")
        expect(page.get_by_role("article").filter(has_text="sent from my phone")).to_be_visible()

        small = page.evaluate(
            """() => [...document.querySelectorAll('button, a[href], input, select, textarea')]
                .filter((e) => e.offsetParent !== null && !e.closest('.message'))
                .map((e) => [e.getAttribute('aria-label') || e.textContent.trim(),
                             e.getBoundingClientRect()])
                .filter(([, r]) => r.width > 0 && r.right > 0 && r.left < innerWidth)
                .filter(([, r]) => r.height < 44 || r.width < 44)
                .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
        )
        assert small == []
    finally:
        context.close()
