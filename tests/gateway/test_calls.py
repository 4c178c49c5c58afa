"""Calls in DMs and group DMs: one tap starts a call that rings the others; they join, decline
or let it ring out; the last one out ends it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS, Account, Api, error_code
from tests.gateway.client import Recorder, recording
from tests.gateway.conftest import GATEWAY_SETTINGS
from tests.gateway.test_voice_states import INTENTS, dispatched, update_of
from tests.server_process import Server, new_deployment


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("calls") / "data"
    with new_deployment(request.param, data_dir) as deployment:
        yield deployment.start(**GATEWAY_SETTINGS, TOWNHALL_CALL_RING_SECONDS="2")


async def dm_between(alice: Account, bob: Account) -> str:
    guild = await alice.guild()  # people may write to each other when they share a guild
    await bob.join(alice, guild["system_channel_id"])
    dm = await alice.post("/users/@me/channels", json={"recipient_id": str(bob.id)})
    assert dm.status_code == 200, dm.text
    return str(dm.json()["id"])


async def call(rec: Recorder, channel_id: str | None) -> None:
    await rec.client.send(4, {"guild_id": None, "channel_id": channel_id})


async def test_a_call_rings_the_other_who_declines_is_rung_again_and_joins(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    dm = await dm_between(alice, bob)
    alice_rec, bob_rec = (
        await recording(server, alice, INTENTS),
        await recording(server, bob, INTENTS),
    )

    await call(alice_rec, dm)
    created = await dispatched(bob_rec, "CALL_CREATE")
    assert created["channel_id"] == dm and created["ringing"] == [str(bob.id)]
    assert [(v["user_id"], v["channel_id"]) for v in created["voice_states"]] == [
        (str(alice.id), dm)
    ]
    joined = await update_of(bob_rec, alice, dm)
    assert joined["guild_id"] is None
    server_update = await dispatched(alice_rec, "VOICE_SERVER_UPDATE")
    assert server_update["guild_id"] is None and server_update["channel_id"] == dm

    declined = await bob.post(f"/channels/{dm}/call/stop-ringing", json={})
    assert declined.status_code == 204, declined.text
    assert (await dispatched(alice_rec, "CALL_UPDATE"))["ringing"] == []
    rung = await alice.post(f"/channels/{dm}/call/ring", json={"recipients": [str(bob.id)]})
    assert rung.status_code == 204, rung.text
    assert (await dispatched(bob_rec, "CALL_UPDATE", 2))["ringing"] == [str(bob.id)]
    # Only who is in the call may ring.
    not_in_call = await bob.post(f"/channels/{dm}/call/ring", json={})
    assert not_in_call.status_code == 403

    await call(bob_rec, dm)
    assert (await dispatched(alice_rec, "CALL_UPDATE", 3))["ringing"] == []
    await update_of(alice_rec, bob, dm)
    # A session that connects now learns of the call right after READY.
    later = await recording(server, bob, INTENTS)
    ongoing = await dispatched(later, "CALL_CREATE")
    assert {v["user_id"] for v in ongoing["voice_states"]} == {str(alice.id), str(bob.id)}

    await call(alice_rec, None)
    await update_of(bob_rec, alice, None)
    await call(bob_rec, None)
    assert (await dispatched(alice_rec, "CALL_DELETE"))["channel_id"] == dm
    for rec in (alice_rec, bob_rec, later):
        await rec.close()


async def test_an_unanswered_call_stops_ringing_and_outsiders_cannot_join_or_ring(
    server: Server, remote: Api
) -> None:
    alice, bob, eve = [await remote.account() for _ in range(3)]
    dm = await dm_between(alice, bob)
    alice_rec, eve_rec = (
        await recording(server, alice, INTENTS),
        await recording(server, eve, INTENTS),
    )

    await call(alice_rec, dm)
    assert (await dispatched(alice_rec, "CALL_CREATE"))["ringing"] == [str(bob.id)]
    # The ring times out (2 s here, a minute by default); the call itself goes on.
    assert (await dispatched(alice_rec, "CALL_UPDATE"))["ringing"] == []
    assert (await alice.get(f"/channels/{dm}")).status_code == 200

    await call(eve_rec, dm)  # not a recipient: refused, and nobody hears of it
    # Eve's next op 4 is handled after that one: once she sees it, the refusal is done.
    own = await eve.guild()
    own_voice = next(str(c["id"]) for c in own["channels"] if c["type"] == 2)
    await eve_rec.client.send(4, {"guild_id": own["id"], "channel_id": own_voice})
    await update_of(eve_rec, eve, own_voice)
    ring = await eve.post(f"/channels/{dm}/call/ring", json={})
    assert ring.status_code == 403 and error_code(ring) == 50001
    await call(alice_rec, None)
    await dispatched(alice_rec, "CALL_DELETE")
    assert not [
        p for p in alice_rec.dispatches("VOICE_STATE_UPDATE") if p["d"]["user_id"] == str(eve.id)
    ]
    assert not eve_rec.dispatches("CALL_CREATE")
    assert [
        u["channel_id"] for u in (p["d"] for p in eve_rec.dispatches("VOICE_STATE_UPDATE"))
    ] == [own_voice]
    for rec in (alice_rec, eve_rec):
        await rec.close()
