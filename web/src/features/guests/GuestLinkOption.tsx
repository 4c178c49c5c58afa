import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { P } from "../../lib/permissions";
import { canInGuild } from "../../state/selectors";
import { useStore } from "../../state/store";
import { guildWithSettings } from "./guestApi";

/** In the invite dialog, where the community allows guests and the person may manage it: make a
 * guest link instead (people join it with a name only, and are erased when it ends). */
export function GuestLinkOption({ guildId, guest, onChange }: { guildId: string | undefined; guest: boolean; onChange: (guest: boolean) => void }) {
  const { t } = useTranslation();
  const mayManage = useStore((s) => !!guildId && canInGuild(s, guildId, P.MANAGE_GUILD));
  const [allowed, setAllowed] = useState(false);
  useEffect(() => {
    let alive = true;
    if (guildId && mayManage) {
      guildWithSettings(guildId).then(
        (guild) => alive && setAllowed(!!guild.guests_enabled),
        () => alive && setAllowed(false),
      );
    }
    return () => {
      alive = false;
    };
  }, [guildId, mayManage]);
  if (!allowed) return null;
  return (
    <>
      <label className="check">
        <input type="checkbox" checked={guest} onChange={(e) => onChange(e.target.checked)} />
        <span>{t("guests.make_link")}</span>
      </label>
      {guest && <p className="hint">{t("guests.link_hint")}</p>}
    </>
  );
}
