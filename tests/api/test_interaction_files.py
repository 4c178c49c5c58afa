"""Files in an application's answers: the callback (types 4 and 7), follow-ups and their edits
take Discord's multipart bodies; an ephemeral answer's files are its invoker's alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.api.interaction_helpers import Setup, callback, data_of, first, invoke, setup, webhook
from tests.api.test_attachments import fetch
from tests.api.test_interaction_components import ROW, click, post_with_components
from tests.api.test_messages import history
from tests.api.test_scanning import scanning_server
from tests.conftest import Api, error_code
from townhall.events.event import Envelope

EPHEMERAL, LOADING = 1 << 6, 1 << 7


def multipart(body: dict[str, Any], files: list[tuple[str, bytes]]) -> dict[str, Any]:
    """What discord.py sends: `payload_json` and parts `files[n]`."""
    return {
        "data": {"payload_json": json.dumps(body)},
        "files": {
            f"files[{n}]": (name, data, "application/octet-stream")
            for n, (name, data) in enumerate(files)
        },
    }


async def hello(s: Setup, published: list[Envelope]) -> dict[str, Any]:
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    return await invoke(s, published, s.body("hello", who))


async def answer_with_files(
    http: httpx.AsyncClient,
    interaction: dict[str, Any],
    body: dict[str, Any],
    files: list[tuple[str, bytes]],
) -> httpx.Response:
    return await http.post(
        f"/interactions/{interaction['id']}/{interaction['token']}/callback",
        params={"with_response": "true"},
        **multipart(body, files),
    )


async def test_an_answer_and_a_follow_up_carry_files_everyone_in_the_channel_sees(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    interaction = await hello(s, published)
    answered = await answer_with_files(
        api.http,
        interaction,
        {
            "type": 4,
            "data": {"content": "Here", "attachments": [{"id": 0, "description": "The numbers"}]},
        },
        [("numbers.csv", b"a,b\n1,2\n")],
    )
    assert answered.status_code == 200, answered.text
    message = answered.json()["resource"]["message"]
    (sheet,) = message["attachments"]
    assert (sheet["filename"], sheet["description"]) == ("numbers.csv", "The numbers")
    (seen,) = [m for m in await history(s.owner, s.channel_id) if m["id"] == message["id"]]
    assert (await fetch(api.http, seen["attachments"][0]["url"])).content == b"a,b\n1,2\n"

    follow = await api.http.post(
        webhook(s, interaction), **multipart({"content": "And this"}, [("more.txt", b"more")])
    )
    assert follow.status_code == 200, follow.text
    assert [a["filename"] for a in follow.json()["attachments"]] == ["more.txt"]
    assert follow.json()["interaction_metadata"]["original_response_message_id"] == message["id"]

    original = webhook(s, interaction, "/messages/@original")
    edited = await api.http.patch(
        original,
        **multipart(
            {"attachments": [{"id": sheet["id"]}, {"id": 0, "filename": "chart.txt"}]},
            [("x.bin", b"chart")],
        ),
    )
    assert edited.status_code == 200, edited.text
    assert [a["filename"] for a in edited.json()["attachments"]] == ["numbers.csv", "chart.txt"]
    dropped = await api.http.patch(original, json={"attachments": [{"id": sheet["id"]}]})
    assert [a["filename"] for a in dropped.json()["attachments"]] == ["numbers.csv"]
    gone = edited.json()["attachments"][1]["url"]
    assert (await fetch(api.http, gone)).status_code == 404


async def test_an_update_message_answer_replaces_the_components_message_files(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    message = await post_with_components(s, ROW)
    interaction = await invoke(s, published, click(s, message, "vote:yes"))
    answered = await answer_with_files(
        api.http,
        interaction,
        {"type": 7, "data": {"content": "Results", "attachments": [{"id": 0}]}},
        [("results.txt", b"yes: 1")],
    )
    assert answered.status_code == 200, answered.text
    updated = answered.json()["resource"]["message"]
    assert updated["id"] == message["id"] and updated["content"] == "Results"
    shown = (await s.member.get(f"/channels/{s.channel_id}/messages/{message['id']}")).json()
    assert [a["filename"] for a in shown["attachments"]] == ["results.txt"]


async def test_a_deferred_answer_is_filled_in_with_the_follow_ups_files(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    interaction = await hello(s, published)
    deferred = await callback(api.http, interaction, {"type": 5})
    assert deferred.status_code == 204
    done = await api.http.post(
        webhook(s, interaction), **multipart({"content": "Done"}, [("report.txt", b"ok")])
    )
    assert done.status_code == 200, done.text
    assert not done.json()["flags"] & LOADING
    assert [a["filename"] for a in done.json()["attachments"]] == ["report.txt"]
    latest = (await history(s.member, s.channel_id))[0]
    assert latest["id"] == done.json()["id"] and latest["attachments"][0]["filename"] == (
        "report.txt"
    )


async def test_an_ephemeral_answers_files_are_the_invokers_alone(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    interaction = await hello(s, published)
    seen = len(published)
    answered = await answer_with_files(
        api.http,
        interaction,
        {"type": 4, "data": {"content": "Your receipt", "flags": EPHEMERAL}},
        [("receipt.txt", b"paid: 12 EUR")],
    )
    assert answered.status_code == 200, answered.text
    message = answered.json()["resource"]["message"]
    assert message["flags"] & EPHEMERAL
    created = await first(published, lambda e: e.type == "MESSAGE_CREATE", after=seen)
    assert created.user_ids == frozenset({s.member.id})
    (receipt,) = data_of(created)["attachments"]
    assert receipt["filename"] == "receipt.txt"

    url = f"http://townhall.test{urlsplit(receipt['url']).path}"
    assert (await api.http.get(url, headers=s.member.headers)).content == b"paid: 12 EUR"
    refused = await api.http.get(url, headers=s.owner.headers)
    assert refused.status_code == 404 and b"paid" not in refused.content
    assert (await fetch(api.http, receipt["url"])).content == b"paid: 12 EUR"  # its link
    assert message["id"] not in [m["id"] for m in await history(s.owner, s.channel_id)]

    path = webhook(s, interaction, "/messages/@original")
    emptied = await api.http.patch(path, json={"attachments": []})
    assert emptied.status_code == 200 and emptied.json()["attachments"] == []
    assert (await api.http.get(url, headers=s.member.headers)).status_code == 404
    follow = await api.http.post(
        webhook(s, interaction),
        **multipart({"content": "Copy", "flags": EPHEMERAL}, [("copy.txt", b"again")]),
    )
    assert follow.status_code == 200 and follow.json()["flags"] & EPHEMERAL
    copy = f"http://townhall.test{urlsplit(follow.json()['attachments'][0]['url']).path}"
    assert (await api.http.get(copy, headers=s.member.headers)).content == b"again"
    assert (await api.http.get(copy, headers=s.owner.headers)).status_code == 404


async def test_answers_with_files_are_refused_as_message_files_are(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    interaction = await hello(s, published)
    wrong = await answer_with_files(
        api.http, {**interaction, "token": "nope"}, {"type": 4, "data": {}}, [("a.txt", b"x")]
    )
    assert wrong.status_code == 404 and error_code(wrong) == 10062
    too_many = await answer_with_files(
        api.http, interaction, {"type": 4, "data": {}}, [(f"{n}.txt", b"x") for n in range(11)]
    )
    assert too_many.status_code == 400 and error_code(too_many) == 50035
    bad = await answer_with_files(
        api.http,
        interaction,
        {"type": 4, "data": {"attachments": "none"}},
        [("a.txt", b"x")],
    )
    assert bad.status_code == 400 and error_code(bad) == 50035
    assert "attachments" in bad.json()["errors"]["data"]
    only_file = await answer_with_files(
        api.http, interaction, {"type": 4, "data": {}}, [("a.txt", b"x")]
    )
    assert only_file.status_code == 200, only_file.text  # a file alone is a message
    follow = await api.http.post(
        f"/webhooks/{s.bot.application_id}/nope", **multipart({}, [("a.txt", b"x")])
    )
    assert follow.status_code == 401 and error_code(follow) == 50027


async def test_an_ephemeral_file_reaches_the_invoker_once_it_is_scanned(
    tmp_path: Path, clamd_socket: str
) -> None:
    async with scanning_server(tmp_path, clamd_socket) as (api, http, seen):
        s = await setup(api)
        interaction = await hello(s, seen)
        after = len(seen)
        answered = await answer_with_files(
            http,
            interaction,
            {"type": 4, "data": {"content": "Scanned", "flags": EPHEMERAL}},
            [("clean.txt", b"nothing bad\n")],
        )
        assert answered.status_code == 200, answered.text
        message_id = answered.json()["resource"]["message"]["id"]
        created = await first(seen, lambda e: e.type == "MESSAGE_CREATE", after=after)
        assert created.user_ids == frozenset({s.member.id})
        assert data_of(created)["attachments"] == []  # not before its scan
        update = await first(
            seen,
            lambda e: e.type == "MESSAGE_UPDATE" and data_of(e)["id"] == message_id,
            after=after,
        )
        assert update.user_ids == frozenset({s.member.id})
        (clean,) = data_of(update)["attachments"]
        url = f"http://townhall.test{urlsplit(clean['url']).path}"
        assert (await http.get(url, headers=s.member.headers)).content == b"nothing bad\n"
