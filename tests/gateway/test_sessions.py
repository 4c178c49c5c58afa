"""Membership changes, RESUME, presence and member chunks over a real gateway."""

from __future__ import annotations

from tests.conftest import Api, text_channel
from tests.gateway.client import ALL_INTENTS, GatewayClient, connected
from tests.server_process import Server


async def test_joining_by_invite_sends_guild_create_to_the_joiner_and_member_add_to_others(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    alice_gw = await connected(server, alice)
    bob_gw = await connected(server, bob)
    invite = await alice.post(f"/channels/{guild['system_channel_id']}/invites", json={})
    assert (await bob.post(f"/invites/{invite.json()['code']}")).status_code == 200
    created = await bob_gw.wait_for("GUILD_CREATE")
    assert created["id"] == guild["id"]
    assert created["member_count"] == 2
    added = await alice_gw.wait_for("GUILD_MEMBER_ADD")
    assert added["user"]["id"] == str(bob.id) and added["guild_id"] == guild["id"]
    online = await alice_gw.wait_for("PRESENCE_UPDATE")
    assert online["user"]["id"] == str(bob.id)
    await alice_gw.close()
    await bob_gw.close()


async def test_member_who_leaves_gets_guild_delete_and_nothing_more(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    bob_gw = await connected(server, bob)
    assert (await bob.delete(f"/users/@me/guilds/{guild['id']}")).status_code == 204
    gone = await bob_gw.wait_for("GUILD_DELETE")
    assert gone == {"id": guild["id"]}
    assert (
        await alice.patch(f"/guilds/{guild['id']}", json={"name": "After bob"})
    ).status_code == 200
    later = await bob_gw.collect(1.0)
    assert [p for p in later if p.get("t") == "GUILD_UPDATE"] == []
    await bob_gw.close()


async def test_session_without_guilds_intent_gets_no_guild_updates(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    client = GatewayClient(server.gateway)
    await client.connect()
    await client.send(2, {"token": alice.token, "intents": 1 << 9, "properties": {}})
    await client.wait_for("READY")
    assert (await alice.patch(f"/guilds/{guild['id']}", json={"name": "Quiet"})).status_code == 200
    seen = await client.collect(1.0)
    assert [p.get("t") for p in seen if p.get("t")] == []
    await client.close()


async def test_resume_replays_missed_events_in_order_then_resumed(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    guild = await alice.guild()
    client = await connected(server, alice)
    session_id, seq = client.session_id, client.seq
    await client.close(4000)
    for name in ("one", "two", "three"):
        assert (
            await alice.patch(f"/guilds/{guild['id']}", json={"name": f"name {name}"})
        ).status_code == 200
    again = GatewayClient(server.gateway)
    await again.connect()
    await again.send(6, {"token": alice.token, "session_id": session_id, "seq": seq})
    replayed = []
    while True:
        payload = await again.receive()
        if payload.get("t") == "RESUMED":
            break
        replayed.append(payload)
    names = [p["d"]["name"] for p in replayed if p["t"] == "GUILD_UPDATE"]
    assert names == ["name one", "name two", "name three"]
    sequences = [p["s"] for p in replayed]
    assert sequences == sorted(sequences) and sequences[0] == seq + 1
    await again.close()


async def test_resume_of_unknown_or_cleanly_closed_session_is_invalid(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    client = await connected(server, alice)
    session_id, seq = client.session_id, client.seq
    await client.close(1000)
    again = GatewayClient(server.gateway)
    await again.connect()
    await again.send(6, {"token": alice.token, "session_id": session_id, "seq": seq})
    invalid = await again.receive()
    assert invalid["op"] == 9 and invalid["d"] is False
    await again.send(6, {"token": alice.token, "session_id": "nope", "seq": 1})
    assert (await again.receive())["op"] == 9
    await again.close()


async def test_another_users_token_cannot_resume_a_session(server: Server, remote: Api) -> None:
    alice, mallory = await remote.account(), await remote.account()
    client = await connected(server, alice)
    session_id, seq = client.session_id, client.seq
    await client.close(4000)
    thief = GatewayClient(server.gateway)
    await thief.connect()
    await thief.send(6, {"token": mallory.token, "session_id": session_id, "seq": seq})
    assert (await thief.receive())["op"] == 9
    await thief.close()


async def test_identify_sets_the_starting_presence_and_invisible_shows_offline(
    server: Server, remote: Api
) -> None:
    """IDENTIFY's `presence` (discord.py's `status=` and `activity=`) is what others see first;
    someone who starts invisible is never announced online."""
    alice, bob, cyd = await remote.account(), await remote.account(), await remote.account()
    guild = await alice.guild()
    for other in (bob, cyd):
        await other.join(alice, guild["system_channel_id"])
    alice_gw = await connected(server, alice)
    hidden = GatewayClient(server.gateway)
    await hidden.connect()
    await hidden.identify(
        cyd.token, presence={"status": "invisible", "activities": [], "afk": False}
    )
    busy = GatewayClient(server.gateway)
    await busy.connect()
    playing = {"name": "chess", "type": 0}
    await busy.identify(
        bob.token, presence={"status": "dnd", "since": None, "activities": [playing], "afk": False}
    )
    first = await alice_gw.wait_for("PRESENCE_UPDATE")
    assert first["user"]["id"] == str(bob.id), "cyd, invisible, was announced"
    assert first["status"] == "dnd" and first["activities"][0]["name"] == "chess"
    for client in (hidden, busy, alice_gw):
        await client.close()


async def test_presence_goes_online_idle_and_offline_with_last_seen(
    server: Server, remote: Api
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    alice_gw = await connected(server, alice)
    bob_gw = await connected(server, bob)
    online = await alice_gw.wait_for("PRESENCE_UPDATE")
    assert online["status"] == "online" and online["user"]["id"] == str(bob.id)
    await bob_gw.send(3, {"status": "idle", "since": None, "activities": [], "afk": True})
    assert (await alice_gw.wait_for("PRESENCE_UPDATE"))["status"] == "idle"
    await bob_gw.close(1000)
    offline = await alice_gw.wait_for("PRESENCE_UPDATE")
    assert offline["status"] == "offline"
    assert offline["last_seen"]
    await alice_gw.close()


async def test_request_guild_members_answers_with_a_chunk(server: Server, remote: Api) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    client = await connected(server, alice)
    await client.send(8, {"guild_id": guild["id"], "query": "", "limit": 0, "nonce": "n1"})
    chunk = await client.wait_for("GUILD_MEMBERS_CHUNK")
    assert chunk["nonce"] == "n1" and chunk["chunk_index"] == 0 and chunk["chunk_count"] == 1
    assert {m["user"]["id"] for m in chunk["members"]} == {str(alice.id), str(bob.id)}
    await client.send(8, {"guild_id": guild["id"], "user_ids": [str(bob.id), "1"], "nonce": "n2"})
    by_id = await client.wait_for("GUILD_MEMBERS_CHUNK", nonce="n2")
    assert [m["user"]["id"] for m in by_id["members"]] == [str(bob.id)]
    assert by_id["not_found"] == ["1"]
    await client.close()


async def test_user_update_reaches_only_that_users_sessions(server: Server, remote: Api) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(
        alice, text_channel(guild)["id"] if guild["channels"] else guild["system_channel_id"]
    )
    alice_gw = await connected(server, alice)
    bob_gw = await connected(server, bob)
    assert (await alice.patch("/users/@me", json={"global_name": "Alice!"})).status_code == 200
    update = await alice_gw.wait_for("USER_UPDATE")
    assert update["global_name"] == "Alice!"
    assert [p for p in await bob_gw.collect(0.7) if p.get("t") == "USER_UPDATE"] == []
    await alice_gw.close()
    await bob_gw.close()


async def test_logging_out_closes_the_sessions_of_that_token_only(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    second = await remote.http.post(
        "/auth/login", json={"login": alice.username, "password": "correct horse battery"}
    )
    other_token = second.json()["token"]
    first_gw = await connected(server, alice)
    other_gw = GatewayClient(server.gateway)
    await other_gw.connect()
    await other_gw.identify(other_token, ALL_INTENTS)
    assert (await alice.post("/auth/logout")).status_code == 204
    assert await first_gw.closed_with() == 4004
    await other_gw.send(1, None)
    assert (await other_gw.receive())["op"] == 11
    await other_gw.close()


async def test_resume_with_a_sequence_from_the_future_closes_with_4007(
    server: Server, remote: Api
) -> None:
    alice = await remote.account()
    client = await connected(server, alice)
    session_id, seq = client.session_id, client.seq
    await client.close(4000)
    again = GatewayClient(server.gateway)
    await again.connect()
    await again.send(6, {"token": alice.token, "session_id": session_id, "seq": (seq or 0) + 50})
    assert await again.closed_with() == 4007
