"""Reactions on screen are never stale: the gateway sends a person's client the reactions of the
channels it shows (op 37), so a channel shown again is fetched again, and an open thread panel
is followed beside its channel."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.web.conftest import (
    Person,
    create_guild,
    invite_into,
    new_context,
    open_as,
    page_errors,
    post,
    sign_up,
)
from tests.server_process import Server


def react(person: Person, channel_id: str, message_id: str, emoji: str) -> None:
    with person.api() as http:
        path = f"/channels/{channel_id}/messages/{message_id}/reactions/{quote(emoji)}/@me"
        assert http.put(path).status_code == 204


def article(scope: Page | Locator, text: str) -> Locator:
    return scope.get_by_role("article").filter(has_text=text)


def test_reactions_made_while_away_show_when_the_channel_is_opened_again(
    browser: Browser, web_server: Server
) -> None:
    alice, bob = sign_up(web_server, "alice"), sign_up(web_server, "bob")
    guild_id, general = create_guild(alice, "Rowing Club")
    with alice.api() as http:
        second = http.post(f"/guilds/{guild_id}/channels", json={"name": "boats"}).json()["id"]
    invite_into(alice, general, bob)
    hello = post(alice, general, "Training moved to six")
    context = new_context(browser)
    try:
        page = open_as(context, bob, f"/channels/{guild_id}/{general}")
        expect(article(page, "Training moved to six")).to_be_visible()
        channels = page.get_by_role("navigation", name="Channels of Rowing Club")

        # Live while shown.
        react(alice, general, hello["id"], "🎉")
        expect(
            article(page, "Training moved").get_by_role("button", name="🎉: 1 reaction")
        ).to_be_visible()

        # Bob looks at another channel; meanwhile Alice reacts in the first and takes hers back.
        channels.get_by_role("link", name=re.compile(r"\bboats$")).click()
        expect(page.get_by_role("heading", name="boats", exact=True)).to_be_visible()
        post(alice, second, "The eight is back from repair")
        expect(article(page, "back from repair")).to_be_visible()
        react(alice, general, hello["id"], "👍")
        with alice.api() as http:
            path = f"/channels/{general}/messages/{hello['id']}/reactions/{quote('🎉')}/@me"
            assert http.delete(path).status_code == 204

        # Back in the first channel he sees the counts as they are now.
        channels.get_by_role("link", name=re.compile(r"\bgeneral$")).click()
        message = article(page, "Training moved to six")
        expect(message.get_by_role("button", name="👍: 1 reaction")).to_be_visible()
        expect(message.get_by_role("button", name=re.compile("^🎉"))).to_have_count(0)
        assert page_errors(context) == []
    finally:
        context.close()


def test_the_open_thread_gets_its_reactions_live(browser: Browser, web_server: Server) -> None:
    alice, bob = sign_up(web_server, "alice"), sign_up(web_server, "bob")
    guild_id, general = create_guild(alice, "Choir")
    invite_into(alice, general, bob)
    started = post(alice, general, "Concert programme")
    with alice.api() as http:
        made = http.post(
            f"/channels/{general}/messages/{started['id']}/threads", json={"name": "Programme"}
        )
    assert made.status_code == 201, made.text
    thread_id = made.json()["id"]
    in_thread = post(alice, thread_id, "Bach first, then Fauré")
    context = new_context(browser)
    try:
        page = open_as(context, bob, f"/channels/{guild_id}/{general}")
        page.get_by_role("button", name=re.compile("^Open thread 1 message Programme$")).click()
        panel = page.get_by_role("complementary", name="Thread Programme")
        expect(article(panel, "Bach first")).to_be_visible()
        react(alice, thread_id, in_thread["id"], "👍")
        expect(
            article(panel, "Bach first").get_by_role("button", name="👍: 1 reaction")
        ).to_be_visible()
        assert page_errors(context) == []
    finally:
        context.close()
