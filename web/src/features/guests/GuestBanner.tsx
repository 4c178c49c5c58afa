import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useStore } from "../../state/store";
import { isGuestUser } from "./guestRules";
import { KeepAccountDialog } from "./KeepAccountDialog";
import "./guests.css";

/** Above the app, for a guest: they are one, and can keep their account. */
export function GuestBanner() {
  const { t } = useTranslation();
  const guest = useStore((s) => isGuestUser(s.me));
  const [keeping, setKeeping] = useState(false);
  if (!guest) return null;
  return (
    <div className="guest-banner" role="region" aria-label={t("guests.banner_label")}>
      <span>{t("guests.banner")}</span>
      <button type="button" className="button primary" onClick={() => setKeeping(true)}>
        {t("guests.keep")}
      </button>
      {keeping && <KeepAccountDialog onClose={() => setKeeping(false)} />}
    </div>
  );
}

/** The app with the guest banner above it (for everyone the same frame, so nothing remounts
 * when READY says who is a guest). */
export function GuestFrame({ children }: { children: ReactNode }) {
  return (
    <div className="app-frame">
      <GuestBanner />
      {children}
    </div>
  );
}
