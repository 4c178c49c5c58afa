"""German and French: the whole interface in the language, with no English left over."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.web.conftest import create_guild, invite_into, new_context, open_as, post, sign_up
from tests.server_process import Server

LOCALES = Path(__file__).resolve().parents[3] / "web" / "src" / "locales"


def flatten(tree: dict[str, object], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, str):
            out[path] = value
        else:
            out.update(flatten(value, path))  # type: ignore[arg-type]
    return out


def english_leftovers(language: str) -> list[re.Pattern[str]]:
    """Patterns of English strings whose translation differs (so seeing them is a bug)."""
    english = flatten(json.loads((LOCALES / "en.json").read_text()))
    other = flatten(json.loads((LOCALES / f"{language}.json").read_text()))
    patterns = []
    for key, text in english.items():
        if key.startswith("languages.") or other.get(key) == text:
            continue
        parts = re.split(r"{{[^}]+}}", text)
        if sum(len(p.strip()) for p in parts) < 4:
            continue
        patterns.append(re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$"))
    return patterns


def visible_strings(page: Page) -> list[str]:
    found: list[str] = page.evaluate(
        """() => {
            const out = [];
            for (const line of document.body.innerText.split('\\n')) {
                if (line.trim()) out.push(line.trim());
            }
            for (const e of document.querySelectorAll('[aria-label],[placeholder],[title]')) {
                for (const a of ['aria-label', 'placeholder', 'title']) {
                    const v = e.getAttribute(a);
                    if (v) out.push(v.trim());
                }
            }
            return out;
        }"""
    )
    return found


def assert_no_english(page: Page, language: str, where: str) -> None:
    patterns = english_leftovers(language)
    leftovers = sorted({s for s in visible_strings(page) for p in patterns if p.match(s)})
    assert leftovers == [], f"English on the {where} screen in {language}: {leftovers}"


@pytest.mark.parametrize(
    ("language", "heading", "settings"),
    [
        ("de", "Willkommen zurück", "Einstellungen"),
        ("fr", "Bon retour parmi nous", "Paramètres"),
    ],
)
def test_the_interface_is_translated_without_english_left_over(
    browser: Browser, web_server: Server, language: str, heading: str, settings: str
) -> None:
    owner = sign_up(web_server, f"owner{language}")
    friend = sign_up(web_server, f"friend{language}")
    guild_id, channel_id = create_guild(owner, "Verein")
    invite_into(owner, channel_id, friend)
    post(friend, channel_id, f"Hallo <@{owner.user_id}> 👋")
    post(owner, channel_id, "**Willkommen!**")
    context = new_context(browser, locale=language)
    try:
        login = context.new_page()
        login.goto(web_server.url + "/login")
        expect(login.get_by_role("heading", name=heading)).to_be_visible()
        assert_no_english(login, language, "sign-in")
        login.close()

        page = open_as(context, owner, f"/channels/{guild_id}/{channel_id}")
        expect(page.get_by_role("article").filter(has_text="Willkommen!")).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == language
        assert_no_english(page, language, "channel")

        page.get_by_role("button", name=settings, exact=True).click()
        expect(page.get_by_role("dialog", name=settings)).to_be_visible()
        assert_no_english(page, language, "settings")
        page.keyboard.press("Escape")

        page.get_by_role("navigation", name=re.compile("Verein")).get_by_role(
            "button", name="Verein"
        ).click()
        page.get_by_role("menuitem").nth(1).click()
        expect(page.get_by_role("tablist")).to_be_visible()
        for tab in page.get_by_role("tab").all():
            tab.click()
            expect(tab).to_have_attribute("aria-selected", "true")
            assert_no_english(page, language, f"community settings ({tab.inner_text()})")
    finally:
        context.close()


def test_the_chosen_language_is_stored_on_the_server_and_follows_the_person(
    browser: Browser, web_server: Server
) -> None:
    person = sign_up(web_server, "polyglot")
    first = new_context(browser, locale="en-US")
    second = new_context(browser, locale="en-US")
    try:
        page = open_as(first, person)
        page.get_by_role("button", name="Settings", exact=True).click()
        page.get_by_label("Language").select_option("fr")
        expect(page.get_by_role("dialog", name="Paramètres")).to_be_visible()
        with person.api() as http:
            assert http.get("/users/@me/settings").json()["locale"] == "fr"
        other = open_as(second, person)
        expect(other.get_by_role("heading", name="Vos messages privés")).to_be_visible()
    finally:
        first.close()
        second.close()
