"""Shared locations in the browser, between two people: a live location that follows Alice's
position (Chromium's emulated geolocation) on Bob's screen until she stops it, one that is still
live after a reload and can be stopped from there, a location shared once, and a refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Geolocation, Locator, Page, expect

from tests.e2e.web.conftest import Pair as BasePair
from tests.server_process import Server

BERLIN: Geolocation = {"latitude": 52.52, "longitude": 13.405, "accuracy": 12}
# Potsdam: 27 km away, a move far beyond the 25 m that are sent at once.
POTSDAM: Geolocation = {"latitude": 52.3906, "longitude": 13.0645, "accuracy": 8}
HAMBURG: Geolocation = {"latitude": 53.5511, "longitude": 9.9937, "accuracy": 20}

# Counts the position watches the page holds, by wrapping the browser's own API (the app's code is
# untouched): whether a watch still runs is otherwise invisible from outside.
COUNT_WATCHES = """(() => {
    const geo = navigator.geolocation, watch = geo.watchPosition.bind(geo);
    const clear = geo.clearWatch.bind(geo);
    window.__watches = new Set();
    geo.watchPosition = (...args) => { const id = watch(...args); __watches.add(id); return id; };
    geo.clearWatch = (id) => { __watches.delete(id); clear(id); };
})()"""


def watches(page: Page) -> int:
    count: int = page.evaluate("window.__watches.size")
    return count


class Pair(BasePair):
    """Alice, whose browser may tell her position, and Bob, in one channel."""

    community = "Hiking Club"

    def __init__(self, browser: Browser, server: Server, *, allow_location: bool = True) -> None:
        self.allow_location = allow_location
        super().__init__(browser, server)

    def prepare_alice(self, context: BrowserContext) -> None:
        context.add_init_script(COUNT_WATCHES)
        if self.allow_location:
            context.grant_permissions(["geolocation"], origin=self.server.url)
        context.set_geolocation(BERLIN)

    def card(self, page: Page, live: bool = True) -> Locator:
        kind = "Live location" if live else "Location"
        return page.get_by_role("group", name=f"{kind} of {self.alice_person.username}", exact=True)

    def share(self, choice: str) -> None:
        self.alice.get_by_role("button", name="Share location").click()
        menu = self.alice.get_by_role("menu", name="Share location")
        for name in [
            "Share current location",
            "Share live location for 15 minutes",
            "Share live location for 1 hour",
            "Share live location for 8 hours",
        ]:
            expect(menu.get_by_role("menuitem", name=name, exact=True)).to_be_visible()
        expect(menu.get_by_role("menuitem").first).to_be_focused()
        menu.get_by_role("menuitem", name=choice).click()
        expect(menu).to_have_count(0)


@pytest.fixture
def pair(browser: Browser, web_server: Server) -> Iterator[Pair]:
    people = Pair(browser, web_server)
    yield people
    people.close()


def test_a_live_location_follows_its_author_until_she_stops_it(pair: Pair) -> None:
    alice, bob = pair.alice, pair.bob
    pair.share("Share live location for 15 minutes")

    # Alice's composer says that her location is being shared, and for how much longer.
    stop_in_bar = alice.get_by_role("button", name="Stop sharing live location")
    expect(stop_in_bar).to_be_visible()
    expect(alice.get_by_text(re.compile(r"· 1[45] min left"))).to_be_visible()

    # Bob sees where she is, how precisely, that it is live, and links to a map.
    card = pair.card(bob)
    expect(card).to_contain_text("52.52000° N, 13.40500° E")
    expect(card).to_contain_text("± 12 m")
    expect(card).to_contain_text(re.compile(r"Live\s*1[45] min left"))
    expect(card).to_contain_text(re.compile("updated (just now|[0-9]+ seconds ago)"))
    osm = card.get_by_role("link", name=re.compile("^Open in a map"))
    expect(osm).to_have_attribute(
        "href",
        "https://www.openstreetmap.org/?mlat=52.52000&mlon=13.40500#map=16/52.52000/13.40500",
    )
    expect(osm).to_have_attribute("target", "_blank")
    expect(osm).to_have_attribute("rel", "noopener noreferrer")
    expect(card.get_by_role("button", name="Stop sharing")).to_have_count(0)  # not his to stop

    # Alice walks off (far): Bob's card follows without a reload.
    pair.alice_context.set_geolocation(POTSDAM)
    expect(card).to_contain_text("52.39060° N, 13.06450° E")
    expect(card).to_contain_text("± 8 m")
    assert watches(alice) == 1

    # She stops it on her card: Bob sees it ended; her browser no longer watches her position.
    pair.card(alice).get_by_role("button", name="Stop sharing").click()
    expect(card).to_contain_text("Live location ended")
    expect(card).not_to_contain_text("left")
    expect(card).to_contain_text("52.39060° N, 13.06450° E")  # where she was last
    expect(stop_in_bar).to_have_count(0)
    expect(pair.card(alice).get_by_role("button", name="Stop sharing")).to_have_count(0)
    alice.wait_for_function("window.__watches.size === 0")


def test_after_a_reload_a_live_location_is_still_live_and_can_be_resumed_or_stopped(
    pair: Pair,
) -> None:
    alice, bob = pair.alice, pair.bob
    pair.share("Share live location for 1 hour")
    expect(pair.card(bob)).to_contain_text(re.compile(r"Live\s*(1 hr|59 min) left"))

    alice.reload()
    card = pair.card(alice)
    expect(card).to_contain_text(re.compile(r"Live\s*(1 hr|59 min) left"))
    expect(card).to_contain_text("Your position is not being updated from this device.")
    assert watches(alice) == 0  # nothing watches by itself after a reload

    card.get_by_role("button", name="Resume updating").click()
    expect(card.get_by_text("Your position is not being updated")).to_have_count(0)
    pair.alice_context.set_geolocation(HAMBURG)
    expect(pair.card(bob)).to_contain_text("53.55110° N, 9.99370° E")

    alice.reload()
    pair.card(alice).get_by_role("button", name="Stop sharing").click()
    expect(pair.card(bob)).to_contain_text("Live location ended")
    expect(pair.card(alice)).to_contain_text("Live location ended")


def test_a_location_shared_once_shows_without_live_parts(pair: Pair) -> None:
    alice, bob = pair.alice, pair.bob
    # Shared as a reply, it shows what it answers.
    with pair.bob_person.api() as http:
        asked = http.post(
            f"/channels/{pair.channel_id}/messages", json={"content": "where are you?"}
        )
    assert asked.status_code == 200, asked.text
    message = alice.get_by_role("article").filter(has_text="where are you?")
    message.hover()
    message.get_by_role("button", name="Reply").click()
    pair.share("Share current location")

    card = pair.card(bob, live=False)
    expect(card).to_contain_text("52.52000° N, 13.40500° E")
    expect(card).to_contain_text("± 12 m")
    expect(card).not_to_contain_text("Live")
    expect(card).not_to_contain_text("updated")
    reply = bob.get_by_role("article").filter(has=card)
    expect(reply.get_by_role("button", name=re.compile(r"^@\S+ where are you"))).to_be_visible()
    expect(pair.card(alice, live=False).get_by_role("button")).to_have_count(0)
    expect(alice.get_by_role("button", name="Stop sharing live location")).to_have_count(0)
    assert watches(alice) == 0


def test_a_refused_permission_is_explained(browser: Browser, web_server: Server) -> None:
    pair = Pair(browser, web_server, allow_location=False)
    try:
        pair.share("Share live location for 8 hours")
        expect(pair.alice.get_by_text(re.compile("^Location access was refused"))).to_be_visible()
        expect(pair.alice.get_by_role("button", name="Share location")).to_be_focused()
        expect(pair.card(pair.alice)).to_have_count(0)
        expect(pair.card(pair.bob)).to_have_count(0)
    finally:
        pair.close()
