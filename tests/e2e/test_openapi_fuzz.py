"""The OpenAPI document of a running server, and schemathesis fuzzing every documented operation.

Bad input must get a 4xx in Discord's error format, never a 5xx. Each operation is tried with
generated ids (mostly unknown objects), with the ids of real objects the caller owns (so that
permission checks pass and the request reaches the action), with the same ids by a plain member
(the permission refusals), and with bodies and queries that break the schema.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.e2e.conftest import Server, register, unique

EXAMPLES = int(os.environ.get("TOWNHALL_FUZZ_EXAMPLES", "6"))
"""Examples per operation and kind of input: the file stays well under three minutes."""
SKIPPED = {
    ("POST", "/api/v10/auth/logout"),  # would revoke the fuzzing user's token
    ("DELETE", "/api/v10/guilds/{guild_id}"),  # would delete the guild the ids point into
}
MAIN_PATHS = (
    "/api/v10/auth/register",
    "/api/v10/auth/login",
    "/api/v10/users/@me",
    "/api/v10/guilds",
    "/api/v10/guilds/{guild_id}",
    "/api/v10/guilds/{guild_id}/channels",
    "/api/v10/guilds/{guild_id}/roles",
    "/api/v10/guilds/{guild_id}/members/{user_id}",
    "/api/v10/channels/{channel_id}",
    "/api/v10/channels/{channel_id}/messages",
    "/api/v10/channels/{channel_id}/invites",
    "/api/v10/invites/{code}",
)


@dataclass
class Failure:
    method: str
    path: str
    status: int | str
    request: dict[str, Any]
    answer: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status} {self.request} {self.answer[:200]}"


@dataclass(frozen=True)
class World:
    """A user who owns a guild with a second member, a role, a message and an invite."""

    owner_token: str
    member_token: str
    ids: dict[str, str]


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    owner = register(server, unique("owner"))
    member = register(server, unique("member"))
    with server.client(owner["token"]) as http, server.client(member["token"]) as as_member:
        guild = http.post("/guilds", json={"name": "Fuzzed"}).json()
        channel_id = guild["system_channel_id"]
        code = http.post(f"/channels/{channel_id}/invites", json={"max_uses": 0}).json()["code"]
        assert as_member.post(f"/invites/{code}").status_code == 200
        role = http.post(f"/guilds/{guild['id']}/roles", json={"name": "fuzzers"})
        message = http.post(f"/channels/{channel_id}/messages", json={"content": "fuzz me"})
    ids = {
        "guild_id": guild["id"],
        "channel_id": channel_id,
        "user_id": member["user_id"],
        "overwrite_id": member["user_id"],
        "code": code,
        "emoji": "\N{WHITE HEAVY CHECK MARK}",
    }
    if role.status_code == 200:
        ids["role_id"] = role.json()["id"]
    if message.status_code == 200:
        ids["message_id"] = message.json()["id"]
    return World(owner["token"], member["token"], ids)


def test_openapi_document_is_json_listing_the_main_paths(server: Server) -> None:
    # The server builds the document on its first request (seconds on a loaded machine).
    response = httpx.get(f"{server.api}/openapi.json", timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "townhall"
    missing = [path for path in MAIN_PATHS if path not in document["paths"]]
    assert not missing


def test_api_docs_page_is_served_as_html(server: Server) -> None:
    response = httpx.get(f"{server.api}/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "openapi.json" in response.text


def test_no_documented_operation_answers_a_server_error(server: Server, world: World) -> None:
    schema = schemathesis.openapi.from_url(f"{server.api}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    # Destructive calls last, so that the rest still find the objects their ids point at.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    failures: list[Failure] = []
    answered: Counter[int] = Counter()
    tried = 0
    with requests.Session() as session:

        def as_user(token: str) -> Callable[[schemathesis.Case], None]:
            def call(case: schemathesis.Case) -> None:
                headers = {"Authorization": token}
                try:
                    response = case.call(base_url=server.url, session=session, headers=headers)
                except requests.RequestException as error:
                    failures.append(failure(case, f"no answer ({type(error).__name__})", ""))
                    return
                answered[response.status_code] += 1
                if response.status_code >= 500 or not discord_shaped(response):
                    failures.append(failure(case, response.status_code, response.text))

            return call

        owner, member = as_user(world.owner_token), as_user(world.member_token)

        for operation in operations:
            method = operation.method.upper()
            if (method, operation.path) in SKIPPED:
                continue
            own_ids = {
                name: world.ids[name]
                for name in path_parameter_names(operation.path)
                if name in world.ids
            }
            exercise(operation.as_strategy(), owner)
            exercise(operation.as_strategy(path_parameters=own_ids), owner)
            # A plain member on the same objects: the permission refusals.
            exercise(operation.as_strategy(path_parameters=own_ids), member)
            if len(operation.body) or len(operation.query):
                negative = operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=own_ids)
                with contextlib.suppress(Unsatisfiable):  # e.g. only optional booleans to break
                    exercise(negative, owner)
            tried += 1
    assert tried >= 40, f"only {tried} operations were fuzzed"
    # Not all refusals: the real ids let requests through to the actions behind the checks.
    succeeded = sum(n for status, n in answered.items() if 200 <= status < 300)
    assert succeeded >= tried, f"too few requests got through: {sorted(answered.items())}"
    assert server.process.poll() is None, "the server died while being fuzzed"
    assert not failures, "\n".join(str(f) for f in failures[:20])


def discord_shaped(response: schemathesis.Response) -> bool:
    """A 4xx is Discord's error JSON (`code`, `message`) with the exact content type."""
    if not 400 <= response.status_code < 500:
        return True
    if response.request.method == "HEAD":
        return True  # an answer to HEAD never has a body
    if response.headers.get("content-type") != ["application/json"]:
        return False
    body = response.json()
    return isinstance(body.get("code"), int) and isinstance(body.get("message"), str)


def exercise(
    strategy: st.SearchStrategy[schemathesis.Case], call: Callable[[schemathesis.Case], None]
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        call(case)

    run()


def path_parameter_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def failure(case: schemathesis.Case, status: int | str, answer: str) -> Failure:
    request = {
        "path": case.path_parameters,
        "query": case.query,
        "body": case.body if not isinstance(case.body, bytes) else case.body[:200],
    }
    return Failure(case.method.upper(), case.path, status, request, answer)
