import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { guildWithSettings } from "./guestApi";
import { GuestList } from "./GuestList";
import "./guests.css";

/** In the community's settings (MANAGE_GUILD): allow guests, how many idle days they get, and
 * the rules they accept before joining; then the current guests (GuestList). */
export function GuestSettings({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const titleId = useId();
  const [loaded, setLoaded] = useState(false);
  const [enabled, setEnabled] = useState(false);
  const [days, setDays] = useState(14);
  const [rules, setRules] = useState("");
  useEffect(() => {
    let alive = true;
    guildWithSettings(guildId).then(
      (guild) => {
        if (!alive) return;
        setEnabled(!!guild.guests_enabled);
        setDays(guild.guest_inactivity_days ?? 14);
        setRules(guild.rules ?? "");
        setLoaded(true);
      },
      (e) => notify(describeError(t, e)),
    );
    return () => {
      alive = false;
    };
  }, [guildId, t]);
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    api
      .modifyGuild(guildId, { guests_enabled: enabled, guest_inactivity_days: days, rules: rules.trim() || null })
      .then(() => notify(t("settings.saved"), "info"), (err) => notify(describeError(t, err, "MANAGE_GUILD")));
  };
  if (!loaded) return null;
  return (
    <>
      <form className="form guest-settings" onSubmit={save} aria-labelledby={titleId}>
        <h3 id={titleId}>{t("guests.settings_title")}</h3>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span>{t("guests.allow")}</span>
        </label>
        <p className="hint">{t("guests.allow_hint")}</p>
        <label className="field">
          <span>{t("guests.inactivity_days")}</span>
          <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(Math.max(1, Math.min(365, Number(e.target.value) || 1)))} required />
        </label>
        <label className="field">
          <span>{t("guests.rules")}</span>
          <textarea value={rules} onChange={(e) => setRules(e.target.value)} maxLength={2000} rows={4} />
        </label>
        <button type="submit" className="button primary">
          {t("guests.save")}
        </button>
      </form>
      <GuestList guildId={guildId} />
    </>
  );
}
