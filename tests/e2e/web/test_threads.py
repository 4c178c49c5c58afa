"""Threads in the web client (docs/threads.md): one person starts a thread from a message, the
other sees its count, opens it beside the channel and replies, and the first sees the reply live;
the thread list; the panel on a phone, in German."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.web.conftest import (
    PHONE,
    Pair,
    invite_into,
    open_as,
    post,
    sign_up,
)
from tests.e2e.web.test_accessibility import serious_violations
from tests.server_process import Server


def channel_log(page: Page) -> Locator:
    return page.get_by_role("log", name="Messages in #general")


def thread_panel(page: Page, name: str) -> Locator:
    return page.get_by_role("complementary", name=f"Thread {name}")


def write(panel: Locator, text: str) -> None:
    box = panel.get_by_role("combobox", name=re.compile("^Write a message"))
    box.fill(text)
    box.press("Enter")


def test_a_thread_from_a_message_is_seen_opened_and_answered_live(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    alice, bob = pair.alice, pair.bob
    try:
        post(pair.alice_person, pair.channel_id, "Shall we plan the summer tournament?")
        question = channel_log(alice).get_by_role("article").filter(has_text="summer tournament")
        expect(question).to_be_visible()

        # Alice starts a thread from her message, with a name of her own.
        question.hover()
        question.get_by_role("button", name="Create thread").click()
        dialog = alice.get_by_role("dialog", name="Create a thread")
        dialog.get_by_label("Thread name").fill("Summer tournament")
        dialog.get_by_role("button", name="Create thread").click()
        expect(alice.get_by_role("dialog")).to_have_count(0)
        panel = thread_panel(alice, "Summer tournament")
        expect(panel).to_be_visible()
        expect(panel.get_by_role("article").filter(has_text="Shall we plan")).to_be_visible()
        write(panel, "I can bring the balls")
        expect(
            panel.get_by_role("article").filter(has_text="I can bring the balls")
        ).to_be_visible()

        # Bob sees, under the message, how many messages the thread has, and opens it.
        summary = channel_log(bob).get_by_role(
            "button", name=re.compile("^Open thread 1 message Summer tournament$")
        )
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("1 message · Summer tournament")
        summary.click()
        bobs = thread_panel(bob, "Summer tournament")
        expect(bobs.get_by_role("article").filter(has_text="I can bring the balls")).to_be_visible()
        expect(bobs.get_by_role("button", name="Join")).to_be_visible()
        # Bob may not lock it (no MANAGE_THREADS); Alice, who owns the community, may.
        expect(bobs.get_by_role("button", name="Lock")).to_have_count(0)
        expect(panel.get_by_role("button", name="Lock")).to_be_visible()

        # He replies; Alice sees the reply live, and the count goes up for both.
        write(bobs, "Great, see you there")
        expect(panel.get_by_role("article").filter(has_text="Great, see you there")).to_be_visible()
        expect(bobs.get_by_role("button", name="Leave")).to_be_visible()  # writing joined him
        expect(
            channel_log(alice).get_by_role(
                "button", name=re.compile("^Open thread 2 messages Summer tournament$")
            )
        ).to_be_visible()

        # Alice archives it: it leaves the active list, and is found among the archived ones.
        panel.get_by_role("button", name="Archive").click()
        expect(panel.get_by_text("Archived", exact=True)).to_be_visible()
        expect(bobs.get_by_text("Archived", exact=True)).to_be_visible()
        panel.get_by_role("button", name="All threads of this channel").click()
        threads = alice.get_by_role("complementary", name="Threads of #general")
        expect(threads.get_by_text("No active threads in this channel.")).to_be_visible()
        threads.get_by_role("button", name="Show archived threads").click()
        archived = threads.get_by_role("list", name="Archived threads")
        archived.get_by_role("button", name=re.compile("^Summer tournament")).click()
        expect(
            thread_panel(alice, "Summer tournament").get_by_role("button", name="Reopen")
        ).to_be_visible()
    finally:
        pair.close()


def test_on_a_phone_the_thread_fills_the_screen_in_german(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    carla = sign_up(web_server, "carla")
    invite_into(pair.alice_person, pair.channel_id, carla)
    started = post(pair.alice_person, pair.channel_id, "Wer kommt am Samstag?")
    with pair.alice_person.api() as http:
        response = http.post(
            f"/channels/{pair.channel_id}/messages/{started['id']}/threads",
            json={"name": "Samstag"},
        )
    assert response.status_code == 201, response.text
    thread_id = response.json()["id"]
    post(pair.alice_person, thread_id, "Ich komme")
    # The accessibility scan is injected: this context lets its script tag past the page's CSP.
    context = browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        locale="de-DE",
        bypass_csp=True,
        reduced_motion="reduce",
    )
    try:
        page = open_as(context, carla, pair.path)
        summary = page.get_by_role("button", name=re.compile("^Thread öffnen 1 Nachricht Samstag$"))
        expect(summary).to_be_visible()
        summary.click()
        panel = page.get_by_role("complementary", name="Thread Samstag")
        expect(panel.get_by_role("article").filter(has_text="Ich komme")).to_be_visible()
        expect(panel.get_by_role("button", name="Beitreten")).to_be_visible()
        box = panel.bounding_box()
        assert box is not None and box["x"] == 0 and box["width"] == PHONE["width"]
        assert serious_violations(page) == []
        panel.get_by_role("button", name="Thread schließen").click()
        expect(panel).to_have_count(0)
    finally:
        context.close()
        pair.close()


def test_a_forum_shows_posts_as_cards_with_tags_filters_sorts_and_new_posts(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    try:
        with pair.alice_person.api() as http:
            forum = http.post(
                f"/guilds/{pair.guild_id}/channels",
                json={
                    "name": "ideas",
                    "type": 15,
                    "available_tags": [{"name": "Courts"}, {"name": "Events"}],
                },
            ).json()
            courts = next(t for t in forum["available_tags"] if t["name"] == "Courts")
            made = http.post(
                f"/channels/{forum['id']}/threads",
                json={
                    "name": "Lights on court 2",
                    "message": {"content": "The lights flicker after eight."},
                    "applied_tags": [courts["id"]],
                },
            )
            assert made.status_code == 201, made.text
            lights = made.json()
        forum_path = f"/channels/{pair.guild_id}/{forum['id']}"
        alice, bob = pair.alice, pair.bob
        alice.goto(web_server.url + forum_path)
        bob.goto(web_server.url + forum_path)
        posts = bob.get_by_role("list", name="Posts")
        cards = posts.locator(":scope > li")  # each card holds a list of its tags
        card = cards.filter(has_text="Lights on court 2")
        expect(card).to_contain_text("Courts")

        # Bob writes a new post with a tag; it opens beside the list, and Alice sees its card.
        bob.get_by_role("button", name="New post").click()
        dialog = bob.get_by_role("dialog", name="A new post")
        dialog.get_by_label("Title").fill("Summer party")
        dialog.get_by_label("First message").fill("Who brings the grill?")
        dialog.get_by_role("checkbox", name="Events").check()
        dialog.get_by_role("button", name="Publish").click()
        party = thread_panel(bob, "Summer party")
        expect(
            party.get_by_role("article").filter(has_text="Who brings the grill?")
        ).to_be_visible()
        alices = alice.get_by_role("list", name="Posts").get_by_role("listitem")
        expect(alices.filter(has_text="Summer party")).to_contain_text("Events")

        # Filter by a tag, then sort: by creation the new post comes first, by activity the one
        # just answered.
        filters = bob.get_by_role("group", name="Filter by tag")
        filters.get_by_role("button", name="Courts").click()
        expect(cards).to_have_count(1)
        expect(cards).to_contain_text("Lights on court 2")
        filters.get_by_role("button", name="Courts").click()
        expect(cards).to_have_count(2)
        post(pair.alice_person, lights["id"], "Fixed on Monday")
        bob.get_by_label("Sort by").select_option("creation")
        expect(cards.first).to_contain_text("Summer party")
        bob.get_by_label("Sort by").select_option("activity")
        expect(cards.first).to_contain_text("Lights on court 2")

        # Opening a post shows its messages in the panel.
        card.get_by_role("button", name="Lights on court 2").click()
        panel = thread_panel(bob, "Lights on court 2")
        expect(panel.get_by_role("article").filter(has_text="The lights flicker")).to_be_visible()
        expect(panel.get_by_role("article").filter(has_text="Fixed on Monday")).to_be_visible()
    finally:
        pair.close()
