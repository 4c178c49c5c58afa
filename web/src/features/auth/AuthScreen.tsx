import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../api/client";
import { LANGUAGES, setLanguage } from "../../i18n";
import { actions } from "../../state/store";
import { describeError } from "../../ui/errors";
import { navigate } from "../app/router";

/** Sign in and sign up: one form each, with errors said in words next to the fields. */
export function AuthScreen({ mode }: { mode: "login" | "register" }) {
  const { t, i18n } = useTranslation();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const register = mode === "register";

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = register
        ? await api.register({ username: login.trim(), password })
        : await api.login({ login: login.trim(), password });
      await actions.signedIn(result.token);
      const next = sessionStorage.getItem("townhall.after-login");
      sessionStorage.removeItem("townhall.after-login");
      navigate(next ?? "/channels/@me", true);
    } catch (err) {
      if (err instanceof ApiError && (err.kind === "unauthorized" || (!register && err.kind === "invalid"))) {
        setError(t("auth.wrong_password"));
      } else if (err instanceof ApiError && register && err.fields.username) {
        setError(t("auth.username_taken_or_invalid"));
      } else if (err instanceof ApiError && register && err.fields.password) {
        setError(t("auth.password_rules"));
      } else if (err instanceof ApiError && err.code === 40002) {
        setError(t("auth.registration_closed"));
      } else {
        setError(describeError(t, err));
      }
      setBusy(false);
    }
  };

  return (
    <main className="center-screen auth-screen">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="auth-title">
        <div className="brand" aria-hidden="true">
          townhall
        </div>
        <h1 id="auth-title">{register ? t("auth.register_title") : t("auth.login_title")}</h1>
        <p className="muted">{register ? t("auth.register_subtitle") : t("auth.login_subtitle")}</p>
        <label className="field">
          <span>{register ? t("auth.username") : t("auth.login")}</span>
          <input name="username" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} required maxLength={register ? 32 : 254} autoFocus />
        </label>
        <label className="field">
          <span>{t("auth.password")}</span>
          <input
            name="password"
            type="password"
            autoComplete={register ? "new-password" : "current-password"}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={register ? 8 : undefined}
            maxLength={256}
          />
        </label>
        {register && <p className="hint">{t("auth.password_rules")}</p>}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary wide" disabled={busy}>
          {register ? t("auth.register") : t("auth.sign_in")}
        </button>
        <p className="switch-mode">
          {register ? t("auth.have_account") : t("auth.no_account")}{" "}
          <a
            href={register ? "/login" : "/register"}
            onClick={(e) => {
              e.preventDefault();
              navigate(register ? "/login" : "/register");
            }}
          >
            {register ? t("auth.sign_in") : t("auth.register")}
          </a>
        </p>
        <label className="field compact">
          <span>{t("settings.language")}</span>
          <select value={i18n.language} onChange={(e) => void setLanguage(e.target.value)}>
            {LANGUAGES.map((code) => (
              <option key={code} value={code}>
                {t(`languages.${code}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
    </main>
  );
}
