"""Browser tests: Debian's Chromium driven by Playwright, against a real `townhall serve`.

Never a downloaded browser: `executable_path=/usr/bin/chromium` (scripts/ensure-chromium installs
it). The built client must exist (`scripts/build-web`, which `make test` runs first).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.conftest import unique
from tests.server_process import Server, new_deployment

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DIST = Path(__file__).resolve().parents[3] / "src" / "townhall" / "web_dist"
PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}

# The machine is small and shared: waiting for an expected state gets the time an action gets.
expect.set_options(timeout=15_000)
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Per module: the sync API runs an event loop of its own while it is open, which must be
    closed again before the next module's asyncio tests start."""
    if not (DIST / "index.html").exists():
        pytest.fail("the web client is not built: run scripts/build-web (make test does)")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium (make test does)")
    with sync_playwright() as found:
        yield found


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One embedded-default server per test module (tests keep apart by unique names)."""
    with new_deployment("sqlite", tmp_path_factory.mktemp("web") / "data") as deployment:
        yield deployment.start()


@dataclass
class Person:
    """Someone with an account: their token, and a browser window of their own."""

    username: str
    token: str
    user_id: str
    server: Server

    def api(self) -> httpx.Client:
        return self.server.client(self.token)


def sign_up(server: Server, prefix: str = "user") -> Person:
    username = unique(prefix)[:32]
    with server.client() as http:
        response = http.post("/auth/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return Person(username, body["token"], body["user_id"], server)


def new_context(
    browser: Browser,
    *,
    viewport: dict[str, int] | None = None,
    locale: str = "en-US",
    color_scheme: str = "light",
) -> BrowserContext:
    context = browser.new_context(
        viewport=viewport or DESKTOP,  # type: ignore[arg-type]
        locale=locale,
        color_scheme=color_scheme,  # type: ignore[arg-type]
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.errors = errors  # type: ignore[attr-defined]
    return context


def page_errors(context: BrowserContext) -> list[str]:
    """Uncaught exceptions in the context's pages so far."""
    found: list[str] = context.errors  # type: ignore[attr-defined]
    return found


def open_as(context: BrowserContext, person: Person, path: str = "/channels/@me") -> Page:
    """A page signed in as `person` (the token stored as the login form would), at `path`."""
    page = context.new_page()
    page.goto(person.server.url + "/login")
    page.evaluate(f"localStorage.setItem('townhall.token', {json.dumps(person.token)})")
    page.goto(person.server.url + path)
    return page


def create_guild(person: Person, name: str) -> tuple[str, str]:
    """A guild made over the API; returns (guild id, id of its first text channel)."""
    with person.api() as http:
        guild = http.post("/guilds", json={"name": name}).json()
        channels = http.get(f"/guilds/{guild['id']}/channels").json()
    text = next(c for c in channels if c["type"] == 0)
    return guild["id"], text["id"]


def invite_into(owner: Person, channel_id: str, *people: Person) -> None:
    with owner.api() as http:
        code = http.post(f"/channels/{channel_id}/invites", json={}).json()["code"]
    for person in people:
        with person.api() as http:
            assert http.post(f"/invites/{code}").status_code == 200


def post(person: Person, channel_id: str, content: str) -> dict[str, Any]:
    with person.api() as http:
        response = http.post(f"/channels/{channel_id}/messages", json={"content": content})
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()
    return message


def composer(page: Page) -> Locator:
    return page.get_by_role("combobox", name=re.compile("^Write a message"))


class Pair:
    """Alice (the community's owner) and Bob, each in a browser of their own, in one channel.
    `prepare_alice` sets up her browser before her page opens (permissions, init scripts)."""

    community = "Club"

    def __init__(self, browser: Browser, server: Server) -> None:
        self.server = server
        self.alice_person = sign_up(server, "alice")
        self.bob_person = sign_up(server, "bob")
        self.guild_id, self.channel_id = create_guild(self.alice_person, self.community)
        invite_into(self.alice_person, self.channel_id, self.bob_person)
        self.path = f"/channels/{self.guild_id}/{self.channel_id}"
        self.alice_context = new_context(browser)
        self.prepare_alice(self.alice_context)
        self.bob_context = new_context(browser)
        self.alice = self.open(self.alice_context, self.alice_person)
        self.bob = self.open(self.bob_context, self.bob_person)

    def prepare_alice(self, context: BrowserContext) -> None:
        return None

    def open(self, context: BrowserContext, person: Person, path: str | None = None) -> Page:
        page = open_as(context, person, path or self.path)
        expect(composer(page)).to_be_visible()
        return page

    def close(self) -> None:
        errors = page_errors(self.alice_context) + page_errors(self.bob_context)
        self.alice_context.close()
        self.bob_context.close()
        assert errors == []
