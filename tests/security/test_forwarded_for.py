"""`X-Forwarded-For` is believed only from `TOWNHALL_TRUSTED_PROXIES` (none by default).

The probe: uvicorn's default trusts the header from 127.0.0.1, so a client on the same machine (or
behind a proxy that passes the header through) chose its own address for every rate limit.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.server_process import Server, new_deployment


def sign_ins_from_forged_addresses(server: Server, count: int) -> list[int]:
    statuses = []
    with httpx.Client(base_url=server.api, timeout=20) as http:
        for index in range(count):
            response = http.post(
                "/auth/login",
                json={"login": f"nobody_{uuid.uuid4().hex[:8]}", "password": "not it at all"},
                headers={"X-Forwarded-For": f"198.51.100.{index + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def test_by_default_the_header_is_ignored_and_the_real_address_is_limited(tmp_path: Path) -> None:
    with new_deployment("sqlite", tmp_path / "data") as deployment:
        server = deployment.start(TOWNHALL_RATE_LIMITS="true")
        # Sign-in allows 5 per minute per address: the forged addresses do not matter.
        assert sign_ins_from_forged_addresses(server, 7) == [400] * 5 + [429] * 2


def test_from_a_trusted_proxy_the_forwarded_address_is_the_client(tmp_path: Path) -> None:
    with new_deployment("sqlite", tmp_path / "data") as deployment:
        server = deployment.start(TOWNHALL_RATE_LIMITS="true", TOWNHALL_TRUSTED_PROXIES="127.0.0.1")
        assert sign_ins_from_forged_addresses(server, 7) == [400] * 7
