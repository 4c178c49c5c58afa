"""Voice in the browser (docs/voice.md): two people join General voice, each sees the other under
the channel, one speaks and the other receives the sound, one mutes and the other sees it, one
leaves and the other sees them gone; and the call's view on a phone.

WebRTC stays on loopback only inside a network namespace with nothing but `lo` (research/media.md:
outside one, Chromium sends from its external interface). The module's server, Playwright's
driver and its Chromium all start inside one that this thread enters and leaves again; Playwright
speaks to its driver over pipes, so nothing else needs the network.
"""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import math
import os
import re
import socket
import struct
import threading
import traceback
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.bots import BOT_PERMISSIONS
from tests.e2e.web.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DIST,
    Person,
    composer,
    create_guild,
    invite_into,
    new_context,
    open_as,
    page_errors,
    sign_up,
)
from tests.e2e.web.test_accessibility import AXE
from tests.server_process import Server, new_deployment
from tests.voice.bots import play_into_voice, write_opus_tone

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
TONE_HZ = 440
CALL_ARGS = [
    "--disable-quic",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
PHONE_375 = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def loopback_only() -> Iterator[None]:
    """This thread (and whatever it starts) in a fresh network namespace with only `lo`, up."""
    libc = ctypes.CDLL(None, use_errno=True)
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    if libc.unshare(CLONE_NEWNET) != 0:
        os.close(original)
        pytest.fail(f"cannot make a network namespace: {os.strerror(ctypes.get_errno())}")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            request = struct.pack("16sH22x", b"lo", 0)
            flags = struct.unpack("16sH22x", fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
            fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
        yield
    finally:
        libc.setns(original, CLONE_NEWNET)
        os.close(original)


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten seconds of a 440 Hz sine, which Chromium's fake microphone plays in a loop."""
    path = tmp_path_factory.mktemp("voice") / "tone.wav"
    rate = 48_000
    samples = b"".join(
        struct.pack("<h", int(12_000 * math.sin(2 * math.pi * TONE_HZ * i / rate)))
        for i in range(rate * 10)
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return path


@pytest.fixture(scope="module")
def web_server(loopback_only: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with new_deployment("sqlite", tmp_path_factory.mktemp("voice-web") / "data") as deployment:
        # ICE host candidates on loopback: the only interface inside the namespace.
        yield deployment.start(TOWNHALL_VOICE_ADDRESSES="127.0.0.1")


@pytest.fixture(scope="module")
def playwright(loopback_only: None) -> Iterator[Playwright]:
    if not (DIST / "index.html").exists():
        pytest.fail("the web client is not built: run scripts/build-web (make test does)")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium (make test does)")
    with sync_playwright() as found:
        yield found


@pytest.fixture(scope="module")
def browser(playwright: Playwright, tone: Path) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *CALL_ARGS, f"--use-file-for-fake-audio-capture={tone}"],
    )
    yield launched
    launched.close()


class Call:
    """Ann (the owner) and Ben in one community, each in a browser window of their own."""

    def __init__(self, browser: Browser, server: Server, viewport: dict[str, int] | None = None):
        self.ann_person = sign_up(server, "ann")
        self.ben_person = sign_up(server, "ben")
        self.guild_id, text_id = create_guild(self.ann_person, "Choir")
        invite_into(self.ann_person, text_id, self.ben_person)
        with self.ann_person.api() as http:
            channels = http.get(f"/guilds/{self.guild_id}/channels").json()
        self.voice_id = next(c["id"] for c in channels if c["type"] == 2 and c["name"] == "General")
        self.text_path = f"/channels/{self.guild_id}/{text_id}"
        self.contexts: list[BrowserContext] = []
        self.ann = self.open(browser, server, self.ann_person, viewport)
        self.ben = self.open(browser, server, self.ben_person, viewport)

    def open(
        self, browser: Browser, server: Server, person: Person, viewport: dict[str, int] | None
    ) -> Page:
        context = new_context(browser, viewport=viewport)
        context.grant_permissions(["microphone", "camera"], origin=server.url)
        self.contexts.append(context)
        page = open_as(context, person, self.text_path)
        expect(composer(page)).to_be_visible()
        return page

    def close(self) -> None:
        errors = [error for context in self.contexts for error in page_errors(context)]
        for context in self.contexts:
            context.close()
        assert errors == []


def sidebar(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Channels of Choir")


def in_general(page: Page) -> Locator:
    """The list of people under General voice in the sidebar."""
    return sidebar(page).get_by_role("list", name="In General")


def participant(page: Page, person: Person) -> Locator:
    return in_general(page).get_by_role("listitem").filter(has_text=person.username)


def voice_status(page: Page) -> Locator:
    return page.get_by_role("region", name="Voice connection").get_by_role("status")


def join_general(page: Page) -> None:
    sidebar(page).get_by_role("link", name=re.compile(r"^Voice channel General")).click()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings. The script goes in through the DevTools
    protocol, which the page's CSP does not govern (the calls run with it in force)."""
    page.evaluate(AXE.read_text())
    found: list[str] = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ['violations'] });
            return r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" "))}`);
        }"""
    )
    return found


RECEIVED_AUDIO = """async () => {
    const pc = window.townhall.voice.peer();
    if (!pc) return 0;
    let bytes = 0;
    (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") bytes += r.bytesReceived || 0;
    });
    return bytes;
}"""

# The loudest frequency bin of the sound in the page's audio slots: the other side's tone.
HEARD_PEAK_HZ = """async () => {
    const tracks = [...document.querySelectorAll("audio[data-voice-slot]")]
        .map((a) => a.srcObject && a.srcObject.getAudioTracks()[0]).filter(Boolean);
    if (!tracks.length) return 0;
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    for (const track of tracks) {
        context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    }
    await new Promise((r) => setTimeout(r, 700));
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    const loud = bins[best] > -70;
    await context.close();
    return loud ? best * context.sampleRate / analyser.fftSize : 0;
}"""


@pytest.fixture
def call(browser: Browser, web_server: Server) -> Iterator[Call]:
    people = Call(browser, web_server)
    yield people
    people.close()


def test_two_people_join_general_hear_each_other_see_mute_and_leave(call: Call) -> None:
    ann, ben = call.ann, call.ben
    join_general(ann)
    expect(participant(ann, call.ann_person)).to_be_visible()
    join_general(ben)
    # Each sees both under the channel, in their own sidebar.
    for page in (ann, ben):
        expect(participant(page, call.ann_person)).to_be_visible()
        expect(participant(page, call.ben_person)).to_be_visible()

    # The voice gateway and the SFU: both get into the call.
    for page in (ann, ben):
        panel = page.get_by_role("region", name="Voice connection")
        expect(panel.get_by_role("status")).to_have_text("Voice connected", timeout=30_000)
        expect(panel.get_by_role("link", name="General / Choir")).to_be_visible()

    # Ann's microphone plays a 440 Hz tone: Ben receives bytes, and hears that tone.
    first = ben.evaluate(RECEIVED_AUDIO)
    ben.wait_for_function(f"({RECEIVED_AUDIO})().then((b) => b > {first} + 4000)", timeout=20_000)
    heard = ben.evaluate(HEARD_PEAK_HZ)
    assert abs(heard - TONE_HZ) < 30, f"Ben's loudest frequency is {heard} Hz"

    # Ben's voice socket drops: a new socket and peer connection, and the sound comes back.
    ben.evaluate("window.oldPeer = window.townhall.voice.peer(); window.townhall.voice.drop()")
    ben.wait_for_function(
        """() => {
            const pc = window.townhall.voice.peer();
            return pc && pc !== window.oldPeer && pc.connectionState === "connected";
        }""",
        timeout=30_000,
    )
    expect(ben.get_by_role("region", name="Voice connection").get_by_role("status")).to_have_text(
        "Voice connected"
    )
    ben.wait_for_function(f"({RECEIVED_AUDIO})().then((b) => b > 4000)", timeout=20_000)

    # Ann mutes: her own button says so, and Ben sees her muted icon.
    mute = ann.get_by_role("button", name="Mute", exact=True).first
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    expect(participant(ben, call.ann_person).get_by_role("img", name="Muted")).to_be_visible()
    expect(participant(ben, call.ben_person).get_by_role("img", name="Muted")).to_have_count(0)

    assert serious_violations(ben) == []

    # Ann, the owner, mutes Ben for everyone from his card: both see a moderator's mute.
    participant(ann, call.ben_person).get_by_role("button").click()
    card = ann.get_by_role("dialog", name=f"Profile of {call.ben_person.username}")
    card.get_by_role("checkbox", name="Mute in voice channels").check()
    for page in (ann, ben):
        row = participant(page, call.ben_person)
        expect(row.get_by_role("img", name="Muted by a moderator")).to_be_visible()
    ann.keyboard.press("Escape")

    # Ann disconnects: gone for Ben, and her panel closes.
    ann.get_by_role("button", name="Disconnect").first.click()
    expect(participant(ben, call.ann_person)).to_have_count(0)
    expect(participant(ben, call.ben_person)).to_be_visible()
    expect(ann.get_by_role("region", name="Voice connection")).to_have_count(0)


def test_the_call_on_a_phone_keeps_its_controls_in_reach(
    browser: Browser, web_server: Server
) -> None:
    people = Call(browser, web_server, viewport=PHONE_375)
    try:
        ben = people.ben
        ben.get_by_role("button", name="Open navigation").first.click()
        join_general(ben)
        view = ben.get_by_role("region", name="Voice channel General")
        expect(view).to_be_visible()
        tiles = view.get_by_role("list", name="In General")
        expect(tiles.get_by_role("listitem")).to_have_count(1)
        people.ann.get_by_role("button", name="Open navigation").first.click()
        join_general(people.ann)
        expect(tiles.get_by_role("listitem")).to_have_count(2)
        assert serious_violations(ben) == []
        # One column: the tiles stand one above the other, as wide as the screen allows.
        boxes = [tile.bounding_box() for tile in tiles.get_by_role("listitem").all()]
        assert all(box is not None for box in boxes)
        first, second = boxes[0], boxes[1]
        assert first and second and second["y"] >= first["y"] + first["height"] - 1
        assert first["width"] > 300
        # The controls are on screen, big enough to touch, and work.
        controls = view.get_by_role("group", name="Call controls")
        for name in ("Mute", "Deafen", "Disconnect"):
            button = controls.get_by_role("button", name=name, exact=True)
            expect(button).to_be_in_viewport()
            box = button.bounding_box()
            assert box and box["height"] >= 44 and box["width"] >= 44
        controls.get_by_role("button", name="Deafen", exact=True).click()
        expect(controls.get_by_role("button", name="Deafen", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        # Deafened means muted too, as on Discord.
        expect(controls.get_by_role("button", name="Mute", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        controls.get_by_role("button", name="Disconnect").click()
        expect(view.get_by_role("button", name="Join voice")).to_be_visible()
    finally:
        people.close()


def test_a_camera_and_a_shared_screen_reach_the_other_side(call: Call) -> None:
    ann, ben = call.ann, call.ben
    join_general(ann)
    join_general(ben)
    for page in (ann, ben):
        panel = page.get_by_role("region", name="Voice connection")
        expect(panel.get_by_role("status")).to_have_text("Voice connected", timeout=30_000)
    ann.get_by_role("button", name="Camera", exact=True).first.click()
    expect(ann.get_by_role("button", name="Camera", exact=True).first).to_have_attribute(
        "aria-pressed", "true"
    )
    ben.get_by_role("button", name="Share your screen").first.click()
    expect(participant(ben, call.ann_person).get_by_role("img", name="Camera on")).to_be_visible()
    # Each sees the other's video playing (frames decoded), and a shared screen can go full screen.
    camera = ben.get_by_label(f"Camera of {call.ann_person.username}", exact=True)
    screen = ann.get_by_label(f"Screen of {call.ben_person.username}", exact=True)
    for video in (camera, screen):
        expect(video).to_be_visible(timeout=30_000)
        video.evaluate(
            """(v) => new Promise((resolve) => {
                const check = () => (v.videoWidth > 0 ? resolve(true) : setTimeout(check, 100));
                check();
            })"""
        )
    tile = ann.get_by_role("listitem").filter(has=screen)
    tile.hover()
    expect(tile.get_by_role("button", name=re.compile("^Show .* in full screen"))).to_be_visible()
    # Turning the camera off takes the video away.
    ann.get_by_role("button", name="Camera", exact=True).first.click()
    expect(camera).to_have_count(0)


def test_someone_joining_after_a_camera_went_on_sees_it(call: Call) -> None:
    """READY names no streams: the voice server tells a newcomer of the cameras already on."""
    ann, ben = call.ann, call.ben
    join_general(ann)
    expect(voice_status(ann)).to_have_text("Voice connected", timeout=30_000)
    ann.get_by_role("button", name="Camera", exact=True).first.click()
    expect(participant(ann, call.ann_person).get_by_role("img", name="Camera on")).to_be_visible()
    join_general(ben)
    expect(voice_status(ben)).to_have_text("Voice connected", timeout=30_000)
    camera = ben.get_by_label(f"Camera of {call.ann_person.username}", exact=True)
    expect(camera).to_be_visible(timeout=30_000)
    camera.evaluate(
        """(v) => new Promise((resolve) => {
            const check = () => (v.videoWidth > 0 ? resolve(true) : setTimeout(check, 100));
            check();
        })"""
    )


BOT_TONE_HZ = 660


def authorize_bot(owner: Person, guild_id: str, name: str) -> str:
    """What a bot author does (tests/e2e/bots.py): an application, its token, an authorization."""
    with owner.api() as http:
        app = http.post("/applications", json={"name": name}).json()
        token: str = http.post(f"/applications/{app['id']}/bot/reset").json()["token"]
        authorized = http.post(
            f"/oauth2/authorize?client_id={app['id']}&scope=bot&permissions={BOT_PERMISSIONS}",
            json={"guild_id": guild_id, "permissions": str(BOT_PERMISSIONS), "authorize": True},
        )
    assert authorized.status_code == 200, authorized.text
    return token


def test_a_discord_py_bot_plays_a_tone_that_the_browser_hears(
    call: Call, web_server: Server, tmp_path: Path
) -> None:
    """An unmodified discord.py bot: `channel.connect()`, then `play()` of an Opus file."""
    token = authorize_bot(call.ann_person, call.guild_id, "Jukebox")
    write_opus_tone(tmp_path / "jingle.ogg", BOT_TONE_HZ, 12.0)
    ann = call.ann
    join_general(ann)
    expect(voice_status(ann)).to_have_text("Voice connected", timeout=30_000)
    failures: list[BaseException] = []

    def bot() -> None:  # its own thread, so in this namespace too; its own event loop
        try:
            play = play_into_voice(
                web_server.url, token, int(call.voice_id), tmp_path / "jingle.ogg", tmp_path
            )
            asyncio.run(play)
        except BaseException as failed:
            failures.append(failed)

    playing = threading.Thread(target=bot)
    playing.start()
    try:
        expect(in_general(ann).get_by_role("listitem").filter(has_text="Jukebox")).to_be_visible(
            timeout=30_000
        )
        ann.wait_for_function(
            f"({HEARD_PEAK_HZ})().then((hz) => Math.abs(hz - {BOT_TONE_HZ}) < 30)",
            timeout=30_000,
            polling=100,
        )
    finally:
        playing.join(60)
    assert not playing.is_alive() and failures == [], "".join(
        traceback.format_exception(failures[0]) if failures else []
    )
    # It played to its end and left.
    expect(in_general(ann).get_by_role("listitem").filter(has_text="Jukebox")).to_have_count(0)


VIDEO_HEIGHT = "(v) => v.videoHeight"
OUTBOUND_LAYERS = """async () => {
    const pc = window.townhall.voice.peer();
    if (!pc) return 0;
    let layers = 0;
    (await pc.getStats()).forEach((r) => {
        if (r.type === "outbound-rtp" && r.kind === "video" && r.rid && r.framesSent > 0) layers++;
    });
    return layers;
}"""


def test_a_camera_goes_out_in_layers_and_each_viewer_gets_the_one_its_tile_needs(
    call: Call,
) -> None:
    """Simulcast: Ann's camera in three sizes; Ben, showing it small, gets a small layer, and
    a larger one once he enlarges the tile."""
    ann, ben = call.ann, call.ben
    join_general(ann)
    join_general(ben)
    for page in (ann, ben):
        expect(voice_status(page)).to_have_text("Voice connected", timeout=30_000)
    ben.set_viewport_size({"width": 320, "height": 640})
    ann.get_by_role("button", name="Camera", exact=True).first.click()
    ann.wait_for_function(f"({OUTBOUND_LAYERS})().then((n) => n >= 2)", timeout=30_000)
    camera = ben.get_by_label(f"Camera of {call.ann_person.username}", exact=True)
    expect(camera).to_be_visible(timeout=30_000)
    tile = camera.bounding_box()
    assert tile is not None
    # The small tile gets a layer at most twice its height (the smallest as tall as the tile;
    # at first, before Ben's size has reached the SFU, it may get a larger one).
    ben.wait_for_function(
        f"(v) => v.videoHeight > 0 && v.videoHeight <= {2 * tile['height']}",
        arg=camera.element_handle(),
        timeout=30_000,
    )
    small = camera.evaluate(VIDEO_HEIGHT)
    ben.set_viewport_size({"width": 1600, "height": 1000})
    ben.get_by_role("button", name=re.compile("^Enlarge")).first.click()
    ben.wait_for_function(
        f"(v) => v.videoHeight > {small}", arg=camera.element_handle(), timeout=30_000
    )
