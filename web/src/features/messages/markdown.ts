/** Discord-flavoured Markdown parsed into a tree (discord-markdown-parser, built on
 * simple-markdown), with masked links and lists as Discord has them. The tree is rendered to React
 * elements by Markdown.tsx; nothing is ever turned into HTML. */

import { SimpleMarkdown, rules as discordRules } from "discord-markdown-parser";

export interface MdNode {
  type: string;
  content?: MdNode[] | string;
  [key: string]: unknown;
}

type Rule = (typeof discordRules)[string];

/** Consecutive lines that start with "- " or "* " (or "1. ", "2. " … for an ordered list). */
const UNORDERED = /^( *)([-*]) +[^\n]+(?:\n\1[-*] +[^\n]+)*/;
const ORDERED = /^( *)(\d{1,9}\.) +[^\n]+(?:\n\1\d{1,9}\. +[^\n]+)*/;

const list: Rule = {
  order: SimpleMarkdown.defaultRules.heading.order - 0.4,
  match(source, state) {
    if (state.inList) return null;
    const prev = state.prevCapture as string[] | null | undefined;
    if (prev != null && !/\n$/.test(prev[0] ?? "")) return null;
    return UNORDERED.exec(source) ?? ORDERED.exec(source);
  },
  parse(capture, parse, state) {
    const lines = capture[0].split("\n");
    const ordered = /\d/.test(capture[2]);
    const start = ordered ? Number.parseInt(capture[2], 10) : undefined;
    const items = lines.map((line) =>
      parse(line.replace(/^ *([-*]|\d{1,9}\.) +/, ""), { ...state, inList: true, inline: true }),
    );
    return { ordered, start, items };
  },
} as Rule;

const rules = {
  ...discordRules,
  link: SimpleMarkdown.defaultRules.link,
  list,
} as Record<string, Rule>;

const parser = SimpleMarkdown.parserFor(rules as never);

export function parseMarkdown(source: string): MdNode[] {
  return parser(source, { inline: true }) as unknown as MdNode[];
}

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** The address a link may point to, or null (`javascript:`, `data:`, relative, malformed …). */
export function safeUrl(target: unknown): string | null {
  if (typeof target !== "string") return null;
  const trimmed = target.trim();
  // Control characters and whitespace inside a scheme are how `java\tscript:` tricks start.
  if (/[\u0000-\u001f\u007f\s]/.test(trimmed)) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

const SPOILER = /\|\|([\s\S]+?)\|\|/g;

/** A message's text for a one-line preview (the reply bar): spoilers stay hidden, as a fixed
 * mark that does not tell their length, and the text is cut to `max` characters. */
export function previewText(source: string, max = 120): string {
  return source.replace(SPOILER, "▒▒▒▒").slice(0, max);
}
