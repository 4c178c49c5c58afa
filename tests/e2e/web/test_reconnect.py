"""The gateway connection drops and RESUMEs without losing events; a message written offline is
sent once when the network is back."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.web.conftest import create_guild, invite_into, new_context, open_as, post, sign_up
from tests.server_process import Server


def test_a_dropped_connection_resumes_and_loses_nothing(
    browser: Browser, web_server: Server
) -> None:
    person = sign_up(web_server, "resumer")
    guild_id, channel_id = create_guild(person, "Resume Club")
    other = sign_up(web_server, "writer")
    with person.api() as http:
        code = http.post(f"/channels/{channel_id}/invites", json={}).json()["code"]
    with other.api() as http:
        http.post(f"/invites/{code}")
    context = new_context(browser)
    try:
        page = open_as(context, person, f"/channels/{guild_id}/{channel_id}")
        expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_have_count(0)
        page.evaluate("window.townhall.gateway.drop()")
        # While the client is away the others keep talking; the replay buffer keeps it all.
        for n in range(3):
            post(other, channel_id, f"while you were away {n}")
        for n in range(3):
            expect(page.get_by_text(f"while you were away {n}")).to_be_visible()
        resumed = page.evaluate("window.townhall.gateway.status")
        assert resumed == "ready"
    finally:
        context.close()


def test_a_message_written_offline_is_sent_once_when_back_online(
    browser: Browser, web_server: Server
) -> None:
    person = sign_up(web_server, "offline")
    guild_id, channel_id = create_guild(person, "Offline Club")
    context = new_context(browser)
    try:
        page = open_as(context, person, f"/channels/{guild_id}/{channel_id}")
        box = page.get_by_role("combobox", name=re.compile("^Write a message"))
        expect(box).to_be_visible()
        context.set_offline(True)
        box.fill("written on the train")
        box.press("Enter")
        pending = page.get_by_role("article").filter(has_text="written on the train")
        expect(pending).to_contain_text("Waiting for the connection")
        context.set_offline(False)
        expect(pending).not_to_contain_text("Waiting for the connection")
        # "Sending…" goes when the server has answered the write, not before.
        expect(pending).not_to_contain_text("Sending…")
        with person.api() as http:
            history = http.get(f"/channels/{channel_id}/messages").json()
        assert [m["content"] for m in history].count("written on the train") == 1
        expect(page.get_by_role("article").filter(has_text="written on the train")).to_have_count(1)
    finally:
        context.close()


def test_a_message_over_the_limit_is_explained_and_kept(
    browser: Browser, web_server: Server
) -> None:
    person = sign_up(web_server, "toolong")
    guild_id, channel_id = create_guild(person, "Limits Club")
    context = new_context(browser)
    try:
        page = open_as(context, person, f"/channels/{guild_id}/{channel_id}")
        box = page.get_by_role("combobox", name=re.compile("^Write a message"))
        box.fill("x" * 2001)
        box.press("Enter")
        expect(
            page.get_by_role("alert").filter(has_text="at most 2,000 characters")
        ).to_be_visible()
        expect(box).to_have_value("x" * 2001)
    finally:
        context.close()


def test_a_message_the_server_refuses_is_marked_failed_with_the_reason_and_a_retry(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "slowowner")
    member = sign_up(web_server, "slowmember")
    guild_id, channel_id = create_guild(owner, "Slow Club")
    invite_into(owner, channel_id, member)
    with owner.api() as http:
        http.patch(f"/channels/{channel_id}", json={"rate_limit_per_user": 120})
    context = new_context(browser)
    try:
        page = open_as(context, member, f"/channels/{guild_id}/{channel_id}")
        box = page.get_by_role("combobox", name=re.compile("^Write a message"))
        box.fill("first")
        box.press("Enter")
        expect(page.get_by_role("article").filter(has_text="first")).not_to_contain_text("Sending")
        box.fill("second, too soon")
        box.press("Enter")
        failed = page.get_by_role("article").filter(has_text="second, too soon")
        expect(failed.get_by_role("alert")).to_contain_text(
            re.compile(r"Not sent: Slow down: you can try again in \d+ seconds")
        )
        expect(failed.get_by_role("button", name="Try again")).to_be_visible()
        failed.get_by_role("button", name="Discard").click()
        expect(failed).to_have_count(0)
    finally:
        context.close()
