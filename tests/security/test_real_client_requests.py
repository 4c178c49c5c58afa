"""What py-cord and nextcord send, answered as Discord answers it.

- py-cord 2.8 asks `GET /soundboard-default-sounds` before `on_ready` (a 404 killed the task that
  dispatches it) and sends replies with `message_reference.type: null`, which Discord takes as 0.
- nextcord 3.2 asks `GET /applications/{id}/commands` on every connect.
- Discord's optional fields may be sent as null: invite options, role colours.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Account, Api, error_code


async def bot(owner: Account, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    created = await owner.post("/applications", json={"name": name})
    application: dict[str, Any] = created.json()
    token = (await owner.post(f"/applications/{application['id']}/bot/reset")).json()["token"]
    return application, {"Authorization": f"Bot {token}"}


async def test_default_soundboard_sounds_are_an_empty_list_of_json(api: Api) -> None:
    owner = await api.account()
    _application, headers = await bot(owner, "Sounds")
    response = await api.http.get("/soundboard-default-sounds", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == []
    assert (await api.http.get("/soundboard-default-sounds")).status_code == 401


async def test_an_application_without_commands_lists_none(api: Api) -> None:
    owner, other = await api.account(), await api.account()
    application, headers = await bot(owner, "Commands")
    path = f"/applications/{application['id']}/commands"
    response = await api.http.get(path, params={"with_localizations": "true"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == []
    assert (await owner.get(path)).json() == []
    stranger = await other.get(path)
    assert (stranger.status_code, error_code(stranger)) == (403, 50001)
    unknown = await owner.get("/applications/12345/commands")
    assert (unknown.status_code, error_code(unknown)) == (404, 10002)


async def test_a_reply_with_a_null_reference_type_is_a_reply(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    first = (await owner.post(f"/channels/{channel_id}/messages", json={"content": "q"})).json()
    reference = {"message_id": first["id"], "channel_id": channel_id, "type": None}
    reply = await owner.post(
        f"/channels/{channel_id}/messages",
        json={"content": "a", "message_reference": reference, "tts": None, "flags": None},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["type"] == 19
    assert reply.json()["message_reference"]["message_id"] == first["id"]
    forward = {**reference, "type": 1}
    refused = await owner.post(
        f"/channels/{channel_id}/messages", json={"content": "a", "message_reference": forward}
    )
    assert (refused.status_code, error_code(refused)) == (400, 50035)


async def test_null_invite_options_and_role_colours_mean_the_defaults(api: Api) -> None:
    owner = await api.account()
    guild = await owner.guild()
    invite = await owner.post(
        f"/channels/{guild['system_channel_id']}/invites",
        json={"max_age": None, "max_uses": None, "temporary": None, "unique": None},
    )
    assert invite.status_code == 200, invite.text
    assert (invite.json()["max_age"], invite.json()["max_uses"]) == (86400, 0)
    role = await owner.post(
        f"/guilds/{guild['id']}/roles",
        json={"name": "Team", "colors": {"primary_color": None, "secondary_color": None}},
    )
    assert role.status_code == 200, role.text
    assert role.json()["color"] == 0
