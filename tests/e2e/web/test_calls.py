"""Calls in DMs in the browser (docs/voice.md): Ann starts a call in her DM with Ben with one tap;
Ben, elsewhere in the app, is rung, accepts, and each hears the other; Ben leaves, Ann hangs up. A
second call Ben declines, and Ann sees the ringing stop. And the incoming call on a phone.

The network namespace, server and browser (fake microphones that play a 440 Hz tone) are those of
test_voice.py, set up again for this module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.web import test_voice as voice_setup
from tests.e2e.web.conftest import (
    Person,
    composer,
    create_guild,
    invite_into,
    new_context,
    open_as,
    page_errors,
    sign_up,
)
from tests.e2e.web.test_voice import (
    HEARD_PEAK_HZ,
    PHONE_375,
    RECEIVED_AUDIO,
    TONE_HZ,
    serious_violations,
)
from tests.server_process import Server

loopback_only = voice_setup.loopback_only
tone = voice_setup.tone
web_server = voice_setup.web_server
playwright = voice_setup.playwright
browser = voice_setup.browser


class DmCall:
    """Ann and Ben share a community and have a DM; Ann's window shows the DM, Ben's the
    community's text channel (a call reaches him wherever he is)."""

    def __init__(self, browser: Browser, server: Server, viewport: dict[str, int] | None = None):
        self.ann_person = sign_up(server, "ann")
        self.ben_person = sign_up(server, "ben")
        guild_id, text_id = create_guild(self.ann_person, "Choir")
        invite_into(self.ann_person, text_id, self.ben_person)
        with self.ann_person.api() as http:
            dm = http.post("/users/@me/channels", json={"recipient_id": self.ben_person.user_id})
        assert dm.status_code == 200, dm.text
        self.dm_id: str = dm.json()["id"]
        self.contexts: list[BrowserContext] = []
        self.ann = self.open(
            browser, server, self.ann_person, f"/channels/@me/{self.dm_id}", viewport
        )
        self.ben = self.open(
            browser, server, self.ben_person, f"/channels/{guild_id}/{text_id}", viewport
        )

    def open(
        self,
        browser: Browser,
        server: Server,
        person: Person,
        path: str,
        viewport: dict[str, int] | None,
    ) -> Page:
        context = new_context(browser, viewport=viewport)
        context.grant_permissions(["microphone", "camera"], origin=server.url)
        self.contexts.append(context)
        page = open_as(context, person, path)
        expect(composer(page)).to_be_visible()
        return page

    def close(self) -> None:
        errors = [error for context in self.contexts for error in page_errors(context)]
        for context in self.contexts:
            context.close()
        assert errors == []


def call_area(page: Page, other: Person) -> Locator:
    """The call above the DM's messages (the DM is named after the other person)."""
    return page.get_by_role("region", name=f"Call in {other.username}")


def in_call(page: Page, other: Person) -> Locator:
    return call_area(page, other).get_by_role("list", name="In the call").get_by_role("listitem")


def incoming(page: Page, caller: Person) -> Locator:
    return page.get_by_role("dialog", name=f"Incoming call from {caller.username}")


def hears_the_tone(page: Page) -> None:
    first = page.evaluate(RECEIVED_AUDIO)
    page.wait_for_function(f"({RECEIVED_AUDIO})().then((b) => b > {first} + 4000)", timeout=20_000)
    heard = page.evaluate(HEARD_PEAK_HZ)
    assert abs(heard - TONE_HZ) < 30, f"the loudest frequency is {heard} Hz"


@pytest.fixture
def dm_call(browser: Browser, web_server: Server) -> Iterator[DmCall]:
    people = DmCall(browser, web_server)
    yield people
    people.close()


def test_a_call_rings_is_accepted_heard_both_ways_left_and_a_second_one_declined(
    dm_call: DmCall,
) -> None:
    ann, ben = dm_call.ann, dm_call.ben
    ann_person, ben_person = dm_call.ann_person, dm_call.ben_person

    # One tap in the DM's header starts the call, which rings Ben.
    ann.get_by_role("button", name="Start call").click()
    ringing = call_area(ann, ben_person).get_by_role("status")
    expect(ringing).to_have_text(f"Ringing {ben_person.username}…")
    expect(in_call(ann, ben_person)).to_have_count(1)
    # Ben is in the community, not in the DM: the call reaches him there, and he accepts.
    prompt = incoming(ben, ann_person)
    expect(prompt).to_contain_text(f"{ann_person.username} is calling you")
    prompt.get_by_role("button", name="Accept").click()
    expect(prompt).to_have_count(0)

    # Both are in the call: its tiles in the DM, and "Voice connected" in the panel.
    for page, other in ((ann, ben_person), (ben, ann_person)):
        expect(in_call(page, other)).to_have_count(2)
        panel = page.get_by_role("region", name="Voice connection")
        expect(panel.get_by_role("status")).to_have_text("Voice connected", timeout=30_000)
        expect(panel.get_by_role("link", name=f"Call with {other.username}")).to_be_visible()
    expect(ringing).to_have_text("")
    # Ann's DM list shows the call going on.
    dm_link = ann.get_by_role("navigation", name="Direct messages").get_by_role(
        "link", name=ben_person.username
    )
    expect(dm_link.get_by_role("img", name="Call in progress")).to_be_visible()

    # Each hears the other's microphone (the fake one plays a 440 Hz tone).
    hears_the_tone(ben)
    hears_the_tone(ann)

    # Ben leaves; the call goes on with Ann, and Ben could join again.
    call_area(ben, ann_person).get_by_role("button", name="Disconnect").click()
    expect(in_call(ann, ben_person)).to_have_count(1)
    expect(call_area(ben, ann_person).get_by_role("button", name="Join call")).to_be_visible()
    # Ann hangs up: the call is over for both.
    call_area(ann, ben_person).get_by_role("button", name="Disconnect").click()
    for page, other in ((ann, ben_person), (ben, ann_person)):
        expect(call_area(page, other)).to_have_count(0)
    expect(dm_link.get_by_role("img", name="Call in progress")).to_have_count(0)

    # A second call: Ben declines, and Ann sees that it no longer rings him.
    ann.get_by_role("button", name="Start call").click()
    prompt = incoming(ben, ann_person)
    expect(prompt).to_be_visible()
    prompt.get_by_role("button", name="Decline").click()
    expect(prompt).to_have_count(0)
    expect(ringing).to_have_text("")
    # Ann rings him again, from inside the call; he is rung again, and declines again.
    ring_again = call_area(ann, ben_person).get_by_role("button", name="Ring again")
    ring_again.click()
    expect(ringing).to_have_text(f"Ringing {ben_person.username}…")
    incoming(ben, ann_person).get_by_role("button", name="Decline").click()
    expect(ringing).to_have_text("")
    expect(incoming(ben, ann_person)).to_have_count(0)
    call_area(ann, ben_person).get_by_role("button", name="Disconnect").click()
    expect(call_area(ann, ben_person)).to_have_count(0)


def test_an_incoming_call_on_a_phone_is_in_reach_and_opens_the_call(
    browser: Browser, web_server: Server
) -> None:
    people = DmCall(browser, web_server, viewport=PHONE_375)
    try:
        ann, ben = people.ann, people.ben
        ann.get_by_role("button", name="Start call").click()
        prompt = incoming(ben, people.ann_person)
        expect(prompt).to_be_in_viewport()
        for name in ("Accept", "Decline"):
            box = prompt.get_by_role("button", name=name).bounding_box()
            assert box and box["height"] >= 44 and box["width"] >= 44
        assert serious_violations(ben) == []
        prompt.get_by_role("button", name="Accept").click()
        # Ben is taken to the DM: the call's tiles and its controls are on his screen.
        area = call_area(ben, people.ann_person)
        expect(in_call(ben, people.ann_person)).to_have_count(2)
        controls = area.get_by_role("group", name="Call controls")
        for name in ("Mute", "Deafen", "Disconnect"):
            button = controls.get_by_role("button", name=name, exact=True)
            expect(button).to_be_in_viewport()
            box = button.bounding_box()
            assert box and box["height"] >= 44 and box["width"] >= 44
        expect(composer(ben)).to_be_visible()
        assert serious_violations(ben) == []
        controls.get_by_role("button", name="Disconnect").click()
        expect(in_call(ann, people.ben_person)).to_have_count(1)
    finally:
        people.close()
