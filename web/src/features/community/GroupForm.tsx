import { useState } from "react";
import { useTranslation } from "react-i18next";
import { JoinPolicy } from "../../state/community";
import { Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { communityApi } from "./communityApi";

/** A new group: proposed by a member (the community's admins decide), or created at once by
 * who may manage channels (they become its first admin). */
export function GroupForm({ guildId, mode, onClose }: { guildId: string; mode: "propose" | "create"; onClose: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const [policy, setPolicy] = useState<number>(JoinPolicy.OPEN);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const draft = { name: name.trim(), topic: topic.trim() || null, group_join_policy: policy };
    try {
      if (mode === "propose") {
        await communityApi.propose(guildId, draft);
        notify(t("community.proposal_sent", { name: draft.name }), "info");
      } else {
        await communityApi.createGroup(guildId, draft);
        await communityApi.loadDirectory(guildId).catch(() => undefined);
        notify(t("community.group_created", { name: draft.name }), "info");
      }
      onClose();
    } catch (err) {
      setError(describeError(t, err, mode === "create" ? "MANAGE_CHANNELS" : undefined));
      setBusy(false);
    }
  };
  const title = mode === "propose" ? t("community.propose_title") : t("community.create_title");
  return (
    <Dialog title={title} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        {mode === "propose" && <p className="hint">{t("community.propose_hint")}</p>}
        <label className="field">
          <span>{t("community.group_name")}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
        </label>
        <label className="field">
          <span>{t("community.group_topic")}</span>
          <textarea value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={1024} rows={3} />
        </label>
        <fieldset className="radio-list">
          <legend>{t("community.who_joins")}</legend>
          {[JoinPolicy.OPEN, JoinPolicy.REQUEST].map((value) => (
            <label key={value} className="radio-row">
              <input type="radio" name="join-policy" checked={policy === value} onChange={() => setPolicy(value)} />
              <span>{value === JoinPolicy.OPEN ? t("community.policy_open") : t("community.policy_request")}</span>
            </label>
          ))}
        </fieldset>
        <FormActions error={error} submit={mode === "propose" ? t("community.propose_send") : t("community.create_send")} disabled={busy || !name.trim()} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
