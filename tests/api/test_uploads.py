"""Resumable uploads (tus 1.0) under /api/v10/uploads, as a tus client sees them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.types import Message

from tests.api.store_setup import services
from tests.conftest import Account, Api, error_code
from townhall.actions import uploads as upload_actions
from townhall.actions.services import Services
from townhall.domain.actor import Actor
from townhall.domain.errors import InvalidFormBody
from townhall.domain.models import User
from townhall.files import tus
from townhall.store.schema import jobs

TUS = {"Tus-Resumable": "1.0.0"}
STREAM = "application/offset+octet-stream"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def sha256_header(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def patch_headers(offset: int, **extra: str) -> dict[str, str]:
    return {**TUS, "Content-Type": STREAM, "Upload-Offset": str(offset), **extra}


async def create(account: Account, length: int, filename: str = "report.pdf", **extra: Any) -> str:
    """A new upload's Location (an absolute URL)."""
    headers = {
        **TUS,
        "Upload-Length": str(length),
        "Upload-Metadata": f"filename {b64(filename)},filetype {b64('application/pdf')}",
        **extra.pop("headers", {}),
    }
    response = await account.post("/uploads", headers=headers, **extra)
    assert response.status_code == 201, response.text
    assert response.headers["Tus-Resumable"] == "1.0.0"
    location: str = response.headers["Location"]
    return location


async def offset_of(account: Account, location: str) -> int:
    response = await account.request("HEAD", location, headers=TUS)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return int(response.headers["Upload-Offset"])


def upload_id(location: str) -> str:
    return urlsplit(location).path.rsplit("/", 1)[1]


def staged(app: FastAPI, location: str) -> Path:
    return upload_actions.staging_path(services(app), upload_id(location))


def actor_of(account: Account) -> Actor:
    return Actor.of(User(id=account.id, username=account.username))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_options_lists_the_tus_extensions_without_a_token(http: httpx.AsyncClient) -> None:
    response = await http.options("/uploads")
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    extensions = set(response.headers["Tus-Extension"].split(","))
    assert extensions == {
        "creation",
        "creation-with-upload",
        "termination",
        "checksum",
        "expiration",
    }
    assert response.headers["Tus-Checksum-Algorithm"] == "sha256"
    assert int(response.headers["Tus-Max-Size"]) == 2 * 1024**3


async def test_an_upload_in_three_patches_shows_its_offset_after_each(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    data = os.urandom(3 * 1024 * 1024 + 123)
    location = await create(owner, len(data))
    assert location.startswith("http://townhall.test/api/v10/uploads/")
    assert await offset_of(owner, location) == 0
    cuts = [0, 1024 * 1024, 2 * 1024 * 1024 + 7, len(data)]
    for start, end in itertools.pairwise(cuts):
        response = await owner.patch(
            location, headers=patch_headers(start), content=data[start:end]
        )
        assert response.status_code == 204, response.text
        assert int(response.headers["Upload-Offset"]) == end
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert response.headers["Upload-Expires"].endswith(" GMT")
        assert await offset_of(owner, location) == end
    head = await owner.request("HEAD", location, headers=TUS)
    assert int(head.headers["Upload-Length"]) == len(data)
    assert "filename " + b64("report.pdf") in head.headers["Upload-Metadata"]
    assert sha256_of(staged(app, location)) == hashlib.sha256(data).hexdigest()


async def test_creation_with_upload_stores_the_first_bytes(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    response = await owner.post(
        "/uploads",
        headers={**TUS, "Upload-Length": "10", "Content-Type": STREAM},
        content=b"hello",
    )
    assert response.status_code == 201, response.text
    assert response.headers["Upload-Offset"] == "5"
    assert response.headers["Upload-Expires"].endswith(" GMT")
    location = response.headers["Location"]
    assert await offset_of(owner, location) == 5
    done = await owner.patch(location, headers=patch_headers(5), content=b"world")
    assert done.status_code == 204 and done.headers["Upload-Offset"] == "10"
    assert staged(app, location).read_bytes() == b"helloworld"


async def test_a_patch_at_the_wrong_offset_is_409_and_changes_nothing(api: Api) -> None:
    owner = await api.account()
    location = await create(owner, 10)
    assert (
        await owner.patch(location, headers=patch_headers(0), content=b"abc")
    ).status_code == 204
    for wrong in (0, 5):
        response = await owner.patch(location, headers=patch_headers(wrong), content=b"xyz")
        assert response.status_code == 409, response.text
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert "3" in response.json()["message"]
    assert await offset_of(owner, location) == 3


async def test_a_patch_that_is_not_an_offset_stream_is_415(api: Api) -> None:
    owner = await api.account()
    location = await create(owner, 10)
    headers = {**patch_headers(0), "Content-Type": "application/octet-stream"}
    response = await owner.patch(location, headers=headers, content=b"abc")
    assert response.status_code == 415
    assert await offset_of(owner, location) == 0


async def test_a_request_without_tus_resumable_is_412_and_names_the_version(api: Api) -> None:
    owner = await api.account()
    response = await owner.post("/uploads", headers={"Upload-Length": "10"})
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.json()["message"] == "Tus-Resumable must be 1.0.0"
    location = await create(owner, 10)
    headers = {"Content-Type": STREAM, "Upload-Offset": "0", "Tus-Resumable": "0.2.2"}
    response = await owner.patch(location, headers=headers, content=b"abc")
    assert response.status_code == 412
    assert await offset_of(owner, location) == 0


async def test_a_matching_sha256_is_accepted_and_a_wrong_one_is_460_and_discarded(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    location = await create(owner, 8)
    good = patch_headers(0, **{"Upload-Checksum": sha256_header(b"abcd")})
    response = await owner.patch(location, headers=good, content=b"abcd")
    assert response.status_code == 204 and response.headers["Upload-Offset"] == "4"
    bad = patch_headers(4, **{"Upload-Checksum": sha256_header(b"efgh")})
    response = await owner.patch(location, headers=bad, content=b"EFGH")
    assert response.status_code == 460, response.text
    assert response.json()["message"] == "Checksum Mismatch"
    assert await offset_of(owner, location) == 4
    assert staged(app, location).read_bytes() == b"abcd"
    md5 = patch_headers(4, **{"Upload-Checksum": "md5 " + b64("x" * 16)})
    assert (await owner.patch(location, headers=md5, content=b"efgh")).status_code == 400


async def test_bytes_beyond_upload_length_are_refused_and_not_kept(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    location = await create(owner, 6)
    response = await owner.patch(location, headers=patch_headers(0), content=b"1234567")
    assert response.status_code == 413 and error_code(response) == 40005

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: found out while reading
        yield b"1234"
        yield b"567"

    response = await owner.patch(location, headers=patch_headers(0), content=chunked())
    assert response.status_code == 413 and error_code(response) == 40005
    assert await offset_of(owner, location) == 0
    assert staged(app, location).stat().st_size == 0
    response = await owner.patch(location, headers=patch_headers(0), content=b"123456")
    assert response.status_code == 204 and response.headers["Upload-Offset"] == "6"


async def test_an_upload_length_over_the_limit_is_413_with_40005(api: Api) -> None:
    owner = await api.account()
    response = await owner.post("/uploads", headers={**TUS, "Upload-Length": str(2 * 1024**3 + 1)})
    assert response.status_code == 413 and error_code(response) == 40005
    assert response.headers["Tus-Resumable"] == "1.0.0"


async def test_creation_needs_a_known_length(api: Api) -> None:
    owner = await api.account()
    for headers in ({"Upload-Defer-Length": "1"}, {}, {"Upload-Length": "-1"}):
        response = await owner.post("/uploads", headers={**TUS, **headers})
        assert response.status_code == 400, headers
        assert "Upload-" in response.json()["message"]
    bad = {**TUS, "Upload-Length": "1", "Upload-Metadata": "filename not*base64"}
    assert (await owner.post("/uploads", headers=bad)).status_code == 400


async def test_a_terminated_upload_is_gone_with_its_bytes(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    location = await create(owner, 10)
    await owner.patch(location, headers=patch_headers(0), content=b"abc")
    response = await owner.delete(location, headers=TUS)
    assert response.status_code == 204 and response.headers["Tus-Resumable"] == "1.0.0"
    assert (await owner.request("HEAD", location, headers=TUS)).status_code == 404
    assert (await owner.patch(location, headers=patch_headers(3), content=b"d")).status_code == 404
    assert (await owner.delete(location, headers=TUS)).status_code == 404
    assert not staged(app, location).exists()


async def test_another_users_upload_is_unknown_to_them(api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    location = await create(owner, 10)
    unknown = location.rsplit("/", 1)[0] + "/" + "A" * 32
    for target in (location, unknown):
        assert (await stranger.request("HEAD", target, headers=TUS)).status_code == 404
        patch = await stranger.patch(target, headers=patch_headers(0), content=b"abc")
        assert patch.status_code == 404 and patch.json()["message"] == "Unknown Upload"
        assert (await stranger.delete(target, headers=TUS)).status_code == 404
    assert await offset_of(owner, location) == 0


async def test_every_route_but_options_needs_a_token(api: Api, http: httpx.AsyncClient) -> None:
    owner = await api.account()
    location = await create(owner, 10)
    assert (await http.post("/uploads", headers={**TUS, "Upload-Length": "1"})).status_code == 401
    assert (await http.head(location, headers=TUS)).status_code == 401
    response = await http.patch(location, headers=patch_headers(0), content=b"abc")
    assert response.status_code == 401 and response.headers["Tus-Resumable"] == "1.0.0"
    assert (await http.delete(location, headers=TUS)).status_code == 401
    assert await offset_of(owner, location) == 0


async def test_a_second_patch_while_one_is_writing_is_409(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    location = await create(owner, 20)
    first_taken, release = asyncio.Event(), asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"a" * 10
        first_taken.set()  # the server asked for more: it holds the upload
        await release.wait()
        yield b"b" * 10

    writing = asyncio.create_task(owner.patch(location, headers=patch_headers(0), content=slow()))
    await first_taken.wait()
    second = await owner.patch(location, headers=patch_headers(0), content=b"c" * 5)
    assert second.status_code == 409, second.text
    assert await offset_of(owner, location) == 0
    release.set()
    first = await writing
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "20"
    assert staged(app, location).read_bytes() == b"a" * 10 + b"b" * 10


async def test_a_patch_whose_body_stops_coming_ends_and_keeps_what_came(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await api.account()
    location = await create(owner, 20)
    monkeypatch.setattr(upload_actions, "BODY_IDLE_SECONDS", 0.2)
    never = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:  # a half-open connection: nothing more, ever
        yield b"a" * 10
        await never.wait()
        yield b"b" * 10

    stalling = owner.patch(location, headers=patch_headers(0), content=stalls())
    stalled = await asyncio.wait_for(stalling, timeout=10)  # fails rather than hangs
    assert stalled.status_code == 204 and stalled.headers["Upload-Offset"] == "10"
    resumed = await owner.patch(location, headers=patch_headers(10), content=b"b" * 10)
    assert resumed.status_code == 204 and resumed.headers["Upload-Offset"] == "20"


async def send_then_drop(
    app: FastAPI,
    account: Account,
    location: str,
    headers: dict[str, str],
    sent: bytes,
    declared: int,
) -> None:
    """A PATCH as the server sees a client whose connection drops: part of the body, then
    `http.disconnect` (what uvicorn delivers when the socket closes)."""
    path = urlsplit(location).path
    raw = {**headers, "Authorization": account.token, "Content-Length": str(declared)}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"townhall.test")]
        + [(k.lower().encode(), v.encode()) for k, v in raw.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("townhall.test", 80),
    }
    pieces = [sent[i : i + 64 * 1024] for i in range(0, len(sent), 64 * 1024)]

    async def receive() -> Message:
        if pieces:
            return {"type": "http.request", "body": pieces.pop(0), "more_body": True}
        return {"type": "http.disconnect"}

    async def send(_message: Message) -> None:
        return None  # nobody is listening any more

    await app(scope, receive, send)


async def test_an_upload_cut_mid_patch_keeps_what_arrived_and_resumes_to_completion(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    data = os.urandom(3 * 1024 * 1024)
    location = await create(owner, len(data))
    half = len(data) // 2 + 5
    await send_then_drop(app, owner, location, patch_headers(0), data[:half], declared=len(data))
    resume_at = await offset_of(owner, location)
    assert resume_at == half
    response = await owner.patch(location, headers=patch_headers(resume_at), content=data[half:])
    assert response.status_code == 204 and int(response.headers["Upload-Offset"]) == len(data)
    assert sha256_of(staged(app, location)) == hashlib.sha256(data).hexdigest()


async def test_a_cut_patch_that_declared_a_checksum_keeps_nothing(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    data = os.urandom(1000)
    location = await create(owner, len(data))
    headers = patch_headers(0, **{"Upload-Checksum": sha256_header(data)})
    await send_then_drop(app, owner, location, headers, data[:400], declared=len(data))
    assert await offset_of(owner, location) == 0
    assert staged(app, location).stat().st_size == 0


async def test_bytes_a_crash_left_past_the_stored_offset_are_cut_back(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    location = await create(owner, 10)
    await owner.patch(location, headers=patch_headers(0), content=b"abcd")
    with staged(app, location).open("ab") as file:  # written, but the offset never recorded
        file.write(b"XYZ")
    assert await offset_of(owner, location) == 4
    assert staged(app, location).read_bytes() == b"abcd"
    with staged(app, location).open("ab") as file:
        file.write(b"XYZ")
    response = await owner.patch(location, headers=patch_headers(4), content=b"efghij")
    assert response.status_code == 204 and response.headers["Upload-Offset"] == "10"
    assert staged(app, location).read_bytes() == b"abcdefghij"


async def test_one_person_has_at_most_20_unfinished_uploads(api: Api) -> None:
    owner = await api.account()
    locations = [await create(owner, 1) for _ in range(upload_actions.MAX_OPEN_UPLOADS)]
    response = await owner.post("/uploads", headers={**TUS, "Upload-Length": "1"})
    assert response.status_code == 400
    assert "unfinished uploads" in response.json()["message"]
    assert (await owner.delete(locations[0], headers=TUS)).status_code == 204
    await create(owner, 1)


async def test_claim_finished_hands_over_the_complete_file_and_forgets_the_upload(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    data = os.urandom(5000)
    location = await create(owner, len(data), filename="holiday.mov")
    await owner.patch(location, headers=patch_headers(0), content=data)
    s = services(app)
    finished = await upload_actions.claim_finished(s, actor_of(owner), upload_id(location))
    try:
        assert (finished.id, finished.filename, finished.size) == (
            upload_id(location),
            "holiday.mov",
            len(data),
        )
        assert finished.path.read_bytes() == data
        assert (await owner.request("HEAD", location, headers=TUS)).status_code == 404
        with pytest.raises(InvalidFormBody) as again:
            await upload_actions.claim_finished(s, actor_of(owner), upload_id(location))
        assert again.value.errors["attachments"]["_errors"][0]["code"] == "ATTACHMENT_NOT_FOUND"  # type: ignore[index]
    finally:
        finished.path.unlink()


async def test_claim_finished_refuses_unfinished_and_foreign_uploads(
    api: Api, app: FastAPI
) -> None:
    owner, stranger = await api.account(), await api.account()
    location = await create(owner, 10)
    await owner.patch(location, headers=patch_headers(0), content=b"half")
    s = services(app)
    cases = [(owner, "ATTACHMENT_INCOMPLETE"), (stranger, "ATTACHMENT_NOT_FOUND")]
    for who, code in cases:
        with pytest.raises(InvalidFormBody) as refused:
            await upload_actions.claim_finished(s, actor_of(who), upload_id(location))
        problem = refused.value.errors["attachments"]["_errors"][0]  # type: ignore[index]
        assert problem["code"] == code and problem["message"]
    assert await offset_of(owner, location) == 4


@dataclass
class ServicesLater(Services):
    """The same services, with a clock `ahead` of the real one."""

    ahead: timedelta = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.ahead


def later(app: FastAPI, ahead: timedelta) -> ServicesLater:
    s = services(app)
    return ServicesLater(**{f.name: getattr(s, f.name) for f in fields(Services)}, ahead=ahead)


async def test_the_expiry_job_removes_uploads_untouched_too_long_and_crash_leftovers(
    api: Api, app: FastAPI
) -> None:
    owner = await api.account()
    location = await create(owner, 10)
    await owner.patch(location, headers=patch_headers(0), content=b"abc")
    folder = staged(app, location).parent
    leftover = folder / ("L" * 32)  # a staging file whose row a crash never wrote
    leftover.write_bytes(b"lost")
    not_ours = folder / "1234567890-abcdef01"  # a message's file being staged
    not_ours.write_bytes(b"theirs")
    expiry = timedelta(seconds=services(app).settings.upload_expiry_seconds)

    await upload_actions.expire_uploads.run(later(app, expiry - timedelta(minutes=1)), {})
    assert await offset_of(owner, location) == 3
    assert staged(app, location).exists() and leftover.exists()

    await upload_actions.expire_uploads.run(later(app, expiry + timedelta(seconds=1)), {})
    assert (await owner.request("HEAD", location, headers=TUS)).status_code == 404
    assert not staged(app, location).exists()
    assert not leftover.exists()
    assert not_ours.read_bytes() == b"theirs"
    not_ours.unlink()


async def test_the_expiry_job_is_scheduled_to_recur_when_the_server_starts(app: FastAPI) -> None:
    async with services(app).engine.connect() as conn:
        found = await conn.execute(select(jobs.c.kind).where(jobs.c.unique_key == "uploads.expire"))
    assert found.scalars().all() == ["uploads.expire"]


async def test_an_expired_upload_cannot_be_resumed(api: Api, app: FastAPI) -> None:
    owner = await api.account()
    location = await create(owner, 10)
    expiry = timedelta(seconds=services(app).settings.upload_expiry_seconds)
    moved_on = later(app, expiry + timedelta(seconds=1))
    with pytest.raises(tus.UnknownUpload):
        await upload_actions.upload_status(moved_on, actor_of(owner), upload_id(location))
    assert await offset_of(owner, location) == 0  # still there for the real clock
