/** User content never becomes HTML: no component sets HTML directly, and no eval-like code runs
 * (the page's CSP is `script-src 'self'`). */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname, "..", "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe("the client never inserts HTML", () => {
  it("uses no dangerouslySetInnerHTML, innerHTML, outerHTML, insertAdjacentHTML, eval or new Function", () => {
    const found = files(SRC).flatMap((path) =>
      [...readFileSync(path, "utf8").matchAll(/dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|\beval\(|new Function\(/g)].map(
        (m) => `${path.replace(SRC, "src")}: ${m[0]}`,
      ),
    );
    expect(found).toEqual([]);
  });
});
