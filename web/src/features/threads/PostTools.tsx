import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { getState, useStore } from "../../state/store";
import { can } from "../../state/selectors";
import { MAX_POST_TAGS, postTags, threadsOf, TP } from "../../state/threads";
import { Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { isPinned, mayRetag, pinBody, tagChoices } from "./threadRules";
import { threadsApi } from "./threadsApi";

/** A post's tags, as chips. */
export function TagChips({ forum, post }: { forum: Channel; post: Channel }) {
  const { t } = useTranslation();
  const tags = postTags(forum, post);
  if (tags.length === 0) return null;
  return (
    <ul className="forum-card-tags" aria-label={t("forum.tags")}>
      {tags.map((tag) => (
        <li key={tag.id} className="forum-tag">
          {tag.emoji_name ? `${tag.emoji_name} ` : ""}
          {tag.name}
        </li>
      ))}
    </ul>
  );
}

/** "Pinned", on a pinned post's card and panel. */
export function PinBadge() {
  const { t } = useTranslation();
  return (
    <span className="forum-pin">
      <Icon name="pin" size={14} />
      {t("forum.pinned")}
    </span>
  );
}

function TagsDialog({ forum, post, onClose }: { forum: Channel; post: Channel; onClose: () => void }) {
  const { t } = useTranslation();
  const mayModerate = useStore((s) => can(s, forum.id, TP.MANAGE_THREADS));
  const [tags, setTags] = useState<string[]>(() => post.applied_tags ?? []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (id: string) => setTags((now) => (now.includes(id) ? now.filter((x) => x !== id) : [...now, id]));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (tags.length > MAX_POST_TAGS) {
      setError(t("forum.invalid.too_many_tags", { count: MAX_POST_TAGS }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await threadsApi.change(post.id, { applied_tags: tags });
      onClose();
    } catch (err) {
      setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("forum.edit_tags_title", { name: post.name ?? "" })} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <fieldset className="forum-tag-choice">
          <legend>{t("forum.tags")}</legend>
          {tagChoices(forum, mayModerate).map(({ tag, fixed }) => (
            <label key={tag.id} className="check">
              <input type="checkbox" checked={tags.includes(tag.id)} disabled={fixed} onChange={() => toggle(tag.id)} />
              {tag.emoji_name ? `${tag.emoji_name} ` : ""}
              {tag.name}
              {fixed && <span className="muted small"> ({t("forum.moderated_tag")})</span>}
            </label>
          ))}
        </fieldset>
        <FormActions error={error} submit={t("common.save")} disabled={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

/** Pinning moves the pin: a forum shows one pinned post, so the one pinned before is unpinned. */
async function pin(post: Channel, pinned: boolean): Promise<void> {
  if (pinned && post.parent_id) {
    for (const other of threadsOf(getState(), post.parent_id).filter((p) => p.id !== post.id && isPinned(p))) {
      await threadsApi.change(other.id, pinBody(other, false));
    }
  }
  await threadsApi.change(post.id, pinBody(post, pinned));
}

/** A forum post's tools in its panel: its tags, editing them (its author or MANAGE_THREADS), and
 * pinning it (MANAGE_THREADS). */
export function PostTools({ forum, post }: { forum: Channel; post: Channel }) {
  const { t } = useTranslation();
  const mayManage = useStore((s) => can(s, forum.id, TP.MANAGE_THREADS));
  const mine = useStore((s) => s.me?.id);
  const [editing, setEditing] = useState(false);
  const pinned = isPinned(post);
  const hasTags = (forum.available_tags ?? []).length > 0;
  return (
    <div className="post-tools">
      {pinned && <PinBadge />}
      <TagChips forum={forum} post={post} />
      <div className="thread-controls" role="group" aria-label={t("forum.post_actions")}>
        {hasTags && mayRetag(post, mine, mayManage) && (
          <button type="button" className="button secondary small" onClick={() => setEditing(true)}>
            {t("forum.edit_tags")}
          </button>
        )}
        {mayManage && (
          <button type="button" className="button secondary small" onClick={() => pin(post, !pinned).catch((e) => notify(describeError(t, e)))}>
            {pinned ? t("forum.unpin") : t("forum.pin")}
          </button>
        )}
      </div>
      {editing && <TagsDialog forum={forum} post={post} onClose={() => setEditing(false)} />}
    </div>
  );
}
