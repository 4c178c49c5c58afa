import { useState } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../i18n";
import { EventStatus, upcomingEvents } from "../../state/scheduledEvents";
import { useStore } from "../../state/store";
import { Icon } from "../../ui/Icon";
import { setUi } from "../app/ui";
import { EventsDialog } from "./EventsDialog";
import "./events.css";
import "./reminders";

/** "Events" at the top of a community's channel list: how many are planned, whether one is on
 * now; it opens the events list (above everything: on a phone the channel list is a drawer). */
export function EventsEntry({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const count = useStore((s) => upcomingEvents(s, guildId).length);
  const live = useStore((s) => upcomingEvents(s, guildId).some((e) => e.status === EventStatus.ACTIVE));
  return (
    <>
      <button
        type="button"
        className="channel-link events-entry"
        aria-haspopup="dialog"
        onClick={() => {
          setUi({ drawer: "none" });
          setOpen(true);
        }}
      >
        <Icon name="bell" size={18} />
        <span className="channel-name">{t("events.entry")}</span>
        {live && <span className="event-live small">{t("events.live")}</span>}
        {count > 0 && (
          <>
            <span className="badge events-count" aria-hidden="true">
              {formatNumber(count)}
            </span>
            <span className="sr-only">{`, ${t("events.planned", { count })}`}</span>
          </>
        )}
      </button>
      {open && createPortal(<EventsDialog guildId={guildId} onClose={() => setOpen(false)} />, document.body)}
    </>
  );
}
