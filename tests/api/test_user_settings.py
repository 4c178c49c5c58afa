"""A person's notification settings per guild and channel, and their language, stored on the
server in Discord's client shapes."""

from __future__ import annotations

from typing import Any

from tests.api.test_messages import guild_with_member
from tests.conftest import Account, Api, error_code, event_types
from townhall.events.event import Envelope


def settings_url(guild_id: str) -> str:
    return f"/users/@me/guilds/{guild_id}/settings"


async def patch_settings(account: Account, guild_id: str, body: dict[str, Any]) -> Any:
    response = await account.patch(settings_url(guild_id), json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_guild_and_channel_notification_settings_are_stored_and_merged(
    api: Api, published: list[Envelope]
) -> None:
    _owner, member, guild, channel_id = await guild_with_member(api)
    body = await patch_settings(
        member,
        guild["id"],
        {"message_notifications": 1, "suppress_everyone": True},
    )
    assert body["guild_id"] == guild["id"] and body["message_notifications"] == 1
    assert body["suppress_everyone"] is True and body["muted"] is False
    end = "2030-01-01T00:00:00+00:00"
    body = await patch_settings(
        member,
        guild["id"],
        {
            "channel_overrides": {
                channel_id: {
                    "muted": True,
                    "mute_config": {"end_time": end, "selected_time_window": 900},
                }
            }
        },
    )
    assert body["message_notifications"] == 1, "earlier fields are kept"
    (override,) = body["channel_overrides"]
    assert override["channel_id"] == channel_id and override["muted"] is True
    assert override["mute_config"]["end_time"] == end and override["message_notifications"] == 3
    body = await patch_settings(
        member, guild["id"], {"channel_overrides": {channel_id: {"message_notifications": 2}}}
    )
    assert body["channel_overrides"][0]["muted"] is True
    assert body["channel_overrides"][0]["message_notifications"] == 2
    updates = [e for e in published if e.type == "USER_GUILD_SETTINGS_UPDATE"]
    assert len(updates) == 3 and all(e.user_ids == frozenset({member.id}) for e in updates)


async def test_a_stranger_has_no_settings_for_a_guild_and_nothing_is_sent(
    api: Api, published: list[Envelope]
) -> None:
    _owner, _member, guild, _channel_id = await guild_with_member(api)
    stranger = await api.account("stranger")
    response = await stranger.patch(settings_url(guild["id"]), json={"muted": True})
    assert response.status_code == 403 and error_code(response) == 50001
    assert "USER_GUILD_SETTINGS_UPDATE" not in event_types(published)


async def test_bad_settings_are_refused_and_nothing_changes(api: Api) -> None:
    _owner, member, guild, channel_id = await guild_with_member(api)
    await patch_settings(member, guild["id"], {"message_notifications": 1})
    for bad in (
        {"message_notifications": 7},
        {"muted": "yes"},
        {"mute_config": {"end_time": "tomorrow"}},
        {"channel_overrides": {"123": {"muted": True}}},
        {"channel_overrides": {channel_id: {"message_notifications": -1}}},
    ):
        response = await member.patch(settings_url(guild["id"]), json=bad)
        assert response.status_code == 400 and error_code(response) == 50035, bad
    body = await patch_settings(member, guild["id"], {})
    assert body["message_notifications"] == 1 and body["channel_overrides"] == []


async def test_the_interface_language_is_stored_and_sent_to_the_persons_sessions(
    api: Api, published: list[Envelope]
) -> None:
    person = await api.account("speaker")
    assert (await person.get("/users/@me/settings")).json() == {
        "locale": None,
        "theme": None,
        "restricted_guilds": [],
        "default_guilds_restricted": False,
        "notification_message_text": 0,
    }
    response = await person.patch("/users/@me/settings", json={"locale": "de"})
    assert response.status_code == 200 and response.json()["locale"] == "de"
    assert (await person.get("/users/@me/settings")).json()["locale"] == "de"
    (update,) = [e for e in published if e.type == "USER_SETTINGS_UPDATE"]
    assert update.user_ids == frozenset({person.id})
    response = await person.patch("/users/@me/settings", json={"locale": "xx-YY"})
    assert response.status_code == 400 and error_code(response) == 50035
    assert (await person.get("/users/@me/settings")).json()["locale"] == "de"


async def test_logging_out_everywhere_ends_every_token(api: Api) -> None:
    person = await api.account("leaver")
    login = await person.post(
        "/auth/login", json={"login": person.username, "password": "correct horse battery"}
    )
    other_token = login.json()["token"]
    response = await person.post("/auth/logout?all=true")
    assert response.status_code == 204
    assert (await person.get("/users/@me")).status_code == 401
    elsewhere = await person.request("GET", "/users/@me", headers={"Authorization": other_token})
    assert elsewhere.status_code == 401
