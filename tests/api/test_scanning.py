"""Malware scanning with a real clamd: nobody but the uploader sees a file until it is clean."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.own_app import Published, own_app
from tests.api.test_attachments import fetch, guild_with_member, send_files
from tests.clamd_process import SIGNATURE, eicar
from tests.conftest import Account, Api
from townhall.config import Scanning
from townhall.events.catalog import AUTHOR_VIEW
from townhall.events.event import Envelope


@asynccontextmanager
async def scanning_server(
    data_dir: Path, clamd_socket: str
) -> AsyncIterator[tuple[Api, httpx.AsyncClient, list[Envelope]]]:
    """An embedded-default server with `TOWNHALL_SCAN=required`, and every event it publishes."""
    async with own_app(data_dir, scan=Scanning.REQUIRED, clamd_socket=clamd_socket) as own:
        yield own.api, own.http, own.published


async def published(seen: list[Envelope], wanted: Callable[[Envelope], bool]) -> Envelope:
    """The first event (already published, or the next ones) that matches."""
    assert isinstance(seen, Published)
    return await seen.first(wanted)


def about(message_id: str, kind: str) -> Callable[[Envelope], bool]:
    return lambda e: e.type == kind and json.loads(e.data).get("id") == message_id


def zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


async def history_ids(who: Account, channel_id: str) -> list[str]:
    return [m["id"] for m in (await who.get(f"/channels/{channel_id}/messages")).json()]


async def test_a_clean_file_reaches_everyone_once_scanned(
    tmp_path: Path, clamd_socket: str
) -> None:
    async with scanning_server(tmp_path, clamd_socket) as (api, http, seen):
        owner, member, channel_id = await guild_with_member(api)
        sent = await send_files(owner, channel_id, [("minutes.txt", b"all clean here\n")])
        assert sent.status_code == 200, sent.text
        message_id = sent.json()["id"]
        assert sent.json()["attachments"][0]["scan_status"] == "pending"
        first = next(e for e in seen if about(message_id, "MESSAGE_CREATE")(e))
        assert first.user_ids == frozenset({owner.id})

        released = await published(
            seen, lambda e: about(message_id, "MESSAGE_CREATE")(e) and e.user_ids is None
        )
        assert released.except_user_id == owner.id
        update = await published(seen, about(message_id, "MESSAGE_UPDATE"))
        assert update.user_ids == frozenset({owner.id})
        assert "scan_status" not in json.loads(update.data)["attachments"][0]

        assert message_id in await history_ids(member, channel_id)
        (shown,) = (await member.get(f"/channels/{channel_id}/messages/{message_id}")).json()[
            "attachments"
        ]
        assert (await fetch(http, shown["url"])).content == b"all clean here\n"


@pytest.mark.parametrize(
    "name, data",
    [
        ("eicar.com", eicar()),
        ("invoice.zip", zipped("invoice.exe", eicar())),
        ("nested.zip", zipped("inner.zip", zipped("eicar.com", eicar()))),
    ],
    ids=["file", "zip", "zip-in-zip"],
)
async def test_malware_is_blocked_and_never_reaches_anyone_else(
    tmp_path: Path, clamd_socket: str, name: str, data: bytes
) -> None:
    async with scanning_server(tmp_path, clamd_socket) as (api, http, seen):
        owner, member, channel_id = await guild_with_member(api)
        sent = await send_files(owner, channel_id, [(name, data)], {"content": "see attached"})
        assert sent.status_code == 200, sent.text
        message_id = sent.json()["id"]
        pending_url = sent.json()["attachments"][0]["url"]

        blocked = await published(seen, lambda e: e.type == "MESSAGE_ATTACHMENT_BLOCKED")
        body: dict[str, Any] = json.loads(blocked.data)
        assert body["signature"].startswith(SIGNATURE)
        assert body["message_id"] == message_id and body["uploader_id"] == str(owner.id)
        update = await published(seen, about(message_id, "MESSAGE_UPDATE"))
        assert update.user_ids == frozenset({owner.id})

        (theirs,) = (await owner.get(f"/channels/{channel_id}/messages/{message_id}")).json()[
            "attachments"
        ]
        assert theirs["scan_status"] == "blocked"
        assert theirs["scan_signature"].startswith(SIGNATURE)
        # The verdict is in: whatever the member was going to get, they have got by now.
        assert message_id not in await history_ids(member, channel_id)
        hidden = await member.get(f"/channels/{channel_id}/messages/{message_id}")
        assert hidden.status_code == 404
        assert not [
            e
            for e in seen
            if about(message_id, "MESSAGE_CREATE")(e) and e.user_ids != frozenset({owner.id})
        ]
        assert (await fetch(http, pending_url)).status_code == 404


async def test_a_scanner_that_is_down_keeps_files_from_others_until_it_is_back(
    tmp_path: Path, stopped_clamd_socket: str, clamd_socket: str
) -> None:
    async with scanning_server(tmp_path, stopped_clamd_socket) as (api, http, seen):
        owner, member, channel_id = await guild_with_member(api)
        sent = await send_files(owner, channel_id, [("draft.txt", b"waiting for clamd")])
        message_id = sent.json()["id"]
        link = sent.json()["attachments"][0]["url"]
        member_token = member.token
        await published(seen, about(message_id, "MESSAGE_CREATE"))
        assert message_id in await history_ids(owner, channel_id)
        assert message_id not in await history_ids(member, channel_id)
        path = urlsplit(link).path
        refused = await http.get(f"http://townhall.test{path}", headers=member.headers)
        assert refused.status_code == 404

    # The server restarts, now with a scanner: the scan job was kept and runs.
    async with scanning_server(tmp_path, clamd_socket) as (api, http, seen):
        member = Account(0, "member", member_token, api.http)
        update = await published(seen, about(message_id, "MESSAGE_UPDATE"))
        assert "scan_status" not in json.loads(update.data)["attachments"][0]
        assert message_id in await history_ids(member, channel_id)


async def test_a_zip_bomb_is_refused_before_anyone_can_download_it(
    tmp_path: Path, clamd_socket: str
) -> None:
    async with scanning_server(tmp_path, clamd_socket) as (api, _http, _seen):
        owner, _member, channel_id = await guild_with_member(api)
        bomb = io.BytesIO()
        with (
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open("zeros.bin", "w", force_zip64=True) as entry,
        ):
            for _ in range(200):
                entry.write(bytes(1024 * 1024))
        refused = await send_files(owner, channel_id, [("backup.zip", bomb.getvalue())])
        assert refused.status_code == 400
        assert refused.json()["code"] == 50035
        assert "backup.zip" in json.dumps(refused.json())
        assert await history_ids(owner, channel_id) == []


async def test_a_file_added_by_an_edit_reaches_others_only_once_it_is_clean(
    tmp_path: Path, clamd_socket: str
) -> None:
    async with scanning_server(tmp_path, clamd_socket) as (api, _http, seen):
        owner, member, channel_id = await guild_with_member(api)
        sent = await owner.post(f"/channels/{channel_id}/messages", json={"content": "agenda"})
        message_id = sent.json()["id"]
        message = f"/channels/{channel_id}/messages/{message_id}"
        edited = await owner.patch(
            message,
            data={"payload_json": json.dumps({"attachments": [{"id": 0}]})},
            files={"files[0]": ("agenda.txt", b"1. files\n", "text/plain")},
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["attachments"][0]["scan_status"] == "pending"
        first = next(e for e in seen if about(message_id, "MESSAGE_UPDATE")(e))
        assert json.loads(first.data)["attachments"] == []  # what everyone else got
        assert json.loads(first.variants[AUTHOR_VIEW])["attachments"][0]["filename"] == "agenda.txt"

        cleared = await published(
            seen,
            lambda e: (
                about(message_id, "MESSAGE_UPDATE")(e)
                and e.user_ids is None
                and bool(json.loads(e.data)["attachments"])
            ),
        )
        assert "scan_status" not in json.loads(cleared.data)["attachments"][0]
        shown = (await member.get(message)).json()["attachments"]
        assert [a["filename"] for a in shown] == ["agenda.txt"]


async def test_a_reply_does_not_show_others_a_message_still_being_scanned(
    tmp_path: Path, stopped_clamd_socket: str
) -> None:
    async with scanning_server(tmp_path, stopped_clamd_socket) as (api, _http, seen):
        owner, member, channel_id = await guild_with_member(api)
        sent = await send_files(owner, channel_id, [("draft.txt", b"not yet scanned")])
        held_id = sent.json()["id"]
        link = sent.json()["attachments"][0]["url"]
        reply = await owner.post(
            f"/channels/{channel_id}/messages",
            json={"content": "see above", "message_reference": {"message_id": held_id}},
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["referenced_message"]["id"] == held_id  # the author sees it

        shown = (await member.get(f"/channels/{channel_id}/messages")).json()
        assert [m["id"] for m in shown] == [reply.json()["id"]]
        assert shown[0]["referenced_message"] is None
        created = next(e for e in seen if about(reply.json()["id"], "MESSAGE_CREATE")(e))
        assert link not in created.data.decode()
        assert json.loads(created.data)["referenced_message"] is None
        own_view = json.loads(created.variants[AUTHOR_VIEW])
        assert own_view["referenced_message"]["id"] == held_id

        refused = await member.post(
            f"/channels/{channel_id}/messages",
            json={"content": "what?", "message_reference": {"message_id": held_id}},
        )
        assert refused.status_code == 400
        assert "Unknown message" in refused.text
