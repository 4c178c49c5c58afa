import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ChannelType, type Channel } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { P } from "../../lib/permissions";
import { actions, getState, useStore } from "../../state/store";
import { can, lastReadId } from "../../state/selectors";
import { isArchived, isJoined, isLocked, TP } from "../../state/threads";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { Composer } from "../messages/Composer";
import { MessageList } from "../messages/MessageList";
import { TypingIndicator } from "../messages/MessagePane";
import { PostTools } from "./PostTools";
import { ThreadName } from "./ThreadBits";
import { ThreadMembers } from "./ThreadMembers";
import { isPrivateThread, seesThread } from "./threadRules";
import { threadsApi } from "./threadsApi";
import { setThreadView } from "./threadUi";
import "./threads.css";

function Controls({ thread, parent }: { thread: Channel; parent: Channel }) {
  const { t } = useTranslation();
  const mayManage = useStore((s) => can(s, parent.id, TP.MANAGE_THREADS));
  const mayWrite = useStore((s) => can(s, thread.id, P.SEND_MESSAGES));
  const mine = useStore((s) => !!s.me && thread.owner_id === s.me.id);
  const archived = isArchived(thread);
  const locked = isLocked(thread);
  const joined = isJoined(thread);
  const run = (work: Promise<unknown>) => work.catch((e) => notify(describeError(t, e)));
  return (
    <div className="thread-controls" role="group" aria-label={t("threads.actions")}>
      {!archived && (
        <button type="button" className="button secondary small" onClick={() => run(joined ? threadsApi.leave(thread.id) : threadsApi.join(thread.id))}>
          {joined ? t("threads.leave") : t("threads.join")}
        </button>
      )}
      {!archived && (mayManage || (mine && !locked)) && (
        <button type="button" className="button secondary small" onClick={() => run(threadsApi.change(thread.id, { archived: true }))}>
          {t("threads.archive")}
        </button>
      )}
      {archived && (mayManage || (!locked && mayWrite)) && (
        <button type="button" className="button secondary small" onClick={() => run(threadsApi.change(thread.id, { archived: false }))}>
          {t("threads.unarchive")}
        </button>
      )}
      {mayManage && (
        <button
          type="button"
          className="button secondary small"
          aria-pressed={locked}
          onClick={() => run(threadsApi.change(thread.id, archived ? { archived: false, locked: !locked } : { locked: !locked }))}
        >
          {locked ? t("threads.unlock") : t("threads.lock")}
        </button>
      )}
    </div>
  );
}

/** A thread beside its channel (full screen on a phone): its messages live, and a composer for
 * who may write in threads; the same list and composer as a channel's, on the thread's id. */
export function ThreadPanel({ parent, threadId }: { parent: Channel; threadId: string }) {
  const { t } = useTranslation();
  const thread = useStore((s) => (s.channels[threadId] && seesThread(s, s.channels[threadId]) ? s.channels[threadId] : undefined));
  const window = useStore((s) => s.messages[threadId]);
  const [editing, setEditing] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [showMembers, setShowMembers] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const known = useRef(false);
  const unreadAfter = useRef<{ id: string; after: string } | null>(null);
  if (unreadAfter.current?.id !== threadId) unreadAfter.current = { id: threadId, after: lastReadId(getState(), threadId) };

  useEffect(() => {
    setEditing(null);
    setReplyTo(null);
    setFailed(null);
    heading.current?.focus();
    if (!getState().channels[threadId]) threadsApi.load(threadId).catch((e) => setFailed(describeError(t, e)));
  }, [threadId, t]);
  useEffect(() => {
    if (thread) known.current = true;
    // Deleted (THREAD_DELETE) or no longer visible while open: the panel closes.
    else if (known.current) setThreadView(null);
  }, [thread]);
  // Followed beside its channel while open (its typing and reactions come), and loaded as a
  // channel is opened (again after a new gateway session: the store reloads what is open).
  const guildId = parent.guild_id ?? "";
  useEffect(() => {
    actions.showThread(guildId, threadId).catch((e) => setFailed(describeError(t, e, "READ_MESSAGE_HISTORY")));
    return () => void actions.showThread(guildId, null);
  }, [guildId, threadId, t]);

  const editLast = () => {
    const s = getState();
    const w = s.messages[threadId];
    const mine = w ? [...w.ids].reverse().find((id) => !w.byId[id].local && w.byId[id].author.id === s.me?.id) : undefined;
    if (mine) setEditing(mine);
  };
  const name = thread?.name ?? "";
  const state = thread && isLocked(thread) ? t("threads.locked") : thread && isArchived(thread) ? t("threads.archived") : null;
  return (
    <aside className="side-panel thread-panel" aria-label={t("threads.panel_label", { name })}>
      <header className="panel-head">
        <button type="button" className="icon-button" aria-label={t("threads.back")} onClick={() => setThreadView({ kind: "list", parentId: parent.id })}>
          <Icon name="reply" />
        </button>
        <h2 ref={heading} tabIndex={-1} className="thread-title">
          <span className="sr-only">{t("threads.thread")}: </span>
          {thread ? <ThreadName thread={thread} /> : name}
        </h2>
        <button type="button" className="icon-button" aria-label={t("threads.close")} onClick={() => setThreadView(null)}>
          <Icon name="close" />
        </button>
      </header>
      {thread && (
        <div className="thread-meta">
          <span className="muted small">{t("threads.in_channel", { name: parent.name ?? "" })}</span>
          {state && <span className="thread-state">{state}</span>}
          {thread.thread_metadata?.archive_timestamp && isArchived(thread) && (
            <time className="muted small" dateTime={thread.thread_metadata.archive_timestamp}>
              {formatDateTime(new Date(thread.thread_metadata.archive_timestamp))}
            </time>
          )}
          <Controls thread={thread} parent={parent} />
          {parent.type === ChannelType.GUILD_FORUM && <PostTools forum={parent} post={thread} />}
          {isPrivateThread(thread) && (
            <button type="button" className="button secondary small" aria-expanded={showMembers} onClick={() => setShowMembers(!showMembers)}>
              <Icon name="members" size={14} />
              {t("threads.members", { count: thread.member_count ?? 0 })}
            </button>
          )}
        </div>
      )}
      {thread && showMembers && isPrivateThread(thread) && <ThreadMembers thread={thread} parent={parent} />}
      <div className="pane-main thread-main">
        {failed ? (
          <div className="pane-error" role="alert">
            {failed}
          </div>
        ) : thread && window ? (
          <MessageList
            channelId={threadId}
            window={window}
            unreadAfter={unreadAfter.current.after}
            editing={editing}
            onEdit={setEditing}
            onReply={setReplyTo}
            label={t("threads.log_label", { name })}
            title={name}
          />
        ) : (
          <div className="message-list-wrap loading" role="log" aria-label={t("threads.log_label", { name })} aria-busy="true">
            <p className="muted">{t("common.loading")}</p>
          </div>
        )}
        {thread && <Composer channel={thread} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onEditLast={editLast} />}
        {thread && <TypingIndicator channel={thread} />}
      </div>
    </aside>
  );
}
