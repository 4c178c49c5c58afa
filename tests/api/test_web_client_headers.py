"""The installable app's files as the server sends them: the security policy lets the page run its
own service worker and read its own manifest (and nothing more), and the files a browser checks
for a new version are never kept without asking the server again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from townhall.api.web_client import WebClient

BUILD = {
    "index.html": b"<!doctype html><title>townhall</title>",
    "sw.js": b"importScripts('./workbox-1a2b3c4d.js');",
    "workbox-1a2b3c4d.js": b"self.workbox = {};",
    "manifest.webmanifest": b'{"name": "townhall"}',
    "pwa-192x192.png": b"\x89PNG\r\n\x1a\n",
    "assets/index-AbCd1234.js": b"console.log('app');",
}
"""The shape of a build (`scripts/build-web`): the app shell, the worker, the manifest, an icon."""


@pytest.fixture
async def web(app: FastAPI, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    for name, body in BUILD.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(body)
    transport = httpx.ASGITransport(app=WebClient(app, dist=tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://townhall.test") as client:
        yield client


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


async def test_the_apps_policy_allows_its_own_worker_and_manifest_and_nothing_else(
    web: httpx.AsyncClient,
) -> None:
    for path in ("/", "/channels/@me", "/login"):
        response = await web.get(path)
        assert response.status_code == 200, path
        policy = directives(response.headers["content-security-policy"])
        assert policy["worker-src"] == "'self'"
        assert policy["manifest-src"] == "'self'"
        assert policy["script-src"] == "'self'"
        assert policy["default-src"] == "'self'"
        assert (
            "child-src" not in policy
            and "'unsafe-eval'" not in response.headers["content-security-policy"]
        )


async def test_the_shell_and_the_worker_are_revalidated_on_every_use(
    web: httpx.AsyncClient,
) -> None:
    for path, media_type in (
        ("/", "text/html"),
        ("/index.html", "text/html"),
        ("/sw.js", "text/javascript"),
        ("/workbox-1a2b3c4d.js", "text/javascript"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ):
        response = await web.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache", path
        assert response.headers["content-type"].split(";")[0] == media_type, path
    # The worker sits at the root: its default scope is the whole app, with no extra header.
    assert "service-worker-allowed" not in (await web.get("/sw.js")).headers


async def test_icons_are_pngs_and_fingerprinted_assets_are_kept_for_a_year(
    web: httpx.AsyncClient,
) -> None:
    icon = await web.get("/pwa-192x192.png")
    assert icon.headers["content-type"] == "image/png"
    asset = await web.get("/assets/index-AbCd1234.js")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"].startswith("text/javascript")
