"""Two people in two browsers: sign up, create a community, invite, join, and talk in real time."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import unique
from tests.e2e.web.conftest import PASSWORD, new_context, open_as, page_errors, sign_up
from tests.server_process import Server


def composer(page: Page) -> Locator:
    return page.get_by_role("combobox", name=re.compile("^Write a message"))


def message(page: Page, text: str) -> Locator:
    return page.get_by_role("article").filter(has_text=text)


def test_two_people_chat_in_real_time_from_sign_up_to_pins(
    browser: Browser, web_server: Server
) -> None:
    owner_context = new_context(browser)
    guest_context = new_context(browser)
    try:
        # Alice signs up through the form and creates a community.
        alice = owner_context.new_page()
        alice.goto(web_server.url + "/register")
        alice_name = unique("alice")
        alice.get_by_label("Username").fill(alice_name)
        alice.get_by_label("Password").fill(PASSWORD)
        alice.get_by_role("button", name="Create account").click()
        expect(alice.get_by_role("heading", name="Your direct messages")).to_be_visible()
        alice.get_by_role("button", name="Create a community").first.click()
        alice.get_by_label("Community name").fill("Riverside Tennis Club")
        alice.get_by_role("button", name="Create", exact=True).click()
        expect(alice.get_by_role("heading", name="general", exact=True)).to_be_visible()

        # She makes an invite link in the community menu.
        sidebar = alice.get_by_role("navigation", name="Channels of Riverside Tennis Club")
        sidebar.get_by_role("button", name="Riverside Tennis Club").click()
        alice.get_by_role("menuitem", name="Invite people").click()
        link = alice.get_by_test_id("invite-link")
        expect(link).to_have_value(re.compile(r"/invite/[A-Za-z0-9-]+$"))
        invite_url = link.input_value()
        alice.keyboard.press("Escape")
        expect(alice.get_by_role("dialog")).to_have_count(0)

        # Bob (already has an account) opens the link: a preview, then he joins.
        bob_person = sign_up(web_server, "bob")
        bob = open_as(guest_context, bob_person, "/channels/@me")
        expect(bob.get_by_role("heading", name="Your direct messages")).to_be_visible()
        bob.goto(invite_url)
        expect(bob.get_by_role("heading", name="Riverside Tennis Club")).to_be_visible()
        expect(bob.get_by_text("1 member")).to_be_visible()
        bob.get_by_role("button", name="Accept invite").click()
        expect(bob.get_by_role("heading", name="general", exact=True)).to_be_visible()

        # Alice writes; Bob sees it without reloading, and the other way round.
        composer(alice).fill("Hello **everyone**, welcome!")
        composer(alice).press("Enter")
        hello = message(bob, "Hello everyone, welcome")
        expect(hello).to_be_visible()
        expect(hello.locator("strong")).to_have_text("everyone")
        composer(bob).fill("Thanks!\nGlad to be here")
        composer(bob).press("Enter")
        expect(message(alice, "Glad to be here")).to_be_visible()

        # Bob replies to Alice's message; the reply quotes it for both.
        hello.hover()
        hello.get_by_role("button", name="Reply").click()
        expect(bob.get_by_text("Replying to")).to_be_visible()
        composer(bob).fill("See you on Saturday")
        composer(bob).press("Enter")
        reply = message(alice, "See you on Saturday")
        expect(reply.get_by_role("button", name=re.compile(r"^@\S+ Hello"))).to_be_visible()

        # Alice reacts with one click; Bob sees the count and adds his own.
        hello_alice = message(alice, "Hello everyone, welcome")
        hello_alice.hover()
        hello_alice.get_by_role("button", name="React with 👍").click()
        bob_reaction = hello.get_by_role("button", name="👍: 1 reaction")
        expect(bob_reaction).to_have_attribute("aria-pressed", "false")
        bob_reaction.click()
        expect(hello_alice.get_by_role("button", name="👍: 2 reactions")).to_have_attribute(
            "aria-pressed", "true"
        )

        # Alice edits her last message with the Up arrow; Bob sees "(edited)".
        composer(alice).press("ArrowUp")
        editor = alice.get_by_role("textbox", name="Edit message")
        editor.fill("Hello everyone, welcome to the club!")
        editor.press("Enter")
        edited = message(bob, "welcome to the club!")
        expect(edited).to_contain_text("(edited)")

        # Alice pins it; the pins panel shows it for Bob.
        hello_alice.hover()
        hello_alice.get_by_role("button", name="Pin").click()
        bob.get_by_role("button", name="Pinned messages", exact=True).click()
        pins = bob.get_by_role("complementary", name="Pinned messages")
        expect(pins.get_by_text("welcome to the club!")).to_be_visible()
        bob.get_by_role("button", name="Pinned messages", exact=True).click()

        # Bob deletes his "Thanks" after confirming; it disappears for Alice.
        thanks = message(bob, "Glad to be here")
        thanks.hover()
        thanks.get_by_role("button", name="Delete message").click()
        dialog = bob.get_by_role("dialog", name="Delete this message?")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Delete message").click()
        expect(message(alice, "Glad to be here")).to_have_count(0)

        # Typing shows up on the other side.
        composer(alice).press_sequentially("typing")
        expect(bob.get_by_text(re.compile(r"is typing"))).to_be_visible()

        assert page_errors(owner_context) == page_errors(guest_context) == []
    finally:
        owner_context.close()
        guest_context.close()
