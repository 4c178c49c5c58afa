"""Visitors' reads of public channels are limited per client address, across channels."""

from __future__ import annotations

from tests.api.test_rate_limits import StartApi, assert_discord_429, client_at, limited
from tests.conftest import text_channel
from townhall.api import ratelimit
from townhall.domain.channels import ChannelFlag

__all__ = ["limited"]  # the fixture, from the rate limit tests


async def test_visitor_reads_are_limited_per_address_across_channels(limited: StartApi) -> None:
    api = await limited()
    alice = await api.account()
    guild = await alice.guild()
    first = text_channel(guild)["id"]
    second = (await alice.post(f"/guilds/{guild['id']}/channels", json={"name": "two"})).json()
    for channel_id in (first, second["id"]):
        opened = await alice.patch(
            f"/channels/{channel_id}", json={"flags": ChannelFlag.WEB_PUBLIC}
        )
        assert opened.status_code == 200, opened.text
    allowed = ratelimit.VISITOR_READS.requests
    assert allowed < ratelimit.GLOBAL.requests  # this limit, not the global one, is what refuses
    async with client_at(api, "10.9.8.7") as visitor, client_at(api, "10.9.8.8") as neighbour:
        for n in range(allowed):
            channel_id = first if n % 2 else second["id"]
            read = await visitor.get(f"/channels/{channel_id}/messages")
            assert read.status_code == 200, (n, read.text)
        refused = await visitor.get(f"/channels/{first}")
        retry_after = assert_discord_429(refused, is_global=False)
        assert retry_after <= ratelimit.VISITOR_READS.per
        assert (
            refused.headers["x-ratelimit-bucket"] == ratelimit.bucket_hash("visitor-reads").decode()
        )
        assert (await visitor.get(f"/guilds/{guild['id']}/preview")).status_code == 429
        # Another address reads on; so does a member with a token from the same address.
        assert (await neighbour.get(f"/channels/{first}/messages")).status_code == 200
        member = await visitor.get(
            f"/channels/{first}/messages", headers={"Authorization": alice.token}
        )
        assert member.status_code == 200


async def test_the_visitor_read_limit_is_a_setting(limited: StartApi) -> None:
    api = await limited(visitor_reads=3, visitor_reads_seconds=60.0)
    alice = await api.account()
    guild = await alice.guild()
    channel_id = text_channel(guild)["id"]
    opened = await alice.patch(f"/channels/{channel_id}", json={"flags": ChannelFlag.WEB_PUBLIC})
    assert opened.status_code == 200, opened.text
    async with client_at(api, "10.9.8.9") as visitor:
        for n in range(3):
            read = await visitor.get(f"/channels/{channel_id}/messages")
            assert read.status_code == 200, (n, read.text)
        refused = await visitor.get(f"/channels/{channel_id}/messages")
        retry_after = assert_discord_429(refused, is_global=False)
        assert 10.0 < retry_after <= 60.0  # the window set, not the default 10 seconds
