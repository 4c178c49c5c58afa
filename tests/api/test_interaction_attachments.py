"""ATTACHMENT options (type 11): the invoker uploads a file as for a message, names it in
`data.attachments`, and the bot receives it in `data.resolved.attachments` with a link it can
download while the interaction lasts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from tests.api.interaction_helpers import Setup, callback, invoke, setup
from tests.api.own_app import own_app
from tests.api.store_setup import services
from tests.api.test_attachments import fetch
from tests.api.test_uploads import STREAM, TUS, upload_id
from tests.api.test_uploads import create as create_upload
from tests.clamd_process import eicar
from tests.conftest import Account, Api, error_code
from townhall.actions import attachments as attachment_actions
from townhall.config import Scanning
from townhall.events.event import Envelope
from townhall.store import interactions as interaction_store
from townhall.store.schema import attachments

REPORT = b"%PDF-1.4 the quarterly report"
SUBMIT = {
    "name": "submit",
    "description": "Hand in a file",
    "options": [
        {"type": 11, "name": "file", "description": "The file", "required": True},
        {"type": 11, "name": "extra", "description": "Another one"},
        {"type": 3, "name": "note", "description": "A note"},
    ],
}


async def uploaded(account: Account, data: bytes = REPORT, name: str = "report.pdf") -> str:
    """A finished upload's id, as the web client makes one before invoking."""
    location = await create_upload(
        account, len(data), name, headers={"Content-Type": STREAM}, content=data
    )
    return upload_id(location)


def submit(s: Setup, files: object, options: list[dict[str, Any]]) -> Any:
    return s.body("submit", options, data={"attachments": files})


async def test_the_bot_receives_the_uploaded_file_and_can_download_it(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api, SUBMIT)
    upload = await uploaded(s.member)
    body = submit(
        s,
        [{"id": "0", "filename": "q3.pdf", "uploaded_filename": upload}],
        [{"name": "file", "type": 11, "value": 0}, {"name": "note", "type": 3, "value": "hi"}],
    )
    interaction = await invoke(s, published, body)
    options = interaction["data"]["options"]
    file_id = options[0]["value"]
    assert options[0]["type"] == 11 and file_id != "0"
    assert options[1] == {"name": "note", "type": 3, "value": "hi"}
    attachment = interaction["data"]["resolved"]["attachments"][file_id]
    assert attachment["id"] == file_id and attachment["filename"] == "q3.pdf"
    assert attachment["size"] == len(REPORT) and attachment["content_type"] == "application/pdf"
    assert attachment["ephemeral"] is True and attachment["proxy_url"] == attachment["url"]
    downloaded = await fetch(api.http, attachment["url"])
    assert downloaded.status_code == 200 and downloaded.content == REPORT
    await callback(api.http, interaction, {"type": 4, "data": {"content": "Got it"}})
    # The upload was taken: it cannot be given again.
    again = await s.member.post("/interactions", json=body)
    assert again.status_code == 400 and error_code(again) == 50035


async def test_attachment_options_are_checked(api: Api) -> None:
    s = await setup(api, SUBMIT)
    upload = await uploaded(s.member)
    files = [{"id": "0", "uploaded_filename": upload}]
    for given, options in (
        (files, [{"name": "note", "type": 3, "value": "no file"}]),  # `file` is required
        (files, [{"name": "file", "type": 11, "value": 1}]),  # names no entry
        ([], [{"name": "file", "type": 11, "value": 0}]),
        (files, [{"name": "file", "type": 11, "value": "report.pdf"}]),
        ([{"id": "0"}], [{"name": "file", "type": 11, "value": 0}]),
        ("0", [{"name": "file", "type": 11, "value": 0}]),
        (
            files,
            [{"name": "file", "type": 11, "value": 0}, {"name": "extra", "type": 11, "value": 0}],
        ),
    ):
        refused = await s.member.post("/interactions", json=submit(s, given, options))
        assert refused.status_code == 400, (given, options, refused.text)
        assert error_code(refused) == 50035
    # Another person's upload, and one not finished, are refused.
    others = await uploaded(s.owner)
    foreign = submit(
        s,
        [{"id": "0", "uploaded_filename": others}],
        [{"name": "file", "type": 11, "value": 0}],
    )
    refused = await s.member.post("/interactions", json=foreign)
    assert refused.status_code == 400 and "ATTACHMENT_NOT_FOUND" in refused.text
    started = await s.member.post(
        "/uploads", headers={**TUS, "Upload-Length": "100", "Content-Type": STREAM}, content=b"x"
    )
    unfinished = submit(
        s,
        [{"id": "0", "uploaded_filename": upload_id(started.headers["Location"])}],
        [{"name": "file", "type": 11, "value": 0}],
    )
    refused = await s.member.post("/interactions", json=unfinished)
    assert refused.status_code == 400 and "ATTACHMENT_INCOMPLETE" in refused.text
    # Nothing was taken by the refusals: the member's own upload still works.
    head = await s.member.request("HEAD", f"/uploads/{upload}", headers=TUS)
    assert head.status_code == 200


async def test_a_file_goes_away_with_its_interaction(
    api: Api, app: FastAPI, published: list[Envelope]
) -> None:
    s = await setup(api, SUBMIT)
    body = submit(
        s,
        [{"id": "7", "uploaded_filename": await uploaded(s.member)}],
        [{"name": "file", "type": 11, "value": "7"}],
    )
    interaction = await invoke(s, published, body)
    await callback(api.http, interaction, {"type": 5})
    file_id = interaction["data"]["options"][0]["value"]
    attachment = interaction["data"]["resolved"]["attachments"][file_id]
    sv = services(app)
    async with sv.write() as tx:  # as the sweep does once the token ran out
        await interaction_store.prune(tx.conn, sv.now_ms() + 1)
    gone = await fetch(api.http, attachment["url"])
    assert gone.status_code == 404
    await attachment_actions.sweep_deleted_files.run(sv, {})
    async with sv.engine.connect() as conn:
        left = await conn.execute(select(attachments.c.id).where(attachments.c.id == int(file_id)))
        assert left.first() is None


async def test_with_scanning_required_files_are_scanned_before_the_bot_hears(
    tmp_path: Path, clamd_socket: str, stopped_clamd_socket: str
) -> None:
    async with own_app(tmp_path, scan=Scanning.REQUIRED, clamd_socket=clamd_socket) as own:
        s = await setup(own.api, SUBMIT)
        clean = submit(
            s,
            [{"id": "0", "uploaded_filename": await uploaded(s.member)}],
            [{"name": "file", "type": 11, "value": 0}],
        )
        interaction = await invoke(s, own.published, clean)
        file_id = interaction["data"]["options"][0]["value"]
        attachment = interaction["data"]["resolved"]["attachments"][file_id]
        assert "scan_status" not in attachment
        assert (await fetch(own.http, attachment["url"])).content == REPORT
        await callback(own.http, interaction, {"type": 5})
        infected = submit(
            s,
            [{"id": "0", "uploaded_filename": await uploaded(s.member, eicar(), "x.com")}],
            [{"name": "file", "type": 11, "value": 0}],
        )
        seen = len(own.published)
        refused = await s.member.post("/interactions", json=infected)
        assert refused.status_code == 400 and "ATTACHMENT_BLOCKED" in refused.text
        assert not [e for e in own.published[seen:] if e.type == "INTERACTION_CREATE"]
    async with own_app(
        tmp_path / "down", scan=Scanning.REQUIRED, clamd_socket=stopped_clamd_socket
    ) as own:
        s = await setup(own.api, SUBMIT)
        body = submit(
            s,
            [{"id": "0", "uploaded_filename": await uploaded(s.member)}],
            [{"name": "file", "type": 11, "value": 0}],
        )
        unavailable = await s.member.post("/interactions", json=body)
        assert unavailable.status_code == 503, unavailable.text
