"""A busy channel keeps showing its newest message.

The client keeps a bounded window of each channel's messages and drops the oldest hundred at once
when it grows past its limit. During a burst the virtualized list used to lose the bottom (messages
arriving faster than it followed them, or its old measurements kept after the drop) and stay there,
with the newest messages out of view or blank, though they were in memory.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Browser, expect

from tests.e2e.web.conftest import Person, create_guild, new_context, open_as, sign_up
from tests.server_process import Server

BURST = 1200
"""Enough to pass the window's limit (400) several times."""
SENDERS = 4


def _post_burst(person: Person, channel_id: str) -> str:
    """BURST messages from SENDERS connections at once; returns the content of the newest."""

    def send(start: int) -> list[tuple[int, str]]:
        sent = []
        with person.api() as http:
            for n in range(start, BURST, SENDERS):
                content = f"burst message {n}"
                response = http.post(f"/channels/{channel_id}/messages", json={"content": content})
                assert response.status_code == 200, response.text
                sent.append((int(response.json()["id"]), content))
        return sent

    with ThreadPoolExecutor(SENDERS) as pool:
        everything = [m for part in pool.map(send, range(SENDERS)) for m in part]
    return max(everything)[1]


def test_the_newest_message_of_a_burst_is_on_screen(browser: Browser, web_server: Server) -> None:
    person = sign_up(web_server, "busy")
    guild_id, channel_id = create_guild(person, "Busy Club")
    context = new_context(browser)
    try:
        page = open_as(context, person, f"/channels/{guild_id}/{channel_id}")
        expect(page.get_by_role("heading", name="general", exact=True)).to_be_visible()

        newest = _post_burst(person, channel_id)

        expect(page.get_by_text(newest, exact=True)).to_be_in_viewport()
        expect(page.get_by_role("button", name="Jump to present")).to_have_count(0)
    finally:
        context.close()
