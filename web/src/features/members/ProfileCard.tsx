import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { formatDay } from "../../i18n";
import { actions, useStore } from "../../state/store";
import { displayName } from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { describeError } from "../../ui/errors";
import { navigate, channelPath } from "../app/router";
import { notify, setUi } from "../app/ui";
import { VoiceModeration } from "../voice/VoiceModeration";
import { UserApps } from "../commands/AppsMenu";

/** A person's card: name, username, roles, member since, and a button to message them. */
export function ProfileCard({ userId, guildId, x, y }: { userId: string; guildId: string | null; x: number; y: number }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const user = useStore((s) => s.users[userId]);
  const name = useStore((s) => displayName(s, userId, guildId));
  const member = useStore((s) => (guildId ? s.members[guildId]?.[userId] : undefined));
  const roles = useStore((s) => (guildId ? s.guilds[guildId]?.roles : undefined));
  const status = useStore((s) => s.presences[userId] ?? "offline");
  const me = useStore((s) => s.me?.id === userId);
  const close = () => setUi({ profile: null });
  useEffect(() => {
    ref.current?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) close();
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, []);
  const width = 300;
  const left = Math.max(8, Math.min(x, window.innerWidth - width - 8));
  const top = Math.max(8, Math.min(y, window.innerHeight - 480));
  const message = async () => {
    try {
      const channel = await actions.openConversation([userId]);
      close();
      navigate(channelPath(null, channel.id));
    } catch (e) {
      notify(describeError(t, e));
    }
  };
  return (
    <div
      ref={ref}
      className="profile-card"
      role="dialog"
      aria-label={t("profile.label", { name })}
      tabIndex={-1}
      style={{ left, top, width }}
      onKeyDown={(e) => e.key === "Escape" && close()}
    >
      <div className="profile-banner" />
      <div className="profile-body">
        <Avatar id={userId} name={name} size={72} status={status} statusLabel={t(`presence.${status}`)} />
        <h2>{name}</h2>
        <p className="muted">{user?.username}</p>
        <p className="profile-status">{t(`presence.${status}`)}</p>
        {member?.joined_at && (
          <p className="muted small">{t("profile.member_since", { date: formatDay(new Date(member.joined_at)) })}</p>
        )}
        {member && roles && member.roles.length > 0 && (
          <>
            <h3>{t("profile.roles")}</h3>
            <ul className="role-chips">
              {member.roles
                .map((id) => roles[id])
                .filter(Boolean)
                .sort((a, b) => b.position - a.position)
                .map((role) => (
                  <li key={role.id} className="role-chip">
                    <span className="role-dot" style={{ background: role.color ? `#${role.color.toString(16).padStart(6, "0")}` : "var(--text-muted)" }} aria-hidden="true" />
                    {role.name}
                  </li>
                ))}
            </ul>
          </>
        )}
        {guildId && <VoiceModeration guildId={guildId} userId={userId} />}
        {guildId && <UserApps guildId={guildId} userId={userId} />}
        {!me && !user?.bot && (
          <button type="button" className="button primary wide" onClick={message}>
            {t("profile.message")}
          </button>
        )}
      </div>
    </div>
  );
}
