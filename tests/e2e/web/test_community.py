"""Communities of groups in the browser (docs/communities.md): the owner turns the guild into a
community from its settings, creates a group that a member joins from the home, approves the
group the member proposes, and posts a must-read announcement that the member sees live and
acknowledges while the owner's count moves; a closed group's request is decided live; a member
on a phone, in German, gets the home with touch-sized controls."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

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
    sign_up,
)
from tests.e2e.web.test_accessibility import serious_violations
from tests.server_process import Server

MUST_READ = 1 << 30


def sidebar(page: Page) -> Locator:
    return page.get_by_role("navigation", name=re.compile(r"^Channels of"))


def open_home(page: Page, name: str = "Club") -> Locator:
    sidebar(page).get_by_role("link", name=re.compile(r"^Home")).click()
    home = page.get_by_role("region", name=f"Home of {name}")
    expect(home.get_by_role("heading", name=f"Home of {name}")).to_be_visible()
    return home


def group_row(home: Locator, section: str, name: str) -> Locator:
    return home.get_by_role("region", name=section).get_by_role("listitem", name=name)


def make_community(owner: Person, guild_id: str) -> dict[str, Any]:
    with owner.api() as http:
        response = http.patch(f"/guilds/{guild_id}", json={"features": ["COMMUNITY"]})
    assert response.status_code == 200, response.text
    guild: dict[str, Any] = response.json()
    assert guild["announcements_channel_id"]
    return guild


def test_an_owner_runs_a_community_a_member_joins_proposes_and_acknowledges_live(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    try:
        alice, bob = pair.alice, pair.bob
        expect(sidebar(bob).get_by_role("link", name=re.compile(r"^Home"))).to_have_count(0)

        # The owner turns the community on in the settings; both sidebars get "Home" live.
        sidebar(alice).get_by_role("button", name="Club").click()
        alice.get_by_role("menuitem", name="Community settings").click()
        settings = alice.get_by_role("dialog", name="Club: settings")
        switch = settings.get_by_role("switch", name="Community with groups and announcements")
        expect(switch).not_to_be_checked()
        switch.check()
        expect(switch).to_be_checked()
        alice.keyboard.press("Escape")
        expect(sidebar(bob).get_by_role("link", name=re.compile(r"^Home"))).to_be_visible()
        expect(sidebar(bob).get_by_role("link", name=re.compile(r"announcements"))).to_be_visible()

        # The owner creates an open group; the member finds it and joins.
        alice_home = open_home(alice)
        alice_home.get_by_role("button", name="Create a group").click()
        form = alice.get_by_role("dialog", name="Create a group")
        form.get_by_label("Name").fill("Parents")
        form.get_by_label("What the group is about").fill("Lifts and cakes")
        form.get_by_role("button", name="Create group").click()
        expect(group_row(alice_home, "My groups", "parents")).to_be_visible()

        bob_home = open_home(bob)
        parents = group_row(bob_home, "Discover groups", "parents")
        expect(parents.get_by_text("Lifts and cakes")).to_be_visible()
        expect(parents.get_by_text(re.compile(r"^1 member"))).to_be_visible()
        parents.get_by_role("button", name="Join", exact=True).click()
        joined = group_row(bob_home, "My groups", "parents")
        expect(joined.get_by_text(re.compile(r"^2 members"))).to_be_visible()
        expect(sidebar(bob).get_by_role("link", name=re.compile(r"\bparents$"))).to_be_visible()

        # The member proposes a group; the owner, on the home, approves it live.
        bob_home.get_by_role("button", name="Propose a group").click()
        form = bob.get_by_role("dialog", name="Propose a group")
        form.get_by_label("Name").fill("Chess club")
        form.get_by_role("radio", name=re.compile(r"^Closed")).check()
        form.get_by_role("button", name="Send proposal").click()
        expect(group_row(bob_home, "Your proposals", "chess-club")).to_be_visible()
        proposal = group_row(alice_home, "Group proposals", "chess-club")
        expect(proposal.get_by_text(f"Proposed by {pair.bob_person.username}")).to_be_visible()
        proposal.get_by_role("button", name="Approve").click()
        expect(alice_home.get_by_text("No proposals are waiting.")).to_be_visible()
        chess = group_row(bob_home, "My groups", "chess-club")
        expect(chess.get_by_text("You are an admin")).to_be_visible()
        expect(chess.get_by_text("Closed group")).to_be_visible()
        expect(bob_home.get_by_role("region", name="Your proposals")).to_have_count(0)
        expect(sidebar(bob).get_by_role("link", name=re.compile(r"\bchess-club$"))).to_be_visible()

        # The owner posts a must-read announcement from the channel's composer.
        alice_home.get_by_role("link", name="Open #announcements").click()
        box = composer(alice)
        alice.get_by_role("switch", name="Must read").check()
        box.fill("Training moves to 6 pm")
        box.press("Enter")
        posted = alice.get_by_role("article").filter(has_text="Training moves to 6 pm")
        expect(posted.get_by_text("Must read", exact=True)).to_be_visible()
        counts = posted.get_by_text(re.compile(r"^Read by \d+ of 2, acknowledged by 1$"))
        expect(counts).to_be_visible()  # its author needs no reminder
        expect(alice.get_by_role("switch", name="Must read")).not_to_be_checked()

        # The member sees it pinned on the home, live, and presses "Got it".
        pinned = bob_home.get_by_role("list", name="Must-read announcements")
        card = pinned.get_by_role("listitem").filter(has_text="Training moves to 6 pm")
        expect(card).to_be_visible()
        expect(
            sidebar(bob).get_by_role("link", name=re.compile(r"^Home\b.*1 announcement"))
        ).to_be_visible()
        card.get_by_role("button", name="Got it").click()
        expect(pinned).to_have_count(0)
        recent = bob_home.get_by_role("list", name="Latest announcements")
        expect(
            recent.get_by_role("listitem").filter(has_text="Training moves to 6 pm")
        ).to_be_visible()
        expect(sidebar(bob).get_by_role("link", name="Home", exact=True)).to_be_visible()

        # The owner's count moved live; nobody is left to acknowledge.
        expect(
            posted.get_by_text(re.compile(r"^Read by \d+ of 2, acknowledged by 2$"))
        ).to_be_visible()
        posted.get_by_role("button", name="Who has not?").click()
        who = alice.get_by_role("dialog", name="Who has not yet")
        expect(who.get_by_text("Everyone has acknowledged it.")).to_be_visible()
        alice.keyboard.press("Escape")

        # The member answers privately: a direct message to the owner, quoting it.
        recent.get_by_role("button", name="Reply privately").click()
        reply = bob.get_by_role("dialog", name=re.compile(r"^Reply privately to"))
        reply.get_by_label("Your reply").fill("Can I bring my sister?")
        reply.get_by_role("button", name="Send reply").click()
        sent = bob.get_by_role("article").filter(has_text="Can I bring my sister?")
        expect(sent.locator("blockquote")).to_have_text("Training moves to 6 pm")
        assert "/channels/@me/" in bob.url

        checked = browser.new_context(bypass_csp=True, reduced_motion="reduce")  # for axe-core
        try:
            page = open_as(checked, pair.bob_person, f"/channels/{pair.guild_id}/home")
            expect(page.get_by_role("heading", name="Home of Club")).to_be_visible()
            expect(page.get_by_role("region", name="My groups")).to_be_visible()
            assert serious_violations(page) == []
        finally:
            checked.close()
    finally:
        pair.close()


def test_a_closed_groups_admin_decides_a_request_live(browser: Browser, web_server: Server) -> None:
    pair = Pair(browser, web_server)
    try:
        alice, bob = pair.alice, pair.bob
        make_community(pair.alice_person, pair.guild_id)
        with pair.alice_person.api() as http:
            made = http.post(
                f"/guilds/{pair.guild_id}/groups",
                json={"name": "Under 12s", "topic": "Saturday mornings", "group_join_policy": 1},
            )
        assert made.status_code == 201, made.text
        alice_home = open_home(alice)
        bob_home = open_home(bob)

        team = group_row(bob_home, "Discover groups", "under-12s")
        team.get_by_role("button", name="Ask to join").click()
        ask = bob.get_by_role("dialog", name="Ask to join under-12s")
        ask.get_by_label("Message to the admins (optional)").fill("My son is 10")
        ask.get_by_role("button", name="Send request").click()
        expect(team.get_by_text("Requested")).to_be_visible()

        mine = group_row(alice_home, "My groups", "under-12s")
        mine.get_by_role("button", name="1 request").click()  # arrived live
        requests = alice.get_by_role("dialog", name="Requests to join under-12s")
        asking = requests.get_by_role("listitem", name=pair.bob_person.username)
        expect(asking.get_by_text("My son is 10")).to_be_visible()
        asking.get_by_role("button", name="Approve").click()
        expect(requests.get_by_text("No one is waiting.")).to_be_visible()
        alice.keyboard.press("Escape")
        expect(mine.get_by_role("button", name="0 requests")).to_be_visible()

        member = group_row(bob_home, "My groups", "under-12s")
        expect(member.get_by_text(re.compile(r"^2 members"))).to_be_visible()
        member.get_by_role("button", name="Open", exact=True).click()
        expect(bob.get_by_role("heading", name="under-12s", exact=True)).to_be_visible()
    finally:
        pair.close()


def test_a_member_on_the_home_sees_groups_appear_change_and_go_live(
    browser: Browser, web_server: Server
) -> None:
    pair = Pair(browser, web_server)
    try:
        bob = pair.bob
        make_community(pair.alice_person, pair.guild_id)
        home_link = sidebar(bob).get_by_role("link", name=re.compile(r"^Home"))
        news_link = sidebar(bob).get_by_role("link", name=re.compile(r"announcements"))
        icon_of = "(link) => link.querySelector('svg path').getAttribute('d')"
        assert home_link.evaluate(icon_of) != news_link.evaluate(icon_of), "a house, no megaphone"
        bob_home = open_home(bob)
        discover = bob_home.get_by_role("region", name="Discover groups")
        expect(discover.get_by_text("No other groups to join.")).to_be_visible()

        with pair.alice_person.api() as http:
            made = http.post(
                f"/guilds/{pair.guild_id}/groups", json={"name": "Choir", "topic": "Thursdays"}
            )
            assert made.status_code == 201, made.text
            group_id = made.json()["id"]
            choir = discover.get_by_role("listitem", name="choir", exact=True)
            expect(choir.get_by_text("Thursdays")).to_be_visible()  # live, no reload
            expect(choir.get_by_role("button", name="Join", exact=True)).to_be_visible()

            renamed = http.patch(
                f"/channels/{group_id}", json={"name": "chamber-choir", "topic": "Fridays"}
            )
            assert renamed.status_code == 200, renamed.text
            chamber = group_row(bob_home, "Discover groups", "chamber-choir")
            expect(chamber.get_by_text("Fridays")).to_be_visible()
            expect(choir).to_have_count(0)

            removed = http.delete(f"/guilds/{pair.guild_id}/groups/{group_id}")
            assert removed.status_code == 200, removed.text
        expect(chamber).to_have_count(0)
        expect(discover.get_by_text("No other groups to join.")).to_be_visible()
    finally:
        pair.close()


def test_on_a_phone_in_german_a_member_acknowledges_and_joins_from_the_home(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "verein")
    member = sign_up(web_server, "mitglied")
    guild_id, channel_id = create_guild(owner, "Verein")
    invite_into(owner, channel_id, member)
    announcements = make_community(owner, guild_id)["announcements_channel_id"]
    with owner.api() as http:
        made = http.post(f"/guilds/{guild_id}/groups", json={"name": "Vorstand"})
        assert made.status_code == 201, made.text
        sent = http.post(
            f"/channels/{announcements}/messages",
            json={"content": "Mitgliederversammlung am Freitag", "flags": MUST_READ},
        )
        assert sent.status_code == 200, sent.text
    context = new_context(browser, viewport=PHONE, locale="de-DE")
    try:
        page = open_as(context, member, f"/channels/{guild_id}/{channel_id}")
        page.get_by_role("button", name="Navigation öffnen").click()
        nav = page.get_by_role("navigation", name=re.compile(r"Verein"))
        nav.get_by_role("link", name=re.compile(r"^Startseite")).click()
        home = page.get_by_role("region", name="Startseite von Verein")
        expect(home.get_by_role("heading", name="Startseite von Verein")).to_be_visible()
        expect(nav).not_to_be_in_viewport()

        card = home.get_by_role("list", name="Ankündigungen, die du lesen musst").get_by_role(
            "listitem"
        )
        expect(card.get_by_text("Mitgliederversammlung am Freitag")).to_be_visible()
        expect(home.get_by_role("button", name="Gruppe vorschlagen")).to_be_visible()
        group = group_row(home, "Gruppen entdecken", "vorstand")
        expect(group.get_by_role("button", name="Beitreten")).to_be_visible()

        small = page.evaluate(
            """() => [...document.querySelectorAll('.community-home :is(button, a[href])')]
                .filter((e) => e.offsetParent !== null)
                .map((e) => [e.getAttribute('aria-label') || e.textContent.trim(),
                             e.getBoundingClientRect()])
                .filter(([, r]) => r.width > 0 && (r.height < 44 || r.width < 44))
                .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
        )
        assert small == []
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= PHONE["width"]

        card.get_by_role("button", name="Verstanden").click()
        expect(home.get_by_role("list", name="Ankündigungen, die du lesen musst")).to_have_count(0)
        group.get_by_role("button", name="Beitreten").click()
        expect(group_row(home, "Meine Gruppen", "vorstand")).to_be_visible()
        assert page_errors(context) == []
    finally:
        context.close()
