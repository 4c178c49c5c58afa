"""The same files kept in S3-compatible storage (moto's server on loopback) instead of on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.own_app import own_app
from tests.api.test_attachments import fetch, guild_with_member, png_bytes, send_files
from tests.s3_process import S3Server
from townhall.actions.attachments import sweep_deleted_files
from townhall.files.storage import StoredObjectMissing


async def test_files_kept_in_s3_are_sent_previewed_served_and_swept(
    tmp_path: Path, s3_url: S3Server
) -> None:
    async with own_app(
        tmp_path, storage_url=s3_url.url, s3_endpoint_url=s3_url.endpoint_url
    ) as own:
        owner, _member, channel_id = await guild_with_member(own.api)
        image = png_bytes((2000, 1500))
        sent = await send_files(owner, channel_id, [("map.png", image)])
        assert sent.status_code == 200, sent.text
        (attachment,) = sent.json()["attachments"]
        assert (await fetch(own.http, attachment["url"])).content == image
        part = await fetch(own.http, attachment["url"], headers={"Range": "bytes=1-8"})
        assert part.content == image[1:9]
        preview = await fetch(own.http, attachment["proxy_url"])
        assert preview.status_code == 200 and len(preview.content) < len(image)
        assert not list((tmp_path / "files" / "store").glob("**/*.png"))

        storage = s3_url.storage()
        try:
            key = f"attachments/{channel_id}/{attachment['id']}/original"
            assert (await storage.stat(key)).size == len(image)
            gone = await owner.delete(f"/channels/{channel_id}/messages/{sent.json()['id']}")
            assert gone.status_code == 204
            assert (await fetch(own.http, attachment["url"])).status_code == 404
            await sweep_deleted_files.run(own.app.state.services, {})
            with pytest.raises(StoredObjectMissing):
                await storage.stat(key)
        finally:
            await storage.close()
