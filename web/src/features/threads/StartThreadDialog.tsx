import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { cleanThreadName, suggestedName } from "../../state/threads";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { threadsApi } from "./threadsApi";
import { setThreadView } from "./threadUi";

/** "Create thread" on a message: a name (offered from the message's first words), then the
 * thread opens in the panel beside the channel. */
export function StartThreadDialog({ message, onClose }: { message: Pick<Message, "id" | "channel_id" | "content">; onClose: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState(() => suggestedName(message.content));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const clean = cleanThreadName(name);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!clean || busy) return;
    setBusy(true);
    setError(null);
    try {
      const thread = await threadsApi.startFromMessage(message.channel_id, message.id, clean);
      onClose();
      setThreadView({ kind: "thread", parentId: message.channel_id, threadId: thread.id });
    } catch (err) {
      setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("threads.create_title")} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label className="field">
          {t("threads.name")}
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="button primary" disabled={!clean || busy}>
            {t("threads.create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
