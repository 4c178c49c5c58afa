"""Files through webhooks: `POST /webhooks/{id}/{token}` and its message edits take Discord's
multipart bodies (`payload_json`, `files[n]`, `attachments`), as message create and edit do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.api.test_attachments import fetch, guild_with_member, png_bytes
from tests.api.test_scanning import about, published, scanning_server
from tests.api.test_webhooks import create, path
from tests.conftest import Account, Api, error_code


async def execute_with_files(
    http: httpx.AsyncClient,
    webhook: dict[str, Any],
    files: list[tuple[str, bytes]],
    payload: dict[str, Any],
    **params: str,
) -> httpx.Response:
    parts = {
        f"files[{n}]": (name, data, "application/octet-stream")
        for n, (name, data) in enumerate(files)
    }
    return await http.post(
        path(webhook),
        params={"wait": "true", **params},
        data={"payload_json": json.dumps(payload)},
        files=parts,
    )


async def history_of(who: Account, channel_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await who.get(f"/channels/{channel_id}/messages")).json()
    return found


async def test_a_webhook_posts_files_that_members_see_and_download(api: Api) -> None:
    owner, member, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    image = png_bytes()
    sent = await execute_with_files(
        api.http,
        webhook,
        [("chart.png", image), ("log.txt", b"build passed\n")],
        {
            "content": "nightly build",
            "attachments": [
                {"id": 0, "description": "Test coverage"},
                {"id": 1, "filename": "build.log"},
            ],
        },
    )
    assert sent.status_code == 200, sent.text
    message = sent.json()
    assert message["webhook_id"] == webhook["id"]
    chart, log = message["attachments"]
    assert (chart["filename"], chart["description"]) == ("chart.png", "Test coverage")
    assert chart["content_type"] == "image/png" and chart["width"] == 64
    assert log["filename"] == "build.log" and log["size"] == len(b"build passed\n")

    (shown,) = [m for m in await history_of(member, channel_id) if m["id"] == message["id"]]
    assert [a["id"] for a in shown["attachments"]] == [chart["id"], log["id"]]
    assert (await fetch(api.http, shown["attachments"][0]["url"])).content == image
    assert (await fetch(api.http, shown["attachments"][1]["url"])).content == b"build passed\n"

    only_files = await execute_with_files(api.http, webhook, [("a.txt", b"x")], {})
    assert only_files.status_code == 200 and only_files.json()["content"] == ""
    quiet = await api.http.post(
        path(webhook),
        data={"payload_json": "{}"},
        files={"files[0]": ("b.txt", b"y", "text/plain")},
    )
    assert quiet.status_code == 204


async def test_a_webhook_edit_keeps_the_files_it_names_adds_new_ones_and_drops_the_rest(
    api: Api,
) -> None:
    owner, member, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    sent = await execute_with_files(
        api.http, webhook, [("a.txt", b"first"), ("b.txt", b"second")], {"content": "files"}
    )
    first, second = sent.json()["attachments"]
    message = path(webhook, f"/messages/{sent.json()['id']}")

    edited = await api.http.patch(
        message,
        data={
            "payload_json": json.dumps(
                {"attachments": [{"id": first["id"]}, {"id": 0, "filename": "c.txt"}]}
            )
        },
        files={"files[0]": ("upload.bin", b"third", "application/octet-stream")},
    )
    assert edited.status_code == 200, edited.text
    assert [a["filename"] for a in edited.json()["attachments"]] == ["a.txt", "c.txt"]
    assert (await fetch(api.http, second["url"])).status_code == 404
    shown = (await member.get(f"/channels/{channel_id}/messages/{sent.json()['id']}")).json()
    assert [a["filename"] for a in shown["attachments"]] == ["a.txt", "c.txt"]
    assert (await fetch(api.http, shown["attachments"][1]["url"])).content == b"third"

    words_only = await api.http.patch(message, json={"content": "only words", "attachments": []})
    assert words_only.status_code == 200 and words_only.json()["attachments"] == []
    emptied = await api.http.patch(message, json={"content": ""})
    assert emptied.status_code == 400 and error_code(emptied) == 50006


async def test_webhook_files_are_refused_as_message_files_are(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    wrong = await api.http.post(
        f"/webhooks/{webhook['id']}/nope",
        data={"payload_json": "{}"},
        files={"files[0]": ("a.txt", b"x", "text/plain")},
    )
    assert wrong.status_code == 401 and error_code(wrong) == 50027
    eleven = await execute_with_files(
        api.http, webhook, [(f"{n}.txt", b"x") for n in range(11)], {}
    )
    assert eleven.status_code == 400 and error_code(eleven) == 50035
    guild_id = (await owner.get(f"/channels/{channel_id}")).json()["guild_id"]
    limited = await owner.patch(f"/guilds/{guild_id}", json={"max_file_size": 1000})
    assert limited.status_code == 200, limited.text
    big = await execute_with_files(api.http, webhook, [("scan.pdf", b"%PDF" + bytes(2000))], {})
    assert big.status_code == 413 and error_code(big) == 40005
    bad_entry = await execute_with_files(
        api.http, webhook, [("a.txt", b"x")], {"attachments": [{"id": {"no": 1}}]}
    )
    assert bad_entry.status_code == 400 and error_code(bad_entry) == 50035
    assert await history_of(owner, channel_id) == []


async def test_a_webhooks_file_reaches_members_only_once_it_is_scanned(
    tmp_path: Path, clamd_socket: str
) -> None:
    async with scanning_server(tmp_path, clamd_socket) as (api, http, seen):
        owner, member, channel_id = await guild_with_member(api)
        webhook = await create(owner, channel_id)
        sent = await execute_with_files(http, webhook, [("report.txt", b"all clean\n")], {})
        assert sent.status_code == 200, sent.text
        message_id = sent.json()["id"]
        assert sent.json()["attachments"][0]["scan_status"] == "pending"
        held = next(e for e in seen if about(message_id, "MESSAGE_CREATE")(e))
        assert held.user_ids == frozenset({int(webhook["id"])})  # nobody's sessions

        released = await published(
            seen, lambda e: about(message_id, "MESSAGE_CREATE")(e) and e.user_ids is None
        )
        assert released.except_user_id == int(webhook["id"])
        (shown,) = (await member.get(f"/channels/{channel_id}/messages/{message_id}")).json()[
            "attachments"
        ]
        assert (await fetch(http, shown["url"])).content == b"all clean\n"


async def test_a_webhooks_file_larger_than_a_json_body_streams_through(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    big = bytes(400 * 1024)  # past the 256 KiB a JSON body may have
    sent = await execute_with_files(api.http, webhook, [("big.bin", big)], {})
    assert sent.status_code == 200, sent.text
    assert sent.json()["attachments"][0]["size"] == len(big)
    edited = await api.http.patch(
        path(webhook, f"/messages/{sent.json()['id']}"),
        data={"payload_json": json.dumps({"attachments": [{"id": 0}]})},
        files={"files[0]": ("bigger.bin", big + big, "application/octet-stream")},
    )
    assert edited.status_code == 200, edited.text
    assert [a["size"] for a in edited.json()["attachments"]] == [2 * len(big)]
