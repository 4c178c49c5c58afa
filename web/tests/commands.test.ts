/** Application commands and interactions in the client (docs/interactions.md): the picker's
 * entries in the person's language, the checks of options before sending and the `data` they
 * become; components and modals narrowed from their JSON, with their checks and bodies; what
 * the INTERACTION_* events do to the store; the members, roles and channels an option lists. */

import { describe, expect, it } from "vitest";
import type { Ready } from "../src/api/types";
import {
  applicationOfBot,
  autocompleteData,
  checkOption,
  checkOptions,
  commandData,
  contextCommands,
  contextData,
  filterEntries,
  invocationOf,
  isCommandAnswer,
  localized,
  localizedCommandName,
  OptionType,
  slashEntries,
  slashQuery,
  withUploads,
  type Command,
  type CommandIndex,
  type CommandOption,
} from "../src/features/commands/commandRules";
import {
  actionRows,
  buttonClass,
  checkModal,
  checkSelection,
  componentData,
  emojiText,
  initialModalValues,
  linkHref,
  modalFields,
  modalSubmission,
  selectBounds,
  type Select,
} from "../src/features/commands/componentRules";
import { entityChoices, entityLabel, kindsOfOption, kindsOfSelect } from "../src/features/commands/entities";
import {
  channelInteractions,
  closeModal,
  componentFailures,
  componentInteraction,
  forgetInteraction,
  startInteraction,
} from "../src/state/interactions";
import { initialState, reduce, type State } from "../src/state/reducer";

const APP = "500";
const BOT = "501";

function option(extra: Partial<CommandOption> & Pick<CommandOption, "name" | "type">): CommandOption {
  return { description: `about ${extra.name}`, ...extra };
}

function command(extra: Partial<Command> & Pick<Command, "id" | "name">): Command {
  return {
    application_id: APP,
    default_member_permissions: null,
    description: `does ${extra.name}`,
    nsfw: false,
    type: 1,
    version: `v${extra.id}`,
    ...extra,
  };
}

const hello = command({
  id: "1",
  name: "hello",
  name_localizations: { de: "hallo", fr: "bonjour" },
  description: "Say hello",
  description_localizations: { de: "Sag hallo" },
  options: [
    option({ name: "times", type: OptionType.INTEGER, min_value: 1, max_value: 5 }),
    option({ name: "who", type: OptionType.USER, required: true, name_localizations: { de: "wer" } }),
  ],
});
const admin = command({
  id: "2",
  name: "admin",
  options: [
    option({ name: "ban", type: OptionType.SUB_COMMAND, options: [option({ name: "user", type: OptionType.USER, required: true })] }),
    option({
      name: "roles",
      type: OptionType.SUB_COMMAND_GROUP,
      options: [option({ name: "add", type: OptionType.SUB_COMMAND, options: [option({ name: "role", type: OptionType.ROLE, required: true })] })],
    }),
  ],
});
const quote = command({ id: "3", name: "Quote", type: 3, description: "" });
const wave = command({ id: "4", name: "Wave", type: 2, description: "", name_localizations: { de: "Winken" } });
const INDEX: CommandIndex = {
  applications: [{ id: APP, name: "Helper", icon: null, description: "", bot_id: BOT }],
  application_commands: [hello, admin, quote, wave],
  version: "9",
};

describe("the command picker", () => {
  it("shows names and descriptions in the person's language, else the defaults", () => {
    expect(localized("hello", hello.name_localizations, "de")).toBe("hallo");
    expect(localized("hello", { "en-GB": "hullo" }, "en")).toBe("hullo");
    expect(localized("hello", { "pt-BR": "olá" }, "pt")).toBe("olá");
    expect(localized("hello", null, "fr")).toBe("hello");
    const german = slashEntries(INDEX, "de");
    const greeting = german.find((e) => e.command.id === "1")!;
    expect(greeting.label).toBe("hallo");
    expect(greeting.description).toBe("Sag hallo");
    expect(greeting.application?.name).toBe("Helper");
  });

  it("unfolds subcommands and groups into entries of their own, with their options", () => {
    const labels = slashEntries(INDEX, "en").map((e) => e.label);
    expect(labels).toEqual(["admin ban", "admin roles add", "hello"]);
    const add = slashEntries(INDEX, "en").find((e) => e.label === "admin roles add")!;
    expect(add.path).toEqual(["roles", "add"]);
    expect(add.options.map((o) => o.name)).toEqual(["role"]);
  });

  it("puts required options first", () => {
    const greeting = slashEntries(INDEX, "en").find((e) => e.command.id === "1")!;
    expect(greeting.options.map((o) => o.name)).toEqual(["who", "times"]);
  });

  it("opens on a leading slash and filters by prefix, then by part of the name, in either language", () => {
    expect(slashQuery("/he")).toBe("he");
    expect(slashQuery("hello /he")).toBeNull();
    expect(slashQuery("/a\nb")).toBeNull();
    const german = slashEntries(INDEX, "de");
    expect(filterEntries(german, "hal").map((e) => e.baseLabel)).toEqual(["hello"]);
    expect(filterEntries(german, "hel").map((e) => e.label)).toEqual(["hallo"]);
    expect(filterEntries(german, "roles").map((e) => e.label)).toEqual(["admin roles add"]);
    expect(filterEntries(german, "").length).toBe(3);
    expect(filterEntries(german, "nothing")).toEqual([]);
  });

  it("lists user and message commands apart, and finds a message's application by its bot", () => {
    expect(contextCommands(INDEX, 3, "en").map((c) => c.label)).toEqual(["Quote"]);
    expect(contextCommands(INDEX, 2, "de").map((c) => c.label)).toEqual(["Winken"]);
    expect(contextCommands(undefined, 2, "de")).toEqual([]);
    expect(applicationOfBot(INDEX, BOT)?.id).toBe(APP);
    expect(applicationOfBot(INDEX, "9")).toBeUndefined();
  });
});

describe("options are checked before anything is sent", () => {
  it("refuses what is missing, and leaves out optional options left empty", () => {
    const greeting = slashEntries(INDEX, "en").find((e) => e.command.id === "1")!;
    expect(checkOptions(greeting.options, {}).errors).toEqual({ who: { key: "required" } });
    const { given, errors } = checkOptions(greeting.options, { who: "42", times: " " });
    expect(errors).toEqual({});
    expect(given).toEqual([{ name: "who", type: 6, value: "42" }]);
  });

  it("explains numbers out of range, not whole, or not numbers at all", () => {
    const times = hello.options![0];
    expect(checkOption(times, "3")).toEqual({ value: 3 });
    expect(checkOption(times, "9").error).toEqual({ key: "max_value", values: { max: 5 } });
    expect(checkOption(times, "0").error).toEqual({ key: "min_value", values: { min: 1 } });
    expect(checkOption(times, "2.5").error?.key).toBe("integer");
    expect(checkOption(times, "three").error?.key).toBe("integer");
    expect(checkOption(times, "99999999999999999999").error?.key).toBe("integer");
    const ratio = option({ name: "ratio", type: OptionType.NUMBER });
    expect(checkOption(ratio, "1,5")).toEqual({ value: 1.5 });
    expect(checkOption(ratio, "-.5")).toEqual({ value: -0.5 });
    expect(checkOption(ratio, "1e3")).toEqual({ value: 1000 });
    expect(checkOption(ratio, "1.2.3").error?.key).toBe("number");
  });

  it("counts a text's length in characters, and holds a choice option to its choices", () => {
    const word = option({ name: "word", type: OptionType.STRING, min_length: 2, max_length: 3 });
    expect(checkOption(word, "a").error).toEqual({ key: "min_length", values: { count: 2 } });
    expect(checkOption(word, "🎉🎉🎉")).toEqual({ value: "🎉🎉🎉" });
    expect(checkOption(word, "abcd").error).toEqual({ key: "max_length", values: { count: 3 } });
    const mood = option({ name: "mood", type: OptionType.STRING, choices: [{ name: "Happy", value: "happy" }] });
    expect(checkOption(mood, "happy")).toEqual({ value: "happy" });
    expect(checkOption(mood, "sad").error?.key).toBe("choice");
    const level = option({ name: "level", type: OptionType.INTEGER, choices: [{ name: "One", value: 1 }] });
    expect(checkOption(level, "1")).toEqual({ value: 1 });
    expect(checkOption(level, "2").error?.key).toBe("choice");
  });

  it("takes true or false, ids for members, roles and channels, and a chosen file", () => {
    const flag = option({ name: "flag", type: OptionType.BOOLEAN });
    expect(checkOption(flag, "false")).toEqual({ value: false });
    expect(checkOption(flag, "maybe").error?.key).toBe("boolean");
    expect(checkOption(option({ name: "who", type: OptionType.USER }), "@ann").error?.key).toBe("pick");
    expect(checkOption(option({ name: "where", type: OptionType.CHANNEL }), "77")).toEqual({ value: "77" });
    const file = option({ name: "file", type: OptionType.ATTACHMENT, required: true });
    expect(checkOption(file, "report.pdf")).toEqual({ value: "report.pdf" });
    expect(checkOption(file, "").error?.key).toBe("required");
  });
});

describe("what a command sends", () => {
  it("names the command and its version, with the options in their subcommand", () => {
    const greeting = slashEntries(INDEX, "en").find((e) => e.command.id === "1")!;
    expect(commandData(greeting, [{ name: "who", type: 6, value: "42" }])).toEqual({
      id: "1",
      name: "hello",
      type: 1,
      version: "v1",
      options: [{ name: "who", type: 6, value: "42" }],
    });
    const add = slashEntries(INDEX, "en").find((e) => e.label === "admin roles add")!;
    expect(commandData(add, [{ name: "role", type: 8, value: "7" }]).options).toEqual([
      { name: "roles", type: 2, options: [{ name: "add", type: 1, options: [{ name: "role", type: 8, value: "7" }] }] },
    ]);
    const ban = slashEntries(INDEX, "en").find((e) => e.label === "admin ban")!;
    expect(commandData(ban, []).options).toEqual([{ name: "ban", type: 1, options: [] }]);
    const bare = command({ id: "9", name: "ping" });
    expect(commandData({ command: bare, path: [] }, [])).toEqual({ id: "9", name: "ping", type: 1, version: "v9" });
  });

  it("sends an autocomplete's text focused, with the other options that are valid so far", () => {
    const fruit = command({
      id: "5",
      name: "fruit",
      options: [option({ name: "kind", type: OptionType.STRING, autocomplete: true, required: true }), option({ name: "count", type: OptionType.INTEGER, min_value: 1 })],
    });
    const entry = slashEntries({ ...INDEX, application_commands: [fruit] }, "en")[0];
    expect(autocompleteData(entry, { kind: "ap", count: "x" }, "kind").options).toEqual([{ name: "kind", type: 3, value: "ap", focused: true }]);
    expect(autocompleteData(entry, { kind: "ap", count: "2" }, "kind").options).toEqual([
      { name: "kind", type: 3, value: "ap", focused: true },
      { name: "count", type: 4, value: 2 },
    ]);
    const numbered = command({ id: "6", name: "pick", options: [option({ name: "n", type: OptionType.INTEGER, autocomplete: true })] });
    const pick = slashEntries({ ...INDEX, application_commands: [numbered] }, "en")[0];
    expect(autocompleteData(pick, { n: "1" }, "n").options).toEqual([{ name: "n", type: 4, value: 1, focused: true }]);
    expect(autocompleteData(pick, {}, "n").options).toEqual([{ name: "n", type: 4, value: 0, focused: true }]);
    expect(checkOption(entry.options[0], "anything typed")).toEqual({ value: "anything typed" });
  });

  it("names each file option's upload in data.attachments, by the entry's id", () => {
    const submit = command({
      id: "7",
      name: "submit",
      options: [option({ name: "file", type: OptionType.ATTACHMENT, required: true }), option({ name: "extra", type: OptionType.ATTACHMENT }), option({ name: "note", type: OptionType.STRING })],
    });
    const entry = slashEntries({ ...INDEX, application_commands: [submit] }, "en")[0];
    const { given } = checkOptions(entry.options, { file: "a.pdf", extra: "b.png", note: "hi" });
    const named = withUploads(given, { file: { filename: "a.pdf", uploadId: "up1" }, extra: { filename: "b.png", uploadId: "up2" } });
    expect(commandData(entry, named.leaf, named.attachments)).toEqual({
      id: "7",
      name: "submit",
      type: 1,
      version: "v7",
      options: [
        { name: "file", type: 11, value: "0" },
        { name: "extra", type: 11, value: "1" },
        { name: "note", type: 3, value: "hi" },
      ],
      attachments: [
        { id: "0", filename: "a.pdf", uploaded_filename: "up1" },
        { id: "1", filename: "b.png", uploaded_filename: "up2" },
      ],
    });
    // An option whose file was not uploaded is left out; autocomplete never sends files.
    expect(withUploads(given, {}).leaf).toEqual([{ name: "note", type: 3, value: "hi" }]);
    const searching = command({ id: "8", name: "find", options: [option({ name: "q", type: OptionType.STRING, autocomplete: true }), option({ name: "file", type: OptionType.ATTACHMENT })] });
    const find = slashEntries({ ...INDEX, application_commands: [searching] }, "en")[0];
    expect(autocompleteData(find, { q: "x", file: "a.pdf" }, "q").options).toEqual([{ name: "q", type: 3, value: "x", focused: true }]);
  });

  it("runs a user or message command on its target", () => {
    expect(contextData(quote, "88")).toEqual({ id: "3", name: "Quote", type: 3, version: "v3", target_id: "88" });
  });
});

describe("an application's answers", () => {
  const user = { id: "200", username: "ann", global_name: "Ann", avatar: null };
  it("say who used which command, also for a modal's submit, and not for components", () => {
    expect(isCommandAnswer(20) && isCommandAnswer(23) && !isCommandAnswer(19) && !isCommandAnswer(0)).toBe(true);
    const base = { id: "1", user, authorizing_integration_owners: {} };
    expect(invocationOf({ interaction_metadata: { ...base, type: 2, name: "hello", command_type: 1 } })).toEqual({ user, name: "hello", slash: true });
    expect(invocationOf({ interaction_metadata: { ...base, type: 2, name: "Wave", command_type: 2 } })?.slash).toBe(false);
    expect(
      invocationOf({ interaction_metadata: { ...base, type: 5, triggering_interaction_metadata: { ...base, type: 2, name: "feedback" } } })?.name,
    ).toBe("feedback");
    expect(invocationOf({ interaction_metadata: { ...base, type: 3 } })).toBeNull();
    expect(invocationOf({ interaction: { name: "old", type: 2, user } })?.name).toBe("old");
    expect(invocationOf({})).toBeNull();
  });

  it("name the command in the person's language when the channel's index knows it", () => {
    expect(localizedCommandName(INDEX, "hello", true, "de")).toBe("hallo");
    expect(localizedCommandName(INDEX, "Wave", false, "de")).toBe("Winken");
    expect(localizedCommandName(INDEX, "Wave", true, "de")).toBe("Wave");
    expect(localizedCommandName(INDEX, "admin ban", true, "de")).toBe("admin ban");
    expect(localizedCommandName(undefined, "hello", true, "de")).toBe("hello");
  });
});

describe("components on messages", () => {
  it("keeps the rows, buttons and selects it knows, and leaves out the rest", () => {
    const rows = actionRows([
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: "Yes", custom_id: "yes", id: 2 },
          { type: 2, style: 5, label: "Docs", url: "https://example.org/x" },
          { type: 2, style: 6, sku_id: "1" },
          { type: 2, style: 1, label: "no id" },
          { type: 99 },
        ],
      },
      { type: 1, components: [{ type: 3, custom_id: "pick", options: [{ label: "A", value: "a", default: true }], max_values: 2, min_values: 0 }] },
      { type: 9, components: [] },
      "junk",
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0].components.map((c) => (c.type === 2 ? c.label : c.custom_id))).toEqual(["Yes", "Docs"]);
    const select = rows[1].components[0] as Select;
    expect(select.options).toEqual([{ label: "A", value: "a", description: undefined, emoji: undefined, default: true }]);
    expect(selectBounds(select)).toEqual({ min: 0, max: 2 });
    expect(actionRows(undefined)).toEqual([]);
  });

  it("gives each style its look, opens only web links, and writes emoji as text", () => {
    expect(buttonClass(1)).toBe("component-button primary");
    expect(buttonClass(4)).toBe("component-button danger");
    expect(linkHref("https://example.org")).toBe("https://example.org/");
    expect(linkHref("javascript:alert(1)")).toBeNull();
    expect(linkHref("discord://x")).toBeNull();
    expect(emojiText({ name: "👍" })).toBe("👍");
    expect(emojiText({ id: "5", name: "party" })).toBe(":party:");
    expect(emojiText(undefined)).toBe("");
  });

  it("checks how many values a select takes, and sends its custom_id and values", () => {
    expect(selectBounds({})).toEqual({ min: 1, max: 1 });
    expect(checkSelection({ min_values: 2, max_values: 3 }, ["a"])).toEqual({ key: "min_values", values: { count: 2 } });
    expect(checkSelection({ max_values: 2 }, ["a", "b", "c"])).toEqual({ key: "max_values", values: { count: 2 } });
    expect(checkSelection({}, [])).toEqual({ key: "required" });
    expect(checkSelection({ min_values: 0 }, [])).toBeNull();
    expect(componentData({ type: 2, style: 1, custom_id: "yes" })).toEqual({ component_type: 2, custom_id: "yes" });
    expect(componentData({ type: 5, custom_id: "who" }, ["1", "2"])).toEqual({ component_type: 5, custom_id: "who", values: ["1", "2"] });
  });
});

describe("modals", () => {
  const components = [
    { type: 1, id: 1, components: [{ type: 4, id: 2, custom_id: "summary", style: 1, label: "Summary", max_length: 5, required: true }] },
    { type: 18, id: 3, label: "Details", description: "Say more", component: { type: 4, id: 4, custom_id: "details", style: 2, required: false, value: "draft" } },
    { type: 18, id: 5, label: "Colour", component: { type: 3, id: 6, custom_id: "colour", options: [{ label: "Red", value: "red" }], required: true } },
    { type: 10, id: 7, content: "Thanks for writing" },
  ];

  it("lists its inputs in order, with their starting values", () => {
    const fields = modalFields(components);
    expect(fields.map((f) => f.kind)).toEqual(["text", "text", "select", "display"]);
    expect(fields[1]).toMatchObject({ kind: "text", label: "Details", description: "Say more", inLabel: true });
    expect(initialModalValues(fields)).toEqual({ summary: "", details: "draft", colour: [] });
  });

  it("explains what is missing or too long before it goes", () => {
    const fields = modalFields(components);
    expect(checkModal(fields, { summary: "", details: "", colour: [] })).toEqual({ summary: { key: "required" }, colour: { key: "required" } });
    expect(checkModal(fields, { summary: "toolong", details: "", colour: ["red"] })).toEqual({ summary: { key: "max_length", values: { count: 5 } } });
    expect(checkModal(fields, { summary: "ok", details: "", colour: ["red"] })).toEqual({});
  });

  it("answers in the modal's own layout", () => {
    expect(modalSubmission(components, { summary: "ok", details: "more", colour: ["red"] })).toEqual([
      { type: 1, components: [{ type: 4, custom_id: "summary", value: "ok" }] },
      { type: 18, component: { type: 4, custom_id: "details", value: "more" } },
      { type: 18, component: { type: 3, custom_id: "colour", values: ["red"] } },
    ]);
  });
});

// -- the store ----------------------------------------------------------------------------------

const ME = { id: "100", username: "me", global_name: null, avatar: null };
const ANN = { id: "200", username: "ann", global_name: "Ann", avatar: null };
const GUILD = "1000";
const GENERAL = "3000";

function ready(): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "s",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "Club", icon: null, owner_id: ANN.id, description: null, roles: [] }],
    private_channels: [],
  };
  let s = reduce(initialState, { t: "READY", d: base });
  s = reduce(s, {
    t: "GUILD_CREATE",
    d: {
      id: GUILD,
      name: "Club",
      icon: null,
      owner_id: ANN.id,
      description: null,
      roles: [
        { id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(1n << 10n), managed: false, mentionable: false },
        { id: "7", name: "mods", color: 0, hoist: false, position: 1, permissions: "0", managed: false, mentionable: true },
      ],
      channels: [
        { id: GENERAL, type: 0, guild_id: GUILD, name: "general", position: 0 },
        { id: "3001", type: 2, guild_id: GUILD, name: "lounge", position: 1 },
        { id: "3002", type: 4, guild_id: GUILD, name: "Topics", position: 2 },
      ],
      members: [
        { user: ME, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
        { user: ANN, nick: "Annie", roles: [], joined_at: "2025-12-31T00:00:00Z" },
      ],
      member_count: 2,
    },
  });
  return s;
}

function started(state: State, nonce: string, extra: Partial<Parameters<typeof startInteraction>[1]> = {}): State {
  return startInteraction(state, { nonce, kind: "command", channelId: GENERAL, applicationId: APP, name: "/hello", messageId: null, customId: null, ...extra });
}

describe("the interactions this tab started", () => {
  it("wait until the application answers, then are gone", () => {
    let s = started(ready(), "n1");
    s = reduce(s, { t: "INTERACTION_CREATE", d: { id: "i1", nonce: "n1" } });
    expect(s.interactions.pending.n1.id).toBe("i1");
    expect(channelInteractions(s.interactions, GENERAL).map((p) => p.failed)).toEqual([false]);
    s = reduce(s, { t: "INTERACTION_SUCCESS", d: { id: "i1", nonce: "n1" } });
    expect(s.interactions.pending).toEqual({});
  });

  it("say when the application did not respond, until dismissed", () => {
    let s = started(ready(), "n1");
    s = reduce(s, { t: "INTERACTION_FAILURE", d: { id: "i1", nonce: "n1" } });
    expect(channelInteractions(s.interactions, GENERAL)).toMatchObject([{ failed: true, name: "/hello" }]);
    s = forgetInteraction(s, "n1");
    expect(channelInteractions(s.interactions, GENERAL)).toEqual([]);
  });

  it("are found by the interaction's id when an event has no nonce", () => {
    let s = started(ready(), "n1");
    s = reduce(s, { t: "INTERACTION_CREATE", d: { id: "i1", nonce: "n1" } });
    s = reduce(s, { t: "INTERACTION_FAILURE", d: { id: "i1", nonce: null } });
    expect(s.interactions.pending.n1.failed).toBe(true);
  });

  it("ignore another tab's interactions and their modals", () => {
    const s = ready();
    expect(reduce(s, { t: "INTERACTION_CREATE", d: { id: "i9", nonce: "other" } })).toBe(s);
    expect(reduce(s, { t: "INTERACTION_FAILURE", d: { id: "i9", nonce: "other" } })).toBe(s);
    const modal = { id: "i9", nonce: "other", channel_id: GENERAL, custom_id: "m", title: "T", components: [], application: { id: APP, name: "Helper", icon: null } };
    expect(reduce(s, { t: "INTERACTION_MODAL_CREATE", d: modal }).interactions.modals).toEqual([]);
  });

  it("show the modal the application opened, once, until it is closed", () => {
    let s = started(ready(), "n1");
    const modal = { id: "i1", nonce: "n1", channel_id: GENERAL, custom_id: "m", title: "Feedback", components: [{ type: 1 }], application: { id: APP, name: "Helper", icon: null } };
    s = reduce(s, { t: "INTERACTION_MODAL_CREATE", d: modal });
    s = reduce(s, { t: "INTERACTION_SUCCESS", d: { id: "i1", nonce: "n1" } });
    expect(s.interactions.modals).toEqual([{ id: "i1", nonce: "n1", channelId: GENERAL, customId: "m", title: "Feedback", components: [{ type: 1 }], application: modal.application }]);
    expect(s.interactions.pending).toEqual({});
    s = closeModal(s, "i1");
    expect(s.interactions.modals).toEqual([]);
  });

  it("keep a component's loading state and failure by message and custom_id; a new click replaces the failure", () => {
    let s = started(ready(), "c1", { kind: "component", messageId: "m1", customId: "yes", name: "Yes" });
    expect(componentInteraction(s.interactions, "m1", "yes")?.failed).toBe(false);
    expect(componentInteraction(s.interactions, "m1", "no")).toBeUndefined();
    s = reduce(s, { t: "INTERACTION_FAILURE", d: { id: "i1", nonce: "c1" } });
    expect(componentFailures(s.interactions, "m1").map((p) => p.nonce)).toEqual(["c1"]);
    expect(channelInteractions(s.interactions, GENERAL)).toEqual([]);
    s = started(s, "c2", { kind: "component", messageId: "m1", customId: "yes", name: "Yes" });
    expect(Object.keys(s.interactions.pending)).toEqual(["c2"]);
  });

  it("keep an autocomplete's suggestions by nonce; its failure leaves none", () => {
    let s = started(ready(), "a1", { kind: "autocomplete" });
    s = reduce(s, { t: "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", d: { id: "i1", nonce: "a1", choices: [{ name: "Apple", value: "apple" }] } });
    expect(s.interactions.suggestions.a1).toEqual([{ name: "Apple", value: "apple" }]);
    expect(s.interactions.pending).toEqual({});
    for (let i = 2; i < 15; i++) {
      s = started(s, `a${i}`, { kind: "autocomplete" });
      s = reduce(s, { t: "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", d: { nonce: `a${i}`, choices: [] } });
    }
    expect(Object.keys(s.interactions.suggestions)).toHaveLength(10);
    expect(s.interactions.suggestions.a14).toEqual([]);
    s = started(s, "f1", { kind: "autocomplete" });
    s = reduce(s, { t: "INTERACTION_FAILURE", d: { nonce: "f1" } });
    expect(s.interactions.pending.f1).toBeUndefined();
  });

  it("start again with a new session", () => {
    const s = started(ready(), "n1");
    const again = reduce(s, { t: "READY", d: { v: 10, user: ME, session_id: "t", resume_gateway_url: "ws://x", guilds: [], private_channels: [] } });
    expect(again.interactions.pending).toEqual({});
  });
});

describe("what an option or a select lists", () => {
  it("maps option and select types to members, roles and channels", () => {
    expect(kindsOfOption(6)).toEqual(["user"]);
    expect(kindsOfOption(9)).toEqual(["user", "role"]);
    expect(kindsOfOption(3)).toEqual([]);
    expect(kindsOfSelect(6)).toEqual(["role"]);
    expect(kindsOfSelect(8)).toEqual(["channel"]);
  });

  it("finds members by name or username, roles and channels one can see, names first that start with the text", () => {
    const s = ready();
    expect(entityChoices(s, GUILD, ["user"], "ann").map((c) => [c.label, c.detail])).toEqual([["@Annie", "ann"]]);
    expect(entityChoices(s, GUILD, ["user", "role"], "").map((c) => c.label)).toEqual(["@Annie", "@everyone", "@me", "@mods"]);
    expect(entityChoices(s, GUILD, ["channel"], "").map((c) => c.label)).toEqual(["#general", "#lounge"]);
    expect(entityChoices(s, GUILD, ["channel"], "", { channelTypes: [2] }).map((c) => c.label)).toEqual(["#lounge"]);
    expect(entityChoices(s, GUILD, ["role"], "od").map((c) => c.label)).toEqual(["@mods"]);
    expect(entityLabel(s, GUILD, ANN.id)).toBe("@Annie");
    expect(entityLabel(s, GUILD, "7")).toBe("@mods");
    expect(entityLabel(s, GUILD, GENERAL)).toBe("#general");
    expect(entityLabel(s, GUILD, "404")).toBe("404");
  });
});
