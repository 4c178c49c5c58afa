import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../api/client";
import { actions } from "../../state/store";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";

/** A guest keeps their account: an email and a password (and a username, if they like) make it
 * a full one, with everything they wrote, and it no longer ends with its guest link. */
export function KeepAccountDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const kept = await api.modifyMe({ email: email.trim(), new_password: password, ...(username.trim() ? { username: username.trim() } : {}) });
      if (kept.token) await actions.signedIn(kept.token);
      notify(t("guests.kept"), "info");
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.code === 40002) setError(t("guests.registration_closed"));
      else if (err instanceof ApiError && err.fields.email) setError(err.fields.email === "EMAIL_ALREADY_REGISTERED" ? t("guests.email_taken") : t("guests.email_invalid"));
      else if (err instanceof ApiError && err.fields.username) setError(t("auth.username_taken_or_invalid"));
      else if (err instanceof ApiError && err.fields.new_password) setError(t("auth.password_rules"));
      else setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("guests.keep_title")} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <p>{t("guests.keep_body")}</p>
        <label className="field">
          <span>{t("guests.email")}</span>
          <input type="email" name="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required maxLength={254} data-autofocus />
        </label>
        <label className="field">
          <span>{t("guests.username_optional")}</span>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} maxLength={32} />
        </label>
        <label className="field">
          <span>{t("auth.password")}</span>
          <input type="password" name="new-password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={8} maxLength={256} />
        </label>
        <p className="hint">{t("auth.password_rules")}</p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {t("guests.keep")}
        </button>
      </form>
    </Dialog>
  );
}
