import { createContext, lazy, Suspense, useContext, useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { formatDateTime, formatRelative } from "../../i18n";
import { parseMarkdown, safeUrl, type MdNode } from "./markdown";

const CodeBlock = lazy(() => import("./CodeBlock"));

/** How mentions and links are shown: names come from the store, clicks go to the app. */
export interface MarkdownEnv {
  userName: (id: string) => string | null;
  roleName: (id: string) => { name: string; color: number } | null;
  channelName: (id: string) => string | null;
  openChannel: (id: string) => void;
  openUser: (id: string, anchor: HTMLElement) => void;
  leave: (url: string) => void;
}

export const defaultEnv: MarkdownEnv = {
  userName: () => null,
  roleName: () => null,
  channelName: () => null,
  openChannel: () => {},
  openUser: () => {},
  leave: (url) => window.open(url, "_blank", "noopener,noreferrer"),
};

export const MarkdownContext = createContext<MarkdownEnv>(defaultEnv);

function Spoiler({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  if (shown) return <span className="spoiler shown">{children}</span>;
  return (
    <button type="button" className="spoiler" aria-label={t("messages.spoiler")} onClick={() => setShown(true)}>
      <span aria-hidden="true">{children}</span>
    </button>
  );
}

function Mention(props: { kind: "user" | "role" | "channel" | "everyone"; id?: string }) {
  const env = useContext(MarkdownContext);
  const { t } = useTranslation();
  if (props.kind === "everyone") return <span className="mention">{props.id}</span>;
  if (props.kind === "user") {
    const name = env.userName(props.id!) ?? t("messages.unknown_user");
    return (
      <button type="button" className="mention" onClick={(e) => env.openUser(props.id!, e.currentTarget)}>
        @{name}
      </button>
    );
  }
  if (props.kind === "role") {
    const role = env.roleName(props.id!);
    const color = role?.color ? `#${role.color.toString(16).padStart(6, "0")}` : undefined;
    return (
      <span className="mention role-mention" style={color ? { color, background: `${color}22` } : undefined}>
        @{role?.name ?? t("messages.unknown_role")}
      </span>
    );
  }
  const name = env.channelName(props.id!);
  return (
    <button type="button" className="mention" onClick={() => env.openChannel(props.id!)}>
      #{name ?? t("messages.unknown_channel")}
    </button>
  );
}

function Timestamp({ seconds, format }: { seconds: number; format: string }) {
  const date = new Date(seconds * 1000);
  const text = format === "R" ? formatRelative(date) : formatDateTime(date);
  return (
    <time className="md-time" dateTime={date.toISOString()}>
      {text}
    </time>
  );
}

function MaskedLink({ href, children }: { href: string; children: ReactNode }) {
  const env = useContext(MarkdownContext);
  return (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer"
      onClick={(event) => {
        event.preventDefault();
        env.leave(href);
      }}
    >
      {children}
    </a>
  );
}

function text(node: MdNode): string {
  return typeof node.content === "string" ? node.content : "";
}

function renderNodes(nodes: MdNode[] | string | undefined, keyPrefix = ""): ReactNode[] {
  if (nodes === undefined) return [];
  if (typeof nodes === "string") return [nodes];
  const out: ReactNode[] = [];
  let buffer = "";
  const flush = () => {
    if (buffer) out.push(buffer);
    buffer = "";
  };
  nodes.forEach((node, index) => {
    // A list is a block of its own: the line break that ends it would add an empty line.
    if ((node.type === "br" || node.type === "newline") && nodes[index - 1]?.type === "list") return;
    if (node.type === "text") {
      buffer += text(node);
      return;
    }
    if (node.type === "escape") {
      buffer += text(node);
      return;
    }
    flush();
    out.push(renderNode(node, `${keyPrefix}${index}`));
  });
  flush();
  return out;
}

function renderNode(node: MdNode, key: string): ReactNode {
  const children = () => renderNodes(node.content, `${key}.`);
  switch (node.type) {
    case "strong":
      return <strong key={key}>{children()}</strong>;
    case "em":
      return <em key={key}>{children()}</em>;
    case "underline":
      return <u key={key}>{children()}</u>;
    case "strikethrough":
      return <s key={key}>{children()}</s>;
    case "inlineCode":
      return <code key={key}>{text(node)}</code>;
    case "codeBlock":
      return (
        <Suspense key={key} fallback={<pre className="code-block"><code>{text(node)}</code></pre>}>
          <CodeBlock code={text(node)} language={typeof node.lang === "string" ? node.lang : ""} />
        </Suspense>
      );
    case "blockQuote":
      return <blockquote key={key}>{children()}</blockquote>;
    case "spoiler":
      return <Spoiler key={key}>{children()}</Spoiler>;
    case "heading": {
      const level = Math.min(3, Math.max(1, Number(node.level) || 1));
      const Tag = (["h3", "h4", "h5"] as const)[level - 1];
      return <Tag key={key} className={`md-h${level}`}>{children()}</Tag>;
    }
    case "subtext":
      return <small key={key} className="md-subtext">{children()}</small>;
    case "list": {
      const items = (node.items as MdNode[][]).map((item, i) => <li key={i}>{renderNodes(item, `${key}.${i}.`)}</li>);
      return node.ordered ? <ol key={key} start={node.start as number}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
    case "br":
    case "newline":
      return <br key={key} />;
    case "url":
    case "autolink": {
      const href = safeUrl(node.target);
      if (!href) return <span key={key}>{renderNodes(node.content)}</span>;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer">
          {children()}
        </a>
      );
    }
    case "link": {
      const href = safeUrl(node.target);
      if (!href) return <span key={key}>{children()}</span>;
      return <MaskedLink key={key} href={href}>{children()}</MaskedLink>;
    }
    case "user":
      return <Mention key={key} kind="user" id={String(node.id)} />;
    case "role":
      return <Mention key={key} kind="role" id={String(node.id)} />;
    case "channel":
      return <Mention key={key} kind="channel" id={String(node.id)} />;
    case "everyone":
      return <Mention key={key} kind="everyone" id="@everyone" />;
    case "here":
      return <Mention key={key} kind="everyone" id="@here" />;
    case "emoji":
      return <span key={key} className="custom-emoji">:{String(node.name)}:</span>;
    case "twemoji":
      return <span key={key}>{String(node.name)}</span>;
    case "timestamp":
      return <Timestamp key={key} seconds={Number(node.timestamp)} format={String(node.format ?? "f")} />;
    case "emoticon":
      return <span key={key}>{text(node)}</span>;
    default:
      // Anything the renderer does not know is shown as its text, never interpreted.
      return <span key={key}>{typeof node.content === "string" ? node.content : renderNodes(node.content)}</span>;
  }
}

/** A message's text as Discord shows it. */
export function Markdown({ source }: { source: string }) {
  const nodes = useMemo(() => parseMarkdown(source), [source]);
  return <>{renderNodes(nodes)}</>;
}

/** Only emoji (up to 27, as Discord does) are shown large. */
export function isJumbo(source: string): boolean {
  const trimmed = source.trim();
  if (!trimmed || trimmed.length > 200) return false;
  return /^(?:\p{Extended_Pictographic}(?:\uFE0F|\u200D\p{Extended_Pictographic}|\p{Emoji_Modifier})*\s*){1,27}$/u.test(trimmed);
}
