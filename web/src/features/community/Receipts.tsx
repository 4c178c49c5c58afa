import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Message, User } from "../../api/types";
import { formatNumber } from "../../i18n";
import { useStore } from "../../state/store";
import { displayName } from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { communityApi, type PendingKind } from "./communityApi";

const PAGE = 100;

/** Who has not read, or not acknowledged, a must-read announcement: pages of 100 by user id. */
function ReceiptsDialog({ message, onClose }: { message: Message; onClose: () => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<PendingKind>("unacknowledged");
  const [people, setPeople] = useState<User[] | null>(null);
  const [more, setMore] = useState(false);
  const guildId = useStore((s) => s.channels[message.channel_id]?.guild_id ?? null);
  const names = useStore((s) => (people ?? []).map((u) => displayName(s, u.id, guildId)).join("\u0000"));
  const load = async (after?: string) => {
    try {
      const page = await communityApi.pendingReceipts(message.channel_id, message.id, kind, after);
      setPeople((known) => (after ? [...(known ?? []), ...page] : page));
      setMore(page.length >= PAGE);
    } catch (error) {
      notify(describeError(t, error, "MANAGE_MESSAGES"));
    }
  };
  useEffect(() => {
    setPeople(null);
    void load();
  }, [kind]); // eslint-disable-line react-hooks/exhaustive-deps
  const shown = names ? names.split("\u0000") : [];
  return (
    <Dialog title={t("community.receipts_title")} onClose={onClose} className="receipts-dialog">
      <fieldset className="radio-list">
        <legend>{t("community.receipts_show")}</legend>
        {(["unacknowledged", "unread"] as const).map((value) => (
          <label key={value} className="radio-row">
            <input type="radio" name="receipts-kind" checked={kind === value} onChange={() => setKind(value)} />
            <span>{t(`community.pending_${value}`)}</span>
          </label>
        ))}
      </fieldset>
      {people === null ? (
        <p className="muted">{t("common.loading")}</p>
      ) : people.length === 0 ? (
        <p className="muted">{kind === "unread" ? t("community.everyone_read") : t("community.everyone_acknowledged")}</p>
      ) : (
        <ul className="receipts-people" aria-label={t(`community.pending_${kind}`)}>
          {people.map((user, index) => (
            <li key={user.id} className="receipts-person">
              <Avatar id={user.id} name={shown[index] ?? user.username} size={28} />
              <span>{shown[index] ?? user.username}</span>
            </li>
          ))}
        </ul>
      )}
      {more && people && (
        <button type="button" className="button secondary" onClick={() => void load(people[people.length - 1]?.id)}>
          {t("community.load_more")}
        </button>
      )}
    </Dialog>
  );
}

/** "Read by N of M, acknowledged by K" under a must-read announcement, for its channel's
 * managers: fetched once, then live from ANNOUNCEMENT_RECEIPTS_UPDATE. */
export function ReceiptsLine({ message }: { message: Message }) {
  const { t } = useTranslation();
  const receipts = useStore((s) => s.community.receipts[message.id]);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    communityApi.loadReceipts(message.channel_id, message.id).catch(() => undefined);
  }, [message.channel_id, message.id]);
  return (
    <div className="receipts">
      <span className="receipts-counts" aria-live="polite">
        {receipts
          ? t("community.receipts", {
              read: formatNumber(receipts.read_count),
              members: formatNumber(receipts.member_count),
              acknowledged: formatNumber(receipts.acknowledged_count),
            })
          : t("common.loading")}
      </span>
      <button type="button" className="button secondary small" onClick={() => setOpen(true)}>
        {t("community.who_has_not")}
      </button>
      {open && <ReceiptsDialog message={message} onClose={() => setOpen(false)} />}
    </div>
  );
}
