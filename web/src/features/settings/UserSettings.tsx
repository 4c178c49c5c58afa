import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { LANGUAGES, localeTag, setLanguage } from "../../i18n";
import { actions, setState, useStore } from "../../state/store";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { setUi, useUi } from "../app/ui";
import { VoiceSettings } from "../voice/VoiceSettings";
import { PushSettings } from "./PushSettings";

/** The person's own settings: profile, password, language, theme, notifications, voice and
 * video, sign out. */
export default function UserSettings() {
  const { t, i18n } = useTranslation();
  const me = useStore((s) => s.me);
  const theme = useUi((u) => u.theme);
  const [name, setName] = useState(me?.global_name ?? "");
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const close = () => setUi({ userSettings: false });
  const say = (text: string, ok = true) => setMessage({ text, ok });

  const saveName = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const user = await api.modifyMe({ global_name: name.trim() || null });
      setState((s) => ({ ...s, me: { ...s.me!, ...user }, users: { ...s.users, [user.id]: user } }));
      say(t("settings.saved"));
    } catch (err) {
      say(describeError(t, err), false);
    }
  };
  const savePassword = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const user = await api.modifyMe({ password: current, new_password: next });
      if (user.token) await actions.signedIn(user.token);
      setCurrent("");
      setNext("");
      say(t("settings.password_changed"));
    } catch (err) {
      say(describeError(t, err), false);
    }
  };
  const changeLanguage = async (language: string) => {
    await setLanguage(language);
    api.modifySettings({ locale: localeTag(language) }).catch((err) => say(describeError(t, err), false));
  };
  const askNotifications = async () => {
    if (!("Notification" in window)) return;
    const answer = await Notification.requestPermission();
    say(answer === "granted" ? t("settings.notifications_on") : t("settings.notifications_denied"), answer === "granted");
  };

  return (
    <Dialog title={t("settings.title")} onClose={close} wide>
      <div className="settings-grid">
        <form className="form" onSubmit={saveName}>
          <h3>{t("settings.profile")}</h3>
          <p className="muted">{t("settings.username_is", { username: me?.username ?? "" })}</p>
          <label className="field">
            <span>{t("settings.display_name")}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={32} />
          </label>
          <button type="submit" className="button primary">
            {t("common.save")}
          </button>
        </form>
        <form className="form" onSubmit={savePassword}>
          <h3>{t("settings.password")}</h3>
          <label className="field">
            <span>{t("settings.current_password")}</span>
            <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
          </label>
          <label className="field">
            <span>{t("settings.new_password")}</span>
            <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} minLength={8} required />
          </label>
          <p className="hint">{t("settings.password_hint")}</p>
          <button type="submit" className="button primary">
            {t("settings.change_password")}
          </button>
        </form>
        <div className="form">
          <h3>{t("settings.appearance")}</h3>
          <label className="field">
            <span>{t("settings.language")}</span>
            <select value={i18n.language} onChange={(e) => void changeLanguage(e.target.value)}>
              {LANGUAGES.map((code) => (
                <option key={code} value={code}>
                  {t(`languages.${code}`)}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="radio-list">
            <legend>{t("settings.theme")}</legend>
            {(["system", "light", "dark"] as const).map((value) => (
              <label key={value} className="radio-row">
                <input type="radio" name="theme" checked={theme === value} onChange={() => setUi({ theme: value })} />
                <span>{t(`settings.themes.${value}`)}</span>
              </label>
            ))}
          </fieldset>
          <button type="button" className="button secondary" onClick={askNotifications}>
            {t("settings.enable_notifications")}
          </button>
        </div>
        <VoiceSettings />
        <PushSettings />
        <div className="form">
          <h3>{t("settings.sessions")}</h3>
          <button type="button" className="button secondary" onClick={() => void actions.logout(false)}>
            {t("settings.logout")}
          </button>
          <button type="button" className="button danger" onClick={() => void actions.logout(true)}>
            {t("settings.logout_everywhere")}
          </button>
        </div>
      </div>
      {message && (
        <p className={message.ok ? "form-ok" : "form-error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
    </Dialog>
  );
}
