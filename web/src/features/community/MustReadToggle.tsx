import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useStore } from "../../state/store";
import { mayPostMustRead } from "./communityRules";
import "./community.css";

/** In the composer of a community's announcement channel, for who may manage its messages: the
 * next announcement is must-read (members see it pinned until they acknowledge it). */
export function MustReadToggle({ channelId, checked, onChange }: { channelId: string; checked: boolean; onChange: (on: boolean) => void }) {
  const { t } = useTranslation();
  const hintId = useId();
  const allowed = useStore((s) => mayPostMustRead(s, channelId));
  if (!allowed) return null;
  return (
    <div className="must-read-toggle">
      <label className="check">
        <input type="checkbox" role="switch" className="switch" checked={checked} aria-describedby={hintId} onChange={(e) => onChange(e.target.checked)} />
        <span>{t("community.must_read_toggle")}</span>
      </label>
      <span id={hintId} className="hint">
        {checked ? t("community.must_read_on") : t("community.must_read_off")}
      </span>
    </div>
  );
}
