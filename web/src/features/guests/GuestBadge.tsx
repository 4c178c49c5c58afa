import { useTranslation } from "react-i18next";
import "./guests.css";

/** "Guest", beside a guest's name in the member list and on their messages. */
export function GuestBadge() {
  const { t } = useTranslation();
  return (
    <span className="guest-tag" title={t("guests.badge_title")}>
      {t("guests.badge")}
    </span>
  );
}
