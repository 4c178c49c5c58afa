import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel, Message } from "../../api/types";
import { useStore } from "../../state/store";
import { myChannelPermissions } from "../../state/selectors";
import { cleanThreadName, suggestedName } from "../../state/threads";
import { Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { startBody, startKinds, type ThreadKind } from "./threadRules";
import { threadsApi } from "./threadsApi";
import { setThreadView } from "./threadUi";

type Source = { message: Pick<Message, "id" | "channel_id" | "content">; parent?: undefined } | { parent: Channel; message?: undefined };

/** "Create thread" on a message (a public thread, its name offered from the message's first
 * words), or "Start a thread" in a channel's thread list (public, or private with
 * CREATE_PRIVATE_THREADS in a text channel); then the thread opens in the panel. */
export function StartThreadDialog({ onClose, ...source }: Source & { onClose: () => void }) {
  const { t } = useTranslation();
  const parentId = source.message ? source.message.channel_id : source.parent.id;
  const kinds = useStore((s) => (source.parent ? startKinds(source.parent, myChannelPermissions(s, parentId)) : []));
  const [name, setName] = useState(() => (source.message ? suggestedName(source.message.content) : ""));
  const [kind, setKind] = useState<ThreadKind>(() => kinds[0] ?? "public");
  const [invitable, setInvitable] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const clean = cleanThreadName(name);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!clean || busy) return;
    setBusy(true);
    setError(null);
    try {
      const body = source.parent ? startBody(source.parent, { name, kind, invitable }) : null;
      const thread = source.message
        ? await threadsApi.startFromMessage(parentId, source.message.id, clean)
        : await threadsApi.start(parentId, body!);
      onClose();
      setThreadView({ kind: "thread", parentId, threadId: thread.id });
    } catch (err) {
      setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={source.message ? t("threads.create_title") : t("threads.start_title")} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label className="field">
          {t("threads.name")}
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
        </label>
        {kinds.length > 1 && (
          <fieldset className="thread-kind">
            <legend>{t("threads.kind")}</legend>
            {kinds.map((value) => (
              <label key={value} className="check">
                <input type="radio" name="thread-kind" value={value} checked={kind === value} onChange={() => setKind(value)} />
                <span>
                  {t(`threads.kind_${value}`)}
                  <span className="muted small thread-kind-hint">{t(`threads.kind_${value}_hint`)}</span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {kinds.length === 1 && kind === "private" && <p className="muted small">{t("threads.kind_private_hint")}</p>}
        {kind === "private" && (
          <label className="check">
            <input type="checkbox" checked={invitable} onChange={(e) => setInvitable(e.target.checked)} />
            {t("threads.invitable")}
          </label>
        )}
        <FormActions error={error} submit={source.message ? t("threads.create") : t("threads.start")} disabled={!clean || busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
