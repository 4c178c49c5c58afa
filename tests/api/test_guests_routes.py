"""Every write route, called by a guest on what lies outside their channel, is refused.

The routes come from the OpenAPI document, so a route added later is tried too (with an empty
body unless it is listed below with one). A guest's own things (`/users/@me…`, their nickname,
signing out, uploads before a message) are theirs to change and are left out, except opening a
DM, which is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from tests.api.test_guests import community, join_as_guest
from tests.conftest import Api, error_code

OWN = (
    re.compile(r"^/users/@me(?!/channels$)"),
    re.compile(r"^/auth/"),
    re.compile(r"^/uploads"),
    re.compile(r"^/invites/\{code\}/guest$"),
    re.compile(r"^/guilds/\{guild_id\}/members/@me"),
)
"""The guest's own account, nickname, sign-out and uploads; guest joins need no token."""


def bodies(ids: dict[str, str]) -> dict[tuple[str, str], Any]:
    """A body that would do something real, for the routes that refuse an empty one."""
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return {
        ("POST", "/channels/{channel_id}/messages"): {"content": "let me in"},
        ("POST", "/channels/{channel_id}/messages/bulk-delete"): {
            "messages": [ids["message_id"], ids["other_message_id"]]
        },
        ("PATCH", "/channels/{channel_id}/messages/{message_id}"): {"content": "mine"},
        ("POST", "/guilds/{guild_id}/channels"): {"name": "mine"},
        ("PATCH", "/guilds/{guild_id}/channels"): [{"id": ids["channel_id"], "position": 0}],
        ("PATCH", "/channels/{channel_id}"): {"name": "mine"},
        ("PUT", "/channels/{channel_id}/permissions/{overwrite_id}"): {
            "type": 0,
            "allow": str(1 << 10),
            "deny": "0",
        },
        ("POST", "/users/@me/channels"): {"recipient_id": ids["user_id"]},
        ("POST", "/guilds"): {"name": "Mine"},
        ("PATCH", "/guilds/{guild_id}"): {"name": "Mine now"},
        ("POST", "/guilds/{guild_id}/roles"): {"name": "boss", "permissions": "8"},
        ("PATCH", "/guilds/{guild_id}/roles"): [{"id": ids["role_id"], "position": 1}],
        ("PATCH", "/guilds/{guild_id}/roles/{role_id}"): {"permissions": "8"},
        ("PATCH", "/guilds/{guild_id}/members/{user_id}"): {"nick": "owned"},
        ("PUT", "/guilds/{guild_id}/bans/{user_id}"): {},
        ("POST", "/channels/{channel_id}/invites"): {},
        ("POST", "/applications"): {"name": "Guest bot"},
        ("PATCH", "/applications/{application_id}"): {"name": "Taken"},
        ("PATCH", "/applications/@me"): {"description": "mine"},
        ("POST", "/oauth2/authorize"): {
            "guild_id": ids["guild_id"],
            "permissions": "0",
            "authorize": True,
        },
        ("PATCH", "/guilds/{guild_id}/voice-states/{user_id}"): {
            "channel_id": ids["channel_id"],
            "suppress": True,
        },
        ("PATCH", "/guilds/{guild_id}/voice-states/@me"): {
            "channel_id": ids["channel_id"],
            "suppress": False,
        },
        ("POST", "/stage-instances"): {"channel_id": ids["channel_id"], "topic": "mine"},
        ("POST", "/guilds/{guild_id}/scheduled-events"): {
            "name": "mine",
            "privacy_level": 2,
            "scheduled_start_time": soon,
            "entity_type": 2,
            "channel_id": ids["channel_id"],
        },
    }


async def test_every_write_route_refuses_a_guest_outside_their_channel(
    api: Api, app: FastAPI
) -> None:
    place = await community(api)
    guest = await join_as_guest(api, place.code)
    owner, guild_id = place.owner, place.guild["id"]
    staff = await owner.post(f"/guilds/{guild_id}/channels", json={"name": "staff"})
    hidden = staff.json()["id"]
    first = await owner.post(f"/channels/{hidden}/messages", json={"content": "secret"})
    second = await owner.post(f"/channels/{hidden}/messages", json={"content": "plans"})
    role = await owner.post(f"/guilds/{guild_id}/roles", json={"name": "crew"})
    application = await owner.post("/applications", json={"name": "Crew bot"})
    plain = await owner.post(f"/channels/{place.channel_id}/invites", json={})
    hook = await owner.post(f"/channels/{hidden}/webhooks", json={"name": "Feed"})
    assert hook.status_code == 200, hook.text
    ids = {
        "channel_id": hidden,
        "message_id": first.json()["id"],
        "other_message_id": second.json()["id"],
        "guild_id": guild_id,
        "user_id": str(owner.id),
        "role_id": role.json()["id"],
        "overwrite_id": guild_id,
        "emoji": "%F0%9F%91%8D",
        "code": plain.json()["code"],
        "application_id": application.json()["id"],
        "event_id": "1",
        "request_id": "1",
        "proposal_id": "1",
        "upload_id": "none",
        "webhook_id": hook.json()["id"],
        "webhook_token": "not-its-token",  # with its token anyone may post, as on Discord
        "command_id": "1",
        "interaction_id": "1",
        "interaction_token": "not-its-token",  # the callback's only credential
    }
    with_body = bodies(ids)
    query = {"/oauth2/authorize": {"client_id": application.json()["id"], "scope": "bot"}}
    tried = []
    for path, operations in app.openapi()["paths"].items():
        route = path.removeprefix("/api/v10")
        if not path.startswith("/api/v10") or any(p.match(route) for p in OWN):
            continue
        for method in operations:
            verb = method.upper()
            if verb in ("GET", "HEAD", "OPTIONS"):
                continue
            url = re.sub(r"\{(\w+?)(?::\w+)?\}", lambda m: ids[m.group(1)], route)
            body = with_body.get((verb, route))
            answer = await guest.request(verb, url, json=body, params=query.get(route))
            tried.append((verb, route))
            # 401 would mean the guest's token was not taken, except for a webhook's own token.
            bad_webhook_token = answer.status_code == 401 and error_code(answer) == 50027
            assert 400 <= answer.status_code < 500 and (
                answer.status_code != 401 or bad_webhook_token
            ), (
                verb,
                route,
                answer.status_code,
                answer.text,
            )
    assert len(tried) > 50
    messages = (await owner.get(f"/channels/{hidden}/messages")).json()
    assert sorted(m["content"] for m in messages) == ["plans", "secret"]
    shown = (await owner.get(f"/guilds/{guild_id}")).json()
    assert shown["name"] == "Open evening" and shown["owner_id"] == str(owner.id)
    assert (await guest.get("/users/@me")).status_code == 200
