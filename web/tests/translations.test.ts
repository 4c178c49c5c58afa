/** Every string a person reads comes from the locale files: no text in components, no key
 * missing in a language, and plural forms for each language's rules. */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import de from "../src/locales/de.json";
import en from "../src/locales/en.json";
import fr from "../src/locales/fr.json";

const SRC = join(__dirname, "..", "src");
const LOCALES: Record<string, unknown> = { de, en, fr };
const USER_FACING_ATTRIBUTES = new Set(["aria-label", "title", "placeholder", "alt", "label", "aria-description", "aria-roledescription"]);
/** Words that are the same in every language (product and protocol names, symbols). */
const ALLOWED_TEXT = new Set(["townhall", "@everyone", "▲", "▼", "—", "/"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) && !name.endsWith(".gen.ts") ? [path] : [];
  });
}

function flatten(tree: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out[path] = value;
    else Object.assign(out, flatten(value, path));
  }
  return out;
}

function hardCodedStrings(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node)) {
      const text = node.getText().trim();
      if (/\p{L}{2,}/u.test(text) && !ALLOWED_TEXT.has(text)) found.push(text);
    }
    if (ts.isJsxAttribute(node) && USER_FACING_ATTRIBUTES.has(node.name.getText())) {
      const value = node.initializer;
      const literal = value && ts.isStringLiteral(value) ? value.text : value && ts.isJsxExpression(value) && value.expression && ts.isStringLiteral(value.expression) ? value.expression.text : null;
      if (literal && /\p{L}{2,}/u.test(literal)) found.push(`${node.name.getText()}="${literal}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.map((text) => `${path.replace(SRC, "src")}: ${text}`);
}

function usedKeys(): string[] {
  const keys = new Set<string>();
  for (const path of files(SRC)) {
    for (const match of readFileSync(path, "utf8").matchAll(/\bt\(\s*"([a-z_]+(?:\.[A-Za-z0-9_]+)+)"/g)) keys.add(match[1]);
  }
  return [...keys];
}

function has(flat: Record<string, string>, key: string): boolean {
  return key in flat || `${key}_one` in flat || `${key}_other` in flat;
}

describe("translations", () => {
  it("components contain no hard-coded text", () => {
    const found = files(join(SRC, "features")).concat(files(join(SRC, "ui"))).flatMap(hardCodedStrings);
    expect(found).toEqual([]);
  });

  it("every key the code uses exists in every language", () => {
    for (const [language, tree] of Object.entries(LOCALES)) {
      const flat = flatten(tree);
      const missing = usedKeys().filter((key) => !has(flat, key));
      expect({ language, missing }).toEqual({ language, missing: [] });
    }
  });

  it("every language has every key English has, and no leftovers", () => {
    const english = Object.keys(flatten(en)).sort();
    for (const language of ["de", "fr"]) {
      expect(Object.keys(flatten(LOCALES[language])).sort()).toEqual(english);
    }
  });

  it("placeholders match between languages", () => {
    const english = flatten(en);
    for (const language of ["de", "fr"]) {
      const other = flatten(LOCALES[language]);
      for (const [key, text] of Object.entries(english)) {
        const names = (s: string) => [...s.matchAll(/{{(\w+)(?:, *\w+)?}}/g)].map((m) => m[1]).sort();
        expect({ key, language, names: names(other[key] ?? "") }).toEqual({ key, language, names: names(text) });
      }
    }
  });

  it("permission descriptions exist for every permission the editors show", async () => {
    const { EDITABLE_PERMISSIONS } = await import("../src/lib/permissions");
    for (const tree of Object.values(LOCALES)) {
      const flat = flatten(tree);
      for (const name of EDITABLE_PERMISSIONS) {
        expect(flat[`permissions.${name}.name`]).toBeTruthy();
        expect(flat[`permissions.${name}.description`]).toBeTruthy();
      }
    }
  });

  it("plural forms follow each language's rules", async () => {
    const { i18n } = await import("../src/i18n");
    await i18n.changeLanguage("fr");
    expect(i18n.t("channels.mentions", { count: 0 })).toBe("0 mention");
    expect(i18n.t("channels.mentions", { count: 2 })).toBe("2 mentions");
    await i18n.changeLanguage("de");
    expect(i18n.t("channels.mentions", { count: 0 })).toBe("0 Erwähnungen");
    expect(i18n.t("channels.mentions", { count: 1 })).toBe("1 Erwähnung");
    await i18n.changeLanguage("en");
    expect(i18n.t("channels.mentions", { count: 1 })).toBe("1 mention");
  });
});
