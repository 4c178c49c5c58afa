"""Read state lives on the server: what a person reads in one browser is read in the other."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.web.conftest import create_guild, invite_into, new_context, open_as, post, sign_up
from tests.server_process import Server


def test_read_state_follows_the_person_from_one_browser_to_another(
    browser: Browser, web_server: Server
) -> None:
    reader = sign_up(web_server, "reader")
    writer = sign_up(web_server, "writer")
    guild_id, general = create_guild(writer, "Book Club")
    with writer.api() as http:
        news = http.post(f"/guilds/{guild_id}/channels", json={"name": "news"}).json()["id"]
    invite_into(writer, general, reader)
    laptop_context = new_context(browser)
    phone_context = new_context(browser)
    try:
        laptop = open_as(laptop_context, reader, f"/channels/{guild_id}/{general}")
        phone = open_as(phone_context, reader, f"/channels/{guild_id}/{general}")
        for page in (laptop, phone):
            expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()

        post(writer, news, "chapter one is out")
        post(writer, news, f"<@{reader.user_id}> your turn to pick")
        for page in (laptop, phone):
            link = page.get_by_role("link", name=re.compile(r"\bnews\b"))
            expect(link).to_have_class(re.compile(r"\bunread\b"))
            expect(link).to_contain_text("1")
            expect(page).to_have_title(re.compile(r"^\(1\) "))

        laptop.get_by_role("link", name=re.compile(r"\bnews\b")).click()
        expect(laptop.get_by_text("your turn to pick")).to_be_visible()
        phone_news = phone.get_by_role("link", name=re.compile(r"\bnews\b"))
        expect(phone_news).not_to_have_class(re.compile(r"\bunread\b"))
        expect(phone_news).not_to_contain_text("1")
        expect(phone).to_have_title(re.compile(r"^#general \| townhall$"))

        # Stored on the server, not in the tab: a fresh load still knows.
        phone.reload()
        expect(phone.get_by_role("heading", name="general", exact=True)).to_be_visible()
        expect(phone.get_by_role("link", name=re.compile(r"\bnews\b"))).not_to_have_class(
            re.compile(r"\bunread\b")
        )
    finally:
        laptop_context.close()
        phone_context.close()


def test_a_muted_channel_shows_no_unread_and_the_setting_follows_the_person(
    browser: Browser, web_server: Server
) -> None:
    reader = sign_up(web_server, "muter")
    writer = sign_up(web_server, "chatty")
    guild_id, general = create_guild(writer, "Loud Club")
    with writer.api() as http:
        noisy = http.post(f"/guilds/{guild_id}/channels", json={"name": "noisy"}).json()["id"]
    invite_into(writer, general, reader)
    first = new_context(browser)
    second = new_context(browser)
    try:
        page = open_as(first, reader, f"/channels/{guild_id}/{noisy}")
        expect(page.get_by_role("heading", name="noisy", exact=True)).to_be_visible()
        page.get_by_role("button", name="Notification settings for this channel").click()
        dialog = page.get_by_role("dialog", name="Notifications for #noisy")
        dialog.get_by_role("button", name="Until I turn it back on").click()
        expect(dialog.get_by_role("button", name="Unmute")).to_be_visible()
        page.keyboard.press("Escape")
        page.get_by_role("link", name=re.compile(r"\bgeneral$")).click()

        other = open_as(second, reader, f"/channels/{guild_id}/{general}")
        post(writer, noisy, "spam spam spam")
        for p in (page, other):
            link = p.get_by_role("link", name=re.compile(r"\bnoisy\b"))
            expect(link).to_have_class(re.compile(r"\bmuted\b"))
            expect(link).not_to_have_class(re.compile(r"\bunread\b"))
    finally:
        first.close()
        second.close()
