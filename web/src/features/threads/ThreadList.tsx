import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { idTime } from "../../lib/snowflake";
import { useStore } from "../../state/store";
import { myChannelPermissions } from "../../state/selectors";
import { lastActivity, threadsOf } from "../../state/threads";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { StartThreadDialog } from "./StartThreadDialog";
import { ThreadName, UnreadMark } from "./ThreadBits";
import { seesThread, startKinds, threadBadge } from "./threadRules";
import { threadsApi } from "./threadsApi";
import { setThreadView } from "./threadUi";
import "./threads.css";

function ThreadRow({ thread, parentId }: { thread: Channel; parentId: string }) {
  const { t } = useTranslation();
  const when = new Date(idTime(lastActivity(thread)));
  const badge = useStore((s) => threadBadge(s, thread.id));
  return (
    <li>
      <button type="button" className={`thread-row ${badge.unread ? "unread" : ""}`} onClick={() => setThreadView({ kind: "thread", parentId, threadId: thread.id })}>
        <span className="thread-row-name">
          <ThreadName thread={thread} />
          <UnreadMark badge={badge} />
        </span>
        <span className="muted small">
          {t("threads.count", { count: thread.message_count ?? 0 })} · <time dateTime={when.toISOString()}>{formatDateTime(when)}</time>
        </span>
      </button>
    </li>
  );
}

/** A channel's threads: the active ones as they come and go, the archived ones on demand. */
export function ThreadList({ parent }: { parent: Channel }) {
  const { t } = useTranslation();
  const mayStart = useStore((s) => startKinds(parent, myChannelPermissions(s, parent.id)).length > 0);
  const [starting, setStarting] = useState(false);
  const active = useStore((s) => threadsOf(s, parent.id).filter((c) => seesThread(s, c)));
  const archived = useStore((s) => threadsOf(s, parent.id, true).filter((c) => seesThread(s, c)));
  const [showArchived, setShowArchived] = useState(false);
  const [more, setMore] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = async (before?: string) => {
    setBusy(true);
    setError(null);
    try {
      const page = await threadsApi.archived(parent.id, before);
      const last = page.threads[page.threads.length - 1];
      setMore(page.has_more && last?.thread_metadata ? last.thread_metadata.archive_timestamp : null);
      setShowArchived(true);
    } catch (e) {
      setError(describeError(t, e, "READ_MESSAGE_HISTORY"));
    } finally {
      setBusy(false);
    }
  };
  return (
    <aside className="side-panel thread-list-panel" aria-label={t("threads.list_label", { name: parent.name ?? "" })}>
      <header className="panel-head">
        <h2>{t("threads.title")}</h2>
        <button type="button" className="icon-button" aria-label={t("common.close")} onClick={() => setThreadView(null)}>
          <Icon name="close" />
        </button>
      </header>
      <div className="thread-list-body">
        {mayStart && (
          <button type="button" className="button primary small thread-start" onClick={() => setStarting(true)}>
            {t("threads.start")}
          </button>
        )}
        <h3 className="thread-list-heading">{t("threads.active")}</h3>
        {active.length === 0 ? (
          <p className="muted">{t("threads.none_active")}</p>
        ) : (
          <ul className="thread-list" aria-label={t("threads.active")}>
            {active.map((thread) => (
              <ThreadRow key={thread.id} thread={thread} parentId={parent.id} />
            ))}
          </ul>
        )}
        <h3 className="thread-list-heading">{t("threads.archived_title")}</h3>
        {showArchived &&
          (archived.length === 0 ? (
            <p className="muted">{t("threads.none_archived")}</p>
          ) : (
            <ul className="thread-list" aria-label={t("threads.archived_title")}>
              {archived.map((thread) => (
                <ThreadRow key={thread.id} thread={thread} parentId={parent.id} />
              ))}
            </ul>
          ))}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {(!showArchived || more) && (
          <button type="button" className="button secondary small" disabled={busy} onClick={() => load(more ?? undefined)}>
            {showArchived ? t("threads.more_archived") : t("threads.show_archived")}
          </button>
        )}
      </div>
      {starting && <StartThreadDialog parent={parent} onClose={() => setStarting(false)} />}
    </aside>
  );
}
