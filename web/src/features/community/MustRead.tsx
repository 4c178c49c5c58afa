import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { isMustRead } from "../../state/community";
import { useStore } from "../../state/store";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { communityApi } from "./communityApi";
import { maySeeReceipts, waitsForMe } from "./communityRules";
import { ReceiptsLine } from "./Receipts";
import "./community.css";

/** "Got it": acknowledges a must-read announcement (MESSAGE_ACKNOWLEDGE then takes it off every
 * one of this person's screens). */
export function GotItButton({ message }: { message: Message }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const acknowledge = async () => {
    setBusy(true);
    try {
      await communityApi.acknowledge(message.channel_id, message.id);
    } catch (error) {
      notify(describeError(t, error));
      setBusy(false);
    }
  };
  return (
    <button type="button" className="button primary small got-it" disabled={busy} onClick={() => void acknowledge()}>
      <Icon name="pin" size={16} /> {t("community.got_it")}
    </button>
  );
}

/** Under a must-read message in its channel (an announcement, or a group admin's): the mark, "Got it" while it waits for this
 * person, and for the channel's managers the read and acknowledgement counts. */
export function MustReadBar({ message }: { message: Message & { local?: unknown } }) {
  const { t } = useTranslation();
  const shown = useStore((s) => !message.local && isMustRead(message) && !!s.channels[message.channel_id]?.guild_id);
  const waiting = useStore((s) => waitsForMe(s, message));
  const counts = useStore((s) => maySeeReceipts(s, message));
  if (!shown) return null;
  return (
    <div className="must-read-bar">
      <span className="must-read-badge">{t("community.must_read")}</span>
      {waiting && <GotItButton message={message} />}
      {counts && <ReceiptsLine message={message} />}
    </div>
  );
}
