"""Application commands and interactions in the browser (docs/interactions.md), with a real,
unmodified discord.py 2.7 bot (`app_commands`, `discord.ui.View`, `discord.ui.Modal`, a
`Translator` for German) running in its own thread of the test process: a person types `/`,
picks a command, fills its options (checked before sending), and sees the bot's answer with
"… used /hello"; an autocomplete option asks the bot; a select menu and a button that answers
slowly (loading state, then the message edited in place); a modal; a deferred answer ("is
thinking…"); an ephemeral answer only they see, dismissed; "The application did not respond";
message and user context-menu commands. A German member on a phone gets the bot's German names
and the client's German labels. In the DM with the bot, "/" lists only what works there, and a
button on the bot's DM message answers; a file option takes a file the bot reads, on a phone in
French too."""

from __future__ import annotations

import asyncio
import re
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.app_commands import Choice, locale_str
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.bots import (
    BOT_PERMISSIONS,
    GUILD_MEMBERS_FLAG,
    MESSAGE_CONTENT_FLAG,
    discord_py_pointed_at,
)
from tests.e2e.web.conftest import (
    DESKTOP,
    PHONE,
    Person,
    composer,
    create_guild,
    invite_into,
    new_context,
    open_as,
    page_errors,
    post,
    sign_up,
)
from tests.e2e.web.test_accessibility import AXE
from tests.server_process import Server

GERMAN = {
    "hello": "hallo",
    "Say hello": "Sag hallo",
    "who": "wer",
    "Whom to greet": "Wen grüßen",
    "How often": "Wie oft",
    "How they feel": "Wie es ihnen geht",
}
FRUITS = ["Apple", "Banana", "Cherry"]


class German(app_commands.Translator):
    """German names and descriptions, as a bot author adds them (`name_localizations`)."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        return GERMAN.get(string.message) if locale is discord.Locale.german else None


class Poll(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=300)
        self.add_item(discord.ui.Button(label="Docs", url="https://example.org/docs"))

    @discord.ui.select(
        placeholder="Pick colours",
        min_values=1,
        max_values=2,
        custom_id="poll:colours",
        options=[
            discord.SelectOption(label="Red", value="red"),
            discord.SelectOption(label="Green", value="green"),
            discord.SelectOption(label="Blue", value="blue", description="Like the sea"),
        ],
    )
    async def colours(
        self, interaction: discord.Interaction, select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.send_message(f"Picked: {', '.join(select.values)}")

    @discord.ui.button(label="Done", style=discord.ButtonStyle.primary, custom_id="poll:done")
    async def done(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        await asyncio.sleep(1.2)  # long enough to see the button wait, well within 3 s
        await interaction.response.edit_message(content="Poll closed", view=None)

    @discord.ui.button(
        label="Closed", style=discord.ButtonStyle.danger, custom_id="poll:closed", disabled=True
    )
    async def closed(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.send_message("never")


class Reveal(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=300)

    @discord.ui.button(label="Reveal", style=discord.ButtonStyle.primary, custom_id="dm:reveal")
    async def reveal(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.edit_message(content="The secret is out", view=None)


class Feedback(discord.ui.Modal, title="Feedback"):
    summary: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Summary", max_length=50)
    details: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Details", style=discord.TextStyle.paragraph, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks for: {self.summary.value}")


class Helper(discord.Client):
    """A bot as its author writes one: commands on a tree, translated, synced once ready."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.synced = threading.Event()
        tree = self.tree

        @tree.command(name=locale_str("hello"), description=locale_str("Say hello"))
        @app_commands.rename(who=locale_str("who"))
        @app_commands.describe(
            who=locale_str("Whom to greet"),
            times=locale_str("How often"),
            mood=locale_str("How they feel"),
        )
        @app_commands.choices(
            mood=[Choice(name="Happy", value="happy"), Choice(name="Sleepy", value="sleepy")]
        )
        async def hello(
            interaction: discord.Interaction,
            who: discord.Member,
            times: app_commands.Range[int, 1, 5] = 1,
            mood: str = "happy",
        ) -> None:
            await interaction.response.send_message(f"Hello {who.display_name} x{times} ({mood})")

        @tree.command(description="Pick a fruit")
        async def fruit(interaction: discord.Interaction, kind: str) -> None:
            await interaction.response.send_message(f"You chose {kind}")

        @fruit.autocomplete("kind")
        async def fruit_kinds(_interaction: discord.Interaction, current: str) -> list[Choice[str]]:
            return [Choice(name=f, value=f.lower()) for f in FRUITS if current.lower() in f.lower()]

        @tree.command(description="Vote on colours")
        @app_commands.guild_only()
        async def poll(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Vote now", view=Poll())

        @tree.command(description="Tell us")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Feedback())

        @tree.command(description="Think first")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(1.5)
            await interaction.followup.send("Thought it through")

        @tree.command(description="A secret")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Only you see this", ephemeral=True)

        @tree.command(description="Never answers")
        async def ignore(_interaction: discord.Interaction) -> None:
            return None

        @tree.command(description="Ask in private")
        @app_commands.dm_only()
        async def whisper(interaction: discord.Interaction) -> None:
            where = "here in private" if interaction.guild is None else "in public"
            await interaction.response.send_message(f"Whispered {where}", view=Reveal())

        @tree.command(description="Check a file")
        @app_commands.describe(file="The file to check")
        async def checksum(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            await interaction.response.send_message(
                f"{file.filename}: {len(data)} bytes, starts with {data[:5].decode()}"
            )

        @tree.context_menu(name="Quote")
        async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"Quoted: {message.content}")

        @tree.context_menu(name="High five")
        async def high_five(interaction: discord.Interaction, member: discord.Member) -> None:
            await interaction.response.send_message(f"High five, {member.display_name}!")

    async def setup_hook(self) -> None:
        await self.tree.set_translator(German())

    async def on_ready(self) -> None:
        await self.tree.sync()
        self.synced.set()


class RunningBot:
    """The bot in a thread of its own with its own event loop (Playwright's sync API has one
    in this thread)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.loop: asyncio.AbstractEventLoop | None = None
        self.client: Helper | None = None
        self.stopping: asyncio.Event | None = None
        self.created = threading.Event()
        self.failures: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as failed:  # reported by stop()
            self.failures.append(failed)
        finally:
            self.created.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.client = Helper()
        self.created.set()
        running = asyncio.create_task(self.client.start(self.token))
        stop = asyncio.create_task(self.stopping.wait())
        await asyncio.wait({running, stop}, return_when=asyncio.FIRST_COMPLETED)
        await self.client.close()
        stop.cancel()
        await running  # its failure, if it failed

    def start(self) -> None:
        self.thread.start()
        assert self.created.wait(30)
        assert self.client is not None and self.client.synced.wait(60), self.failures

    def stop(self) -> None:
        if self.loop is not None and self.stopping is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(30)
        assert not self.thread.is_alive()
        assert self.failures == [], "".join(traceback.format_exception(self.failures[0]))


def authorize_bot(owner: Person, guild_id: str, name: str) -> str:
    """What a bot author does (tests/e2e/bots.py): an application, its token, an authorization."""
    with owner.api() as http:
        app = http.post("/applications", json={"name": name}).json()
        flags = MESSAGE_CONTENT_FLAG | GUILD_MEMBERS_FLAG
        assert http.patch(f"/applications/{app['id']}", json={"flags": flags}).status_code == 200
        token: str = http.post(f"/applications/{app['id']}/bot/reset").json()["token"]
        authorized = http.post(
            f"/oauth2/authorize?client_id={app['id']}&scope=bot&permissions={BOT_PERMISSIONS}",
            json={"guild_id": guild_id, "permissions": str(BOT_PERMISSIONS), "authorize": True},
        )
    assert authorized.status_code == 200, authorized.text
    return token


@dataclass
class Club:
    owner: Person
    guild_id: str
    channel_id: str

    @property
    def path(self) -> str:
        return f"/channels/{self.guild_id}/{self.channel_id}"

    def member(self, prefix: str) -> Person:
        person = sign_up(self.owner.server, prefix)
        invite_into(self.owner, self.channel_id, person)
        return person


@pytest.fixture(scope="module")
def club(web_server: Server) -> Iterator[Club]:
    """A guild with the Helper bot in it, running for the module's tests."""
    owner = sign_up(web_server, "owner")
    guild_id, channel_id = create_guild(owner, "Bot club")
    token = authorize_bot(owner, guild_id, "Helper")
    with discord_py_pointed_at(web_server.api, web_server.gateway + "/"):
        bot = RunningBot(token)
        bot.start()
        try:
            yield Club(owner, guild_id, channel_id)
        finally:
            bot.stop()


def scanned_context(browser: Browser) -> BrowserContext:
    """A desktop context as `new_context` makes one, that lets the accessibility scan's script
    tag past the page's CSP."""
    context = browser.new_context(
        viewport=DESKTOP,  # type: ignore[arg-type]
        locale="en-US",
        bypass_csp=True,
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.errors = errors  # type: ignore[attr-defined]
    return context


def serious_violations(page: Page, *selectors: str) -> list[str]:
    """The accessibility scan of tests/e2e/web/test_accessibility.py, on these parts only (what
    this feature draws; the rest of the screen has its own test)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (selectors) => {
            const r = await axe.run({ include: selectors.map((s) => [s]) },
                                    { resultTypes: ['violations'] });
            return r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => `${v.id} (${v.impact}): ` +
                    v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
        }""",
        list(selectors),
    )
    return list(result)


def picker(page: Page) -> Locator:
    return page.get_by_role("listbox", name="Commands")


def pick_command(
    page: Page, typed: str, form_name: str, box: Locator | None = None, list_name: str = "Commands"
) -> Locator:
    """Types the command into the composer and picks the first entry with Enter."""
    box = box or composer(page)
    box.fill(typed)
    expect(page.get_by_role("listbox", name=list_name).get_by_role("option").first).to_be_visible()
    box.press("Enter")
    form = page.get_by_role("form", name=form_name)
    expect(form).to_be_visible()
    return form


def answer(page: Page, text: str) -> Locator:
    return page.get_by_role("article").filter(has_text=text)


def test_a_member_runs_commands_components_and_a_modal_of_a_discord_py_bot(
    browser: Browser, club: Club
) -> None:
    member = club.member("member")
    context = scanned_context(browser)
    try:
        page = open_as(context, member, club.path)
        box = composer(page)
        expect(box).to_be_visible()
        owner = club.owner.username

        # "/" lists the bot's slash commands with their descriptions; typing filters them.
        box.fill("/")
        entries = picker(page)
        hello_entry = entries.get_by_role("option", name=re.compile(r"^\/hello Say hello"))
        expect(hello_entry).to_be_visible()
        expect(entries.get_by_role("option", name=re.compile(r"^\/poll"))).to_be_visible()
        expect(entries.get_by_role("option", name=re.compile(r"^Quote"))).to_have_count(0)
        box.fill("/hel")
        expect(entries.get_by_role("option")).to_have_count(1)
        box.press("Enter")

        # The options: required first; what is wrong is said before anything is sent.
        form = page.get_by_role("form", name="Command /hello")
        who = form.get_by_role("combobox", name="who")
        expect(who).to_be_focused()
        expect(page.get_by_role("listbox", name="Matches")).to_be_visible()
        who.press("Escape")  # the list of members closes; the form stays
        who.press("Enter")
        expect(form.get_by_text("Required.")).to_be_visible()
        expect(who).to_have_attribute("aria-invalid", "true")
        who.fill(owner[:7])
        found = page.get_by_role("listbox", name="Matches").get_by_role("option")
        expect(found.filter(has_text=owner)).to_be_visible()
        who.press("ArrowDown")
        who.press("ArrowUp")
        who.press("Enter")
        expect(who).to_have_value(f"@{owner}")
        times = form.get_by_label("times (optional)")
        times.fill("9")
        expect(form.get_by_text("At most 5.")).to_be_visible()
        times.fill("2")
        expect(form.get_by_text("At most 5.")).to_have_count(0)
        form.get_by_label("mood (optional)").select_option(label="Sleepy")
        times.press("Enter")
        expect(form).to_have_count(0)
        expect(box).to_be_focused()
        hello = answer(page, f"Hello {owner} x2 (sleepy)")
        expect(hello.get_by_text(f"{member.username} used /hello")).to_be_visible()
        expect(hello.get_by_text("Bot", exact=True)).to_be_visible()

        # Autocomplete: the bot suggests as the person types.
        form = pick_command(page, "/fruit", "Command /fruit")
        kind = form.get_by_role("combobox", name="kind")
        kind.fill("ap")
        suggestions = page.get_by_role("listbox", name="Suggestions")
        expect(suggestions.get_by_role("option")).to_have_text(["Apple"])
        kind.press("Enter")
        expect(kind).to_have_value("Apple")
        form.get_by_role("button", name="Send").click()
        expect(answer(page, "You chose apple")).to_be_visible()

        # Components: a select with two picks, a disabled button, a link, and a button whose
        # answer takes a moment (it waits, then the message changes in place).
        pick_command(page, "/poll", "Command /poll")
        page.keyboard.press("Enter")
        poll = answer(page, "Vote now")
        expect(poll.get_by_role("button", name="Closed")).to_be_disabled()
        expect(poll.get_by_role("link", name="Docs (opens a website)")).to_have_attribute(
            "href", "https://example.org/docs"
        )
        poll.get_by_role("button", name="Pick colours").click()
        colours = page.get_by_role("listbox", name="Pick colours")
        colours.get_by_role("option", name="Red").click()
        colours.get_by_role("option", name=re.compile("^Blue")).click()
        expect(colours.get_by_role("option", selected=True)).to_have_count(2)
        poll.get_by_role("button", name="Send").click()
        expect(answer(page, "Picked: red, blue")).to_be_visible()
        done = poll.get_by_role("button", name="Done")
        done.click()
        expect(done).to_have_attribute("aria-busy", "true")
        closed = answer(page, "Poll closed")
        expect(closed).to_be_visible()
        expect(closed.get_by_role("button", name="Done")).to_have_count(0)
        poll_again = pick_command(page, "/poll", "Command /poll")
        assert serious_violations(page, ".message-components", ".command-form") == []
        poll_again.get_by_role("button", name="Cancel the command").click()
        expect(poll_again).to_have_count(0)

        # A modal: checked like the bot asked, then submitted.
        pick_command(page, "/feedback", "Command /feedback")
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="Feedback")
        summary = dialog.get_by_role("textbox", name="Summary")
        expect(summary).to_be_focused()
        dialog.get_by_role("button", name="Submit").click()
        expect(dialog.get_by_text("Required.")).to_be_visible()
        assert serious_violations(page, ".interaction-modal") == []
        summary.fill("great")
        dialog.get_by_role("textbox", name="Details (optional)").fill("More soon")
        dialog.get_by_role("button", name="Submit").click()
        expect(dialog).to_have_count(0)
        thanks = answer(page, "Thanks for: great")
        expect(thanks.get_by_text(f"{member.username} used /feedback")).to_be_visible()

        # A deferred answer: "is thinking…" until the bot fills it in.
        pick_command(page, "/slow", "Command /slow")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Helper is thinking…")).to_be_visible()
        expect(answer(page, "Thought it through")).to_be_visible()
        expect(page.get_by_text("Helper is thinking…")).to_have_count(0)

        # An ephemeral answer: only this person sees it, until they dismiss it.
        pick_command(page, "/secret", "Command /secret")
        page.keyboard.press("Enter")
        secret = answer(page, "Only you see this")
        expect(secret.get_by_text("Only you can see this")).to_be_visible()
        with club.owner.api() as http:
            history = http.get(f"/channels/{club.channel_id}/messages").json()
        assert "Only you see this" not in [m["content"] for m in history]
        secret.get_by_role("button", name="Dismiss message").click()
        expect(secret).to_have_count(0)

        # No answer within 3 seconds.
        pick_command(page, "/ignore", "Command /ignore")
        page.keyboard.press("Enter")
        failed = page.get_by_role("alert").filter(
            has_text="/ignore: the application did not respond."
        )
        expect(failed).to_be_visible()
        failed.get_by_role("button", name="Dismiss").click()
        expect(failed).to_have_count(0)

        # A message command from the message's "Apps", a user command from a person's card.
        post(club.owner, club.channel_id, "Quote me")
        quoted = answer(page, "Quote me").filter(has_not_text="Quoted:")
        quoted.hover()
        quoted.get_by_role("button", name="Apps").click()
        page.get_by_role("menu", name="Apps for this message").get_by_role(
            "menuitem", name=re.compile("^Quote")
        ).click()
        expect(answer(page, "Quoted: Quote me")).to_be_visible()
        quoted.get_by_role("button", name=owner, exact=True).click()
        card = page.get_by_role("dialog", name=re.compile(f"^Profile of {owner}"))
        card.get_by_role("button", name="High five").click()
        expect(answer(page, f"High five, {owner}!")).to_be_visible()
        assert page_errors(context) == []
    finally:
        context.close()


def test_a_german_member_on_a_phone_gets_german_names_and_labels(
    browser: Browser, club: Club
) -> None:
    member = club.member("mitglied")
    context = new_context(browser, viewport=PHONE, locale="de-DE")
    try:
        page = open_as(context, member, club.path)
        box = page.get_by_role("combobox", name=re.compile("^Nachricht an"))
        expect(box).to_be_visible()
        box.fill("/hal")
        entries = page.get_by_role("listbox", name="Befehle")
        hallo = entries.get_by_role("option", name=re.compile(r"^\/hallo Sag hallo"))
        expect(hallo).to_be_visible()
        box.press("Enter")
        form = page.get_by_role("form", name="Befehl /hallo")
        who = form.get_by_role("combobox", name="wer")
        expect(form.get_by_text("Wen grüßen")).to_be_visible()
        expect(form.get_by_label("times (optional)")).to_be_visible()
        form.get_by_role("button", name="Senden").click()
        expect(form.get_by_text("Pflichtfeld.")).to_be_visible()
        who.fill(club.owner.username[:7])
        who.press("Enter")
        send = form.get_by_role("button", name="Senden")
        size = send.bounding_box()
        assert size is not None and size["height"] >= 44  # touch-sized on a phone
        send.click()
        hello = answer(page, f"Hello {club.owner.username} x1 (happy)")
        expect(hello.get_by_text(f"{member.username} hat /hallo verwendet")).to_be_visible()

        form = pick_command(page, "/secret", "Befehl /secret", box, "Befehle")
        form.get_by_role("button", name="Senden").click()
        secret = answer(page, "Only you see this")
        expect(secret.get_by_text("Nur du kannst das sehen")).to_be_visible()
        secret.get_by_role("button", name="Nachricht verwerfen").click()
        expect(secret).to_have_count(0)

        pick_command(page, "/slow", "Befehl /slow", box, "Befehle")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Helper denkt nach…")).to_be_visible()
        expect(answer(page, "Thought it through").last).to_be_visible()
        assert page_errors(context) == []
    finally:
        context.close()


def test_in_the_dm_with_the_bot_its_dm_commands_and_buttons_work(
    browser: Browser, club: Club
) -> None:
    member = club.member("dmer")
    with member.api() as http:
        index = http.get(f"/guilds/{club.guild_id}/application-command-index").json()
        bot_id = index["applications"][0]["bot_id"]
        dm = http.post("/users/@me/channels", json={"recipient_id": bot_id}).json()["id"]
    context = new_context(browser)
    try:
        page = open_as(context, member, f"/channels/@me/{dm}")
        box = composer(page)
        expect(box).to_have_attribute("placeholder", re.compile("Helper"))
        box.fill("/")
        entries = picker(page)
        expect(entries.get_by_role("option", name=re.compile(r"^\/whisper"))).to_be_visible()
        expect(entries.get_by_role("option", name=re.compile(r"^\/hello"))).to_be_visible()
        expect(entries.get_by_role("option", name=re.compile(r"^\/poll"))).to_have_count(0)
        box.fill("/whis")
        expect(entries.get_by_role("option")).to_have_count(1)
        box.press("Enter")
        expect(page.get_by_role("form", name="Command /whisper")).to_be_visible()
        page.keyboard.press("Enter")
        whispered = answer(page, "Whispered here in private")
        expect(whispered.get_by_text(f"{member.username} used /whisper")).to_be_visible()
        whispered.get_by_role("button", name="Reveal").click()
        revealed = answer(page, "The secret is out")
        expect(revealed).to_be_visible()
        expect(page.get_by_role("button", name="Reveal")).to_have_count(0)
        # A message command works on the DM's messages too.
        revealed.hover()
        revealed.get_by_role("button", name="Apps").click()
        page.get_by_role("menu", name="Apps for this message").get_by_role(
            "menuitem", name=re.compile("^Quote")
        ).click()
        expect(answer(page, "Quoted: The secret is out")).to_be_visible()
        assert page_errors(context) == []
    finally:
        context.close()


def test_a_file_option_takes_a_file_the_bot_reads(browser: Browser, club: Club) -> None:
    member = club.member("filer")
    context = scanned_context(browser)
    try:
        page = open_as(context, member, club.path)
        form = pick_command(page, "/checksum", "Command /checksum")
        chooser = form.get_by_label("file")
        expect(chooser).to_be_focused()
        form.get_by_role("button", name="Send").click()
        expect(form.get_by_text("Required.")).to_be_visible()
        expect(form.get_by_text("No file chosen")).to_be_visible()
        chooser.set_input_files(
            files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello, bot"}]
        )
        expect(form.get_by_text("notes.txt")).to_be_visible()
        expect(form.get_by_text("Required.")).to_have_count(0)
        assert serious_violations(page, ".command-form") == []
        form.get_by_role("button", name="Remove notes.txt").click()
        expect(form.get_by_text("No file chosen")).to_be_visible()
        expect(chooser).to_be_focused()
        chooser.set_input_files(
            files=[{"name": "report.txt", "mimeType": "text/plain", "buffer": b"quarterly"}]
        )
        form.get_by_role("button", name="Send").click()
        expect(form).to_have_count(0)
        checked = answer(page, "report.txt: 9 bytes, starts with quart")
        expect(checked.get_by_text(f"{member.username} used /checksum")).to_be_visible()
        assert page_errors(context) == []
    finally:
        context.close()

    french = club.member("fichier")
    phone = new_context(browser, viewport=PHONE, locale="fr-FR")
    try:
        page = open_as(phone, french, club.path)
        box = page.get_by_role("combobox", name=re.compile("^Écrire"))
        expect(box).to_be_visible()
        form = pick_command(page, "/checksum", "Commande /checksum", box, "Commandes")
        expect(form.get_by_text("Choisir un fichier")).to_be_visible()
        form.get_by_label("file").set_input_files(
            files=[{"name": "menu.txt", "mimeType": "text/plain", "buffer": b"soupe du jour"}]
        )
        expect(form.get_by_text("Choisir un autre fichier")).to_be_visible()
        width = page.viewport_size
        box_of_form = form.bounding_box()
        assert width is not None and box_of_form is not None
        assert box_of_form["x"] >= 0 and box_of_form["x"] + box_of_form["width"] <= width["width"]
        form.get_by_role("button", name="Envoyer").click()
        expect(answer(page, "menu.txt: 13 bytes, starts with soupe")).to_be_visible()
        assert page_errors(phone) == []
    finally:
        phone.close()
