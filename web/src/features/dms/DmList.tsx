import { useState } from "react";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../i18n";
import { actions, useStore } from "../../state/store";
import { callOngoing, channelBadge, privateChannelName, ringingIn } from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { navigate, channelPath } from "../app/router";
import { setUi, useUi } from "../app/ui";
import { VoiceIcon } from "../voice/VoiceIcon";

function DmLink({ channelId, active }: { channelId: string; active: boolean }) {
  const { t } = useTranslation();
  const channel = useStore((s) => s.channels[channelId]);
  const name = useStore((s) => (s.channels[channelId] ? privateChannelName(s, s.channels[channelId]) : ""));
  const badge = useStore((s) => channelBadge(s, channelId));
  const call = useStore((s) => (callOngoing(s, channelId) ? (ringingIn(s, channelId).includes(s.me?.id ?? "") ? "ringing" : "ongoing") : null));
  const status = useStore((s) => {
    const other = s.channels[channelId]?.recipients?.[0];
    return s.channels[channelId]?.type === 1 && other ? s.presences[other.id] ?? "offline" : undefined;
  });
  if (!channel) return null;
  return (
    <li>
      <a
        href={channelPath(null, channelId)}
        className={`channel-link dm-link ${active ? "active" : ""} ${badge.unread ? "unread" : ""}`}
        aria-current={active ? "page" : undefined}
        onClick={(e) => {
          e.preventDefault();
          navigate(channelPath(null, channelId));
          setUi({ drawer: "none" });
        }}
      >
        <Avatar id={channel.recipients?.[0]?.id ?? channelId} name={name} size={32} status={status} statusLabel={status ? t(`presence.${status}`) : undefined} />
        <span className="channel-name">{name}</span>
        {call && (
          <span className={`dm-call ${call}`} role="img" aria-label={t(call === "ringing" ? "calls.ringing_you" : "calls.ongoing")} title={t(call === "ringing" ? "calls.ringing_you" : "calls.ongoing")}>
            <VoiceIcon name="phone" size={16} />
          </span>
        )}
        {badge.mentions > 0 && (
          <>
            <span className="sr-only">{`, ${t("dms.unread", { count: badge.mentions })}`}</span>
            <span className="badge" aria-hidden="true">{formatNumber(badge.mentions)}</span>
          </>
        )}
      </a>
    </li>
  );
}

function NewDmDialog() {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const people = useStore((s) => {
    const ids = new Set<string>();
    for (const members of Object.values(s.members)) for (const id of Object.keys(members)) if (id !== s.me?.id) ids.add(id);
    return [...ids].join(",");
  });
  const users = useStore((s) => s.users);
  const q = query.toLowerCase();
  const candidates = people
    .split(",")
    .filter(Boolean)
    .map((id) => users[id])
    .filter((u) => u && !u.bot && ((u.global_name ?? "").toLowerCase().includes(q) || u.username.toLowerCase().includes(q)))
    .slice(0, 20);
  const start = async () => {
    try {
      const channel = await actions.openConversation(chosen);
      setUi({ newDm: false });
      navigate(channelPath(null, channel.id));
    } catch (e) {
      setError(describeError(t, e));
    }
  };
  return (
    <Dialog title={t("dms.new")} onClose={() => setUi({ newDm: false })}>
      <div className="form">
        <label className="field">
          <span>{t("dms.search")}</span>
          <input value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
        </label>
        <ul className="pick-list">
          {candidates.map((u) => (
            <li key={u.id}>
              <label className="check">
                <input type="checkbox" checked={chosen.includes(u.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, u.id] : chosen.filter((id) => id !== u.id))} />
                <Avatar id={u.id} name={u.global_name || u.username} size={24} />
                <span>{u.global_name || u.username}</span>
                <span className="muted">{u.username}</span>
              </label>
            </li>
          ))}
          {candidates.length === 0 && <li className="muted">{t("dms.nobody")}</li>}
        </ul>
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="dialog-actions">
          <button type="button" className="button primary" disabled={!chosen.length} onClick={start}>
            {chosen.length > 1 ? t("dms.create_group") : t("dms.open")}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

export function DmList({ channelId }: { channelId: string | null }) {
  const { t } = useTranslation();
  const ids = useStore((s) => s.privateChannelIds);
  const open = useUi((u) => u.newDm);
  return (
    <nav className="sidebar" aria-label={t("dms.title")}>
      <header className="sidebar-head">
        <button type="button" className="search-button" onClick={() => setUi({ quickSwitcher: true })}>
          <Icon name="search" size={16} /> {t("switcher.open")}
        </button>
      </header>
      <div className="sidebar-scroll">
        <div className="category-row">
          <h2 className="category static">{t("dms.title")}</h2>
          <button type="button" className="icon-button small" aria-label={t("dms.new")} onClick={() => setUi({ newDm: true })}>
            <Icon name="plus" size={14} />
          </button>
        </div>
        <ul className="channel-list">
          {ids.map((id) => (
            <DmLink key={id} channelId={id} active={id === channelId} />
          ))}
        </ul>
        {ids.length === 0 && <p className="muted sidebar-empty">{t("dms.empty")}</p>}
      </div>
      {open && <NewDmDialog />}
    </nav>
  );
}
