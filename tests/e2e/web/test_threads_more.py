"""Threads in the web client, continued (docs/threads.md): a private thread seen only by who is
added (one of them on a phone), unread marks on threads that follow messages live, and a forum's
settings, tags and pinned post."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect

from tests.e2e.web.conftest import (
    PHONE,
    Pair,
    Person,
    composer,
    create_guild,
    invite_into,
    new_context,
    open_as,
    page_errors,
    post,
    sign_up,
)
from tests.e2e.web.test_accessibility import serious_violations
from tests.server_process import Server


def thread_panel(page: Page, name: str) -> Locator:
    return page.get_by_role("complementary", name=f"Thread {name}")


def open_thread_list(
    page: Page, button: str = "Threads", label: str = "Threads of #general"
) -> Locator:
    page.get_by_role("button", name=button, exact=True).click()
    return page.get_by_role("complementary", name=label)


def phone_context(browser: Browser) -> BrowserContext:
    """A phone whose page lets the accessibility scan's script tag past the CSP."""
    context = browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        bypass_csp=True,
        reduced_motion="reduce",
    )
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.errors = errors  # type: ignore[attr-defined]
    return context


def write(panel: Locator, text: str) -> None:
    box = panel.get_by_role("combobox", name=re.compile("^Write a message"))
    box.fill(text)
    box.press("Enter")


def is_ack_of(channel_id: str) -> Callable[[Response], bool]:
    """The answer to `POST /channels/{channel_id}/messages/{id}/ack`: once it came, the server's
    MESSAGE_ACK precedes any later message in the gateway's order."""
    return lambda r: r.url.endswith("/ack") and f"/channels/{channel_id}/" in r.url


def api_get(person: Person, path: str) -> Any:
    with person.api() as http:
        response = http.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_private_thread_is_seen_by_who_is_added_and_by_nobody_else(
    browser: Browser, web_server: Server
) -> None:
    alice_person, bob_person, carol_person = (
        sign_up(web_server, name) for name in ("alice", "bob", "carol")
    )
    guild_id, channel_id = create_guild(alice_person, "Club")
    invite_into(alice_person, channel_id, bob_person, carol_person)
    path = f"/channels/{guild_id}/{channel_id}"
    contexts: list[BrowserContext] = [
        new_context(browser),
        phone_context(browser),
        new_context(browser, locale="fr-FR"),
    ]
    try:
        alice, bob, carol = (
            open_as(context, person, path)
            for context, person in zip(
                contexts, (alice_person, bob_person, carol_person), strict=True
            )
        )
        for page in (alice, bob):
            expect(composer(page)).to_be_visible()
        bobs_list = open_thread_list(bob)
        carols_list = open_thread_list(carol, "Fils", "Fils de #general")  # Carol reads French
        expect(bobs_list.get_by_text("No active threads in this channel.")).to_be_visible()
        # On a phone the list fills the screen.
        box = bobs_list.bounding_box()
        assert box is not None and box["x"] == 0 and box["width"] == PHONE["width"]

        # Alice starts a private thread from the thread list, and writes in it.
        open_thread_list(alice).get_by_role("button", name="Start a thread").click()
        dialog = alice.get_by_role("dialog", name="Start a thread")
        dialog.get_by_label("Thread name").fill("Surprise party")
        dialog.get_by_role("radio", name=re.compile("^Private")).check()
        expect(dialog.get_by_label("Members may add other people")).to_be_checked()
        dialog.get_by_label("Members may add other people").uncheck()
        dialog.get_by_role("button", name="Start a thread").click()
        panel = thread_panel(alice, "Surprise party")
        expect(panel.get_by_role("heading", name="Welcome to Surprise party")).to_be_visible()
        write(panel, "Shh, the party is for Carol")
        expect(
            panel.get_by_role("article").filter(has_text="the party is for Carol")
        ).to_be_visible()

        # She adds Bob with the picker of the channel's members.
        panel.get_by_role("button", name="1 member").click()
        members = panel.get_by_role("list", name="Members of the thread")
        expect(members.get_by_role("listitem")).to_have_count(1)
        panel.get_by_role("button", name="Add people").click()
        picker = alice.get_by_role("dialog", name="Add people to Surprise party")
        picker.get_by_label("Find a member of the channel").fill(bob_person.username[:6])
        picker.get_by_role("button", name=f"Add {bob_person.username}").click()
        expect(picker).to_have_count(0)
        expect(members.get_by_role("listitem")).to_have_count(2)
        expect(members).to_contain_text(bob_person.username)

        # Bob sees it live in his list, marked private; unread when Alice writes again. He reads
        # it full screen.
        row = bobs_list.get_by_role("button", name=re.compile(r"^Private thread: Surprise party"))
        expect(row).to_be_visible()
        write(panel, "Welcome Bob")
        expect(row).to_have_accessible_name(
            re.compile(r"^Private thread: Surprise party ?, unread")
        )
        row.click()
        bobs = thread_panel(bob, "Surprise party")
        expect(
            bobs.get_by_role("article").filter(has_text="the party is for Carol")
        ).to_be_visible()
        box = bobs.bounding_box()
        assert box is not None and box["x"] == 0 and box["width"] == PHONE["width"]
        # Not invitable: Bob may not add anyone, nor remove Alice.
        bobs.get_by_role("button", name="2 members").click()
        expect(bobs.get_by_role("list", name="Members of the thread")).to_contain_text(
            alice_person.username
        )
        expect(bobs.get_by_role("button", name="Add people")).to_have_count(0)
        expect(bobs.get_by_role("button", name=re.compile("^Remove "))).to_have_count(0)
        assert serious_violations(bob) == []

        # Carol, in the same channel, never sees it.
        write(bobs, "I will bring a cake")
        expect(panel.get_by_role("article").filter(has_text="bring a cake")).to_be_visible()
        expect(carols_list.get_by_text("Aucun fil actif dans ce salon.")).to_be_visible()
        assert carols_list.get_by_text("Surprise party").count() == 0

        # Alice lets members add people (the switch), then removes Bob.
        switch = panel.get_by_role("switch", name="Members may add other people")
        expect(switch).not_to_be_checked()
        switch.click()
        expect(switch).to_be_checked()
        thread_id = next(
            t["id"]
            for t in api_get(alice_person, f"/guilds/{guild_id}/threads/active")["threads"]
            if t["name"] == "Surprise party"
        )
        assert api_get(alice_person, f"/channels/{thread_id}")["thread_metadata"]["invitable"]
        expect(bobs.get_by_role("button", name="Add people")).to_be_visible()
        panel.get_by_role("button", name=f"Remove {bob_person.username} from the thread").click()
        expect(members.get_by_role("listitem")).to_have_count(1)
        # Bob no longer sees it: his panel closes, and his list does not name it.
        expect(bobs).to_have_count(0)
        bobs_list = open_thread_list(bob)
        expect(bobs_list.get_by_text("No active threads in this channel.")).to_be_visible()
        listed = api_get(alice_person, f"/channels/{thread_id}/thread-members")
        assert [m["user_id"] for m in listed] == [alice_person.user_id]
    finally:
        errors = [e for context in contexts for e in page_errors(context)]
        for context in contexts:
            context.close()
        assert errors == []


def test_a_thread_one_is_in_shows_unread_and_mentions_live_until_it_is_opened(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    alice, bob = pair.alice, pair.bob
    try:
        started = post(pair.alice_person, pair.channel_id, "Who drives on Sunday?")
        with pair.alice_person.api() as http:
            made = http.post(
                f"/channels/{pair.channel_id}/messages/{started['id']}/threads",
                json={"name": "Sunday"},
            )
        assert made.status_code == 201, made.text
        thread_id = made.json()["id"]
        # Bob opens the thread from its chip (which reads it) and joins it, then closes it.
        chip = bob.get_by_role("button", name=re.compile("^Open thread .*Sunday"))
        with bob.expect_response(is_ack_of(thread_id)):
            chip.click()
        panel = thread_panel(bob, "Sunday")
        panel.get_by_role("button", name="Join").click()
        expect(panel.get_by_role("button", name="Leave")).to_be_visible()
        panel.get_by_role("button", name="Close thread").click()

        # Nothing unread yet; then Alice writes, once mentioning Bob.
        expect(chip).to_have_accessible_name("Open thread 0 messages Sunday")
        post(pair.alice_person, thread_id, "I can take three people")
        expect(chip).to_have_accessible_name(
            re.compile(r"^Open thread 1 message Sunday ?, unread$")
        )
        post(pair.alice_person, thread_id, f"<@{pair.bob_person.user_id}> can you drive too?")
        expect(chip).to_have_accessible_name(
            re.compile(r"^Open thread 2 messages Sunday ?, 1 mention$")
        )
        expect(chip.locator(".badge")).to_have_text("1")
        expect(chip).to_have_class(re.compile(r"\bunread\b"))
        # Alice wrote them: her own chip stays plain.
        expect(
            alice.get_by_role("button", name=re.compile("^Open thread .*Sunday"))
        ).to_have_accessible_name("Open thread 2 messages Sunday")

        # The thread list says so too.
        threads = open_thread_list(bob)
        expect(
            threads.get_by_role("button", name=re.compile(r"^Sunday ?, 1 mention"))
        ).to_be_visible()

        # Opening the thread reads it: the marks go, and stay gone after a reload.
        with bob.expect_response(is_ack_of(thread_id)):
            threads.get_by_role("button", name=re.compile("^Sunday")).click()
        expect(panel.get_by_role("article").filter(has_text="can you drive too?")).to_be_visible()
        expect(chip).to_have_accessible_name("Open thread 2 messages Sunday")
        bob.reload()
        expect(
            bob.get_by_role("button", name=re.compile("^Open thread .*Sunday"))
        ).to_have_accessible_name("Open thread 2 messages Sunday")
        alice.reload()
        expect(
            alice.get_by_role("button", name=re.compile("^Open thread .*Sunday"))
        ).to_have_accessible_name("Open thread 2 messages Sunday")
    finally:
        pair.close()


def test_a_forum_has_settings_guidelines_retagged_and_pinned_posts(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    alice, bob = pair.alice, pair.bob
    try:
        with pair.alice_person.api() as http:
            forum = http.post(
                f"/guilds/{pair.guild_id}/channels", json={"name": "ideas", "type": 15}
            ).json()
        forum_path = f"/channels/{pair.guild_id}/{forum['id']}"
        alice.goto(web_server.url + forum_path)
        bob.goto(web_server.url + forum_path)
        expect(bob.get_by_role("list", name="Posts")).to_have_count(0)
        # Only who may manage channels has the settings.
        expect(bob.get_by_role("button", name="Forum settings")).to_have_count(0)

        # Alice writes guidelines, makes three tags (one for moderators), and the defaults.
        alice.get_by_role("button", name="Forum settings").click()
        dialog = alice.get_by_role("dialog", name="Settings of ideas")
        dialog.get_by_label("Guidelines").fill("Be **kind**. One idea per post.")
        for name, emoji in (("Courts", "🎾"), ("Events", ""), ("News", "")):
            dialog.get_by_role("button", name="Add a tag").click()
            n = dialog.get_by_role("list", name="Tags").get_by_role("listitem").count()
            dialog.get_by_label(f"Name of tag {n}").fill(name)
            if emoji:
                dialog.get_by_label(f"Emoji of tag {n}").fill(emoji)
        dialog.get_by_role("checkbox", name="Moderators only News").check()
        dialog.get_by_label("Posts are sorted by").select_option("creation")
        dialog.get_by_label("Posts are shown as").select_option("2")
        dialog.get_by_label("Reaction button of posts").fill("👍")
        # Two tags of one name are refused before anything is sent.
        dialog.get_by_label("Name of tag 2").fill("courts")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog.get_by_role("alert")).to_have_text("Tag 2 has the name of another tag.")
        dialog.get_by_label("Name of tag 2").fill("Events")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_have_count(0)

        # Bob sees the guidelines at the top of the forum, live.
        guidelines = bob.get_by_role("region", name="Guidelines")
        expect(guidelines).to_contain_text("Be kind. One idea per post.")
        expect(guidelines.locator("strong")).to_have_text("kind")
        saved = api_get(pair.alice_person, f"/channels/{forum['id']}")
        assert [(t["name"], t["emoji_name"], t["moderated"]) for t in saved["available_tags"]] == [
            ("Courts", "🎾", False),
            ("Events", None, False),
            ("News", None, True),
        ]
        assert saved["default_sort_order"] == 1
        assert saved["default_forum_layout"] == 2
        assert saved["default_reaction_emoji"] == {"emoji_id": None, "emoji_name": "👍"}
        tags = {t["name"]: t["id"] for t in saved["available_tags"]}

        # Bob posts twice; he moves his first post from Courts to Events. News is not his to set.
        with pair.bob_person.api() as http:
            first = http.post(
                f"/channels/{forum['id']}/threads",
                json={
                    "name": "Lights on court 2",
                    "message": {"content": "They flicker."},
                    "applied_tags": [tags["Courts"]],
                },
            ).json()
            http.post(
                f"/channels/{forum['id']}/threads",
                json={"name": "Summer party", "message": {"content": "Who brings the grill?"}},
            )
        cards = bob.get_by_role("list", name="Posts").locator(":scope > li")
        expect(cards).to_have_count(2)
        expect(cards.first).to_contain_text("Summer party")  # the newest first
        cards.filter(has_text="Lights on court 2").get_by_role(
            "button", name=re.compile("^Lights on court 2")
        ).click()
        panel = thread_panel(bob, "Lights on court 2")
        expect(panel.get_by_role("list", name="Tags")).to_have_text("🎾 Courts")
        expect(panel.get_by_role("button", name="Pin post")).to_have_count(0)
        panel.get_by_role("button", name="Edit tags").click()
        retag = bob.get_by_role("dialog", name="Tags of Lights on court 2")
        expect(retag.get_by_role("checkbox", name=re.compile("^News"))).to_be_disabled()
        retag.get_by_role("checkbox", name="🎾 Courts").uncheck()
        retag.get_by_role("checkbox", name="Events").check()
        retag.get_by_role("button", name="Save").click()
        expect(panel.get_by_role("list", name="Tags")).to_have_text("Events")
        alices_cards = alice.get_by_role("list", name="Posts").locator(":scope > li")
        expect(alices_cards.filter(has_text="Lights on court 2")).to_contain_text("Events")

        # Alice pins the older post: it comes first for both, with a pin badge.
        alices_cards.filter(has_text="Lights on court 2").get_by_role(
            "button", name=re.compile("^Lights on court 2")
        ).click()
        thread_panel(alice, "Lights on court 2").get_by_role("button", name="Pin post").click()
        expect(cards.first).to_contain_text("Lights on court 2")
        expect(cards.first).to_contain_text("Pinned")
        expect(
            cards.first.get_by_role("button", name=re.compile("^Lights on court 2 ?, Pinned"))
        ).to_be_visible()
        assert api_get(pair.bob_person, f"/channels/{first['id']}")["flags"] & (1 << 1)
        thread_panel(alice, "Lights on court 2").get_by_role("button", name="Unpin post").click()
        expect(cards.first).to_contain_text("Summer party")
    finally:
        pair.close()
