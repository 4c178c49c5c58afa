import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import "../src/i18n";
import { Markdown, isJumbo } from "../src/features/messages/Markdown";
import { parseMarkdown, previewText, safeUrl } from "../src/features/messages/markdown";

const html = (source: string) => renderToStaticMarkup(<Markdown source={source} />);

/** Known XSS payloads (OWASP cheat sheet, PortSwigger, Markdown-specific ones). */
const PAYLOADS = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "<svg onload=alert(1)>",
  "<iframe src=javascript:alert(1)>",
  "<a href=\"javascript:alert(1)\">x</a>",
  "[click](javascript:alert(1))",
  "[click](JaVaScRiPt:alert(1))",
  "[click](java\tscript:alert(1))",
  "[click](javascript&#58;alert(1))",
  "[click]( javascript:alert(1))",
  "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "[click](vbscript:msgbox(1))",
  "[click](file:///etc/passwd)",
  "<javascript:alert(1)>",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "[x](https://ok.example\" onmouseover=\"alert(1))",
  "**<b onclick=alert(1)>bold</b>**",
  "`<script>alert(1)</script>`",
  "```html\n<script>alert(1)</script>\n```",
  "> <img src=x onerror=alert(1)>",
  "||<img src=x onerror=alert(1)>||",
  "# <style>body{display:none}</style>",
  "<@123456789012345678><script>x</script>",
  "<t:1700000000:R><script>alert(1)</script>",
  "![img](javascript:alert(1))",
  "<div style=\"background:url(javascript:alert(1))\">",
  "\"><script>alert(document.cookie)</script>",
  "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
  "<form action=javascript:alert(1)><button>x</button></form>",
];

describe("Markdown renders Discord's syntax as React elements", () => {
  it("formats bold, italic, underline, strikethrough, code and quotes", () => {
    const out = html("**b** *i* __u__ ~~s~~ `c`\n> quoted");
    expect(out).toContain("<strong>b</strong>");
    expect(out).toContain("<em>i</em>");
    expect(out).toContain("<u>u</u>");
    expect(out).toContain("<s>s</s>");
    expect(out).toContain("<code>c</code>");
    expect(out).toContain("<blockquote>quoted</blockquote>");
  });

  it("makes headers, lists, subtext and spoilers", () => {
    const out = html("# Title\n- one\n- two\n1. first\n-# small\n||hidden||");
    expect(out).toContain('<h3 class="md-h1">Title</h3>');
    expect(out).toContain("<ul><li>one</li><li>two</li></ul>");
    expect(out).toContain('<ol start="1"><li>first</li></ol>');
    expect(out).toContain('<small class="md-subtext">small</small>');
    expect(out).toContain('class="spoiler"');
  });

  it("renders code blocks with their language (highlighted lazily)", () => {
    const nodes = parseMarkdown("```py\nprint(1)\n```");
    expect(nodes[0]).toMatchObject({ type: "codeBlock", lang: "py", content: "print(1)" });
    expect(html("```py\nprint(1)\n```")).toContain("print(1)");
  });

  it("turns mentions into chips", () => {
    const out = html("hi <@123456789012345678> and <#123456789012345679> @everyone");
    expect(out).toContain('class="mention"');
    expect(out).toContain("@everyone");
  });

  it("links http addresses with noopener noreferrer", () => {
    const out = html("see https://example.org/a?b=1 and [docs](https://docs.example.org)");
    expect(out).toContain('href="https://example.org/a?b=1"');
    expect(out).toContain('href="https://docs.example.org/"');
    expect(out.match(/rel="noopener noreferrer"/g)?.length).toBe(2);
  });

  it("lets no HTML, script, event handler or dangerous URL through", () => {
    for (const payload of PAYLOADS) {
      const out = html(payload);
      // Every tag in the output is one the renderer makes; none carries a handler or a bad URL.
      const tags = [...out.matchAll(/<\s*([a-zA-Z0-9]+)([^>]*)>/g)];
      for (const [, name, attributes] of tags) {
        expect(["strong", "em", "u", "s", "code", "pre", "blockquote", "h3", "h4", "h5", "small", "ul", "ol", "li", "br", "a", "span", "button", "time"]).toContain(name);
        expect(attributes).not.toMatch(/\son[a-z]+\s*=/i);
        expect(attributes).not.toMatch(/style\s*=/i);
        const href = /href="([^"]*)"/.exec(attributes)?.[1];
        if (href) expect(href).toMatch(/^(https?:|mailto:)/);
      }
      expect(out).not.toMatch(/<script|<img|<svg|<iframe|<style|<form|<math|<div/i);
      expect(out).not.toMatch(/href="\s*(javascript|data|vbscript|file):/i);
    }
  });

  it("allows only http, https and mailto links", () => {
    expect(safeUrl("https://x.org")).toBe("https://x.org/");
    expect(safeUrl("mailto:a@b.c")).toBe("mailto:a@b.c");
    for (const bad of ["javascript:alert(1)", "data:text/html,x", "JAVASCRIPT:x", "java\nscript:x", "/relative", "vbscript:x", "", 5]) {
      expect(safeUrl(bad)).toBeNull();
    }
  });

  it("shows emoji-only messages large", () => {
    expect(isJumbo("🎉🎉")).toBe(true);
    expect(isJumbo("party 🎉")).toBe(false);
  });
});

describe("previewText", () => {
  it("keeps a spoiler hidden in a reply's preview, whatever its length", () => {
    expect(previewText("the killer is ||the butler|| of course")).toBe("the killer is ▒▒▒▒ of course");
    expect(previewText("||a\nb||")).toBe("▒▒▒▒");
    expect(previewText("no spoiler here")).toBe("no spoiler here");
  });

  it("cuts long text", () => {
    expect(previewText("x".repeat(300))).toHaveLength(120);
  });
});
