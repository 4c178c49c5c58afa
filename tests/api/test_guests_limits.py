"""Guest joins are limited per address, with Discord's 429, whatever links they use."""

from __future__ import annotations

from tests.api.test_rate_limits import StartApi, client_at, limited  # noqa: F401 (the fixture)
from townhall.api import ratelimit


async def test_guest_joins_are_limited_per_address(limited: StartApi) -> None:  # noqa: F811
    api = await limited()
    owner = await api.account("owner")
    guild = await owner.guild()
    await owner.patch(f"/guilds/{guild['id']}", json={"guests_enabled": True})
    link = await owner.post(
        f"/channels/{guild['system_channel_id']}/invites", json={"flags": 1, "max_age": 3600}
    )
    path = f"/invites/{link.json()['code']}/guest"
    allowed = ratelimit.GUEST_JOIN.requests
    async with client_at(api, "203.0.113.7") as crowd, client_at(api, "203.0.113.8") as other:
        for n in range(allowed):
            joined = await crowd.post(path, json={"global_name": f"Pupil {n}"})
            assert joined.status_code == 200, (n, joined.text)
        refused = await crowd.post(path, json={"global_name": "One too many"})
        assert refused.status_code == 429
        assert refused.json()["global"] is False and refused.headers["retry-after"]
        assert (await other.post(path, json={"global_name": "Next door"})).status_code == 200
    members = await owner.get(f"/guilds/{guild['id']}/members?limit=1000")
    assert len(members.json()) == allowed + 2
