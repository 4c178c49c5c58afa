/** Message components and modals (docs/interactions.md, "Components"): narrowing the JSON a
 * message or a modal carries into what the client renders, and the checks and bodies of clicks,
 * picks and submits. Pure, tested in vitest. Anything the client does not know (components v2,
 * a type it has never seen) is left out rather than guessed at. */

import type { OptionError } from "./commandRules";

export const ComponentType = {
  ACTION_ROW: 1,
  BUTTON: 2,
  STRING_SELECT: 3,
  TEXT_INPUT: 4,
  USER_SELECT: 5,
  ROLE_SELECT: 6,
  MENTIONABLE_SELECT: 7,
  CHANNEL_SELECT: 8,
  TEXT_DISPLAY: 10,
  LABEL: 18,
} as const;

export const ButtonStyle = { PRIMARY: 1, SECONDARY: 2, SUCCESS: 3, DANGER: 4, LINK: 5, PREMIUM: 6 } as const;

const SELECT_TYPES: ReadonlySet<number> = new Set([3, 5, 6, 7, 8]);

export interface ComponentEmoji {
  id?: string | null;
  name?: string | null;
  animated?: boolean;
}

export interface Button {
  type: 2;
  style: number;
  label?: string;
  emoji?: ComponentEmoji;
  custom_id?: string;
  url?: string;
  disabled?: boolean;
}

export interface SelectOption {
  label: string;
  value: string;
  description?: string;
  emoji?: ComponentEmoji;
  default?: boolean;
}

export interface Select {
  type: 3 | 5 | 6 | 7 | 8;
  custom_id: string;
  options?: SelectOption[];
  placeholder?: string;
  min_values?: number;
  max_values?: number;
  disabled?: boolean;
  required?: boolean;
  channel_types?: number[];
  default_values?: { id: string; type: string }[];
}

export interface ActionRow {
  type: 1;
  components: (Button | Select)[];
}

export interface TextInput {
  type: 4;
  custom_id: string;
  style: number;
  label?: string;
  min_length?: number;
  max_length?: number;
  required?: boolean;
  value?: string;
  placeholder?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

function emoji(value: unknown): ComponentEmoji | undefined {
  if (!isObject(value)) return undefined;
  const name = text(value.name);
  const id = text(value.id);
  return name || id ? { id: id ?? null, name: name ?? null, animated: value.animated === true } : undefined;
}

function button(value: Json): Button | null {
  const style = count(value.style);
  if (!style || style < 1 || style > 6) return null;
  if (style === ButtonStyle.PREMIUM) return null; // a purchase: nothing to buy here
  const found: Button = { type: 2, style, label: text(value.label), emoji: emoji(value.emoji), disabled: value.disabled === true };
  if (style === ButtonStyle.LINK) {
    const url = text(value.url);
    if (!url) return null;
    return { ...found, url };
  }
  const customId = text(value.custom_id);
  return customId ? { ...found, custom_id: customId } : null;
}

function select(value: Json): Select | null {
  const type = count(value.type);
  const customId = text(value.custom_id);
  if (!type || !SELECT_TYPES.has(type) || !customId) return null;
  const options = Array.isArray(value.options)
    ? value.options.filter(isObject).flatMap((o): SelectOption[] => {
        const label = text(o.label);
        const optionValue = text(o.value);
        return label !== undefined && optionValue !== undefined
          ? [{ label, value: optionValue, description: text(o.description), emoji: emoji(o.emoji), default: o.default === true }]
          : [];
      })
    : undefined;
  if (type === ComponentType.STRING_SELECT && !options?.length) return null;
  return {
    type: type as Select["type"],
    custom_id: customId,
    options,
    placeholder: text(value.placeholder),
    min_values: count(value.min_values),
    max_values: count(value.max_values),
    disabled: value.disabled === true,
    required: typeof value.required === "boolean" ? value.required : undefined,
    channel_types: Array.isArray(value.channel_types) ? value.channel_types.filter((t): t is number => typeof t === "number") : undefined,
    default_values: Array.isArray(value.default_values)
      ? value.default_values.filter(isObject).flatMap((d) => (text(d.id) ? [{ id: text(d.id)!, type: text(d.type) ?? "" }] : []))
      : undefined,
  };
}

/** A message's action rows: up to 5 buttons, or one select, each. */
export function actionRows(components: unknown): ActionRow[] {
  if (!Array.isArray(components)) return [];
  const rows: ActionRow[] = [];
  for (const row of components) {
    if (!isObject(row) || row.type !== ComponentType.ACTION_ROW || !Array.isArray(row.components)) continue;
    const children = row.components.filter(isObject).flatMap((c) => {
      const found = c.type === ComponentType.BUTTON ? button(c) : select(c);
      return found ? [found] : [];
    });
    if (children.length) rows.push({ type: 1, components: children });
  }
  return rows.slice(0, 5);
}

export function isSelect(component: Button | Select): component is Select {
  return component.type !== ComponentType.BUTTON;
}

/** The CSS class of a button's style. */
export function buttonClass(style: number): string {
  const names: Record<number, string> = { 1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link" };
  return `component-button ${names[style] ?? "secondary"}`;
}

/** A link button's address, when it is one a browser should open (http, https). */
export function linkHref(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** What an emoji shows as text: the character, or `:name:` for a custom one. */
export function emojiText(value: ComponentEmoji | undefined): string {
  if (!value) return "";
  if (value.id) return value.name ? `:${value.name}:` : "";
  return value.name ?? "";
}

/** How many values a select takes (Discord's defaults: exactly one). */
export function selectBounds(value: Pick<Select, "min_values" | "max_values">): { min: number; max: number } {
  const max = Math.max(1, value.max_values ?? 1);
  return { min: Math.min(max, Math.max(0, value.min_values ?? 1)), max };
}

export function checkSelection(value: Pick<Select, "min_values" | "max_values">, picked: readonly string[]): OptionError | null {
  const { min, max } = selectBounds(value);
  if (picked.length < min) return min === 1 ? { key: "required" } : { key: "min_values", values: { count: min } };
  if (picked.length > max) return { key: "max_values", values: { count: max } };
  return null;
}

/** `data` of a MESSAGE_COMPONENT interaction. */
export function componentData(component: Button | Select, values?: readonly string[]): { component_type: number; custom_id: string; values?: string[] } {
  const customId = component.custom_id ?? "";
  return isSelect(component) ? { component_type: component.type, custom_id: customId, values: [...(values ?? [])] } : { component_type: 2, custom_id: customId };
}

// -- modals -------------------------------------------------------------------------------------

/** One thing of a modal, in its order: a text input (in an action row, or in a label), a
 * select in a label, or a text to read. */
export type ModalField =
  | { kind: "text"; input: TextInput; label: string; description?: string; inLabel: boolean }
  | { kind: "select"; select: Select; label: string; description?: string }
  | { kind: "display"; content: string };

function textInput(value: unknown): TextInput | null {
  if (!isObject(value) || value.type !== ComponentType.TEXT_INPUT) return null;
  const customId = text(value.custom_id);
  if (!customId) return null;
  return {
    type: 4,
    custom_id: customId,
    style: count(value.style) === 2 ? 2 : 1,
    label: text(value.label),
    min_length: count(value.min_length),
    max_length: count(value.max_length),
    required: value.required !== false,
    value: text(value.value),
    placeholder: text(value.placeholder),
  };
}

export function modalFields(components: unknown): ModalField[] {
  if (!Array.isArray(components)) return [];
  const fields: ModalField[] = [];
  for (const row of components) {
    if (!isObject(row)) continue;
    if (row.type === ComponentType.ACTION_ROW && Array.isArray(row.components)) {
      const input = textInput(row.components[0]);
      if (input) fields.push({ kind: "text", input, label: input.label ?? "", inLabel: false });
    } else if (row.type === ComponentType.LABEL && isObject(row.component)) {
      const label = text(row.label) ?? "";
      const description = text(row.description);
      const input = textInput(row.component);
      const picked = input ? null : select(row.component);
      if (input) fields.push({ kind: "text", input, label, description, inLabel: true });
      else if (picked) fields.push({ kind: "select", select: picked, label, description });
    } else if (row.type === ComponentType.TEXT_DISPLAY) {
      const content = text(row.content);
      if (content) fields.push({ kind: "display", content });
    }
  }
  return fields;
}

export type ModalValues = Record<string, string | string[]>;

/** The modal's starting values: each input's `value`, each select's defaults. */
export function initialModalValues(fields: readonly ModalField[]): ModalValues {
  const values: ModalValues = {};
  for (const field of fields) {
    if (field.kind === "text") values[field.input.custom_id] = field.input.value ?? "";
    else if (field.kind === "select") {
      values[field.select.custom_id] = field.select.options?.filter((o) => o.default).map((o) => o.value) ?? field.select.default_values?.map((d) => d.id) ?? [];
    }
  }
  return values;
}

/** What to fix before the modal can go, by custom_id (the server's checks, in advance). */
export function checkModal(fields: readonly ModalField[], values: ModalValues): Record<string, OptionError> {
  const errors: Record<string, OptionError> = {};
  for (const field of fields) {
    if (field.kind === "text") {
      const input = field.input;
      const value = String(values[input.custom_id] ?? "");
      const size = [...value].length;
      if (!value.trim() && input.required !== false) errors[input.custom_id] = { key: "required" };
      else if (value && input.min_length && size < input.min_length) errors[input.custom_id] = { key: "min_length", values: { count: input.min_length } };
      else if (input.max_length && size > input.max_length) errors[input.custom_id] = { key: "max_length", values: { count: input.max_length } };
    } else if (field.kind === "select") {
      const picked = values[field.select.custom_id];
      const list = Array.isArray(picked) ? picked : [];
      if (!list.length && field.select.required === false) continue;
      const error = checkSelection(field.select, list);
      if (error) errors[field.select.custom_id] = error;
    }
  }
  return errors;
}

/** `data.components` of a MODAL_SUBMIT: the answers in the modal's own layout. */
export function modalSubmission(components: unknown, values: ModalValues): unknown[] {
  if (!Array.isArray(components)) return [];
  const answer = (inner: Json): Json | null => {
    const customId = text(inner.custom_id);
    if (!customId) return null;
    if (inner.type === ComponentType.TEXT_INPUT) return { type: 4, custom_id: customId, value: String(values[customId] ?? "") };
    const picked = values[customId];
    return { type: inner.type, custom_id: customId, values: Array.isArray(picked) ? picked : [] };
  };
  const rows: unknown[] = [];
  for (const row of components) {
    if (!isObject(row)) continue;
    if (row.type === ComponentType.ACTION_ROW && Array.isArray(row.components) && isObject(row.components[0])) {
      const found = answer(row.components[0]);
      if (found) rows.push({ type: 1, components: [found] });
    } else if (row.type === ComponentType.LABEL && isObject(row.component)) {
      const found = answer(row.component);
      if (found) rows.push({ type: 18, component: found });
    }
  }
  return rows;
}
