"""Storage quotas: a person, and a community, can fill only what the operator allows."""

from __future__ import annotations

from pathlib import Path

from tests.api.own_app import own_app
from tests.api.test_attachments import guild_with_member, send_files


async def test_a_full_quota_refuses_more_files_with_a_message_that_says_why(
    tmp_path: Path,
) -> None:
    quotas = {"user_storage_quota_bytes": 1000, "guild_storage_quota_bytes": 1500}
    async with own_app(tmp_path, **quotas) as own:
        owner, member, channel_id = await guild_with_member(own.api)
        first = await send_files(owner, channel_id, [("a.bin", bytes(900))])
        assert first.status_code == 200, first.text

        over = await send_files(owner, channel_id, [("b.bin", bytes(200))])
        assert over.status_code == 413
        assert over.json()["code"] == 40005
        assert "your storage quota of 1.0 KB" in over.json()["message"]
        stored = (await owner.get(f"/channels/{channel_id}/messages")).json()
        assert [m["id"] for m in stored] == [first.json()["id"]]

        fits = await send_files(member, channel_id, [("c.bin", bytes(500))])
        assert fits.status_code == 200, fits.text
        community_full = await send_files(member, channel_id, [("d.bin", bytes(200))])
        assert community_full.status_code == 413
        assert "this community's storage quota" in community_full.json()["message"]

        freed = await owner.delete(f"/channels/{channel_id}/messages/{first.json()['id']}")
        assert freed.status_code == 204
        again = await send_files(member, channel_id, [("d.bin", bytes(200))])
        assert again.status_code == 200, again.text
