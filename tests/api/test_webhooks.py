"""Channel webhooks: managed with MANAGE_WEBHOOKS, executed with their token (Discord's routes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.api import store_setup
from tests.api.test_messages import guild_with_member, history, send
from tests.conftest import Account, Api, error_code, event_types
from townhall.domain.permissions import Permission as P
from townhall.events.event import Envelope

GITHUB_PUSH = Path(__file__).with_name("github_push.json")


async def create(account: Account, channel_id: str, name: str = "Deploys") -> dict[str, Any]:
    response = await account.post(f"/channels/{channel_id}/webhooks", json={"name": name})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def path(webhook: dict[str, Any], suffix: str = "") -> str:
    return f"/webhooks/{webhook['id']}/{webhook['token']}{suffix}"


async def test_a_manager_creates_lists_and_the_token_is_shown_once(api: Api) -> None:
    owner, _member, guild, channel_id = await guild_with_member(api)
    created = await create(owner, channel_id)
    assert created["type"] == 1 and created["name"] == "Deploys"
    assert created["channel_id"] == channel_id and created["guild_id"] == guild["id"]
    assert created["application_id"] is None and created["user"]["id"] == str(owner.id)
    assert created["token"] and created["url"].endswith(path(created))
    for listed in (
        (await owner.get(f"/channels/{channel_id}/webhooks")).json(),
        (await owner.get(f"/guilds/{guild['id']}/webhooks")).json(),
    ):
        assert [w["id"] for w in listed] == [created["id"]]
        assert "token" not in listed[0]  # stored hashed: never shown again
    fetched = (await owner.get(f"/webhooks/{created['id']}")).json()
    assert fetched["name"] == "Deploys" and "token" not in fetched
    by_token = await api.http.get(path(created))
    assert by_token.status_code == 200 and by_token.json()["id"] == created["id"]
    assert "user" not in by_token.json()


async def test_names_follow_discords_rules(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    for name in ("", "x" * 81, "my Clyde", "discord bot", 5):
        response = await owner.post(f"/channels/{channel_id}/webhooks", json={"name": name})
        assert response.status_code == 400 and error_code(response) == 50035, name
        assert "name" in response.json()["errors"]


async def test_executing_posts_a_webhook_message(api: Api, published: list[Envelope]) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    assert "WEBHOOKS_UPDATE" in event_types(published)
    quiet = await api.http.post(path(webhook), json={"content": "no wait"})
    assert quiet.status_code == 204
    response = await api.http.post(
        path(webhook),
        params={"wait": "true"},
        json={
            "content": f"hi <@{member.id}> @everyone",
            "username": "CI",
            "embeds": [{"title": "build", "description": "passed"}],
            "allowed_mentions": {"parse": ["users"]},
        },
    )
    assert response.status_code == 200, response.text
    message = response.json()
    assert message["webhook_id"] == webhook["id"]
    assert message["author"] == {
        **message["author"],
        "id": webhook["id"],
        "username": "CI",
        "bot": True,
        "discriminator": "0000",
    }
    assert [u["id"] for u in message["mentions"]] == [str(member.id)]
    assert message["mention_everyone"] is False and message["embeds"][0]["title"] == "build"
    stored = await history(member, channel_id)
    assert [m["content"] for m in stored[:2]] == [message["content"], "no wait"]
    assert stored[1]["author"]["username"] == "Deploys" and stored[0]["webhook_id"] == webhook["id"]
    assert event_types(published).count("MESSAGE_CREATE") >= 2


async def test_execute_refuses_bad_tokens_bodies_and_empty_messages(api: Api) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    wrong = await api.http.post(f"/webhooks/{webhook['id']}/nope", json={"content": "x"})
    assert wrong.status_code == 401 and error_code(wrong) == 50027
    unknown = await api.http.post("/webhooks/1/nope", json={"content": "x"})
    assert unknown.status_code == 404 and error_code(unknown) == 10015
    empty = await api.http.post(path(webhook), json={})
    assert empty.status_code == 400 and error_code(empty) == 50006
    bad = await api.http.post(path(webhook), json={"content": 5})
    assert bad.status_code == 400 and error_code(bad) == 50035
    long_name = await api.http.post(path(webhook), json={"content": "x", "username": "clyde"})
    assert long_name.status_code == 400 and error_code(long_name) == 50035
    assert (await api.http.get(f"/webhooks/{webhook['id']}/nope")).status_code == 401
    assert (await api.http.patch(f"/webhooks/{webhook['id']}/nope", json={})).status_code == 401
    assert (await api.http.delete(f"/webhooks/{webhook['id']}/nope")).status_code == 401


async def test_without_manage_webhooks_every_managing_route_is_refused(
    api: Api, app: FastAPI
) -> None:
    owner, member, guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    stranger = await api.account()
    for account, code in ((member, 50013), (stranger, 50001)):
        for response in (
            await account.post(f"/channels/{channel_id}/webhooks", json={"name": "x"}),
            await account.get(f"/channels/{channel_id}/webhooks"),
            await account.get(f"/guilds/{guild['id']}/webhooks"),
        ):
            assert response.status_code == 403 and error_code(response) == code, response.text
    for account, code in ((member, 50013), (stranger, 10015)):
        for response in (
            await account.get(f"/webhooks/{webhook['id']}"),
            await account.patch(f"/webhooks/{webhook['id']}", json={"name": "mine"}),
            await account.delete(f"/webhooks/{webhook['id']}"),
        ):
            assert error_code(response) == code, response.text
    assert (await api.http.get(f"/webhooks/{webhook['id']}")).status_code == 401
    await store_setup.give_role(app, guild["id"], [member.id], int(P.MANAGE_WEBHOOKS))
    renamed = await member.patch(f"/webhooks/{webhook['id']}", json={"name": "Renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"


async def test_modify_and_delete_with_and_without_token(api: Api) -> None:
    owner, _member, guild, channel_id = await guild_with_member(api)
    other = await owner.post(f"/guilds/{guild['id']}/channels", json={"name": "other"})
    assert other.status_code in (200, 201), other.text
    webhook = await create(owner, channel_id)
    moved = await owner.patch(f"/webhooks/{webhook['id']}", json={"channel_id": other.json()["id"]})
    assert moved.status_code == 200 and moved.json()["channel_id"] == other.json()["id"]
    with_token = await api.http.patch(path(webhook), json={"name": "Tokened"})
    assert with_token.status_code == 200 and with_token.json()["name"] == "Tokened"
    refused = await api.http.patch(path(webhook), json={"channel_id": channel_id})
    assert refused.status_code == 400 and error_code(refused) == 50035
    assert (await api.http.delete(path(webhook))).status_code == 204
    gone = await api.http.post(path(webhook), json={"content": "x"})
    assert gone.status_code == 404 and error_code(gone) == 10015
    second = await create(owner, channel_id)
    assert (await owner.delete(f"/webhooks/{second['id']}")).status_code == 204
    assert (await owner.get(f"/channels/{channel_id}/webhooks")).json() == []


async def test_a_real_github_push_posts_an_embed(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    payload = json.loads(GITHUB_PUSH.read_text())
    ping = await api.http.post(
        path(webhook, "/github"),
        json={"zen": "Keep it logically awesome."},
        headers={"X-GitHub-Event": "ping"},
    )
    assert ping.status_code == 204
    response = await api.http.post(
        path(webhook, "/github"),
        params={"wait": "true"},
        content=json.dumps(payload),
        headers={"X-GitHub-Event": "push", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    stored = (await history(member, channel_id))[0]
    assert stored["id"] == response.json()["id"] and stored["author"]["username"] == "GitHub"
    embed = stored["embeds"][0]
    assert embed["title"] == "[mission-control:master] 1 new commit"
    assert embed["url"] == payload["compare"]
    assert "[`bcdf777`]" in embed["description"] and "vsudilov" in embed["description"]
    assert embed["author"]["name"] == "vsudilov"
    wrong = await api.http.post(
        f"/webhooks/{webhook['id']}/nope/github", json=payload, headers={"X-GitHub-Event": "push"}
    )
    assert wrong.status_code == 401 and error_code(wrong) == 50027


async def test_slack_bodies_post_text_and_attachments(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    response = await api.http.post(
        path(webhook, "/slack"),
        params={"wait": "true"},
        json={
            "text": "Deployed",
            "username": "deploybot",
            "attachments": [
                {
                    "title": "v1.2",
                    "title_link": "https://example.com/v1.2",
                    "text": "all green",
                    "color": "#36a64f",
                    "fields": [{"title": "env", "value": "prod", "short": True}],
                }
            ],
        },
    )
    assert response.status_code == 200, response.text
    stored = (await history(member, channel_id))[0]
    assert stored["content"] == "Deployed" and stored["author"]["username"] == "deploybot"
    embed = stored["embeds"][0]
    assert embed["title"] == "v1.2" and embed["color"] == 0x36A64F
    assert embed["fields"] == [{"name": "env", "value": "prod", "inline": True}]
    nothing = await api.http.post(path(webhook, "/slack"), content=b"[]")
    assert nothing.status_code == 400 and error_code(nothing) == 50035


async def test_a_member_reply_to_a_webhook_message_works(api: Api) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    posted = (
        await api.http.post(path(webhook), params={"wait": "true"}, json={"content": "ping"})
    ).json()
    reply = await send(member, channel_id, "pong", message_reference={"message_id": posted["id"]})
    assert reply["referenced_message"]["webhook_id"] == webhook["id"]
    fetched = await member.get(f"/channels/{channel_id}/messages/{posted['id']}")
    assert fetched.status_code == 200 and fetched.json()["author"]["bot"] is True


async def test_webhook_messages_are_read_and_deleted_with_the_token(
    api: Api, published: list[Envelope]
) -> None:
    owner, member, _guild, channel_id = await guild_with_member(api)
    webhook, other = await create(owner, channel_id), await create(owner, channel_id, "Other")
    posted = (
        await api.http.post(path(webhook), params={"wait": "true"}, json={"content": "oops"})
    ).json()
    by_member = await send(member, channel_id, "mine")
    read = await api.http.get(path(webhook, f"/messages/{posted['id']}"))
    assert read.status_code == 200 and read.json()["content"] == "oops"
    for response in (
        await api.http.get(path(other, f"/messages/{posted['id']}")),
        await api.http.get(path(webhook, f"/messages/{by_member['id']}")),
        await api.http.delete(path(other, f"/messages/{posted['id']}")),
        await api.http.delete(path(webhook, f"/messages/{by_member['id']}")),
    ):
        assert response.status_code == 404 and error_code(response) == 10008
    wrong = await api.http.delete(f"/webhooks/{webhook['id']}/nope/messages/{posted['id']}")
    assert wrong.status_code == 401 and error_code(wrong) == 50027
    assert (await api.http.delete(path(webhook, f"/messages/{posted['id']}"))).status_code == 204
    remaining = [m["id"] for m in await history(member, channel_id)]
    assert by_member["id"] in remaining and posted["id"] not in remaining
    assert "MESSAGE_DELETE" in event_types(published)


async def test_odd_slack_and_github_bodies_are_refused_or_dropped_never_a_server_error(
    api: Api,
) -> None:
    owner, _member, _guild, channel_id = await guild_with_member(api)
    webhook = await create(owner, channel_id)
    odd_push = {"ref": 5, "repository": 5, "commits": [{"author": 3, "message": 7}], "sender": []}
    pushed = await api.http.post(
        path(webhook, "/github"), json=odd_push, headers={"X-GitHub-Event": "push"}
    )
    assert pushed.status_code == 204, pushed.text
    no_commits = await api.http.post(
        path(webhook, "/github"), json={"commits": []}, headers={"X-GitHub-Event": "push"}
    )
    assert no_commits.status_code == 204
    issues = await api.http.post(
        path(webhook, "/github"), json={"action": "opened"}, headers={"X-GitHub-Event": "issues"}
    )
    assert issues.status_code == 204
    slack = await api.http.post(
        path(webhook, "/slack"), json={"text": "x", "attachments": [{"fields": 5}, 3]}
    )
    assert slack.status_code == 204, slack.text
    empty = await api.http.post(path(webhook, "/slack"), json={"attachments": "no"})
    assert empty.status_code == 400 and error_code(empty) == 50006
    form = await api.http.post(
        path(webhook, "/slack"), data={"payload": '{"text": "form-encoded"}'}
    )
    assert form.status_code == 204, form.text
