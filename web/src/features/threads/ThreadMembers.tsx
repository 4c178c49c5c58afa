import { useEffect, useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { P } from "../../lib/permissions";
import { reduce } from "../../state/reducer";
import { getState, setState, useStore } from "../../state/store";
import { can, displayName } from "../../state/selectors";
import { TP } from "../../state/threads";
import { Avatar } from "../../ui/Avatar";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { memberCandidates, memberRights } from "./threadRules";
import { threadsApi, type ThreadMember } from "./threadsApi";

/** The picker of who may be added: the channel's members not in the thread yet, by name. */
function AddPeopleDialog({ thread, inThread, onClose }: { thread: Channel; inThread: ReadonlySet<string>; onClose: () => void }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // Worked out again when the members, roles or channel change, not on every event.
  const guildId = thread.guild_id ?? "";
  const members = useStore((s) => s.members[guildId]);
  const guild = useStore((s) => s.guilds[guildId]);
  const parent = useStore((s) => s.channels[thread.parent_id ?? ""]);
  const users = useStore((s) => s.users);
  const found = useMemo(
    () => (members && guild && parent && users ? memberCandidates(getState(), thread, inThread, query) : []),
    [members, guild, parent, users, thread, inThread, query],
  );
  const add = async (userId: string) => {
    setBusy(userId);
    setError(null);
    try {
      await threadsApi.addMember(thread.id, userId);
      onClose();
    } catch (e) {
      setError(describeError(t, e));
      setBusy(null);
    }
  };
  return (
    <Dialog title={t("threads.add_title", { name: thread.name ?? "" })} onClose={onClose}>
      <label className="field">
        {t("threads.add_search")}
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
      </label>
      {found.length === 0 ? (
        <p className="muted">{t("threads.add_nobody")}</p>
      ) : (
        <ul className="thread-people" aria-label={t("threads.add_candidates")}>
          {found.map((person) => (
            <li key={person.id} className="thread-person">
              <Avatar id={person.id} name={person.name} size={28} />
              <span className="thread-person-name">{person.name}</span>
              <button type="button" className="button primary small" disabled={busy !== null} onClick={() => add(person.id)}>
                {t("threads.add_one")}
                <span className="sr-only"> {person.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}

/** Who is in a thread (a private one shows it in its panel): add people, remove them, and whether
 * members may add others (`invitable`). Asked for again when the thread's member count moves
 * (THREAD_MEMBERS_UPDATE). */
export function ThreadMembers({ thread, parent }: { thread: Channel; parent: Channel }) {
  const { t } = useTranslation();
  const headingId = useId();
  const me = useStore((s) => s.me?.id);
  const mayManage = useStore((s) => can(s, parent.id, TP.MANAGE_THREADS));
  const mayWrite = useStore((s) => can(s, thread.id, P.SEND_MESSAGES));
  const [people, setPeople] = useState<ThreadMember[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const rights = memberRights(thread, me, mayManage, mayWrite);
  const count = thread.member_count;
  const joined = !!thread.member;
  useEffect(() => {
    let alive = true;
    threadsApi.members(thread.id).then(
      (found) => {
        if (!alive) return;
        // Names of people this tab has not met yet come with their member.
        const members = found.flatMap((m) => (m.member ? [m.member] : []));
        if (thread.guild_id && members.length) setState((s) => reduce(s, { t: "GUILD_MEMBERS_CHUNK", d: { guild_id: thread.guild_id, members } }));
        setPeople(found);
        setFailed(null);
      },
      (e) => alive && setFailed(describeError(t, e)),
    );
    return () => {
      alive = false;
    };
  }, [thread.id, thread.guild_id, count, joined, t]);
  const inThread = useMemo(() => new Set((people ?? []).map((m) => m.user_id)), [people]);
  const names = useStore((s) => Object.fromEntries((people ?? []).map((m) => [m.user_id, displayName(s, m.user_id, thread.guild_id)])));
  const remove = (userId: string) =>
    threadsApi.removeMember(thread.id, userId).then(
      () => setPeople((now) => now && now.filter((m) => m.user_id !== userId)),
      (e) => notify(describeError(t, e)),
    );
  const invitable = thread.thread_metadata?.invitable !== false;
  const setInvitable = (value: boolean) => threadsApi.change(thread.id, { invitable: value }).catch((e) => notify(describeError(t, e)));
  return (
    <section className="thread-members" aria-labelledby={headingId}>
      <div className="thread-members-head">
        <h3 id={headingId}>{t("threads.members", { count: people?.length ?? count ?? 0 })}</h3>
        {rights.add && (
          <button type="button" className="button secondary small" onClick={() => setAdding(true)}>
            <Icon name="plus" size={14} />
            {t("threads.add_people")}
          </button>
        )}
      </div>
      {rights.invitable && (
        <label className="check thread-invitable">
          <input type="checkbox" role="switch" className="switch" checked={invitable} onChange={(e) => setInvitable(e.target.checked)} />
          {t("threads.invitable")}
        </label>
      )}
      {failed && (
        <p className="form-error" role="alert">
          {failed}
        </p>
      )}
      {people && (
        <ul className="thread-people" aria-label={t("threads.members_list")}>
          {people.map((person) => (
            <li key={person.user_id} className="thread-person">
              <Avatar id={person.user_id} name={names[person.user_id] ?? ""} size={24} />
              <span className="thread-person-name">
                {names[person.user_id]}
                {person.user_id === thread.owner_id && <span className="muted small"> · {t("threads.creator")}</span>}
              </span>
              {rights.remove && person.user_id !== me && (
                <button type="button" className="icon-button small" aria-label={t("threads.remove_one", { name: names[person.user_id] })} onClick={() => remove(person.user_id)}>
                  <Icon name="close" size={14} />
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {adding && <AddPeopleDialog thread={thread} inThread={inThread} onClose={() => setAdding(false)} />}
    </section>
  );
}
