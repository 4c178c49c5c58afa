"""`townhall serve` serves the built client: routes, caching, and the security headers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx

from tests.e2e.web.conftest import DIST
from tests.server_process import Server

ROOT = Path(__file__).resolve().parents[3]


def test_client_routes_load_the_app_uncached_with_security_headers(web_server: Server) -> None:
    with httpx.Client(base_url=web_server.url) as http:
        for path in (
            "/",
            "/login",
            "/register",
            "/channels/@me",
            "/channels/@me/123",
            "/channels/1/2",
            "/invite/AbC123",
        ):
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html")
            assert response.headers["cache-control"] == "no-cache"
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert (
                "unsafe-eval" not in csp
                and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
            )
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["x-content-type-options"] == "nosniff"


def test_the_page_has_no_inline_script(web_server: Server) -> None:
    html = httpx.get(web_server.url + "/").text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(
        "src=" in attributes and not body.strip() for attributes, body in scripts
    )


def test_fingerprinted_assets_are_cached_for_a_year(web_server: Server) -> None:
    html = httpx.get(web_server.url + "/").text
    asset = re.search(r'src="(/assets/[^"]+\.js)"', html)
    assert asset is not None
    response = httpx.get(web_server.url + asset.group(1))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["x-content-type-options"] == "nosniff"
    packed = httpx.get(web_server.url + asset.group(1), headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == response.content  # httpx decodes it
    plain = httpx.get(web_server.url + asset.group(1), headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == response.content


def test_other_paths_stay_the_apis_and_nothing_outside_the_build_is_served(
    web_server: Server,
) -> None:
    with httpx.Client(base_url=web_server.url) as http:
        assert http.get("/api/v10/nothing-here").json() == {"code": 0, "message": "404: Not Found"}
        assert http.get("/nothing-here").status_code == 404
        assert http.get("/assets/does-not-exist.js").status_code == 404
        assert http.get("/assets/..%2f..%2f__init__.py").status_code == 404
        assert http.get("/.source-hash").status_code == 404
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/api/v10/gateway").status_code == 200


def test_api_types_match_the_servers_openapi_document(tmp_path: Path) -> None:
    """web/src/api/schema.gen.ts is what the server documents; regenerate it after API changes
    with scripts/generate-web-api-types."""
    fresh = tmp_path / "schema.gen.ts"
    subprocess.run([str(ROOT / "scripts" / "generate-web-api-types"), str(fresh)], check=True)
    committed = ROOT / "web" / "src" / "api" / "schema.gen.ts"
    assert fresh.read_text() == committed.read_text(), (
        "the web client's API types drifted from the server: run scripts/generate-web-api-types"
    )
    assert (DIST / "index.html").exists()
