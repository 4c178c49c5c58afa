"""Text that is not valid Unicode (a lone surrogate, as JSON can spell it) is refused with 50035
and the field's error tree, in every string field, and nothing is stored.

The probe: `{"content": "a\\ud800"}` on message create and edit, nonce, embed title, channel name
and topic answered 500 (UnicodeEncodeError in sqlite3).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account, Api, error_code

LONE = "a\\ud800"
"""As it appears in the JSON text: a high surrogate with no low one after it."""


async def send_raw(account: Account, method: str, path: str, json_text: str) -> httpx.Response:
    """A body written by hand: httpx cannot encode a lone surrogate itself."""
    return await account.request(
        method, path, content=json_text.encode(), headers={"Content-Type": "application/json"}
    )


def errors_at(response: httpx.Response, *path: str) -> list[dict[str, Any]]:
    assert (response.status_code, error_code(response)) == (400, 50035), response.text
    node: Any = response.json()["errors"]
    for part in path:
        node = node[part]
    found: list[dict[str, Any]] = node["_errors"]
    return found


async def history(account: Account, channel_id: str) -> list[dict[str, Any]]:
    response = await account.get(f"/channels/{channel_id}/messages")
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()
    return messages


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (f'{{"content": "{LONE}"}}', ("content",)),
        (f'{{"content": "hi", "nonce": "{LONE}"}}', ("nonce",)),
        (f'{{"content": "hi", "embeds": [{{"title": "{LONE}"}}]}}', ("embeds", "0", "title")),
        (
            f'{{"content": "hi", "embeds": [{{"fields": [{{"name": "n", "value": "{LONE}"}}]}}]}}',
            ("embeds", "0", "fields", "0", "value"),
        ),
        ('{"content": "\\udc00 trailing low surrogate"}', ("content",)),
    ],
)
async def test_message_create_refuses_lone_surrogates_and_stores_nothing(
    api: Api, body: str, path: tuple[str, ...]
) -> None:
    owner = await api.account()
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    response = await send_raw(owner, "POST", f"/channels/{channel_id}/messages", body)
    assert errors_at(response, *path)[0]["code"] == "BASE_TYPE_INVALID"
    assert await history(owner, channel_id) == []


async def test_message_edit_refuses_lone_surrogates_and_keeps_the_text(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    sent = await owner.post(f"/channels/{channel_id}/messages", json={"content": "original"})
    path = f"/channels/{channel_id}/messages/{sent.json()['id']}"
    response = await send_raw(owner, "PATCH", path, f'{{"content": "{LONE}"}}')
    assert errors_at(response, "content")
    assert (await owner.get(path)).json()["content"] == "original"


async def test_channel_name_and_topic_refuse_lone_surrogates(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    created = await send_raw(
        owner, "POST", f"/guilds/{guild['id']}/channels", f'{{"name": "{LONE}"}}'
    )
    assert errors_at(created, "name")
    channel_id = guild["system_channel_id"]
    both = f'{{"name": "{LONE}", "topic": "{LONE}"}}'
    modified = await send_raw(owner, "PATCH", f"/channels/{channel_id}", both)
    assert errors_at(modified, "name") and errors_at(modified, "topic")
    stored = (await owner.get(f"/channels/{channel_id}")).json()
    assert (stored["name"], stored["topic"]) == ("general", None)


async def test_a_lone_surrogate_in_a_key_is_refused_at_its_object(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    body = f'{{"content": "hi", "allowed_mentions": {{"{LONE}": []}}}}'
    response = await send_raw(
        owner, "POST", f"/channels/{guild['system_channel_id']}/messages", body
    )
    assert errors_at(response, "allowed_mentions")


async def test_a_proper_surrogate_pair_is_text_like_any_other(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    escaped = '{"content": "smile \\ud83d\\ude00"}'
    response = await send_raw(owner, "POST", f"/channels/{channel_id}/messages", escaped)
    assert response.status_code == 200, response.text
    assert response.json()["content"] == "smile \N{GRINNING FACE}"
    assert [m["content"] for m in await history(owner, channel_id)] == ["smile \N{GRINNING FACE}"]
