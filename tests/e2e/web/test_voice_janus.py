"""Video in the browser through Janus (docs/voice.md, "Video on connections of its own"): two
Chromium windows in General voice on a server with `TOWNHALL_MEDIA_BACKEND=janus`; Ann's camera,
then her screen too, reach Ben through Janus's VideoRoom (a publisher connection Ann offers, a
subscriber connection Janus offers Ben), and the camera goes when she turns it off.

Janus runs in a network namespace of its own joined to ours by a veth pair (it never offers
loopback candidates: `tests/media/janus_process.py`). Chromium and the server stay in ours:
Chromium gathers a host candidate on our end of the veth, which Janus's candidates on the other
end reach (mDNS names are off, so Janus reads the address).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.e2e.web.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    composer,
    create_guild,
    invite_into,
    new_context,
    open_as,
    sign_up,
)
from tests.media.janus_process import (
    ADMIN_KEY,
    API_SECRET,
    TOKEN_SECRET,
    JanusNamespace,
    janus_namespace,
)
from tests.server_process import Server, new_deployment

CALL_ARGS = [
    "--disable-quic",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]

VIDEO_PLAYS = """(v) => new Promise((resolve) => {
    const check = () => (v.videoWidth > 0 ? resolve(true) : setTimeout(check, 100));
    check();
})"""

RECEIVED_AUDIO = """async () => {
    const pc = window.townhall.voice.peer();
    if (!pc) return 0;
    let bytes = 0;
    (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") bytes += r.bytesReceived || 0;
    });
    return bytes;
}"""


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusNamespace]:
    with janus_namespace(tmp_path_factory.mktemp("janus")) as namespace:
        yield namespace


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory, janus: JanusNamespace) -> Iterator[Server]:
    with new_deployment("sqlite", tmp_path_factory.mktemp("janus-web") / "data") as deployment:
        yield deployment.start(
            TOWNHALL_MEDIA_BACKEND="janus",
            TOWNHALL_JANUS_URLS=",".join(janus.urls),
            TOWNHALL_JANUS_ADMIN_KEY=ADMIN_KEY,
            TOWNHALL_JANUS_API_SECRET=API_SECRET,
            TOWNHALL_JANUS_TOKEN_SECRET=TOKEN_SECRET,
        )


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *CALL_ARGS]
    )
    yield launched
    launched.close()


def open_call(browser: Browser, server: Server) -> tuple[Page, Page, str]:
    ann, ben = sign_up(server, "ann"), sign_up(server, "ben")
    guild_id, text_id = create_guild(ann, "Choir")
    invite_into(ann, text_id, ben)
    pages = []
    for person in (ann, ben):
        context = new_context(browser)
        context.grant_permissions(["microphone", "camera"], origin=server.url)
        page = open_as(context, person, f"/channels/{guild_id}/{text_id}")
        expect(composer(page)).to_be_visible()
        pages.append(page)
    return pages[0], pages[1], ann.username


def join_general(page: Page) -> None:
    sidebar = page.get_by_role("navigation", name="Channels of Choir")
    sidebar.get_by_role("link", name=re.compile(r"^Voice channel General")).click()
    panel = page.get_by_role("region", name="Voice connection")
    expect(panel.get_by_role("status")).to_have_text("Voice connected", timeout=30_000)


def test_a_camera_reaches_the_other_browser_through_janus(
    browser: Browser, web_server: Server
) -> None:
    ann, ben, ann_name = open_call(browser, web_server)
    try:
        join_general(ann)
        join_general(ben)
        ben.wait_for_function(f"({RECEIVED_AUDIO})().then((b) => b > 4000)", timeout=20_000)

        camera_button = ann.get_by_role("button", name="Camera", exact=True).first
        camera_button.click()
        expect(camera_button).to_have_attribute("aria-pressed", "true")

        camera = ben.get_by_label(f"Camera of {ann_name}", exact=True)
        expect(camera).to_be_visible(timeout=30_000)
        camera.evaluate(VIDEO_PLAYS)
        peers = ben.evaluate(
            """() => {
                const p = window.townhall.voice.videoPeers();
                return [!!p.publisher, !!p.subscriber];
            }"""
        )
        assert peers == [False, True], "Ben watches on a subscriber connection, publishes none"

        # Her screen as well: one publisher connection with both, both reach Ben.
        ann.get_by_role("button", name="Share your screen").first.click()
        screen = ben.get_by_label(f"Screen of {ann_name}", exact=True)
        expect(screen).to_be_visible(timeout=30_000)
        screen.evaluate(VIDEO_PLAYS)
        expect(camera).to_be_visible()
        camera.evaluate(VIDEO_PLAYS)

        camera_button.click()
        expect(camera).to_have_count(0, timeout=30_000)
        expect(screen).to_be_visible()
    finally:
        for page in (ann, ben):
            page.context.close()
