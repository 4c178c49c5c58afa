import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import type { Invite } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { actions } from "../../state/store";
import { describeError } from "../../ui/errors";
import { channelPath, navigate } from "../app/router";
import { joinAsGuest } from "./guestApi";
import "./guests.css";

/** On a guest link's invite screen, for someone without an account: a name, the community's
 * rules to accept if it has any, and in they go, to the link's channel. */
export function GuestJoinForm({ invite }: { invite: Invite }) {
  const { t } = useTranslation();
  const titleId = useId();
  const rulesId = useId();
  const rulesTitleId = useId();
  const [name, setName] = useState("");
  const [accepted, setAccepted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rules = invite.guild.rules?.trim() || null;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signedIn = await joinAsGuest(invite.code, { global_name: name.trim(), accept_rules: accepted });
      await actions.signedIn(signedIn.token);
      navigate(channelPath(invite.guild.id, invite.channel.id), true);
    } catch (err) {
      if (err instanceof ApiError && err.fields.global_name) setError(t("guests.name_invalid"));
      else if (err instanceof ApiError && err.fields.accept_rules) setError(t("guests.rules_required"));
      else if (err instanceof ApiError && err.kind === "not_found") setError(t("guests.link_gone"));
      else setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <form className="guest-join" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>{t("guests.join_title")}</h2>
      <p className="muted">{t("guests.join_hint")}</p>
      <label className="field">
        <span>{t("guests.display_name")}</span>
        <input name="display-name" autoComplete="nickname" value={name} onChange={(e) => setName(e.target.value)} required maxLength={32} />
      </label>
      {rules && (
        <>
          {/* Text to read, not a field: a heading and the rules as they were written. */}
          <section className="guest-rules" aria-labelledby={rulesTitleId}>
            <h3 id={rulesTitleId}>{t("guests.rules_title")}</h3>
            <p id={rulesId}>{rules}</p>
          </section>
          <label className="check">
            <input
              type="checkbox"
              checked={accepted}
              onChange={(e) => setAccepted(e.target.checked)}
              aria-describedby={rulesId}
              required
            />
            <span>{t("guests.accept_rules")}</span>
          </label>
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary wide" disabled={busy || !name.trim()}>
        {t("guests.join")}
      </button>
      {invite.expires_at && <p className="muted small">{t("guests.ends_with_link", { when: formatDateTime(new Date(invite.expires_at)) })}</p>}
    </form>
  );
}
