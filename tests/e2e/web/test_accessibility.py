"""axe-core on each main screen in both themes: no serious or critical violation; and the
controls whose names once differed from what they show (a reply's preview, a bot in the member
list) are named by what they show (WCAG 2.5.3, label in name)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.web.conftest import (
    PHONE,
    create_guild,
    invite_into,
    open_as,
    post,
    sign_up,
)
from tests.server_process import Server

AXE = Path(__file__).resolve().parents[3] / "web" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ['violations'] });
            return r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => `${v.id} (${v.impact}): ` +
                    v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
        }"""
    )
    return list(result)


def label_in_name_violations(page: Page, selector: str) -> list[str]:
    """axe's label-content-name-mismatch (WCAG 2.5.3; experimental, so off in a plain run) on the
    controls `selector` finds, which must exist: an accessible name that does not contain the
    visible text."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (selector) => {
            const found = document.querySelectorAll(selector);
            if (!found.length) return [`nothing matches ${selector}`];
            const r = await axe.run(
                { include: [...found] },
                {
                    runOnly: { type: 'rule', values: ['label-content-name-mismatch'] },
                    rules: { 'label-content-name-mismatch': { enabled: true } },
                    resultTypes: ['violations'],
                },
            );
            return r.violations.flatMap((v) => v.nodes.map((n) => n.html));
        }""",
        selector,
    )
    return list(result)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_screens_have_no_serious_accessibility_violations(
    browser: Browser, web_server: Server, scheme: str
) -> None:
    owner = sign_up(web_server, "a11y")
    friend = sign_up(web_server, "friend")
    guild_id, channel_id = create_guild(owner, "Accessible Club")
    invite_into(owner, channel_id, friend)
    post(friend, channel_id, f"Hi <@{owner.user_id}>, see https://example.org and `code`")
    reply_to = post(owner, channel_id, "> quoted\n**bold** and ||spoiler||")
    with owner.api() as http:
        http.put(f"/channels/{channel_id}/messages/{reply_to['id']}/reactions/%F0%9F%91%8D/@me")
        code = http.post(f"/channels/{channel_id}/invites", json={}).json()["code"]
        replied = http.post(
            f"/channels/{channel_id}/messages",
            json={"content": "Agreed", "message_reference": {"message_id": reply_to["id"]}},
        )
        assert replied.status_code == 200, replied.text
        app = http.post("/applications", json={"name": "Helper"}).json()
        added = http.post(
            f"/oauth2/authorize?client_id={app['id']}&scope=bot&permissions=0",
            json={"guild_id": guild_id, "permissions": "0", "authorize": True},
        )
        assert added.status_code == 200, added.text
    # The scan itself is injected, so this context lets a script tag past the page's CSP.
    context = browser.new_context(color_scheme=scheme, bypass_csp=True, reduced_motion="reduce")  # type: ignore[arg-type]
    problems: dict[str, list[str]] = {}
    try:
        login = context.new_page()
        login.goto(web_server.url + "/login")
        expect(login.get_by_role("heading", name="Welcome back")).to_be_visible()
        problems["sign-in"] = serious_violations(login)
        login.goto(web_server.url + "/register")
        expect(login.get_by_role("heading", name="Create an account")).to_be_visible()
        problems["sign-up"] = serious_violations(login)
        login.goto(web_server.url + f"/invite/{code}")
        expect(login.get_by_role("heading", name="Accessible Club")).to_be_visible()
        problems["invite"] = serious_violations(login)

        page = open_as(context, owner, f"/channels/{guild_id}/{channel_id}")
        expect(page.get_by_role("article").filter(has_text="Agreed")).to_be_visible()
        problems["channel"] = serious_violations(page)
        reply = page.get_by_role("article").filter(has_text="Agreed")
        preview = reply.get_by_role("button", name=re.compile(r"^@\S+ > quoted"))
        expect(preview).to_have_accessible_description(re.compile(r"^Go to the message from"))
        bot = page.get_by_role("complementary", name="Members").get_by_role(
            "button", name=re.compile(r"^Helper\S* Bot, ")
        )
        expect(bot).to_be_visible()
        problems["label in name"] = label_in_name_violations(page, ".reply-preview, .member-row")
        page.get_by_role("button", name="Settings", exact=True).click()
        expect(page.get_by_role("dialog", name="Settings")).to_be_visible()
        problems["settings"] = serious_violations(page)
        page.keyboard.press("Escape")
        page.get_by_role("navigation", name=re.compile("^Channels of")).get_by_role(
            "button", name="Accessible Club"
        ).click()
        page.get_by_role("menuitem", name="Community settings").click()
        for tab in ("Roles", "Channel permissions", "Members"):
            page.get_by_role("tab", name=tab).click()
            expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
            problems[f"community settings: {tab}"] = serious_violations(page)
        page.keyboard.press("Escape")
        page.goto(web_server.url + "/channels/@me")
        expect(page.get_by_role("heading", name="Your direct messages")).to_be_visible()
        problems["direct messages"] = serious_violations(page)

        phone = context.new_page()
        phone.set_viewport_size(PHONE)
        phone.goto(web_server.url + f"/channels/{guild_id}/{channel_id}")
        expect(phone.get_by_role("article").filter(has_text="Agreed")).to_be_visible()
        problems["phone channel"] = serious_violations(phone)
        phone.get_by_role("button", name="Open navigation").click()
        problems["phone navigation"] = serious_violations(phone)
    finally:
        context.close()
    assert {screen: found for screen, found in problems.items() if found} == {}
