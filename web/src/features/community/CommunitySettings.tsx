import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { isCommunity } from "../../state/community";
import { useStore } from "../../state/store";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { communityApi } from "./communityApi";
import { mayRunCommunity } from "./communityRules";
import "./community.css";

/** In the guild's settings (MANAGE_GUILD): the switch that makes the guild a community of
 * groups, with an announcement channel, or a plain guild again (its groups stay channels). */
export function CommunitySettings({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const titleId = useId();
  const nameId = useId();
  const hintId = useId();
  const on = useStore((s) => isCommunity(s, guildId));
  const allowed = useStore((s) => mayRunCommunity(s, guildId));
  const [busy, setBusy] = useState(false);
  /** What the person just chose, shown while the server answers. */
  const [chosen, setChosen] = useState<boolean | null>(null);
  if (!allowed) return null;
  // Not disabled while saving: a disabled control would drop the keyboard focus.
  const toggle = async (next: boolean) => {
    if (busy) return;
    setBusy(true);
    setChosen(next);
    try {
      await communityApi.setCommunity(guildId, next);
      notify(next ? t("community.turned_on") : t("community.turned_off"), "info");
    } catch (error) {
      notify(describeError(t, error, "MANAGE_GUILD"));
    } finally {
      setBusy(false);
      setChosen(null);
    }
  };
  return (
    <section className="form separated community-settings" aria-labelledby={titleId}>
      <h3 id={titleId}>{t("community.settings_title")}</h3>
      <label className="permission-row">
        <span className="permission-text">
          <span className="permission-name" id={nameId}>
            {t("community.switch")}
          </span>
          <span className="permission-description" id={hintId}>
            {t("community.switch_hint")}
          </span>
        </span>
        <input
          type="checkbox"
          role="switch"
          className="switch"
          checked={chosen ?? on}
          aria-busy={busy}
          aria-labelledby={nameId}
          aria-describedby={hintId}
          onChange={(e) => void toggle(e.target.checked)}
        />
      </label>
    </section>
  );
}
