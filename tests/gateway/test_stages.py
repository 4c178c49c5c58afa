"""Stage channels: a stage with a topic, an audience that listens and raises hands, speakers
that moderators bring up; the stage ends when everyone has left."""

from __future__ import annotations

from typing import Any

from tests.conftest import Account, Api, error_code
from tests.gateway.client import recording
from tests.gateway.test_voice_states import INTENTS, dispatched, join, update_of
from tests.server_process import Server


async def stage_channel(owner: Account, guild: dict[str, Any]) -> str:
    created = await owner.post(
        f"/guilds/{guild['id']}/channels", json={"name": "Town hall", "type": 13}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_moderators_open_change_and_end_a_stage_and_members_see_it(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    stage = await stage_channel(alice, guild)
    bob_rec = await recording(server, bob, INTENTS)

    outsider = await remote.account()
    stranger = await outsider.get(f"/stage-instances/{stage}")
    assert stranger.status_code == 403 and error_code(stranger) == 50001
    refused = await bob.post("/stage-instances", json={"channel_id": stage, "topic": "Mine"})
    assert refused.status_code == 403 and error_code(refused) == 50013
    not_a_stage = await alice.post(
        "/stage-instances", json={"channel_id": guild["system_channel_id"], "topic": "Hi"}
    )
    assert not_a_stage.status_code == 400 and error_code(not_a_stage) == 50024
    opened = await alice.post("/stage-instances", json={"channel_id": stage, "topic": "Q&A"})
    assert opened.status_code == 200, opened.text
    assert opened.json()["topic"] == "Q&A" and opened.json()["channel_id"] == stage
    empty = await alice.patch(f"/stage-instances/{stage}", json={"topic": " "})
    assert empty.status_code == 400 and error_code(empty) == 50035
    again = await alice.post("/stage-instances", json={"channel_id": stage, "topic": "Twice"})
    assert again.status_code == 400 and error_code(again) == 150006

    created = await dispatched(bob_rec, "STAGE_INSTANCE_CREATE")
    assert created == opened.json()
    later = await recording(server, bob, INTENTS)
    assert later.dispatches("GUILD_CREATE")[0]["d"]["stage_instances"] == [opened.json()]
    assert (await bob.get(f"/stage-instances/{stage}")).json()["topic"] == "Q&A"

    assert (await bob.patch(f"/stage-instances/{stage}", json={"topic": "x"})).status_code == 403
    changed = await alice.patch(f"/stage-instances/{stage}", json={"topic": "Q&A, part two"})
    assert changed.status_code == 200 and changed.json()["topic"] == "Q&A, part two"
    assert (await dispatched(bob_rec, "STAGE_INSTANCE_UPDATE"))["topic"] == "Q&A, part two"

    assert (await bob.delete(f"/stage-instances/{stage}")).status_code == 403
    assert (await alice.delete(f"/stage-instances/{stage}")).status_code == 204
    assert (await dispatched(bob_rec, "STAGE_INSTANCE_DELETE"))["id"] == opened.json()["id"]
    gone = await bob.get(f"/stage-instances/{stage}")
    assert gone.status_code == 404 and error_code(gone) == 10067
    for rec in (bob_rec, later):
        await rec.close()


async def test_the_audience_listens_raises_hands_and_is_brought_up_by_a_moderator(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    stage = await stage_channel(alice, guild)
    assert (
        await alice.post("/stage-instances", json={"channel_id": stage, "topic": "Podcast"})
    ).status_code == 200
    alice_rec, bob_rec = (
        await recording(server, alice, INTENTS),
        await recording(server, bob, INTENTS),
    )
    states = f"/guilds/{guild['id']}/voice-states"

    await join(alice_rec, guild["id"], stage)
    assert (await update_of(bob_rec, alice, stage))["suppress"] is False  # a moderator speaks
    await join(bob_rec, guild["id"], stage)
    assert (await update_of(alice_rec, bob, stage))["suppress"] is True  # the audience listens

    speak_myself = await bob.patch(f"{states}/@me", json={"channel_id": stage, "suppress": False})
    assert speak_myself.status_code == 403
    hand = await bob.patch(
        f"{states}/@me",
        json={"channel_id": stage, "request_to_speak_timestamp": "2026-12-01T20:00:00+00:00"},
    )
    assert hand.status_code == 204, hand.text
    raised = await update_of(alice_rec, bob, stage, count=2)
    assert raised["request_to_speak_timestamp"] is not None and raised["suppress"] is True
    not_a_moderator = await bob.patch(
        f"{states}/{alice.id}", json={"channel_id": stage, "suppress": True}
    )
    assert not_a_moderator.status_code == 403

    invited = await alice.patch(f"{states}/{bob.id}", json={"channel_id": stage, "suppress": False})
    assert invited.status_code == 204, invited.text
    up = await update_of(bob_rec, bob, stage, count=3)
    assert up["suppress"] is False and up["request_to_speak_timestamp"] is None
    down = await alice.patch(f"{states}/{bob.id}", json={"channel_id": stage, "suppress": True})
    assert down.status_code == 204
    assert (await update_of(bob_rec, bob, stage, count=4))["suppress"] is True

    # The stage ends once nobody is on it.
    await join(alice_rec, guild["id"], None)
    await join(bob_rec, guild["id"], None)
    ended = await dispatched(bob_rec, "STAGE_INSTANCE_DELETE")
    assert ended["channel_id"] == stage
    assert (await bob.get(f"/stage-instances/{stage}")).status_code == 404
    for rec in (alice_rec, bob_rec):
        await rec.close()
