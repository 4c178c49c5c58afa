import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { useStore } from "../../state/store";
import { displayName } from "../../state/selectors";
import { Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { channelPath, navigate } from "../app/router";
import { setUi } from "../app/ui";
import { communityApi } from "./communityApi";
import { mayReplyPrivately, quoteReply } from "./communityRules";

const MAX_REPLY = 1500;

function ReplyDialog({ message, onClose }: { message: Message; onClose: () => void }) {
  const { t } = useTranslation();
  const guildId = useStore((s) => s.channels[message.channel_id]?.guild_id ?? null);
  const name = useStore((s) => displayName(s, message.author.id, guildId));
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const channel = await communityApi.replyPrivately(message.author.id, quoteReply(message.content, text));
      onClose();
      setUi({ drawer: "none" });
      navigate(channelPath(null, channel.id));
    } catch (err) {
      setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("community.reply_title", { name })} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <blockquote className="reply-quote">{message.content.slice(0, 300)}</blockquote>
        <p className="hint">{t("community.reply_hint", { name })}</p>
        <label className="field">
          <span>{t("community.reply_label")}</span>
          <textarea value={text} onChange={(e) => setText(e.target.value)} maxLength={MAX_REPLY} rows={4} required autoFocus />
        </label>
        <FormActions error={error} submit={t("community.reply_send")} disabled={busy || !text.trim()} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

/** "Reply privately" on an announcement: a direct message to its author, quoting it (members
 * cannot write in the announcement channel, so a reply never goes to everyone). */
export function ReplyPrivatelyButton({ message, compact = false }: { message: Message & { local?: unknown }; compact?: boolean }) {
  const { t } = useTranslation();
  const allowed = useStore((s) => mayReplyPrivately(s, message));
  const [open, setOpen] = useState(false);
  if (!allowed) return null;
  return (
    <>
      {compact ? (
        <button type="button" className="icon-button" aria-label={t("community.reply_privately")} onClick={() => setOpen(true)}>
          <Icon name="chat" />
        </button>
      ) : (
        <button type="button" className="button secondary small" onClick={() => setOpen(true)}>
          <Icon name="chat" size={16} /> {t("community.reply_privately")}
        </button>
      )}
      {open && <ReplyDialog message={message} onClose={() => setOpen(false)} />}
    </>
  );
}
