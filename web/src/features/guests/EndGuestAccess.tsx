import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Confirm } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { endGuestAccess } from "./guestApi";

/** For moderators (KICK_MEMBERS), beside a guest: their access ends at once and what they wrote
 * is erased. */
export function EndGuestAccess({ guildId, userId, name }: { guildId: string; userId: string; name: string }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button type="button" className="button danger" onClick={() => setConfirming(true)}>
        {t("guests.end_access")}
      </button>
      {confirming && (
        <Confirm
          title={t("guests.end_access_title", { name })}
          body={<p>{t("guests.end_access_body", { name })}</p>}
          confirm={t("guests.end_access")}
          danger
          onConfirm={() => endGuestAccess(guildId, userId).catch((e) => notify(describeError(t, e, "KICK_MEMBERS")))}
          onClose={() => setConfirming(false)}
        />
      )}
    </>
  );
}
