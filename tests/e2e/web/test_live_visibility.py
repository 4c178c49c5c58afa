"""A private channel vanishes for a member without the role and appears when the role is given,
without a reload; a role change shows up live in the member list."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.web.conftest import create_guild, invite_into, new_context, open_as, sign_up
from tests.server_process import Server

VIEW_CHANNEL = 1 << 10


def test_private_channel_appears_and_vanishes_live_with_the_role(
    browser: Browser, web_server: Server
) -> None:
    owner = sign_up(web_server, "owner")
    member = sign_up(web_server, "member")
    guild_id, general = create_guild(owner, "Chess Club")
    invite_into(owner, general, member)
    with owner.api() as http:
        role = http.post(f"/guilds/{guild_id}/roles", json={"name": "Board", "hoist": True}).json()
        secret = http.post(
            f"/guilds/{guild_id}/channels",
            json={
                "name": "board-room",
                "permission_overwrites": [
                    {"id": guild_id, "type": 0, "deny": str(VIEW_CHANNEL)},
                    {"id": role["id"], "type": 0, "allow": str(VIEW_CHANNEL)},
                ],
            },
        ).json()

    context = new_context(browser)
    try:
        page = open_as(context, member, f"/channels/{guild_id}/{general}")
        channels = page.get_by_role("navigation", name="Channels of Chess Club")
        expect(channels.get_by_role("link", name=re.compile(r"\bgeneral$"))).to_be_visible()
        expect(channels.get_by_role("link", name=re.compile(r"\bboard-room$"))).to_have_count(0)

        with owner.api() as http:
            put = http.put(f"/guilds/{guild_id}/members/{member.user_id}/roles/{role['id']}")
            assert put.status_code == 204
        expect(channels.get_by_role("link", name=re.compile(r"\bboard-room$"))).to_be_visible()
        members = page.get_by_role("complementary", name="Members")
        expect(members.get_by_role("heading", name="Board — 1")).to_be_visible()

        # Reading the channel works, then the role goes and the channel leaves the screen.
        channels.get_by_role("link", name=re.compile(r"\bboard-room$")).click()
        expect(page.get_by_role("heading", name="board-room", exact=True)).to_be_visible()
        with owner.api() as http:
            http.post(
                f"/channels/{secret['id']}/messages", json={"content": "minutes of the board"}
            )
        expect(page.get_by_text("minutes of the board")).to_be_visible()
        with owner.api() as http:
            gone = http.delete(f"/guilds/{guild_id}/members/{member.user_id}/roles/{role['id']}")
            assert gone.status_code == 204
        expect(channels.get_by_role("link", name=re.compile(r"\bboard-room$"))).to_have_count(0)
        expect(page.get_by_text("minutes of the board")).to_have_count(0)
        expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()
    finally:
        context.close()
