import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { GUIDELINES_MAX, MAX_FORUM_TAGS, settingsBody, settingsDraft, TAG_NAME_MAX, type ForumSettingsDraft, type TagDraft } from "./threadRules";
import { changeForum } from "./threadsApi";

function TagRow({ tag, index, onChange, onRemove }: { tag: TagDraft; index: number; onChange: (next: TagDraft) => void; onRemove: () => void }) {
  const { t } = useTranslation();
  const n = index + 1;
  return (
    <li className="forum-tag-row">
      <label className="field">
        <span className="sr-only">{t("forum.tag_emoji_n", { n })}</span>
        <input className="forum-tag-emoji" value={tag.emoji} onChange={(e) => onChange({ ...tag, emoji: e.target.value })} maxLength={64} placeholder={t("forum.tag_emoji")} />
      </label>
      <label className="field forum-tag-name">
        <span className="sr-only">{t("forum.tag_name_n", { n })}</span>
        <input value={tag.name} onChange={(e) => onChange({ ...tag, name: e.target.value })} maxLength={TAG_NAME_MAX} required placeholder={t("forum.tag_name")} />
      </label>
      <label className="check">
        <input type="checkbox" checked={tag.moderated} onChange={(e) => onChange({ ...tag, moderated: e.target.checked })} />
        {t("forum.tag_moderated")}
        <span className="sr-only"> {tag.name}</span>
      </label>
      <button type="button" className="icon-button small" aria-label={t("forum.tag_remove", { name: tag.name || n })} onClick={onRemove}>
        <Icon name="trash" size={16} />
      </button>
    </li>
  );
}

/** A forum's settings, for MANAGE_CHANNELS: its guidelines (the channel's topic), its tags (each
 * with an optional emoji and a moderated flag: only MANAGE_THREADS holders apply it), and what a
 * newcomer sees first: the sort, the layout and the reaction button of posts. */
export function ForumSettings({ forum, onClose }: { forum: Channel; onClose: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<ForumSettingsDraft>(() => settingsDraft(forum));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fresh = useRef(0);
  const tagsId = useId();
  const set = (change: Partial<ForumSettingsDraft>) => setDraft((now) => ({ ...now, ...change }));
  const setTag = (index: number, tag: TagDraft) => set({ tags: draft.tags.map((x, i) => (i === index ? tag : x)) });
  const addTag = () => {
    fresh.current += 1;
    set({ tags: [...draft.tags, { key: `new-${fresh.current}`, id: null, name: "", emoji: "", moderated: false, emojiId: null }] });
  };
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const checked = settingsBody(draft);
    if (!checked.ok) {
      setError(t(`forum.settings_invalid.${checked.reason}`, { count: checked.reason === "guidelines" ? GUIDELINES_MAX : MAX_FORUM_TAGS, n: (checked.tag ?? 0) + 1 }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await changeForum(forum.id, checked.body);
      onClose();
    } catch (err) {
      setError(describeError(t, err, "MANAGE_CHANNELS"));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("forum.settings_title", { name: forum.name ?? "" })} onClose={onClose}>
      <form onSubmit={submit} className="form forum-settings">
        <label className="field">
          {t("forum.guidelines")}
          <textarea value={draft.guidelines} onChange={(e) => set({ guidelines: e.target.value })} maxLength={GUIDELINES_MAX} rows={4} aria-describedby={`${tagsId}-guide`} />
        </label>
        <p id={`${tagsId}-guide`} className="muted small field-hint">
          {t("forum.guidelines_hint")}
        </p>
        <fieldset className="forum-settings-tags">
          <legend id={tagsId}>{t("forum.tags")}</legend>
          {draft.tags.length === 0 ? (
            <p className="muted small">{t("forum.no_tags")}</p>
          ) : (
            <ul className="forum-tag-rows" aria-labelledby={tagsId}>
              {draft.tags.map((tag, index) => (
                <TagRow key={tag.key} tag={tag} index={index} onChange={(next) => setTag(index, next)} onRemove={() => set({ tags: draft.tags.filter((_, i) => i !== index) })} />
              ))}
            </ul>
          )}
          {draft.tags.length < MAX_FORUM_TAGS && (
            <button type="button" className="button secondary small" onClick={addTag}>
              <Icon name="plus" size={14} />
              {t("forum.tag_add")}
            </button>
          )}
        </fieldset>
        <label className="field">
          {t("forum.default_sort")}
          <select value={draft.sort} onChange={(e) => set({ sort: e.target.value as ForumSettingsDraft["sort"] })}>
            <option value="activity">{t("forum.sort_activity")}</option>
            <option value="creation">{t("forum.sort_creation")}</option>
          </select>
        </label>
        <label className="field">
          {t("forum.default_layout")}
          <select value={draft.layout} onChange={(e) => set({ layout: Number(e.target.value) as ForumSettingsDraft["layout"] })}>
            <option value={0}>{t("forum.layout_unset")}</option>
            <option value={1}>{t("forum.layout_list")}</option>
            <option value={2}>{t("forum.layout_gallery")}</option>
          </select>
        </label>
        <label className="field">
          {t("forum.default_reaction")}
          <input value={draft.reaction} onChange={(e) => set({ reaction: e.target.value })} maxLength={64} aria-describedby={`${tagsId}-reaction`} />
        </label>
        <p id={`${tagsId}-reaction`} className="muted small field-hint">
          {t("forum.default_reaction_hint")}
        </p>
        <FormActions error={error} submit={t("common.save")} disabled={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
