"""The installable app: a valid, linked web app manifest with icons phones need, a service worker
that keeps the app shell so the app opens offline (and says so), and the prompt that a newer
build's worker brings."""

from __future__ import annotations

import io
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests import conftest as shared
from tests.e2e.web.conftest import DIST, new_context, open_as, page_errors, sign_up
from tests.server_process import Server, free_port
from townhall.api.web_client import WebClient
from townhall.runtime.server import uvicorn_config

PHONE_375 = {"width": 375, "height": 812}


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = new_context(browser)
    yield opened
    opened.close()


def activated_worker(page: Page) -> dict[str, Any]:
    """Waits until a service worker is active for the page's origin; its script and scope."""
    found: dict[str, Any] = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            const worker = registration.active;
            if (worker.state !== "activated") {
                await new Promise((done) => worker.addEventListener("statechange", () => {
                    if (worker.state === "activated") done();
                }));
            }
            return { script: worker.scriptURL, scope: registration.scope, state: worker.state };
        }"""
    )
    return found


def home_heading(page: Page) -> Any:
    return page.get_by_role("heading", level=1)


def test_the_manifest_is_linked_valid_and_its_icons_are_pngs_of_their_sizes(
    context: BrowserContext, web_server: Server
) -> None:
    page = context.new_page()
    page.goto(web_server.url + "/login")
    head = page.evaluate(
        """() => ({
            manifest: document.querySelector('link[rel="manifest"]')?.href,
            apple: document.querySelector('link[rel="apple-touch-icon"]')?.href,
            theme: document.querySelector('meta[name="theme-color"]')?.content,
            title: document.querySelector('meta[name="apple-mobile-web-app-title"]')?.content,
        })"""
    )
    assert head["manifest"] == web_server.url + "/manifest.webmanifest"
    assert head["title"] == "townhall"
    response = page.request.get(head["manifest"])
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "townhall" and manifest["short_name"] == "townhall"
    assert manifest["display"] == "standalone"
    assert manifest["scope"] == "/" and manifest["start_url"].startswith("/")
    assert manifest["theme_color"] == head["theme"]
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])

    icons = [(icon["sizes"], icon.get("purpose", "any"), icon["src"]) for icon in manifest["icons"]]
    assert {(sizes, purpose) for sizes, purpose, _ in icons} >= {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    for sizes, _, src in [*icons, ("180x180", "any", head["apple"])]:
        got = page.request.get(web_server.url + src if src.startswith("/") else src)
        assert got.status == 200, src
        assert got.headers["content-type"] == "image/png", src
        width, height = (int(n) for n in sizes.split("x"))
        assert Image.open(io.BytesIO(got.body())).size == (width, height), src


def test_the_service_worker_activates_and_the_app_opens_offline_saying_so(
    browser: Browser, web_server: Server
) -> None:
    person = sign_up(web_server, "offline")
    context = new_context(browser, viewport=PHONE_375)
    try:
        page = open_as(context, person)
        expect(home_heading(page)).to_be_visible()
        worker = activated_worker(page)
        assert worker == {
            "script": web_server.url + "/sw.js",
            "scope": web_server.url + "/",
            "state": "activated",
        }
        notice = page.get_by_role("status").filter(has_text="You are offline")
        expect(notice).to_have_count(0)

        context.set_offline(True)
        with page.expect_response(re.compile(r"/channels/@me$")) as navigation:
            page.reload()
        assert navigation.value.from_service_worker
        # The shell kept from the build carries the same security policy as when it was fetched.
        assert "worker-src 'self'" in navigation.value.headers["content-security-policy"]
        expect(page.get_by_text("townhall", exact=True)).to_be_visible()  # the app's first screen
        expect(notice).to_be_visible()
        box = notice.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_375["width"]
        assert page.evaluate("navigator.serviceWorker.controller !== null")

        context.set_offline(False)
        expect(home_heading(page)).to_be_visible()  # it connects by itself
        expect(notice).to_have_count(0)
    finally:
        context.close()


@dataclass
class Deployable:
    """A townhall serving a copy of the build, which a test can replace by "the next build"."""

    url: str
    dist: Path

    def deploy_next_build(self) -> None:
        """What a new release changes: index.html, and so the worker's list of what it keeps."""
        index = self.dist / "index.html"
        index.write_text(
            index.read_text().replace(
                "<title>", '<meta name="townhall-build" content="next" />\n    <title>'
            )
        )
        worker = self.dist / "sw.js"
        script, changed = re.subn(
            r'(\{url:"index\.html",revision:)"[^"]*"', r'\1"next-build"', worker.read_text()
        )
        assert changed == 1, "the worker's precache list has no index.html entry"
        worker.write_text(script)


@pytest.fixture
def deployable(tmp_path: Path) -> Iterator[Deployable]:
    """The real application (api, gateway and web client), in a thread, over a copy of the build:
    `townhall serve` always serves the build inside the package, which other tests share."""
    dist = tmp_path / "web_dist"
    shutil.copytree(DIST, dist)
    settings = shared.test_settings(tmp_path / "data", host="127.0.0.1", port=free_port())
    config = uvicorn_config(settings)
    assert isinstance(config.app, FastAPI)
    config.app = WebClient(config.app, dist=dist)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{settings.port}"
    try:
        with httpx.Client(transport=httpx.HTTPTransport(retries=20)) as http:
            assert http.get(url + "/healthz").status_code == 200
        yield Deployable(url, dist)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def test_a_newer_build_offers_an_update_and_reload_brings_its_files(
    context: BrowserContext, deployable: Deployable
) -> None:
    page = context.new_page()
    page.goto(deployable.url + "/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    activated_worker(page)
    page.reload()  # now the worker controls the page, and answers it from its cache
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    deployable.deploy_next_build()
    page.evaluate("window.beforeUpdate = true")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")

    prompt = page.get_by_role("alert").filter(has_text="Update available")
    expect(prompt).to_be_visible()
    assert page.locator('meta[name="townhall-build"]').count() == 0
    prompt.get_by_role("button", name="Reload").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator('meta[name="townhall-build"]')).to_have_attribute("content", "next")
    assert page.evaluate("window.beforeUpdate") is None  # the page loaded again
    expect(prompt).to_have_count(0)
    waiting = page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.waiting)")
    assert waiting is None
    assert page_errors(context) == []


def test_later_hides_the_update_prompt_and_keeps_the_page(
    browser: Browser, deployable: Deployable
) -> None:
    context = new_context(browser, viewport=PHONE_375)
    try:
        page = context.new_page()
        page.goto(deployable.url + "/login")
        activated_worker(page)
        deployable.deploy_next_build()
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        prompt = page.get_by_role("alert").filter(has_text="Update available")
        expect(prompt).to_be_visible()
        box = prompt.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_375["width"]
        page.evaluate("window.beforeUpdate = true")
        prompt.get_by_role("button", name="Later").click()
        expect(prompt).to_have_count(0)
        assert page.evaluate("window.beforeUpdate") is True  # nothing reloaded
    finally:
        context.close()
