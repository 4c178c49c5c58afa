/** A code block, highlighted by lowlight (highlight.js grammars) as a tree of React elements.
 * Loaded lazily: the first screen does not pay for the grammars. */

import { common, createLowlight } from "lowlight";
import type { ReactNode } from "react";

const lowlight = createLowlight(common);

interface HastText {
  type: "text";
  value: string;
}
interface HastElement {
  type: "element";
  properties?: { className?: string[] };
  children: HastNode[];
}
type HastNode = HastText | HastElement;

function render(nodes: HastNode[], prefix = ""): ReactNode[] {
  return nodes.map((node, i) =>
    node.type === "text" ? (
      node.value
    ) : (
      <span key={prefix + i} className={(node.properties?.className ?? []).join(" ")}>
        {render(node.children, `${prefix}${i}.`)}
      </span>
    ),
  );
}

export default function CodeBlock({ code, language }: { code: string; language: string }) {
  const lang = language.toLowerCase();
  let tree: HastNode[] | null = null;
  try {
    if (lang && lowlight.registered(lang)) tree = lowlight.highlight(lang, code).children as HastNode[];
    else if (code.length < 5000) tree = lowlight.highlightAuto(code).children as HastNode[];
  } catch {
    tree = null;
  }
  return (
    <pre className="code-block" data-language={lang || undefined}>
      <code className="hljs">{tree ? render(tree) : code}</code>
    </pre>
  );
}
