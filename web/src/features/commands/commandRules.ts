/** Application commands in the client (docs/interactions.md): pure rules, tested in vitest.
 *
 * The command index (`GET /guilds/{id}/application-command-index`) lists what the person may
 * use in the channel; the picker shows each slash command, and each subcommand of it, as one
 * entry, in the person's language. Options are typed into plain text fields and checked here
 * before anything is sent (the same rules the server applies), so a mistake is explained next to
 * its field; then they become Discord's `data.options`. A file option's file is uploaded first
 * (tus, as a message's large files) and named in `data.attachments`, as Discord's client does. */

import type { components } from "../../api/schema.gen";
import type { User } from "../../api/types";

type Schemas = components["schemas"];
export type Command = Schemas["ApplicationCommand"];
export type CommandOption = Schemas["CommandOption"];
export type CommandChoice = Schemas["CommandChoice"];
export type CommandIndex = Schemas["ApplicationCommandIndex"];
export type IndexApplication = Schemas["CommandIndexApplication"];

export const CommandType = { CHAT_INPUT: 1, USER: 2, MESSAGE: 3 } as const;

export const OptionType = {
  SUB_COMMAND: 1,
  SUB_COMMAND_GROUP: 2,
  STRING: 3,
  INTEGER: 4,
  BOOLEAN: 5,
  USER: 6,
  CHANNEL: 7,
  ROLE: 8,
  MENTIONABLE: 9,
  NUMBER: 10,
  ATTACHMENT: 11,
} as const;

/** The options that name something of the guild (picked from a list, sent as an id). */
export const ENTITY_OPTIONS: ReadonlySet<number> = new Set([OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE]);

type Localizations = Record<string, string> | null | undefined;

/** A name or description in the person's language (`de`, `fr`, `en`), from Discord's locale
 * keys (`de`, `fr`, `en-US`, `en-GB`, `pt-BR`, …); the default when there is none. */
export function localized(base: string, localizations: Localizations, language: string): string {
  if (!localizations) return base;
  const lang = language.toLowerCase();
  const exact = Object.entries(localizations).find(([key]) => key.toLowerCase() === lang)?.[1];
  if (exact) return exact;
  const preferred = lang === "en" ? localizations["en-US"] ?? localizations["en-GB"] : undefined;
  if (preferred) return preferred;
  const regional = Object.entries(localizations).find(([key]) => key.toLowerCase().split("-")[0] === lang)?.[1];
  return regional || base;
}

/** One thing the picker offers: a slash command, or one of its subcommands. */
export interface CommandEntry {
  key: string;
  command: Command;
  /** The subcommand group and subcommand (their default names), if any. */
  path: string[];
  /** "hello", "admin ban": in the person's language. */
  label: string;
  /** The default names, which the person may type too. */
  baseLabel: string;
  description: string;
  /** The options to fill in, required first. */
  options: CommandOption[];
  application: IndexApplication | undefined;
}

/** Required options first, each group in the command's own order (Discord's rule, also for
 * the form: a person fills in what is needed, then what they like). */
export function orderOptions(options: readonly CommandOption[]): CommandOption[] {
  return [...options.filter((o) => o.required), ...options.filter((o) => !o.required)];
}

function isSubcommand(option: CommandOption): boolean {
  return option.type === OptionType.SUB_COMMAND || option.type === OptionType.SUB_COMMAND_GROUP;
}

/** The slash commands of the index as picker entries, subcommands unfolded, sorted by name. */
export function slashEntries(index: CommandIndex, language: string): CommandEntry[] {
  const apps = new Map(index.applications.map((a) => [a.id, a]));
  const entries: CommandEntry[] = [];
  for (const command of index.application_commands) {
    if (command.type !== CommandType.CHAT_INPUT) continue;
    const application = apps.get(command.application_id);
    const name = localized(command.name, command.name_localizations, language);
    const add = (path: CommandOption[], leaf: { description: string; description_localizations?: Localizations; options?: CommandOption[] }) =>
      entries.push({
        key: [command.id, ...path.map((p) => p.name)].join(" "),
        command,
        path: path.map((p) => p.name),
        label: [name, ...path.map((p) => localized(p.name, p.name_localizations, language))].join(" "),
        baseLabel: [command.name, ...path.map((p) => p.name)].join(" "),
        description: localized(leaf.description, leaf.description_localizations, language),
        options: orderOptions(leaf.options ?? []),
        application,
      });
    const top = command.options ?? [];
    if (!top.some(isSubcommand)) {
      add([], command);
      continue;
    }
    for (const first of top) {
      if (first.type === OptionType.SUB_COMMAND) add([first], first);
      else if (first.type === OptionType.SUB_COMMAND_GROUP) {
        for (const sub of first.options ?? []) if (sub.type === OptionType.SUB_COMMAND) add([first, sub], sub);
      }
    }
  }
  return entries.sort((a, b) => a.label.localeCompare(b.label));
}

export const PICKER_LIMIT = 25;

/** What the composer's text asks the picker for: the text after a leading "/", while it is one
 * line (null: no picker). */
export function slashQuery(text: string): string | null {
  if (!text.startsWith("/") || text.includes("\n")) return null;
  return text.slice(1).toLowerCase().replace(/\s+/g, " ");
}

/** Entries whose name (in the person's language, or the default) starts with the query; then
 * those that contain it. */
export function filterEntries(entries: readonly CommandEntry[], query: string): CommandEntry[] {
  const q = query.trim().toLowerCase();
  if (!q) return entries.slice(0, PICKER_LIMIT);
  const names = (e: CommandEntry) => [e.label.toLowerCase(), e.baseLabel.toLowerCase()];
  const starts = entries.filter((e) => names(e).some((n) => n.startsWith(q)));
  const contains = entries.filter((e) => !starts.includes(e) && names(e).some((n) => n.includes(q)));
  return [...starts, ...contains].slice(0, PICKER_LIMIT);
}

/** User (2) or message (3) commands of the index, by name in the person's language. */
export function contextCommands(index: CommandIndex | undefined, type: 2 | 3, language: string): { command: Command; label: string; application: IndexApplication | undefined }[] {
  if (!index) return [];
  const apps = new Map(index.applications.map((a) => [a.id, a]));
  return index.application_commands
    .filter((c) => c.type === type)
    .map((command) => ({ command, label: localized(command.name, command.name_localizations, language), application: apps.get(command.application_id) }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** The application whose bot wrote a message (bot messages sent without an interaction carry
 * no `application_id`). */
export function applicationOfBot(index: CommandIndex | undefined, botId: string): IndexApplication | undefined {
  return index?.applications.find((a) => a.bot_id === botId);
}

// -- options ------------------------------------------------------------------------------------

/** Why a value is refused: an i18n key under `commands.errors`, with its values. */
export interface OptionError {
  key: "required" | "integer" | "number" | "min_value" | "max_value" | "min_length" | "max_length" | "choice" | "pick" | "boolean" | "attachment" | "min_values" | "max_values";
  values?: Record<string, number>;
}

export type OptionValue = string | number | boolean;

/** One option as `data.options` carries it. */
export interface GivenOption {
  name: string;
  type: number;
  value?: OptionValue;
  options?: GivenOption[];
  focused?: boolean;
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+([.,]\d*)?|[.,]\d+)(e[-+]?\d+)?$/i;

/** Characters as Discord counts them (code points). */
function length(text: string): number {
  return [...text].length;
}

function inChoices(option: CommandOption, value: OptionValue): boolean {
  return !option.choices?.length || option.choices.some((c) => c.value === value);
}

/** One option's text (as typed, or the id or choice picked) checked and converted. Empty text
 * is no value: refused when the option is required. */
export function checkOption(option: CommandOption, raw: string | undefined): { value?: OptionValue; error?: OptionError } {
  const text = (raw ?? "").trim();
  if (!text) return option.required ? { error: { key: "required" } } : {};
  switch (option.type) {
    case OptionType.STRING: {
      const value = raw ?? "";
      const min = option.min_length ?? 0;
      const max = option.max_length ?? 6000;
      if (length(value) < min) return { error: { key: "min_length", values: { count: min } } };
      if (length(value) > max) return { error: { key: "max_length", values: { count: max } } };
      if (!option.autocomplete && !inChoices(option, value)) return { error: { key: "choice" } };
      return { value };
    }
    case OptionType.INTEGER:
    case OptionType.NUMBER: {
      const integer = option.type === OptionType.INTEGER;
      if (integer ? !INTEGER.test(text) : !NUMBER.test(text)) return { error: { key: integer ? "integer" : "number" } };
      const value = Number(text.replace(",", "."));
      if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) return { error: { key: integer ? "integer" : "number" } };
      if (option.min_value != null && value < option.min_value) return { error: { key: "min_value", values: { min: option.min_value } } };
      if (option.max_value != null && value > option.max_value) return { error: { key: "max_value", values: { max: option.max_value } } };
      if (!option.autocomplete && !inChoices(option, value)) return { error: { key: "choice" } };
      return { value };
    }
    case OptionType.BOOLEAN:
      if (text === "true" || text === "false") return { value: text === "true" };
      return { error: { key: "boolean" } };
    case OptionType.ATTACHMENT:
      // the chosen file's name; it becomes an entry of `data.attachments` once uploaded
      return { value: raw ?? "" };
    default:
      // users, channels, roles, mentionables: an id picked from the list
      return /^\d+$/.test(text) ? { value: text } : { error: { key: "pick" } };
  }
}

/** Every option checked: the options to send, or what to fix, by option name. */
export function checkOptions(options: readonly CommandOption[], values: Record<string, string>): { given: GivenOption[]; errors: Record<string, OptionError> } {
  const given: GivenOption[] = [];
  const errors: Record<string, OptionError> = {};
  for (const option of options) {
    const checked = checkOption(option, values[option.name]);
    if (checked.error) errors[option.name] = checked.error;
    else if (checked.value !== undefined) given.push({ name: option.name, type: option.type, value: checked.value });
  }
  return { given, errors };
}

/** The leaf options wrapped in the entry's subcommand (and group), as `data.options`. */
export function nestOptions(entry: Pick<CommandEntry, "command" | "path">, leaf: GivenOption[]): GivenOption[] {
  if (!entry.path.length) return leaf;
  const [first, second] = entry.path;
  if (second === undefined) return [{ name: first, type: OptionType.SUB_COMMAND, options: leaf }];
  return [{ name: first, type: OptionType.SUB_COMMAND_GROUP, options: [{ name: second, type: OptionType.SUB_COMMAND, options: leaf }] }];
}

export interface CommandData {
  id: string;
  name: string;
  type: number;
  version: string;
  options?: GivenOption[];
  target_id?: string;
  attachments?: GivenAttachment[];
}

/** An entry of `data.attachments`: a finished upload, named by its id. */
export interface GivenAttachment {
  id: string;
  filename: string;
  uploaded_filename: string;
}

/** The leaf options with each file option's value the id (0, 1, …) of its entry in
 * `data.attachments`, and those entries, from the uploads made for each option (by name). */
export function withUploads(leaf: readonly GivenOption[], uploads: Record<string, { filename: string; uploadId: string }>): { leaf: GivenOption[]; attachments: GivenAttachment[] } {
  const attachments: GivenAttachment[] = [];
  const named = leaf.flatMap((option): GivenOption[] => {
    if (option.type !== OptionType.ATTACHMENT) return [option];
    const upload = uploads[option.name];
    if (!upload) return [];
    const id = String(attachments.length);
    attachments.push({ id, filename: upload.filename, uploaded_filename: upload.uploadId });
    return [{ name: option.name, type: option.type, value: id }];
  });
  return { leaf: named, attachments };
}

/** `data` of a type 2 APPLICATION_COMMAND interaction (with the files its options name). */
export function commandData(entry: Pick<CommandEntry, "command" | "path">, leaf: GivenOption[], attachments: GivenAttachment[] = []): CommandData {
  const { command } = entry;
  const options = nestOptions(entry, leaf);
  return {
    id: command.id,
    name: command.name,
    type: command.type,
    version: command.version,
    ...(options.length ? { options } : {}),
    ...(attachments.length ? { attachments } : {}),
  };
}

/** `data` of a type 4 autocomplete interaction: the options that are valid so far, and the one
 * being typed, as text, `focused` (the server checks no range or choice for it). */
export function autocompleteData(entry: Pick<CommandEntry, "command" | "path" | "options">, values: Record<string, string>, focused: string): CommandData {
  const leaf: GivenOption[] = [];
  for (const option of entry.options) {
    if (option.name === focused) {
      const text = values[option.name] ?? "";
      const numeric = option.type === OptionType.INTEGER || option.type === OptionType.NUMBER;
      const number = Number(text.replace(",", "."));
      // A number option's partial text goes as a number when it is one (the server wants the
      // option's type), else as 0: the application suggests from nothing.
      leaf.push({ name: option.name, type: option.type, value: numeric ? (text.trim() && Number.isFinite(number) ? number : 0) : text, focused: true });
      continue;
    }
    if (option.type === OptionType.ATTACHMENT) continue; // files go only with the command
    const checked = checkOption({ ...option, required: false }, values[option.name]);
    if (checked.value !== undefined && !checked.error) leaf.push({ name: option.name, type: option.type, value: checked.value });
  }
  return commandData(entry, leaf);
}

/** `data` of a user or message command run on a target. */
export function contextData(command: Command, targetId: string): CommandData {
  return { id: command.id, name: command.name, type: command.type, version: command.version, target_id: targetId };
}

/** The choices of an option in the person's language. */
export function choiceLabels(option: CommandOption, language: string): { label: string; value: string }[] {
  return (option.choices ?? []).map((c) => ({ label: localized(c.name, c.name_localizations, language), value: String(c.value) }));
}

// -- answers ------------------------------------------------------------------------------------

/** Message types of an application's answer: 20 to a slash command (and a modal it opened),
 * 23 to a user or message command. */
export function isCommandAnswer(type: number): boolean {
  return type === 20 || type === 23;
}

/** Who ran which command, for the line above an answer: from `interaction_metadata` (a modal's
 * submit names the command that opened it), else the deprecated `interaction`. Null for
 * answers to components, whose message shows as a reply. */
interface InvocationMetadata {
  type: number;
  name?: string;
  command_type?: number;
  user: User;
  triggering_interaction_metadata?: InvocationMetadata;
}

export function invocationOf(message: {
  interaction_metadata?: InvocationMetadata;
  interaction?: { name: string; type: number; user: User };
}): { user: User; name: string; slash: boolean } | null {
  let meta = message.interaction_metadata;
  if (meta?.type === 5) meta = meta.triggering_interaction_metadata;
  if (meta) {
    if (meta.type !== 2 || !meta.name) return null;
    return { user: meta.user, name: meta.name, slash: (meta.command_type ?? 1) === CommandType.CHAT_INPUT };
  }
  const old = message.interaction;
  return old && old.type === 2 ? { user: old.user, name: old.name, slash: true } : null;
}

/** A command's name as an answer names it ("hello", "admin ban"), in the person's language when
 * the channel's index knows the command. */
export function localizedCommandName(index: CommandIndex | undefined, name: string, slash: boolean, language: string): string {
  const [first, ...rest] = name.split(" ");
  const found = index?.application_commands.find((c) => c.name === first && (c.type === CommandType.CHAT_INPUT) === slash);
  if (!found) return name;
  const words = [localized(found.name, found.name_localizations, language)];
  let options = found.options ?? [];
  for (const word of rest) {
    const option = options.find((o) => o.name === word);
    words.push(option ? localized(option.name, option.name_localizations, language) : word);
    options = option?.options ?? [];
  }
  return words.join(" ");
}
