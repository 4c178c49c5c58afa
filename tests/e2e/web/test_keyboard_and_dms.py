"""The keyboard (quick switcher, Alt+arrows, autocomplete) and direct messages."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.web.conftest import create_guild, invite_into, new_context, open_as, sign_up
from tests.server_process import Server


def test_quick_switcher_alt_arrows_and_autocomplete_work_from_the_keyboard(
    browser: Browser, web_server: Server
) -> None:
    person = sign_up(web_server, "keys")
    friend = sign_up(web_server, "pal")
    guild_id, general = create_guild(person, "Keyboard Club")
    with person.api() as http:
        http.post(f"/guilds/{guild_id}/channels", json={"name": "random"})
    invite_into(person, general, friend)
    context = new_context(browser)
    try:
        page = open_as(context, person, f"/channels/{guild_id}/{general}")
        expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()

        page.keyboard.press("Control+K")
        switcher = page.get_by_role("dialog", name="Go to a conversation")
        expect(switcher).to_be_visible()
        page.keyboard.type("rand")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="random", exact=True)).to_be_visible()
        expect(switcher).to_have_count(0)

        page.keyboard.press("Alt+ArrowDown")
        expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()

        box = page.get_by_role("combobox", name=re.compile("^Write a message"))
        box.press_sequentially(f"hi @{friend.username[:4]}")
        suggestions = page.get_by_role("listbox", name="Suggestions")
        expect(suggestions.get_by_role("option").first).to_contain_text(friend.username)
        box.press("Tab")
        box.press_sequentially("see #rand")
        expect(suggestions.get_by_role("option", name="#random")).to_be_visible()
        box.press("Enter")
        box.press_sequentially(":tada")
        expect(suggestions.get_by_role("option").first).to_contain_text("🎉")
        box.press("Enter")
        box.press("Shift+Enter")
        box.press_sequentially("second line")
        box.press("Enter")
        sent = page.get_by_role("article").filter(has_text="second line")
        expect(sent.get_by_role("button", name=f"@{friend.username}")).to_be_visible()
        expect(sent.get_by_role("button", name="#random")).to_be_visible()
        expect(sent).to_contain_text("🎉")
        expect(sent.locator("br")).to_have_count(1)
    finally:
        context.close()


def test_a_direct_message_from_a_profile_card_arrives_with_a_badge(
    browser: Browser, web_server: Server
) -> None:
    sender = sign_up(web_server, "sender")
    receiver = sign_up(web_server, "receiver")
    guild_id, general = create_guild(sender, "DM Club")
    invite_into(sender, general, receiver)
    sender_context = new_context(browser)
    receiver_context = new_context(browser)
    try:
        them = open_as(receiver_context, receiver, f"/channels/{guild_id}/{general}")
        expect(them.get_by_role("heading", name="general", exact=True)).to_be_visible()
        page = open_as(sender_context, sender, f"/channels/{guild_id}/{general}")
        members = page.get_by_role("complementary", name="Members")
        members.get_by_role("button", name=re.compile(receiver.username)).click()
        page.get_by_role("dialog", name=re.compile("^Profile of")).get_by_role(
            "button", name="Send a message"
        ).click()
        # The conversation opens once the server has made it: until then the composer on screen
        # is still #general's.
        box = page.get_by_role(
            "combobox", name=re.compile(f"^Write a message to .*{re.escape(receiver.username)}")
        )
        expect(box).to_be_visible()
        box.fill("psst, a secret")
        box.press("Enter")

        home = them.get_by_role("button", name=re.compile(r"^Direct messages, 1 mention"))
        expect(home).to_be_visible()
        home.click()
        expect(them.get_by_role("link", name=re.compile(sender.username))).to_be_visible()
        them.get_by_role("link", name=re.compile(sender.username)).click()
        expect(them.get_by_role("article").filter(has_text="psst, a secret")).to_be_visible()
        expect(them.get_by_role("button", name="Direct messages", exact=True)).to_be_visible()
    finally:
        sender_context.close()
        receiver_context.close()
