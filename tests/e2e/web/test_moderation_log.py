"""The moderation log and announcement comments in the browser (docs/communities.md, issue 13):
the owner sees who removed whose message, where and why, which a plain member is not offered;
the owner's switch lets members comment on announcements in threads, and takes it back."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Locator, expect

from tests.e2e.web.conftest import Pair, Person, post
from tests.e2e.web.test_community import make_community, open_home
from tests.server_process import Server


def start_thread(person: Person, channel_id: str, message_id: str) -> httpx.Response:
    with person.api() as http:
        return http.post(
            f"/channels/{channel_id}/messages/{message_id}/threads", json={"name": "Comments"}
        )


def comment(person: Person, thread_id: str) -> int:
    with person.api() as http:
        return http.post(f"/channels/{thread_id}/messages", json={"content": "Fine"}).status_code


def settled(switch: Locator) -> None:
    """The switch's request answered (it shows the choice while the server decides)."""
    expect(switch).to_have_attribute("aria-busy", "false")


def test_the_owner_reads_the_moderation_log_and_lets_members_comment_in_threads(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    try:
        alice, bob = pair.alice, pair.bob
        owner, member = pair.alice_person, pair.bob_person
        announcements = make_community(owner, pair.guild_id)["announcements_channel_id"]
        removed = post(member, pair.channel_id, "Buy cheap watches")
        with owner.api() as http:
            channel_name = http.get(f"/channels/{pair.channel_id}").json()["name"]
            deleted = http.delete(
                f"/channels/{pair.channel_id}/messages/{removed['id']}",
                headers={"X-Audit-Log-Reason": "spam"},
            )
        assert deleted.status_code == 204, deleted.text

        # The owner opens the log from the home: who removed whose message, where and why.
        alice_home = open_home(alice)
        alice_home.get_by_role("button", name="Moderation log").click()
        log = alice.get_by_role("dialog", name="Moderation log")
        entry = log.get_by_role("list", name="Removed messages").get_by_role("listitem")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(
            f"{owner.username} removed a message by {member.username} in #{channel_name}"
        )
        expect(entry).to_contain_text("Reason: spam")
        alice.keyboard.press("Escape")

        # A plain member is not offered the log, nor the comments switch.
        bob_home = open_home(bob)
        expect(bob_home.get_by_role("region", name="My groups")).to_be_visible()
        expect(bob_home.get_by_role("button", name="Moderation log")).to_have_count(0)
        name = re.compile("^Members may comment on announcements")
        expect(bob_home.get_by_role("switch", name=name)).to_have_count(0)

        # The owner turns comments on: a member starts a thread under an announcement.
        switch = alice_home.get_by_role("switch", name=name)
        expect(switch).not_to_be_checked()
        switch.check()
        expect(switch).to_be_checked()
        settled(switch)
        first = post(owner, announcements, "Pitch closed on Sunday")
        thread = start_thread(member, announcements, first["id"])
        assert thread.status_code == 201, thread.text
        thread_id = thread.json()["id"]
        assert comment(member, thread_id) == 200

        # And off again: the next announcement takes no comments; writing stays closed.
        switch.uncheck()
        expect(switch).not_to_be_checked()
        settled(switch)
        second = post(owner, announcements, "New kits arrive Monday")
        refused = start_thread(member, announcements, second["id"])
        assert refused.status_code == 403, refused.text
        assert comment(member, thread_id) == 403
        with member.api() as http:
            written = http.post(f"/channels/{announcements}/messages", json={"content": "hi"})
        assert written.status_code == 403, written.text
    finally:
        pair.close()
