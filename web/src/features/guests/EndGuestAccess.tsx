import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Confirm } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { endGuestAccess } from "./guestApi";

/** For moderators (KICK_MEMBERS), beside a guest: their access ends at once and what they wrote
 * is erased. `label` names the button where several stand in a list (it starts with the visible
 * text); `onEnded` follows the server's yes. */
export function EndGuestAccess({
  guildId,
  userId,
  name,
  label,
  onEnded,
}: {
  guildId: string;
  userId: string;
  name: string;
  label?: string;
  onEnded?: () => void;
}) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button type="button" className="button danger" aria-label={label} onClick={() => setConfirming(true)}>
        {t("guests.end_access")}
      </button>
      {confirming && (
        <Confirm
          title={t("guests.end_access_title", { name })}
          body={<p>{t("guests.end_access_body", { name })}</p>}
          confirm={t("guests.end_access")}
          danger
          onConfirm={() =>
            endGuestAccess(guildId, userId).then(onEnded, (e) => notify(describeError(t, e, "KICK_MEMBERS")))
          }
          onClose={() => setConfirming(false)}
        />
      )}
    </>
  );
}
