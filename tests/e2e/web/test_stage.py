"""Stage channels in the browser (docs/voice.md): the owner joins a stage, starts it with a topic;
a member joins its audience, hears the owner with a microphone that stays off, raises a hand; the
owner invites them to speak, and hears them; the owner steps down and speaks again, sends them
back, changes the topic and ends the stage.

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

TOPIC = "Q&A night"
# Whether this tab's microphone may be heard now (the track is enabled).
TRANSMITTING = "() => window.townhall.voice.getMedia().transmitting"


class Stage:
    """Olga owns the community "Forum" with the stage channel "Town hall"; Max is a member."""

    def __init__(self, browser: Browser, server: Server):
        self.olga_person = sign_up(server, "olga")
        self.max_person = sign_up(server, "max")
        self.guild_id, text_id = create_guild(self.olga_person, "Forum")
        invite_into(self.olga_person, text_id, self.max_person)
        with self.olga_person.api() as http:
            created = http.post(
                f"/guilds/{self.guild_id}/channels", json={"name": "Town hall", "type": 13}
            )
        assert created.status_code == 201, created.text
        self.contexts: list[BrowserContext] = []
        path = f"/channels/{self.guild_id}/{text_id}"
        self.olga = self.open(browser, server, self.olga_person, path)
        self.max = self.open(browser, server, self.max_person, path)

    def open(self, browser: Browser, server: Server, person: Person, path: str) -> Page:
        context = new_context(browser)
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


def stage_link(page: Page) -> Locator:
    sidebar = page.get_by_role("navigation", name="Channels of Forum")
    return sidebar.get_by_role("link").filter(has_text="Town hall")


def view(page: Page) -> Locator:
    return page.get_by_role("region", name="Stage channel Town hall")


def speakers(page: Page) -> Locator:
    return view(page).get_by_role("list", name="Speakers").get_by_role("listitem")


def audience(page: Page) -> Locator:
    return view(page).get_by_role("list", name="Audience").get_by_role("listitem")


def hears_the_tone(page: Page) -> None:
    first = page.evaluate(RECEIVED_AUDIO)
    page.wait_for_function(f"({RECEIVED_AUDIO})().then((b) => b > {first} + 4000)", timeout=20_000)
    heard = page.evaluate(HEARD_PEAK_HZ)
    assert abs(heard - TONE_HZ) < 30, f"the loudest frequency is {heard} Hz"


@pytest.fixture
def stage(browser: Browser, web_server: Server) -> Iterator[Stage]:
    people = Stage(browser, web_server)
    yield people
    people.close()


def test_a_stage_with_a_topic_an_audience_a_raised_hand_and_a_new_speaker(stage: Stage) -> None:
    olga, max_ = stage.olga, stage.max
    olga_name, max_name = stage.olga_person.username, stage.max_person.username

    # Olga, who may run the stage, joins it (as a speaker) and starts it with a topic.
    stage_link(olga).click()
    expect(speakers(olga).filter(has_text=olga_name)).to_have_count(1)
    expect(view(olga).get_by_text("This stage is not live.")).to_be_visible()
    view(olga).get_by_label("Topic").fill(TOPIC)
    view(olga).get_by_role("button", name="Start stage").click()
    expect(view(olga).get_by_role("heading", name=TOPIC)).to_be_visible()
    # Max sees the live stage's topic in the sidebar, and joins: the audience, microphone off.
    expect(stage_link(max_)).to_contain_text(TOPIC)
    stage_link(max_).click()
    expect(audience(max_).filter(has_text=max_name)).to_have_count(1)
    expect(audience(olga).filter(has_text=max_name)).to_have_count(1)
    expect(
        view(max_).get_by_role("status").filter(has_text="You are in the audience")
    ).to_be_visible()
    for page in (olga, max_):
        panel = page.get_by_role("region", name="Voice connection")
        expect(panel.get_by_role("status")).to_have_text("Voice connected", timeout=30_000)
    assert max_.evaluate(TRANSMITTING) is False
    assert olga.evaluate(TRANSMITTING) is True
    # The audience hears the speakers.
    hears_the_tone(max_)
    assert serious_violations(max_) == []

    # Max raises a hand; Olga sees it, and invites him to speak.
    view(max_).get_by_role("button", name="Raise hand").click()
    listener = audience(olga).filter(has_text=max_name)
    expect(listener.get_by_role("img", name="Raised hand")).to_be_visible()
    expect(view(max_).get_by_role("button", name="Lower hand")).to_have_attribute(
        "aria-pressed", "true"
    )
    listener.get_by_role("button", name="Invite to speak").click()
    for page in (olga, max_):
        expect(speakers(page).filter(has_text=max_name)).to_have_count(1)
        expect(audience(page)).to_have_count(0)
    # Now his microphone is live, and Olga hears him.
    max_.wait_for_function(TRANSMITTING)
    hears_the_tone(olga)

    # Olga steps down to the audience and speaks again; she can also send Max back.
    view(olga).get_by_role("button", name="Step down").click()
    expect(audience(olga).filter(has_text=olga_name)).to_have_count(1)
    view(olga).get_by_role("button", name="Speak", exact=True).click()
    expect(speakers(olga).filter(has_text=olga_name)).to_have_count(1)
    speakers(olga).filter(has_text=max_name).get_by_role("button", name="Move to audience").click()
    expect(audience(max_).filter(has_text=max_name)).to_have_count(1)
    max_.wait_for_function(f"() => !({TRANSMITTING})()")

    # She changes the topic; Max sees the new one.
    view(olga).get_by_role("button", name="Edit topic").click()
    view(olga).get_by_label("Topic").fill("Q&A, part two")
    view(olga).get_by_role("button", name="Save").click()
    expect(view(max_).get_by_role("heading", name="Q&A, part two")).to_be_visible()
    expect(stage_link(max_)).to_contain_text("Q&A, part two")

    # Olga ends the stage: its topic goes for both, and the stage channel stays.
    view(olga).get_by_role("button", name="End stage").click()
    olga.get_by_role("dialog", name="End the stage?").get_by_role(
        "button", name="End stage"
    ).click()
    for page in (olga, max_):
        expect(view(page).get_by_text("This stage is not live.")).to_be_visible()
    expect(stage_link(max_)).not_to_contain_text("Q&A")
