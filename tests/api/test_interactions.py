"""Interactions with commands: invoking (`POST /interactions`), the bot's one answer within
3 seconds, ephemeral messages, deferred answers and follow-ups with the token."""

from __future__ import annotations

from datetime import timedelta

import orjson
from fastapi import FastAPI
from sqlalchemy import update

from tests.api.interaction_helpers import callback, data_of, first, invoke, setup, webhook
from tests.api.test_messages import history
from tests.conftest import Api, direct_write, error_code, text_channel
from townhall.domain.permissions import Permission as P
from townhall.events.catalog import AUTHOR_VIEW
from townhall.events.event import Envelope
from townhall.store.schema import interactions

EPHEMERAL, LOADING = 1 << 6, 1 << 7


async def test_a_member_runs_a_slash_command_and_the_bot_answers_in_the_channel(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    options = [
        {"name": "who", "type": 6, "value": str(s.owner.id)},
        {"name": "times", "type": 4, "value": 3},
    ]
    seen = len(published)
    interaction = await invoke(s, published, s.body("hello", options))
    assert interaction["type"] == 2 and interaction["version"] == 1
    assert interaction["application_id"] == str(s.bot.application_id)
    assert interaction["guild_id"] == s.guild_id and interaction["channel_id"] == s.channel_id
    assert interaction["channel"]["id"] == s.channel_id and interaction["channel"]["type"] == 0
    assert interaction["member"]["user"]["id"] == str(s.member.id)
    assert int(interaction["member"]["permissions"]) & P.USE_APPLICATION_COMMANDS
    assert int(interaction["app_permissions"]) & P.SEND_MESSAGES
    assert interaction["locale"] == "en-US" and interaction["guild_locale"] == "en-US"
    assert interaction["authorizing_integration_owners"] == {"0": s.guild_id}
    assert interaction["context"] == 0 and interaction["entitlements"] == []
    assert interaction["attachment_size_limit"] > 0 and interaction["token"]
    data = interaction["data"]
    assert data["name"] == "hello" and data["guild_id"] == s.guild_id
    assert data["options"] == options
    assert data["resolved"]["users"][str(s.owner.id)]["id"] == str(s.owner.id)
    assert "permissions" in data["resolved"]["members"][str(s.owner.id)]
    created = next(e for e in published[seen:] if e.type == "INTERACTION_CREATE")
    assert created.user_ids == frozenset({s.bot.user_id, s.member.id})
    # The invoker's own sessions get only the id and the nonce.
    assert orjson.loads(created.variants[AUTHOR_VIEW]) == {"id": interaction["id"], "nonce": "1234"}
    assert created.meta["author_id"] == s.member.id

    answered = await callback(
        api.http, interaction, {"type": 4, "data": {"content": "Hello!"}}, with_response="true"
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["interaction"]["id"] == interaction["id"]
    assert body["interaction"]["response_message_ephemeral"] is False
    message = body["resource"]["message"]
    assert body["resource"]["type"] == 4 and message["content"] == "Hello!"
    assert message["type"] == 20 and message["author"]["id"] == str(s.bot.user_id)
    assert message["webhook_id"] == message["application_id"] == str(s.bot.application_id)
    metadata = message["interaction_metadata"]
    assert metadata["id"] == interaction["id"] and metadata["user"]["id"] == str(s.member.id)
    assert metadata["name"] == "hello" and metadata["type"] == 2
    assert message["interaction"]["name"] == "hello"
    assert (await history(s.owner, s.channel_id))[0]["id"] == message["id"]
    success = await first(published, lambda e: e.type == "INTERACTION_SUCCESS", after=seen)
    assert success.user_ids == frozenset({s.member.id})
    assert data_of(success) == {"id": interaction["id"], "nonce": "1234"}
    again = await callback(api.http, interaction, {"type": 4, "data": {"content": "Again"}})
    assert again.status_code == 400 and error_code(again) == 40060
    original = await api.http.get(webhook(s, interaction, "/messages/@original"))
    assert original.status_code == 200 and original.json()["id"] == message["id"]


async def test_options_are_checked_against_the_command(api: Api) -> None:
    s = await setup(api)
    who = {"name": "who", "type": 6, "value": str(s.owner.id)}
    for options, path in (
        ([], "data.options"),  # `who` is required
        ([who, {"name": "times", "type": 4, "value": 9}], "data.options.1.value"),
        ([who, {"name": "times", "type": 4, "value": "3"}], "data.options.1.value"),
        ([who, {"name": "tone", "type": 3, "value": "hot"}], "data.options.1.value"),
        ([who, {"name": "loud", "type": 5, "value": True}], "data.options.1.name"),
        ([who, who], "data.options.1.name"),
        ([{"name": "who", "type": 6, "value": "12345"}], "data"),
    ):
        response = await s.member.post("/interactions", json=s.body("hello", options))
        assert response.status_code == 400, (options, response.text)
        assert error_code(response) == 50035
        node = response.json()["errors"]
        for part in path.split("."):
            node = node[part]
        assert node["_errors"], (options, response.json())
    short = await s.member.post(
        "/interactions", json=s.body("speak", [{"name": "text", "type": 3, "value": "x"}])
    )
    assert short.status_code == 400 and error_code(short) == 50035
    voice = next(
        c["id"]
        for c in (await s.owner.get(f"/guilds/{s.guild_id}/channels")).json()
        if c["type"] == 2
    )
    wrong_kind = [
        {"name": "text", "type": 3, "value": "hi"},
        {"name": "where", "type": 7, "value": voice},
    ]
    refused = await s.member.post("/interactions", json=s.body("speak", wrong_kind))
    assert refused.status_code == 400 and error_code(refused) == 50035
    outdated = s.body("hello", [who], data={"version": "1"})
    assert error_code(await s.member.post("/interactions", json=outdated)) == 50035
    unknown = s.body("hello", [who], data={"id": "1"})
    response = await s.member.post("/interactions", json=unknown)
    assert response.status_code == 404 and error_code(response) == 10063
    bad_type = await s.member.post("/interactions", json={**s.body("hello", [who]), "type": 9})
    assert bad_type.status_code == 400 and error_code(bad_type) == 50035
    assert (await s.member.post("/interactions", json=[1])).status_code == 400


async def test_who_may_not_invoke_is_refused(api: Api, published: list[Envelope]) -> None:
    admin_only = {
        "name": "purge",
        "description": "Admins only",
        "default_member_permissions": "0",
    }
    s = await setup(api, admin_only)
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    stranger = await api.account()
    outside = await stranger.post("/interactions", json=s.body("hello", who))
    assert outside.status_code == 403 and error_code(outside) == 50001
    by_bot = await s.bot_account.post("/interactions", json=s.body("hello", who))
    assert by_bot.status_code == 403 and error_code(by_bot) == 20001
    denied = await s.member.post("/interactions", json=s.body("purge"))
    assert denied.status_code == 403 and error_code(denied) == 50013
    by_admin = await invoke(s, published, s.body("purge"), by=s.owner)
    await callback(api.http, by_admin, {"type": 5})  # answered: no failure left for later tests
    other = await api.account("other")
    other_guild = await other.guild("Other club")
    foreign = {
        **s.body("hello", who),
        "guild_id": None,
        "channel_id": text_channel(other_guild)["id"],
    }
    elsewhere = await other.post("/interactions", json=foreign)
    assert elsewhere.status_code == 404 and error_code(elsewhere) == 10063  # not in that guild
    overwrite = f"/channels/{s.channel_id}/permissions/{s.guild_id}"
    deny = {"type": 0, "allow": "0", "deny": str(int(P.USE_APPLICATION_COMMANDS))}
    assert (await s.owner.put(overwrite, json=deny)).status_code == 204
    no_permission = await s.member.post("/interactions", json=s.body("hello", who))
    assert no_permission.status_code == 403 and error_code(no_permission) == 50013
    unknown_app = {**s.body("hello", who), "application_id": "1"}
    assert error_code(await s.owner.post("/interactions", json=unknown_app)) == 10002


async def test_an_ephemeral_answer_reaches_only_the_invoker_and_never_the_history(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    interaction = await invoke(s, published, s.body("hello", who))
    seen = len(published)
    answered = await callback(
        api.http,
        interaction,
        {"type": 4, "data": {"content": "Only you", "flags": EPHEMERAL}},
        with_response="true",
    )
    assert answered.status_code == 200, answered.text
    message = answered.json()["resource"]["message"]
    assert (
        message["flags"] & EPHEMERAL
        and answered.json()["interaction"]["response_message_ephemeral"]
    )
    created = await first(published, lambda e: e.type == "MESSAGE_CREATE", after=seen)
    assert created.user_ids == frozenset({s.member.id})  # nobody else's sessions
    assert data_of(created)["content"] == "Only you"
    for account in (s.member, s.owner):
        assert message["id"] not in [m["id"] for m in await history(account, s.channel_id)]
        direct = await account.get(f"/channels/{s.channel_id}/messages/{message['id']}")
        assert direct.status_code == 404 and error_code(direct) == 10008
    path = webhook(s, interaction, "/messages/@original")
    assert (await api.http.get(path)).json()["content"] == "Only you"
    edited = await api.http.patch(path, json={"content": "Still only you"})
    assert edited.status_code == 200 and edited.json()["flags"] & EPHEMERAL
    update_event = await first(published, lambda e: e.type == "MESSAGE_UPDATE", after=seen)
    assert update_event.user_ids == frozenset({s.member.id})
    assert (await api.http.delete(path)).status_code == 204
    deleted = await first(published, lambda e: e.type == "MESSAGE_DELETE", after=seen)
    assert deleted.user_ids == frozenset({s.member.id})
    assert (await api.http.get(path)).status_code == 404


async def test_a_deferred_answer_is_filled_in_by_the_first_follow_up(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    interaction = await invoke(s, published, s.body("hello", who))
    deferred = await callback(api.http, interaction, {"type": 5}, with_response="true")
    assert deferred.status_code == 200, deferred.text
    answered = deferred.json()["interaction"]
    assert answered["response_message_loading"] is True
    loading = (await history(s.member, s.channel_id))[0]
    assert loading["id"] == answered["response_message_id"] and loading["flags"] & LOADING
    assert loading["content"] == ""
    filled = await api.http.post(webhook(s, interaction), json={"content": "Done thinking"})
    assert filled.status_code == 200, filled.text
    assert filled.json()["id"] == loading["id"] and not filled.json()["flags"] & LOADING
    assert filled.json()["edited_timestamp"] is None
    more = await api.http.post(webhook(s, interaction), json={"content": "One more thing"})
    assert more.status_code == 200 and more.json()["id"] != loading["id"]
    follow = more.json()
    assert follow["interaction_metadata"]["original_response_message_id"] == loading["id"]
    assert follow["type"] == 20 and follow["webhook_id"] == str(s.bot.application_id)
    one = webhook(s, interaction, f"/messages/{follow['id']}")
    assert (await api.http.get(one)).json()["content"] == "One more thing"
    edited = await api.http.patch(one, json={"content": "One more, edited"})
    assert edited.status_code == 200 and edited.json()["edited_timestamp"] is not None
    hidden = await api.http.post(
        webhook(s, interaction), json={"content": "psst", "flags": EPHEMERAL}
    )
    assert hidden.status_code == 200 and hidden.json()["flags"] & EPHEMERAL
    assert hidden.json()["id"] not in [m["id"] for m in await history(s.owner, s.channel_id)]
    assert (await api.http.delete(one)).status_code == 204
    assert (await api.http.get(one)).status_code == 404
    by_owner = await s.owner.post(f"/channels/{s.channel_id}/messages", json={"content": "me"})
    stranger_message = by_owner.json()["id"]
    not_ours = await api.http.get(webhook(s, interaction, f"/messages/{stranger_message}"))
    assert not_ours.status_code == 404 and error_code(not_ours) == 10008
    assert (
        await api.http.delete(webhook(s, interaction, "/messages/@original"))
    ).status_code == 204


async def test_an_interaction_must_be_answered_within_3_seconds(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    seen = len(published)
    interaction = await invoke(s, published, s.body("hello", who))
    failed = await first(
        published,
        lambda e: e.type == "INTERACTION_FAILURE" and data_of(e)["id"] == interaction["id"],
        after=seen,
        timeout=8,
    )
    assert failed.user_ids == frozenset({s.member.id})
    assert data_of(failed)["id"] == interaction["id"]
    late = await callback(api.http, interaction, {"type": 4, "data": {"content": "Sorry"}})
    assert late.status_code == 404 and error_code(late) == 10062
    follow = await api.http.post(webhook(s, interaction), json={"content": "x"})
    assert follow.status_code == 401 and error_code(follow) == 50027


async def test_tokens_are_checked_and_last_15_minutes(api: Api, app: FastAPI) -> None:
    s = await setup(api)
    who = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    published: list[Envelope] = []
    app.state.runtime.log.subscribe(published.append)
    try:
        interaction = await invoke(s, published, s.body("hello", who))
    finally:
        app.state.runtime.log.unsubscribe(published.append)
    forged = {**interaction, "token": interaction["token"] + "x"}
    wrong = await callback(api.http, forged, {"type": 4, "data": {"content": "x"}})
    assert wrong.status_code == 404 and error_code(wrong) == 10062
    before = await api.http.post(webhook(s, interaction), json={"content": "too early"})
    assert before.status_code == 404 and error_code(before) == 10015  # not answered yet
    empty = await callback(api.http, interaction, {"type": 4, "data": {}})
    assert empty.status_code == 400 and error_code(empty) == 50006
    not_for_commands = await callback(api.http, interaction, {"type": 7, "data": {}})
    assert not_for_commands.status_code == 400 and error_code(not_for_commands) == 50035
    assert (
        await callback(api.http, interaction, {"type": 4, "data": {"content": "ok"}})
    ).status_code == 204
    assert (await api.http.post(webhook(s, forged), json={"content": "x"})).status_code == 401
    services = app.state.services
    async with direct_write(services) as conn:
        long_ago = services.now_ms() - int(timedelta(minutes=16).total_seconds() * 1000)
        await conn.execute(
            update(interactions)
            .where(interactions.c.id == int(interaction["id"]))
            .values(created_at=long_ago)
        )
    expired = await api.http.post(webhook(s, interaction), json={"content": "too late"})
    assert expired.status_code == 401 and error_code(expired) == 50027
    gone = await api.http.get(webhook(s, interaction, "/messages/@original"))
    assert gone.status_code == 401


async def test_user_and_message_commands_name_their_target(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    wave = s.body("Wave", data={"target_id": str(s.owner.id)})
    interaction = await invoke(s, published, wave)
    assert interaction["data"]["target_id"] == str(s.owner.id)
    assert str(s.owner.id) in interaction["data"]["resolved"]["members"]
    answered = await callback(
        api.http, interaction, {"type": 4, "data": {"content": "👋"}}, with_response="true"
    )
    message = answered.json()["resource"]["message"]
    assert message["type"] == 23 and message["interaction_metadata"]["target_user"]["id"] == str(
        s.owner.id
    )
    quoted = await s.owner.post(f"/channels/{s.channel_id}/messages", json={"content": "wise"})
    quote = s.body("Quote", data={"target_id": quoted.json()["id"]})
    interaction = await invoke(s, published, quote)
    resolved = interaction["data"]["resolved"]["messages"][quoted.json()["id"]]
    assert resolved["content"] == "wise"
    answered = await callback(api.http, interaction, {"type": 4, "data": {"content": "quoted"}})
    assert answered.status_code == 204
    missing = await s.member.post("/interactions", json=s.body("Quote", data={"target_id": "1"}))
    assert missing.status_code == 404 and error_code(missing) == 10008
    no_target = await s.member.post("/interactions", json=s.body("Wave"))
    assert no_target.status_code == 400 and error_code(no_target) == 50035


async def test_autocomplete_suggestions_go_to_the_invoker(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    typing = s.body("search", [{"name": "query", "type": 3, "value": "ap", "focused": True}])
    interaction = await invoke(s, published, {**typing, "type": 4})
    assert interaction["type"] == 4 and interaction["data"]["options"][0]["focused"] is True
    wrong = await callback(api.http, interaction, {"type": 4, "data": {"content": "no"}})
    assert wrong.status_code == 400 and error_code(wrong) == 50035
    too_many = [{"name": f"c{i}", "value": str(i)} for i in range(26)]
    refused = await callback(api.http, interaction, {"type": 8, "data": {"choices": too_many}})
    assert refused.status_code == 400 and error_code(refused) == 50035
    seen = len(published)
    choices = [{"name": "apple", "value": "apple"}, {"name": "apricot", "value": "apricot"}]
    done = await callback(api.http, interaction, {"type": 8, "data": {"choices": choices}})
    assert done.status_code == 204, done.text
    shown = await first(
        published, lambda e: e.type == "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", after=seen
    )
    assert shown.user_ids == frozenset({s.member.id})
    assert data_of(shown)["choices"] == choices and data_of(shown)["nonce"] == "1234"
    unfocused = {**s.body("search", [{"name": "query", "type": 3, "value": "a"}]), "type": 4}
    assert error_code(await s.member.post("/interactions", json=unfocused)) == 50035
    menu = {**s.body("Wave", data={"target_id": str(s.owner.id)}), "type": 4}
    assert error_code(await s.member.post("/interactions", json=menu)) == 50035


async def test_a_webhook_edits_its_own_message_with_its_token(api: Api) -> None:
    s = await setup(api)
    created = await s.owner.post(f"/channels/{s.channel_id}/webhooks", json={"name": "Deploys"})
    hook = created.json()
    path = f"/webhooks/{hook['id']}/{hook['token']}"
    sent = await api.http.post(path, params={"wait": "true"}, json={"content": "deploying"})
    message_path = f"{path}/messages/{sent.json()['id']}"
    edited = await api.http.patch(message_path, json={"content": "deployed"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["content"] == "deployed" and edited.json()["edited_timestamp"]
    assert edited.json()["author"]["username"] == "Deploys"
    wrong = await api.http.patch(
        f"/webhooks/{hook['id']}/nope/messages/{sent.json()['id']}", json={"content": "x"}
    )
    assert wrong.status_code == 401 and error_code(wrong) == 50027
    by_owner = await s.owner.post(f"/channels/{s.channel_id}/messages", json={"content": "mine"})
    others = await api.http.patch(f"{path}/messages/{by_owner.json()['id']}", json={"content": "x"})
    assert others.status_code == 404 and error_code(others) == 10008


async def test_in_a_thread_the_bots_permissions_come_from_the_parent_channel(
    api: Api, published: list[Envelope]
) -> None:
    s = await setup(api)
    denied = await s.owner.put(
        f"/channels/{s.channel_id}/permissions/{s.bot.user_id}",
        json={"type": 1, "allow": "0", "deny": str(P.SEND_MESSAGES_IN_THREADS)},
    )
    assert denied.status_code == 204, denied.text
    thread = await s.member.post(
        f"/channels/{s.channel_id}/threads", json={"name": "questions", "type": 11}
    )
    assert thread.status_code == 201, thread.text
    options = [{"name": "who", "type": 6, "value": str(s.owner.id)}]
    body = {**s.body("hello", options), "channel_id": thread.json()["id"]}
    interaction = await invoke(s, published, body)
    assert interaction["channel"]["id"] == thread.json()["id"]
    permissions = int(interaction["app_permissions"])
    assert permissions & P.VIEW_CHANNEL and not permissions & P.SEND_MESSAGES_IN_THREADS
    await callback(api.http, interaction, {"type": 4, "data": {"content": "ok"}})
    thread_id = thread.json()["id"]
    assert (await s.member.get(f"/channels/{thread_id}")).json()["message_count"] == 1
    gone = await api.http.delete(webhook(s, interaction, "/messages/@original"))
    assert gone.status_code == 204, gone.text
    assert (await s.member.get(f"/channels/{thread_id}")).json()["message_count"] == 0
