"""discord.py 2.7's `Webhook`, unmodified, against a real server: files (`send(file=…)`, an edit
that keeps one file and adds another), a thread of the webhook's channel (`thread=`), and a new
forum post (`thread_name=`, `applied_tags=`)."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import discord
import pytest

from tests.conftest import Account, Api
from tests.server_process import Server


async def webhook_of(owner: Account, channel_id: str, name: str = "CI") -> tuple[int, str]:
    made = await owner.post(f"/channels/{channel_id}/webhooks", json={"name": name})
    assert made.status_code == 200, made.text
    return int(made.json()["id"]), made.json()["token"]


def text_file(name: str, data: bytes, description: str | None = None) -> discord.File:
    return discord.File(io.BytesIO(data), filename=name, description=description)


async def download(url: str) -> bytes:
    """A file link as a browser opens it (a partial webhook cannot `Attachment.read()`)."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, url
        return await response.read()


@pytest.mark.usefixtures("pointed_at")
async def test_discord_py_webhooks_send_files_and_post_into_threads_and_forums(
    remote: Api, sqlite_server: Server
) -> None:
    owner = await remote.account("owner")
    guild = await owner.guild("Webhook club")
    channel_id = next(c["id"] for c in guild["channels"] if c["type"] == 0)
    hook_id, token = await webhook_of(owner, channel_id)
    thread = await owner.post(
        f"/channels/{channel_id}/threads", json={"name": "deploys", "type": 11}
    )
    assert thread.status_code == 201, thread.text
    made = await owner.post(
        f"/guilds/{guild['id']}/channels",
        json={"name": "alerts", "type": 15, "available_tags": [{"name": "disk"}]},
    )
    assert made.status_code == 201, made.text
    forum: dict[str, Any] = made.json()
    forum_hook_id, forum_token = await webhook_of(owner, forum["id"], "Alerts")

    async with aiohttp.ClientSession() as session:
        hook = discord.Webhook.partial(hook_id, token, session=session)
        sent = await hook.send(
            "nightly build",
            file=text_file("build.log", b"all green\n", "The build's log"),
            wait=True,
        )
        (log,) = sent.attachments
        assert (log.filename, log.description, log.size) == ("build.log", "The build's log", 10)
        assert await download(log.url) == b"all green\n"

        edited = await sent.edit(attachments=[log, text_file("coverage.txt", b"93%")])
        assert [a.filename for a in edited.attachments] == ["build.log", "coverage.txt"]
        assert await download(edited.attachments[1].url) == b"93%"

        in_thread = await hook.send(
            "deployed", thread=discord.Object(int(thread.json()["id"])), wait=True
        )
        assert in_thread.channel.id == int(thread.json()["id"])
        fetched = await hook.fetch_message(
            in_thread.id, thread=discord.Object(int(thread.json()["id"]))
        )
        assert fetched.content == "deployed"

        forum_hook = discord.Webhook.partial(forum_hook_id, forum_token, session=session)
        tag = discord.Object(int(forum["available_tags"][0]["id"]))
        post = await forum_hook.send(
            "disk at 95%",
            thread_name="db-1 disk",
            applied_tags=[tag],  # type: ignore[list-item]
            file=text_file("df.txt", b"/dev/sda1 95%"),
            wait=True,
        )
        assert post.channel.id == post.id
        with pytest.raises(discord.HTTPException) as refused:
            await forum_hook.send("where does this go?", wait=True)
        assert refused.value.code == 220001

    shown = (await owner.get(f"/channels/{post.id}")).json()
    assert shown["name"] == "db-1 disk" and shown["parent_id"] == forum["id"]
    assert shown["applied_tags"] == [forum["available_tags"][0]["id"]]
    first = (await owner.get(f"/channels/{post.id}/messages")).json()[0]
    assert first["attachments"][0]["filename"] == "df.txt"
    assert await download(first["attachments"][0]["url"]) == b"/dev/sda1 95%"
