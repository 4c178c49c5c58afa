"""Files on messages: sending them as bots do (multipart), what others get, and downloading them."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from tests.api.test_uploads import STREAM, upload_id
from tests.api.test_uploads import create as create_upload
from tests.conftest import Account, Api, text_channel
from townhall.domain.permissions import Permission

PNG_SIZE = (64, 48)


def png_bytes(size: tuple[int, int] = PNG_SIZE) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def send_files(
    who: Account,
    channel_id: str,
    files: list[tuple[str, bytes]],
    payload: dict[str, Any] | None = None,
) -> httpx.Response:
    """Send as discord.py does: `payload_json` and parts `files[n]`."""
    body = payload if payload is not None else {"content": "look"}
    parts = {
        f"files[{n}]": (name, data, "application/octet-stream")
        for n, (name, data) in enumerate(files)
    }
    return await who.post(
        f"/channels/{channel_id}/messages",
        data={"payload_json": json.dumps(body)},
        files=parts,
    )


async def fetch(http: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """GET a file link as a browser would: path and query, no token."""
    link = urlsplit(url)
    return await http.get(f"http://townhall.test{link.path}?{link.query}", **kwargs)


async def guild_with_member(api: Api) -> tuple[Account, Account, str]:
    owner, member = await api.account("owner"), await api.account("member")
    channel_id = text_channel(await owner.guild())["id"]
    await member.join(owner, channel_id)
    return owner, member, channel_id


async def test_a_file_sent_as_bots_send_it_reaches_others_and_downloads_intact(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, member, channel_id = await guild_with_member(api)
    image = png_bytes()
    sent = await send_files(
        owner,
        channel_id,
        [("red square.png", image)],
        {"content": "a square", "attachments": [{"id": 0, "description": "A red square"}]},
    )
    assert sent.status_code == 200, sent.text
    (attachment,) = sent.json()["attachments"]
    assert attachment["filename"] == "red square.png"
    assert attachment["description"] == "A red square"
    assert attachment["size"] == len(image)
    assert attachment["content_type"] == "image/png"
    assert (attachment["width"], attachment["height"]) == PNG_SIZE
    assert "scan_status" not in attachment

    page = await member.get(f"/channels/{channel_id}/messages")
    (shown,) = page.json()[0]["attachments"]
    assert shown["id"] == attachment["id"]

    got = await fetch(http, shown["url"])
    assert got.status_code == 200
    assert got.content == image
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"].startswith("sandbox")
    assert got.headers["content-disposition"].startswith("inline")


async def test_the_type_comes_from_the_bytes_and_pages_are_downloads_not_documents(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    page = b"<!DOCTYPE html><html><script>alert(localStorage.token)</script></html>"
    sent = await send_files(owner, channel_id, [("holiday.png", page)])
    assert sent.status_code == 200, sent.text
    (attachment,) = sent.json()["attachments"]
    assert attachment["content_type"] == "text/html"
    assert "width" not in attachment

    got = await fetch(http, attachment["url"])
    assert got.content == page
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment")


async def test_ranges_are_served_for_seeking(api: Api, http: httpx.AsyncClient) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    data = bytes(range(256)) * 40
    sent = await send_files(owner, channel_id, [("numbers.bin", data)])
    url = sent.json()["attachments"][0]["url"]

    middle = await fetch(http, url, headers={"Range": "bytes=100-199"})
    assert middle.status_code == 206
    assert middle.content == data[100:200]
    assert middle.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = await fetch(http, url, headers={"Range": "bytes=-10"})
    assert tail.content == data[-10:]
    beyond = await fetch(http, url, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416


async def test_a_link_that_was_tampered_with_gives_nothing(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    sent = await send_files(owner, channel_id, [("note.txt", b"private notes")])
    url = sent.json()["attachments"][0]["url"]
    link = urlsplit(url)
    query = dict(part.split("=", 1) for part in link.query.split("&"))

    forged = {**query, "ex": format(int(query["ex"], 16) + 86400 * 365, "x")}
    longer = await http.get(f"http://townhall.test{link.path}", params=forged)
    assert longer.status_code == 404
    bare = await http.get(f"http://townhall.test{link.path}")
    assert bare.status_code == 401
    assert (await fetch(http, url)).content == b"private notes"


async def test_without_a_link_the_token_must_be_allowed_to_read_the_channel(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, member, channel_id = await guild_with_member(api)
    outsider = await api.account("outsider")
    sent = await send_files(owner, channel_id, [("plan.txt", b"the plan")])
    path = urlsplit(sent.json()["attachments"][0]["url"]).path
    url = f"http://townhall.test{path}"

    assert (await http.get(url, headers=member.headers)).content == b"the plan"
    refused = await http.get(url, headers=outsider.headers)
    assert refused.status_code in (403, 404)
    assert b"the plan" not in refused.content


async def test_attach_files_is_needed(api: Api) -> None:
    owner, member, channel_id = await guild_with_member(api)
    guild_id = (await owner.get(f"/channels/{channel_id}")).json()["guild_id"]
    everyone = (await owner.get(f"/guilds/{guild_id}/roles")).json()[0]
    without = int(everyone["permissions"]) & ~int(Permission.ATTACH_FILES)
    edited = await owner.patch(
        f"/guilds/{guild_id}/roles/{guild_id}", json={"permissions": str(without)}
    )
    assert edited.status_code == 200, edited.text

    refused = await send_files(member, channel_id, [("cat.png", png_bytes())])
    assert refused.status_code == 403
    assert refused.json()["code"] == 50013
    texts = (await owner.get(f"/channels/{channel_id}/messages")).json()
    assert texts == []
    plain = await member.post(f"/channels/{channel_id}/messages", json={"content": "words only"})
    assert plain.status_code == 200


async def test_file_names_are_made_safe_but_kept_for_display(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    given = "../../etc/\u202etxt.exe\x00 report.pdf"
    sent = await send_files(
        owner,
        channel_id,
        [("report.pdf", b"%PDF-1.4 nothing")],
        {"attachments": [{"id": 0, "filename": given}]},
    )
    assert sent.status_code == 200, sent.text
    name = sent.json()["attachments"][0]["filename"]
    assert name == "txt.exe report.pdf"
    assert "/" not in sent.json()["attachments"][0]["url"].rsplit("/", 1)[1].split("?")[0]


async def test_a_message_may_be_only_files_but_not_more_than_ten(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    only = await send_files(owner, channel_id, [("a.txt", b"a")], {})
    assert only.status_code == 200, only.text
    assert only.json()["content"] == ""
    eleven = await send_files(owner, channel_id, [(f"{n}.txt", b"x") for n in range(11)])
    assert eleven.status_code == 400


async def test_a_bad_payload_json_is_a_clear_error(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    response = await owner.post(
        f"/channels/{channel_id}/messages",
        data={"payload_json": "{not json"},
        files={"files[0]": ("a.txt", b"a", "text/plain")},
    )
    assert response.status_code == 400
    assert response.json()["code"] in (50035, 50109)


async def test_deleting_the_message_takes_its_files_away(api: Api, http: httpx.AsyncClient) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    sent = await send_files(owner, channel_id, [("gone.txt", b"soon gone")])
    url = sent.json()["attachments"][0]["url"]
    assert (await fetch(http, url)).status_code == 200
    deleted = await owner.delete(f"/channels/{channel_id}/messages/{sent.json()['id']}")
    assert deleted.status_code == 204
    assert (await fetch(http, url)).status_code == 404


@pytest.mark.parametrize("flags", [1 << 13])
async def test_a_voice_message_needs_its_permission(api: Api, flags: int) -> None:
    owner, member, channel_id = await guild_with_member(api)
    guild_id = (await owner.get(f"/channels/{channel_id}")).json()["guild_id"]
    everyone = (await owner.get(f"/guilds/{guild_id}/roles")).json()[0]
    without = int(everyone["permissions"]) & ~int(Permission.SEND_VOICE_MESSAGES)
    await owner.patch(f"/guilds/{guild_id}/roles/{guild_id}", json={"permissions": str(without)})
    refused = await send_files(
        member, channel_id, [("voice-message.ogg", b"OggS")], {"flags": flags}
    )
    assert refused.status_code == 403


async def test_an_edit_keeps_the_files_it_names_adds_new_ones_and_drops_the_rest(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, member, channel_id = await guild_with_member(api)
    sent = await send_files(owner, channel_id, [("a.txt", b"first"), ("b.txt", b"second")])
    first, second = sent.json()["attachments"]
    message = f"/channels/{channel_id}/messages/{sent.json()['id']}"

    edited = await owner.patch(
        message,
        data={
            "payload_json": json.dumps(
                {"attachments": [{"id": first["id"]}, {"id": 0, "filename": "c.txt"}]}
            )
        },
        files={"files[0]": ("upload.bin", b"third", "application/octet-stream")},
    )
    assert edited.status_code == 200, edited.text
    names = [a["filename"] for a in edited.json()["attachments"]]
    assert names == ["a.txt", "c.txt"]
    assert (await fetch(http, second["url"])).status_code == 404
    shown = (await member.get(message)).json()["attachments"]
    assert [a["filename"] for a in shown] == ["a.txt", "c.txt"]
    assert (await fetch(http, shown[1]["url"])).content == b"third"

    by_other = await member.patch(message, json={"attachments": []})
    assert by_other.status_code == 403
    emptied = await owner.patch(message, json={"content": "now only words", "attachments": []})
    assert emptied.status_code == 200, emptied.text
    assert emptied.json()["attachments"] == []
    nothing = await owner.patch(message, json={"content": ""})
    assert nothing.status_code == 400


async def test_a_community_may_allow_smaller_files_than_the_server(api: Api) -> None:
    owner, member, channel_id = await guild_with_member(api)
    guild_id = (await owner.get(f"/channels/{channel_id}")).json()["guild_id"]
    refused = await member.patch(f"/guilds/{guild_id}", json={"max_file_size": 1000})
    assert refused.status_code == 403
    too_generous = await owner.patch(f"/guilds/{guild_id}", json={"max_file_size": 2**40})
    assert too_generous.status_code == 400
    assert "max_file_size" in too_generous.json()["errors"]
    limited = await owner.patch(f"/guilds/{guild_id}", json={"max_file_size": 1000})
    assert limited.status_code == 200, limited.text
    assert limited.json()["max_file_size"] == 1000

    big = await send_files(member, channel_id, [("scan.pdf", b"%PDF" + bytes(2000))])
    assert big.status_code == 413
    assert big.json()["code"] == 40005
    assert "scan.pdf is larger than the 1.0 KB allowed" in big.json()["message"]
    small = await send_files(member, channel_id, [("note.txt", b"fits")])
    assert small.status_code == 200

    reset = await owner.patch(f"/guilds/{guild_id}", json={"max_file_size": None})
    assert reset.json()["max_file_size"] is None
    again = await send_files(member, channel_id, [("scan.pdf", b"%PDF" + bytes(2000))])
    assert again.status_code == 200


async def test_uploaded_and_sent_files_keep_the_order_the_message_gives(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, member, channel_id = await guild_with_member(api)
    data = b"%PDF-1.4 a big report"
    location = await create_upload(
        owner, len(data), "big.pdf", headers={"Content-Type": STREAM}, content=data
    )
    sent = await send_files(
        owner,
        channel_id,
        [("ignored", b"small text")],
        {
            "attachments": [
                {"id": "up", "uploaded_filename": upload_id(location)},
                {"id": 0, "filename": "small.txt"},
            ]
        },
    )
    assert sent.status_code == 200, sent.text
    names = [a["filename"] for a in sent.json()["attachments"]]
    assert names == ["big.pdf", "small.txt"]
    uploaded = sent.json()["attachments"][0]
    assert (await fetch(http, uploaded["url"])).content == data
    again = await send_files(
        owner,
        channel_id,
        [("x.txt", b"x")],
        {"attachments": [{"id": "up", "uploaded_filename": upload_id(location)}]},
    )
    assert again.status_code == 400  # an upload is attached once
    foreign = await send_files(
        member,
        channel_id,
        [("x.txt", b"x")],
        {"attachments": [{"id": "up", "uploaded_filename": upload_id(location)}]},
    )
    assert foreign.status_code == 400


async def test_only_message_routes_take_files(api: Api) -> None:
    owner = await api.account("owner")
    big = {"files[0]": ("big.bin", bytes(400 * 1024), "application/octet-stream")}
    refused = await owner.post("/guilds", data={"payload_json": "{}"}, files=big)
    assert refused.status_code == 413
    assert refused.json()["code"] == 40005


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n"),
        ("multipart/form-data; boundary=x", b"--x\r\ngarbage without headers"),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="payload_json"; filename="p.json"\r\n'
            b"Content-Type: application/json\r\n\r\n{}\r\n--x--\r\n",
        ),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="payload_json"\r\n\r\n'
            b'{"attachments": [{"id": {"no": 1}}]}\r\n--x--\r\n',
        ),
        (
            "multipart/form-data; boundary=x",
            b"".join(
                b'--x\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % n
                for n in range(30)
            )
            + b"--x--\r\n",
        ),
    ],
    ids=["no-boundary", "no-name", "no-headers", "payload-as-file", "bad-entry", "many-fields"],
)
async def test_a_broken_form_is_a_clear_4xx(api: Api, content_type: str, body: bytes) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    response = await owner.post(
        f"/channels/{channel_id}/messages", content=body, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status_code < 500, response.text
    assert isinstance(response.json()["code"], int)
    assert (await owner.get(f"/channels/{channel_id}/messages")).json() == []


async def test_an_upload_refused_as_too_large_here_can_still_be_attached_elsewhere(
    api: Api,
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    guild_id = (await owner.get(f"/channels/{channel_id}")).json()["guild_id"]
    await owner.patch(f"/guilds/{guild_id}", json={"max_file_size": 10})
    data = b"%PDF-1.4 bigger than ten bytes"
    location = await create_upload(
        owner, len(data), "big.pdf", headers={"Content-Type": STREAM}, content=data
    )
    entry = {"attachments": [{"id": "up", "uploaded_filename": upload_id(location)}]}
    refused = await owner.post(f"/channels/{channel_id}/messages", json=entry)
    assert refused.status_code == 413
    assert "big.pdf is larger than" in refused.json()["message"]
    elsewhere = text_channel(await owner.guild("No limit here"))["id"]
    sent = await owner.post(f"/channels/{elsewhere}/messages", json=entry)
    assert sent.status_code == 200, sent.text
    assert sent.json()["attachments"][0]["filename"] == "big.pdf"
