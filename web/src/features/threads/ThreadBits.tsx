/** The small pieces of threads inside a message list: the line under a message that has a thread,
 * the "Create thread" button of the message toolbar, and the system lines threads bring. */

import { useEffect, useState } from "react";
import type { Channel, Message } from "../../api/types";
import { useTranslation } from "react-i18next";
import type { ChatMessage } from "../../state/reducer";
import { useStore } from "../../state/store";
import { can, displayName } from "../../state/selectors";
import { canStartFrom, THREAD_CREATED, THREAD_STARTER_MESSAGE, threadOfMessage, TP } from "../../state/threads";
import { formatNumber, formatTime } from "../../i18n";
import { Icon } from "../../ui/Icon";
import { Markdown } from "../messages/Markdown";
import { StartThreadDialog } from "./StartThreadDialog";
import { isPrivateThread, threadBadge } from "./threadRules";
import { threadsApi } from "./threadsApi";
import { setThreadView } from "./threadUi";

/** A thread's name, with a lock before a private one. */
export function ThreadName({ thread }: { thread: Pick<Channel, "type" | "name"> }) {
  const { t } = useTranslation();
  if (!isPrivateThread(thread)) return <>{thread.name}</>;
  return (
    <>
      <Icon name="lock" size={14} />
      <span className="sr-only">{t("threads.private")}: </span>
      {thread.name}
    </>
  );
}

/** A thread's unread mark for screen readers, and its mention count as a badge. */
export function UnreadMark({ badge }: { badge: { unread: boolean; mentions: number } }) {
  const { t } = useTranslation();
  const label = badge.mentions ? t("channels.mentions", { count: badge.mentions }) : badge.unread ? t("channels.unread") : "";
  return (
    <>
      {label && <span className="sr-only">{`, ${label}`}</span>}
      {badge.mentions > 0 && (
        <span className="badge" aria-hidden="true">
          {formatNumber(badge.mentions)}
        </span>
      )}
    </>
  );
}

/** "N messages · name" under a message that started a thread; it opens the thread's panel. Bold
 * while the thread has messages one has not read (when one is in it), with its mentions. */
export function ThreadSummary({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  const thread = useStore((s) => threadOfMessage(s, message));
  const badge = useStore((s) => threadBadge(s, message.id));
  if (!thread) return null;
  return (
    <button
      type="button"
      className={`thread-summary ${badge.unread ? "unread" : ""}`}
      onClick={() => setThreadView({ kind: "thread", parentId: message.channel_id, threadId: thread.id })}
    >
      <Icon name="chat" size={14} />
      <span className="sr-only">{t("threads.open")} </span>
      <span className="thread-count">{t("threads.count", { count: thread.count })}</span>
      <span aria-hidden="true"> · </span>
      <span className="thread-name">{thread.name}</span>
      <UnreadMark badge={badge} />
    </button>
  );
}

/** The toolbar's "Create thread", for who may start public threads in the channel. */
export function StartThreadButton({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const may = useStore((s) => canStartFrom(message, s.channels[message.channel_id], s) && can(s, message.channel_id, TP.CREATE_PUBLIC_THREADS));
  if (!may) return null;
  return (
    <>
      <button type="button" className="icon-button" aria-label={t("threads.create")} onClick={() => setOpen(true)}>
        <Icon name="chat" />
      </button>
      {open && <StartThreadDialog message={message} onClose={() => setOpen(false)} />}
    </>
  );
}

/** The message a thread started from: carried by the starter line (its MESSAGE_CREATE), else in
 * the parent channel's window, else asked for once. */
function useStarter(message: ChatMessage): Message | null | undefined {
  const ref = message.message_reference;
  const carried = message.referenced_message;
  const inParent = useStore((s) => (ref?.channel_id && ref.message_id ? s.messages[ref.channel_id]?.byId[ref.message_id] : undefined));
  const [fetched, setFetched] = useState<Message | null | undefined>(undefined);
  const needed = message.type === THREAD_STARTER_MESSAGE && !carried && !inParent;
  useEffect(() => {
    if (!needed || !ref?.channel_id || !ref.message_id) return;
    let alive = true;
    threadsApi.starter(ref.channel_id, ref.message_id).then(
      (found) => alive && setFetched(found),
      () => alive && setFetched(null),
    );
    return () => {
      alive = false;
    };
  }, [needed, ref?.channel_id, ref?.message_id]);
  return carried ?? inParent ?? fetched;
}

/** THREAD_CREATED (18) in the channel, THREAD_STARTER_MESSAGE (21) at the top of the thread: the
 * message it started from, quoted. */
export function ThreadLine({ message, name }: { message: ChatMessage; name: string }) {
  const { t } = useTranslation();
  const starter = useStarter(message);
  const guildId = message.guild_id ?? null;
  const starterName = useStore((s) => (starter ? displayName(s, starter.author.id, guildId) : ""));
  if (message.type === THREAD_CREATED) {
    return (
      <article className="message system-message" tabIndex={-1} data-message-id={message.id} aria-label={t("threads.created_line", { name, thread: message.content })}>
        <div className="message-row">
          <div className="message-gutter">
            <Icon name="chat" size={16} />
          </div>
          <div className="message-main">
            <span>{t("threads.created_line", { name, thread: message.content })}</span>{" "}
            <time className="message-time" dateTime={message.timestamp}>
              {formatTime(new Date(message.timestamp))}
            </time>
          </div>
        </div>
      </article>
    );
  }
  return (
    <article className="message thread-starter" tabIndex={-1} data-message-id={message.id} aria-label={t("threads.starter_label", { name: starterName })}>
      {starter ? (
        <blockquote className="thread-starter-quote">
          <strong>{starterName}</strong>
          <div className="message-content">
            <Markdown source={starter.content} />
          </div>
        </blockquote>
      ) : starter === null ? (
        <p className="muted">{t("threads.starter_missing")}</p>
      ) : (
        <p className="muted">{t("common.loading")}</p>
      )}
    </article>
  );
}
