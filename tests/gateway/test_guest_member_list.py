"""A guest's member list on the gateway is the one REST gives them: the people of their channels.

GUILD_CREATE, REQUEST_GUILD_MEMBERS (op 8) and member events name the owner (who sees every
channel) and the guest, never a member who only sees channels the guest cannot."""

from __future__ import annotations

from tests.api.test_guests import community, join_as_guest
from tests.conftest import Api
from tests.gateway.client import ALL_INTENTS, GatewayClient
from tests.server_process import Server

VIEW_CHANNEL = 1 << 10


async def test_a_guests_gateway_lists_only_the_people_of_their_channel(
    server: Server, remote: Api
) -> None:
    place = await community(remote)
    guild_id = place.guild["id"]
    # Keep the link channel for the owner and guests; the member sees only another channel.
    member = await remote.account("member")
    await member.join(place.owner, place.channel_id)
    hidden = await place.owner.put(
        f"/channels/{place.channel_id}/permissions/{member.id}",
        json={"type": 1, "deny": str(VIEW_CHANNEL)},
    )
    assert hidden.status_code == 204, hidden.text
    guest = await join_as_guest(remote, place.code)

    client = GatewayClient(server.gateway)
    await client.connect()
    try:
        await client.identify(guest.token, ALL_INTENTS)
        (created,) = [g for g in client.guild_creates if g["id"] == guild_id]
        listed = {int(m["user"]["id"]) for m in created["members"]}
        assert listed == {place.owner.id, guest.id}
        assert created["member_count"] >= 3  # the count is the guild's, as on Discord

        await client.send(8, {"guild_id": guild_id, "query": "", "limit": 0, "nonce": "all"})
        chunk = await client.wait_for("GUILD_MEMBERS_CHUNK", nonce="all")
        assert {int(m["user"]["id"]) for m in chunk["members"]} == {place.owner.id, guest.id}
        await client.send(8, {"guild_id": guild_id, "user_ids": [str(member.id)], "nonce": "one"})
        asked = await client.wait_for("GUILD_MEMBERS_CHUNK", nonce="one")
        assert asked["members"] == [] and asked["not_found"] == [str(member.id)]

        # Member events likewise: the hidden member's change does not reach the guest, the
        # owner's (sent after it) does.
        renamed = await place.owner.patch(
            f"/guilds/{guild_id}/members/{member.id}", json={"nick": "hidden"}
        )
        assert renamed.status_code == 200, renamed.text
        await place.owner.patch(f"/guilds/{guild_id}/members/@me", json={"nick": "host"})
        seen = await client.collect_until("GUILD_MEMBER_UPDATE", nick="host")
        updated = [p["d"]["user"]["id"] for p in seen if p.get("t") == "GUILD_MEMBER_UPDATE"]
        assert updated == [str(place.owner.id)]
    finally:
        await client.close()


async def test_a_guest_hears_nothing_of_a_member_who_shares_no_channel_with_them(
    server: Server, remote: Api
) -> None:
    place = await community(remote)
    guild_id = place.guild["id"]
    # The link channel is for guests and regulars only; newcomers arrive in a lobby.
    lobby = await place.owner.post(f"/guilds/{guild_id}/channels", json={"name": "lobby"})
    assert lobby.status_code == 201, lobby.text
    closed = await place.owner.put(
        f"/channels/{place.channel_id}/permissions/{guild_id}",
        json={"type": 0, "deny": str(VIEW_CHANNEL)},
    )
    assert closed.status_code == 204, closed.text
    guest = await join_as_guest(remote, place.code)
    client = GatewayClient(server.gateway)
    await client.connect()
    try:
        await client.identify(guest.token, ALL_INTENTS)

        newcomer = await remote.account("newcomer")
        await newcomer.join(place.owner, lobby.json()["id"])
        watching = GatewayClient(server.gateway)  # the newcomer comes online
        await watching.connect()
        await watching.identify(newcomer.token, ALL_INTENTS)
        await watching.close()  # and goes offline again
        left = await newcomer.delete(f"/users/@me/guilds/{guild_id}")
        assert left.status_code == 204, left.text
        await place.owner.patch(f"/guilds/{guild_id}/members/@me", json={"nick": "host"})
        seen = await client.collect_until("GUILD_MEMBER_UPDATE", nick="host")
        about = [
            (p["t"], p["d"].get("user", {}).get("id"))
            for p in seen
            if p.get("t") in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE", "PRESENCE_UPDATE")
        ]
        assert [a for a in about if a[1] == str(newcomer.id)] == [], (
            "no join, presence or leave of someone outside the guest's channel"
        )
    finally:
        await client.close()
