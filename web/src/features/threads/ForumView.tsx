import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { P } from "../../lib/permissions";
import { idTime } from "../../lib/snowflake";
import { useStore } from "../../state/store";
import { can } from "../../state/selectors";
import { defaultSort, forumPosts, lastActivity, MAX_POST_TAGS, postDraft, TP, type ForumSort, type ForumTag } from "../../state/threads";
import { Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { setUi } from "../app/ui";
import { ChannelIcon } from "../channels/ChannelIcon";
import { Markdown } from "../messages/Markdown";
import { ForumSettings } from "./ForumSettings";
import { PinBadge, TagChips } from "./PostTools";
import { UnreadMark } from "./ThreadBits";
import { isPinned, threadBadge } from "./threadRules";
import { createPost, threadsApi } from "./threadsApi";
import { ThreadPanel } from "./ThreadPanel";
import { setThreadView, useThreadView } from "./threadUi";
import "./threads.css";

function NewPostDialog({ forum, onClose }: { forum: Channel; onClose: () => void }) {
  const { t } = useTranslation();
  const mayModerate = useStore((s) => can(s, forum.id, TP.MANAGE_THREADS));
  const [title, setTitle] = useState("");
  const [content, setContent] = useState("");
  const [tags, setTags] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const available = ((forum.available_tags ?? []) as ForumTag[]).filter((tag) => mayModerate || !tag.moderated);
  const draft = postDraft(forum, { title, content, tags }, mayModerate);
  const toggle = (id: string) => setTags((now) => (now.includes(id) ? now.filter((x) => x !== id) : [...now, id]));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!draft.ok) {
      setError(t(`forum.invalid.${draft.reason}`, { count: MAX_POST_TAGS }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const post = await createPost(forum.id, draft.body);
      onClose();
      setThreadView({ kind: "thread", parentId: forum.id, threadId: post.id });
    } catch (err) {
      setError(describeError(t, err, "SEND_MESSAGES"));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("forum.new_post_title")} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label className="field">
          {t("forum.post_title")}
          <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={100} required autoFocus />
        </label>
        <label className="field">
          {t("forum.first_message")}
          <textarea value={content} onChange={(e) => setContent(e.target.value)} maxLength={2000} rows={5} required />
        </label>
        {available.length > 0 && (
          <fieldset className="forum-tag-choice">
            <legend>{t("forum.tags")}</legend>
            {available.map((tag) => (
              <label key={tag.id} className="check">
                <input type="checkbox" checked={tags.includes(tag.id)} onChange={() => toggle(tag.id)} />
                {tag.emoji_name ? `${tag.emoji_name} ` : ""}
                {tag.name}
              </label>
            ))}
          </fieldset>
        )}
        <FormActions error={error} submit={t("forum.publish")} disabled={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function PostCard({ forum, post }: { forum: Channel; post: Channel }) {
  const { t } = useTranslation();
  const when = new Date(idTime(lastActivity(post)));
  const badge = useStore((s) => threadBadge(s, post.id));
  const pinned = isPinned(post);
  return (
    <li className={`forum-card ${pinned ? "pinned" : ""}`}>
      <button type="button" className={`forum-card-open ${badge.unread ? "unread" : ""}`} onClick={() => setThreadView({ kind: "thread", parentId: forum.id, threadId: post.id })}>
        <span className="forum-card-title">{post.name}</span>
        {pinned && <span className="sr-only">, {t("forum.pinned")}</span>}
        <UnreadMark badge={badge} />
      </button>
      {pinned && <PinBadge />}
      <TagChips forum={forum} post={post} />
      <span className="muted small">
        {t("threads.count", { count: post.message_count ?? 0 })} · {t("forum.last_activity")}{" "}
        <time dateTime={when.toISOString()}>{formatDateTime(when)}</time>
      </span>
    </li>
  );
}

/** A forum channel (type 15): its posts as cards, filtered by tag and sorted by activity or
 * creation; a post opens in the thread panel beside the list. */
export function ForumView({ forum }: { forum: Channel }) {
  const { t } = useTranslation();
  const [tag, setTag] = useState<string | null>(null);
  const [sort, setSort] = useState<ForumSort>(() => defaultSort(forum));
  const [archived, setArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const [configuring, setConfiguring] = useState(false);
  const mayConfigure = useStore((s) => can(s, forum.id, P.MANAGE_CHANNELS));
  const [error, setError] = useState<string | null>(null);
  const view = useThreadView(forum.id);
  const mayPost = useStore((s) => can(s, forum.id, P.SEND_MESSAGES));
  const posts = useStore((s) => forumPosts(s, forum.id, { tag, sort }));
  const old = useStore((s) => (archived ? forumPosts(s, forum.id, { tag, sort, archived: true }) : []));
  const tags = (forum.available_tags ?? []) as ForumTag[];
  const layout = forum.default_forum_layout === 2 ? "gallery" : "list";
  const showArchived = () =>
    threadsApi.archived(forum.id).then(
      () => setArchived(true),
      (e) => setError(describeError(t, e, "READ_MESSAGE_HISTORY")),
    );
  return (
    <section className="message-pane forum-view" aria-label={forum.name ?? ""}>
      <header className="pane-head">
        <button type="button" className="icon-button phone-only" aria-label={t("nav.open_navigation")} onClick={() => setUi({ drawer: "nav" })}>
          <Icon name="menu" />
        </button>
        <ChannelIcon channel={forum} />
        <h1 className="pane-title">{forum.name}</h1>
        {mayConfigure && (
          <div className="pane-actions">
            <button type="button" className="icon-button" aria-label={t("forum.settings")} onClick={() => setConfiguring(true)}>
              <Icon name="gear" />
            </button>
          </div>
        )}
      </header>
      <div className="pane-body">
        <div className="pane-main forum-main">
          {forum.topic && (
            <section className="forum-guidelines" aria-labelledby={`guidelines-${forum.id}`}>
              <h2 id={`guidelines-${forum.id}`}>{t("forum.guidelines")}</h2>
              <div className="message-content">
                <Markdown source={forum.topic} />
              </div>
            </section>
          )}
          <div className="forum-toolbar">
            {mayPost && (
              <button type="button" className="button primary small" onClick={() => setCreating(true)}>
                {t("forum.new_post")}
              </button>
            )}
            <label className="forum-sort">
              {t("forum.sort")}
              <select value={sort} onChange={(e) => setSort(e.target.value as ForumSort)}>
                <option value="activity">{t("forum.sort_activity")}</option>
                <option value="creation">{t("forum.sort_creation")}</option>
              </select>
            </label>
          </div>
          {tags.length > 0 && (
            <div className="forum-filter" role="group" aria-label={t("forum.filter")}>
              {tags.map((item) => (
                <button key={item.id} type="button" className="forum-tag" aria-pressed={tag === item.id} onClick={() => setTag(tag === item.id ? null : item.id)}>
                  {item.emoji_name ? `${item.emoji_name} ` : ""}
                  {item.name}
                </button>
              ))}
            </div>
          )}
          {posts.length === 0 ? (
            <p className="muted forum-empty">{t("forum.empty")}</p>
          ) : (
            <ul className={`forum-cards ${layout}`} aria-label={t("forum.posts")}>
              {posts.map((post) => (
                <PostCard key={post.id} forum={forum} post={post} />
              ))}
            </ul>
          )}
          {archived ? (
            old.length > 0 && (
              <ul className={`forum-cards ${layout}`} aria-label={t("forum.archived_posts")}>
                {old.map((post) => (
                  <PostCard key={post.id} forum={forum} post={post} />
                ))}
              </ul>
            )
          ) : (
            <button type="button" className="button secondary small forum-archived" onClick={showArchived}>
              {t("forum.show_archived")}
            </button>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
        </div>
        {view?.kind === "thread" && <ThreadPanel key={view.threadId} parent={forum} threadId={view.threadId} />}
      </div>
      {creating && <NewPostDialog forum={forum} onClose={() => setCreating(false)} />}
      {configuring && <ForumSettings forum={forum} onClose={() => setConfiguring(false)} />}
    </section>
  );
}
