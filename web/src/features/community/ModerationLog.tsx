import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { User } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { P } from "../../lib/permissions";
import { idTime } from "../../lib/snowflake";
import type { State } from "../../state/reducer";
import { can, canInGuild } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { communityApi, MESSAGE_BULK_DELETE, type ModerationEntry } from "./communityApi";

const VIEW_AUDIT_LOG = 1n << 7n;

/** The whole community's log: VIEW_AUDIT_LOG guild-wide, as Discord's audit log. */
export function maySeeModerationLog(state: State, guildId: string): boolean {
  return canInGuild(state, guildId, VIEW_AUDIT_LOG);
}

/** One group's log, for its admins who cannot see the whole one: MANAGE_MESSAGES in the group. */
export function maySeeGroupLog(state: State, guildId: string, groupId: string): boolean {
  return !maySeeModerationLog(state, guildId) && !!state.channels[groupId] && can(state, groupId, P.MANAGE_MESSAGES);
}

const nameOf = (users: Record<string, User>, id: string | null | undefined): string => {
  const user = id ? users[id] : undefined;
  return user ? (user.global_name ?? user.username) : "?";
};

function EntryRow({ entry, users }: { entry: ModerationEntry; users: Record<string, User> }) {
  const { t } = useTranslation();
  const bulk = entry.action_type === MESSAGE_BULK_DELETE;
  const channelId = entry.options?.channel_id ?? (bulk ? entry.target_id : null);
  const channel = useStore((s) => (channelId ? (s.channels[channelId]?.name ?? null) : null)) ?? t("modlog.unknown_channel");
  const moderator = nameOf(users, entry.user_id);
  const count = Number(entry.options?.count ?? "1");
  const when = new Date(idTime(entry.id));
  return (
    <li className="modlog-entry" data-entry-id={entry.id}>
      <p className="modlog-what">
        {bulk
          ? t("modlog.bulk", { moderator, count, channel })
          : t("modlog.single", { moderator, author: nameOf(users, entry.target_id), channel })}
      </p>
      <p className="muted small modlog-facts">
        <time dateTime={when.toISOString()}>{formatDateTime(when)}</time>
        {entry.reason && (
          <>
            {" · "}
            {t("modlog.reason", { reason: entry.reason })}
          </>
        )}
      </p>
    </li>
  );
}

/** Removed messages, newest first, 50 a page: who removed whose, where, when and why. */
export function ModerationLogDialog({ guildId, groupId, title, onClose }: { guildId: string; groupId?: string; title: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [entries, setEntries] = useState<ModerationEntry[] | null>(null);
  const [users, setUsers] = useState<Record<string, User>>({});
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = async (before?: string) => {
    setBusy(true);
    try {
      const page = await communityApi.moderationLog(guildId, before, groupId);
      setUsers((known) => ({ ...known, ...page.users }));
      setEntries((known) => (before ? [...(known ?? []), ...page.entries] : page.entries));
      setMore(page.more);
    } catch (error) {
      notify(describeError(t, error, groupId ? "MANAGE_MESSAGES" : "VIEW_AUDIT_LOG"));
      setEntries((known) => known ?? []);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, [guildId, groupId]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Dialog title={title} onClose={onClose} className="modlog-dialog">
      {entries === null ? (
        <p className="muted">{t("common.loading")}</p>
      ) : entries.length === 0 ? (
        <p className="muted">{t("modlog.empty")}</p>
      ) : (
        <ul className="modlog-list" aria-label={t("modlog.list")}>
          {entries.map((entry) => (
            <EntryRow key={entry.id} entry={entry} users={users} />
          ))}
        </ul>
      )}
      {more && entries && entries.length > 0 && (
        <button type="button" className="button secondary" disabled={busy} onClick={() => void load(entries[entries.length - 1]?.id)}>
          {t("modlog.load_more")}
        </button>
      )}
    </Dialog>
  );
}

/** The home's "Moderation log" button, for who sees the whole community's log. */
export function ModerationLogButton({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const allowed = useStore((s) => maySeeModerationLog(s, guildId));
  const [open, setOpen] = useState(false);
  if (!allowed) return null;
  return (
    <>
      <button type="button" className="button secondary" onClick={() => setOpen(true)}>
        <Icon name="trash" size={16} /> {t("modlog.open")}
      </button>
      {open && <ModerationLogDialog guildId={guildId} title={t("modlog.title")} onClose={() => setOpen(false)} />}
    </>
  );
}
