"""Files in the browser, between two people: an image dropped onto the conversation, a voice
message recorded with Chromium's fake microphone, a 30 MB file through the resumable upload
(paused and resumed on the way), a file with malware that only its uploader sees, blocked, an
upload the quota refuses, the attach button following the permission, and axe on all of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, expect

from tests.clamd_process import SIGNATURE, eicar
from tests.e2e.web.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    composer,
    create_guild,
    open_as,
    sign_up,
)
from tests.e2e.web.conftest import Pair as BasePair
from tests.server_process import Server, new_deployment

MiB = 1024 * 1024
BIG = 30 * MiB
TIMES = "\N{MULTIPLICATION SIGN}"  # the sign after the speed button's number
FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium with a fake microphone (a beeping tone) that needs no prompt."""
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *FAKE_MICROPHONE]
    )
    yield launched
    launched.close()


def message(page: Page, text: str) -> Locator:
    return page.get_by_role("article").filter(has_text=text)


class Pair(BasePair):
    community = "Photo Club"


@pytest.fixture
def pair(browser: Browser, web_server: Server) -> Iterator[Pair]:
    people = Pair(browser, web_server)
    yield people
    people.close()


def drop_files(page: Page, files_js: str) -> None:
    """Drag files made in the page (`files_js` evaluates to a list of File) onto the
    conversation and drop them there, as from a file manager."""
    transfer = page.evaluate_handle(
        f"""async () => {{
            const transfer = new DataTransfer();
            for (const file of await ({files_js})) transfer.items.add(file);
            return transfer;
        }}"""
    )
    target = page.get_by_role("log")
    target.dispatch_event("dragenter", {"dataTransfer": transfer})
    target.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(page.get_by_text(re.compile("^Drop files to send them to #general"))).to_be_visible()
    target.dispatch_event("drop", {"dataTransfer": transfer})
    expect(page.get_by_text(re.compile("^Drop files to send them to"))).to_have_count(0)


PAINTED_PNG = """new Promise((resolve) => {
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 400;
    const g = canvas.getContext("2d");
    g.fillStyle = "#d33"; g.fillRect(0, 0, 640, 400);
    g.fillStyle = "#fc3"; g.beginPath(); g.arc(320, 200, 120, 0, 7); g.fill();
    canvas.toBlob((blob) => resolve([new File([blob], "sunset.png", { type: "image/png" })]));
})"""


def image_loaded(page: Page, alt: str) -> None:
    page.wait_for_function(
        """(alt) => [...document.querySelectorAll("img")].some(
            (img) => img.alt === alt && img.complete && img.naturalWidth > 0)""",
        arg=alt,
    )


def test_an_image_dropped_on_the_conversation_shows_for_the_other_person(pair: Pair) -> None:
    alice, bob = pair.alice, pair.bob
    drop_files(alice, f"(async () => [...(await {PAINTED_PNG}), new File(['-'], 'draft.txt')])()")

    # The tray shows the files before sending, with a thumbnail and a field for a description;
    # one of them is taken out again.
    tray = alice.get_by_role("list", name="Files to send")
    expect(tray.get_by_text("sunset.png")).to_be_visible()
    tray.get_by_role("button", name="Remove draft.txt").click()
    expect(tray.get_by_text("draft.txt")).to_have_count(0)
    thumbnail = tray.locator("img")
    expect(thumbnail).to_have_attribute("src", re.compile("^blob:"))
    tray.get_by_label("Description of sunset.png for people who cannot see it").fill(
        "A yellow sun on red"
    )
    composer(alice).fill("Tonight's sunset")
    composer(alice).press("Enter")
    expect(tray).to_have_count(0)

    # Bob sees the picture itself (a preview that loaded), with its description as alt text.
    sent = message(bob, "Tonight's sunset")
    expect(sent.get_by_role("img", name="A yellow sun on red")).to_be_visible()
    image_loaded(bob, "A yellow sun on red")
    box = sent.get_by_role("img", name="A yellow sun on red").bounding_box()
    assert box is not None and round(box["width"] / box["height"], 2) == 1.6

    # A click shows it at full size with a download link; Esc closes it.
    sent.get_by_role("button", name="Open image sunset.png").click()
    lightbox = bob.get_by_role("dialog", name="sunset.png")
    expect(lightbox.get_by_role("link", name="Download")).to_have_attribute(
        "href", re.compile(r"/attachments/.+sunset\.png\?")
    )
    image_loaded(bob, "A yellow sun on red")
    bob.keyboard.press("Escape")
    expect(lightbox).to_have_count(0)
    expect(sent.get_by_role("button", name="Open image sunset.png")).to_be_focused()

    # Alice's own copy shows it too; the file taken out was never sent.
    image_loaded(alice, "A yellow sun on red")
    expect(sent.get_by_role("img")).to_have_count(1)
    expect(bob.get_by_text("draft.txt")).to_have_count(0)


def test_a_voice_message_recorded_on_one_side_plays_on_the_other(pair: Pair) -> None:
    alice, bob = pair.alice, pair.bob
    pair.alice_context.grant_permissions(["microphone"], origin=pair.server.url)

    alice.get_by_role("button", name="Record a voice message").click()
    recorder = alice.get_by_role("group", name="Recording a voice message")
    expect(recorder.get_by_role("timer")).to_have_text("Recording 0:02")
    recorder.get_by_role("button", name="Send voice message").click()
    expect(composer(alice)).to_be_focused()

    player = bob.get_by_role("group", name="Voice message")
    expect(player).to_be_visible()
    # The server measured the recording: its length shows before it plays.
    position = player.get_by_role("slider", name="Position in the voice message")
    expect(position).to_have_attribute("aria-valuetext", re.compile(r"^0:00 of 0:0[2-9]$"))
    expect(player.locator("svg rect")).to_have_count(40)

    player.get_by_role("button", name=f"Playback speed 1{TIMES}").click()
    expect(player.get_by_role("button", name=f"Playback speed 1.5{TIMES}")).to_be_visible()
    player.get_by_role("button", name="Play voice message").click()
    expect(player.get_by_role("button", name="Pause voice message")).to_be_visible()
    bob.wait_for_function(
        """() => {
            const audio = document.querySelector(".voice-player audio");
            return audio && audio.currentTime > 0.5 && audio.playbackRate === 1.5;
        }"""
    )
    player.get_by_role("button", name="Pause voice message").click()
    expect(player.get_by_role("button", name="Play voice message")).to_be_visible()


BIG_FILE = f"""(() => {{
    const bytes = new Uint8Array({BIG});
    for (let i = 0; i < bytes.length; i += 997) bytes[i] = (i / 997) % 251;
    return [new File([bytes], "big.bin", {{ type: "application/octet-stream" }})];
}})()"""


def test_a_large_file_goes_through_a_resumable_upload_that_can_pause(pair: Pair) -> None:
    alice, bob = pair.alice, pair.bob
    requests: list[str] = []
    alice.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    # Uploads at 12 MB/s, so that there is time to pause on the way.
    cdp = pair.alice_context.new_cdp_session(alice)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 12 * MiB},
    )

    # Chosen with the attach button's file picker (for several files at once).
    with alice.expect_file_chooser() as chooser:
        alice.get_by_role("button", name="Attach files").click()
    assert chooser.value.is_multiple()
    chooser.value.element.evaluate(
        f"""(input) => {{
            const transfer = new DataTransfer();
            for (const file of {BIG_FILE}) transfer.items.add(file);
            input.files = transfer.files;
            input.dispatchEvent(new Event("change", {{ bubbles: true }}));
        }}"""
    )
    expect(alice.get_by_role("list", name="Files to send").get_by_text("30 MB")).to_be_visible()
    composer(alice).press("Enter")

    progress = alice.get_by_role("progressbar", name="Upload of big.bin")
    expect(progress).to_be_visible()
    alice.wait_for_function(
        """() => {
            const bar = document.querySelector("progress.upload-bar");
            return bar && bar.value > 0;
        }"""
    )
    alice.get_by_role("button", name="Pause the upload of big.bin").click()
    expect(alice.get_by_text("Paused", exact=True)).to_be_visible()
    paused_at = progress.evaluate("(bar) => bar.value")
    assert 0 < paused_at < BIG
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    alice.get_by_role("button", name="Resume the upload of big.bin").click()

    # Bob gets a card with the file's size and a link that downloads all of it.
    card = message(bob, "big.bin")
    link = card.get_by_role("link", name="Download big.bin")
    expect(link).to_be_visible()
    expect(card.get_by_text("30 MB")).to_be_visible()
    expect(progress).to_have_count(0)
    downloaded = bob.evaluate(
        """async (href) => {
            const bytes = new Uint8Array(await (await fetch(href)).arrayBuffer());
            let same = true;
            for (let i = 0; i < bytes.length; i++) {
                if (bytes[i] !== (i % 997 ? 0 : (i / 997) % 251)) { same = false; break; }
            }
            return { size: bytes.length, same };
        }""",
        link.get_attribute("href"),
    )
    assert downloaded == {"size": BIG, "same": True}

    # It went in pieces to the resumable endpoint (resumed with a HEAD), then the message named it.
    uploads = [r for r in requests if "/api/v10/uploads" in r]
    assert any(r.startswith("POST") for r in uploads)
    assert any(r.startswith("HEAD") for r in uploads)
    assert sum(r.startswith("PATCH") for r in uploads) >= 4


@pytest.fixture(scope="module")
def scanning_server(
    tmp_path_factory: pytest.TempPathFactory, clamd_socket: str
) -> Iterator[Server]:
    """A server that shows files to others only once clamd has cleared them."""
    with new_deployment("sqlite", tmp_path_factory.mktemp("scan") / "data") as deployment:
        yield deployment.start(TOWNHALL_SCAN="required", TOWNHALL_CLAMD_SOCKET=clamd_socket)


def test_malware_is_shown_blocked_to_its_uploader_and_never_to_anyone_else(
    browser: Browser, scanning_server: Server
) -> None:
    pair = Pair(browser, scanning_server)
    try:
        alice, bob = pair.alice, pair.bob
        drop_files(
            alice,
            f"[new File([{eicar().decode()!r}], 'eicar.com', {{ type: 'application/x-msdos' }})]",
        )
        composer(alice).fill("the test file")
        composer(alice).press("Enter")
        blocked = message(alice, "the test file")
        # clamd names what it found ("….UNOFFICIAL" for a signature from a database of one's own).
        found = re.compile(rf"^Blocked: malware found \({re.escape(SIGNATURE)}(\.UNOFFICIAL)?\)$")
        expect(blocked.get_by_text(found)).to_be_visible()
        expect(blocked.get_by_role("link")).to_have_count(0)

        # A clean file sent after it reaches Bob once it is cleared; the blocked one never does.
        drop_files(alice, "[new File(['meeting at eight'], 'notes.txt', { type: 'text/plain' })]")
        composer(alice).fill("the clean file")
        composer(alice).press("Enter")
        expect(
            message(bob, "the clean file").get_by_role("link", name="Download notes.txt")
        ).to_be_visible()
        expect(
            message(alice, "the clean file").get_by_role("link", name="Download notes.txt")
        ).to_be_visible()
        expect(message(bob, "the test file")).to_have_count(0)
        expect(bob.get_by_text("eicar.com")).to_have_count(0)
        own_notice = re.compile(r"^Your file eicar\.com was not shared")
        expect(alice.get_by_text(own_notice)).to_be_visible()

        # Bob (a member) sends one too: Alice, who moderates the channel, is told who and what.
        drop_files(
            bob,
            f"[new File([{eicar().decode()!r}], 'invoice.com', {{ type: 'application/x-msdos' }})]",
        )
        composer(bob).fill("please pay")
        composer(bob).press("Enter")
        bob_name = re.escape(pair.bob_person.username)
        told = re.compile(rf"^Malware blocked in #general: invoice\.com from {bob_name}")
        expect(alice.get_by_text(told)).to_be_visible()
        expect(message(alice, "please pay")).to_have_count(0)
    finally:
        pair.close()


@pytest.fixture(scope="module")
def small_quota_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server where each person may store 1 MB of files."""
    with new_deployment("sqlite", tmp_path_factory.mktemp("quota") / "data") as deployment:
        yield deployment.start(TOWNHALL_USER_STORAGE_QUOTA_BYTES=str(1_000_000))


def test_a_refused_upload_says_why_and_the_attach_button_follows_the_permission(
    browser: Browser, small_quota_server: Server
) -> None:
    pair = Pair(browser, small_quota_server)
    try:
        alice, bob = pair.alice, pair.bob
        # Bob pastes a file into the composer, as from a screenshot tool.
        bob.get_by_role("combobox", name=re.compile("^Write a message")).evaluate(
            """(field) => {
                const data = new DataTransfer();
                const bytes = new Uint8Array(2000000);
                data.items.add(new File([bytes], "scan.tif", { type: "image/tiff" }));
                const paste = new ClipboardEvent("paste", { clipboardData: data, bubbles: true });
                field.dispatchEvent(paste);
            }"""
        )
        expect(
            bob.get_by_role("list", name="Files to send").get_by_text("scan.tif")
        ).to_be_visible()
        composer(bob).fill("my scan")
        composer(bob).press("Enter")
        failed = message(bob, "my scan")
        quota = re.compile(r"Not sent: These files would exceed your storage quota of 1\.0 MB")
        expect(failed.get_by_role("alert")).to_have_text(quota)
        failed.get_by_role("button", name="Try again").click()
        expect(failed.get_by_role("alert")).to_have_text(quota)
        failed.get_by_role("button", name="Discard").click()
        expect(message(bob, "my scan")).to_have_count(0)
        expect(message(alice, "my scan")).to_have_count(0)

        # Once files are not allowed in the channel, Bob has no attach button and a drop is refused.
        expect(bob.get_by_role("button", name="Attach files")).to_be_visible()
        with pair.alice_person.api() as http:
            denied = http.put(
                f"/channels/{pair.channel_id}/permissions/{pair.guild_id}",
                json={"type": 0, "allow": "0", "deny": str(1 << 15)},
            )
        assert denied.status_code == 204, denied.text
        expect(bob.get_by_role("button", name="Attach files")).to_have_count(0)
        expect(composer(bob)).to_be_visible()  # he may still write
        expect(alice.get_by_role("button", name="Attach files")).to_be_visible()  # the owner may
        transfer = bob.evaluate_handle(
            "() => { const t = new DataTransfer(); t.items.add(new File([''], 'a')); return t }"
        )
        bob.get_by_role("log").dispatch_event("drop", {"dataTransfer": transfer})
        expect(bob.get_by_text("You cannot attach files in this channel.")).to_be_visible()
        expect(bob.get_by_role("list", name="Files to send")).to_have_count(0)
    finally:
        pair.close()


AXE = Path(__file__).resolve().parents[3] / "web" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ["violations"] });
            return r.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id}: ` + v.nodes.slice(0, 3).map((n) => n.target.join(" ")));
        }"""
    )
    return list(found)


def test_files_in_the_composer_and_in_messages_pass_axe_in_both_themes(
    browser: Browser, web_server: Server
) -> None:
    alice_person = sign_up(web_server, "alice")
    guild_id, channel_id = create_guild(alice_person, "Accessible Files")
    # The scan is injected as a script tag, which this context lets past the page's CSP.
    context = browser.new_context(bypass_csp=True, reduced_motion="reduce")
    context.grant_permissions(["microphone"], origin=web_server.url)
    try:
        page = open_as(context, alice_person, f"/channels/{guild_id}/{channel_id}")
        expect(composer(page)).to_be_visible()
        page.get_by_role("button", name="Record a voice message").click()
        recorder = page.get_by_role("group", name="Recording a voice message")
        expect(recorder.get_by_role("timer")).to_have_text("Recording 0:01")
        recorder.get_by_role("button", name="Send voice message").click()
        expect(page.get_by_role("group", name="Voice message")).to_be_visible()
        drop_files(
            page,
            f"""(async () => [...(await {PAINTED_PNG}),
                new File(["%PDF-1.4"], "minutes.pdf", {{ type: "application/pdf" }})])()""",
        )
        expect(page.get_by_role("list", name="Files to send")).to_be_visible()
        problems = {"tray, light": serious_violations(page)}
        composer(page).press("Enter")
        image_loaded(page, "sunset.png")
        expect(page.get_by_role("link", name="Download minutes.pdf")).to_be_visible()
        problems["messages, light"] = serious_violations(page)
        page.emulate_media(color_scheme="dark")
        problems["messages, dark"] = serious_violations(page)
        assert problems == {key: [] for key in problems}
    finally:
        context.close()
