import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import type { Role, Status } from "../../api/types";
import { formatNumber } from "../../i18n";
import { getState, useStore } from "../../state/store";
import { displayName, memberColor } from "../../state/selectors";
import type { State } from "../../state/reducer";
import { Avatar } from "../../ui/Avatar";
import { setUi } from "../app/ui";
import { GuestBadge } from "../guests/GuestBadge";
import { guestMemberView, isGuestMember } from "../guests/guestRules";

interface Group {
  key: string;
  title: string | null;
  role?: Role;
  members: { id: string; name: string; status: Status }[];
}

/** Members grouped by their highest hoisted role, online before offline (as Discord does). */
export function groupMembers(s: State, guildId: string): Group[] {
  const guild = s.guilds[guildId];
  if (!guild) return [];
  const hoisted = Object.values(guild.roles).filter((r) => r.hoist && r.id !== guildId).sort((a, b) => b.position - a.position);
  const groups = new Map<string, Group>();
  for (const role of hoisted) groups.set(role.id, { key: role.id, title: role.name, role, members: [] });
  groups.set("online", { key: "online", title: null, members: [] });
  groups.set("offline", { key: "offline", title: null, members: [] });
  const inView = guestMemberView(s, guildId); // a guest sees the people of their channels only
  for (const [id, member] of Object.entries(s.members[guildId] ?? {})) {
    if (inView && !inView.has(id)) continue;
    const status = (s.presences[id] ?? "offline") as Status;
    const entry = { id, name: displayName(s, id, guildId), status };
    if (status === "offline") {
      groups.get("offline")!.members.push(entry);
      continue;
    }
    const top = hoisted.find((r) => member.roles.includes(r.id));
    groups.get(top?.id ?? "online")!.members.push(entry);
  }
  for (const group of groups.values()) group.members.sort((a, b) => a.name.localeCompare(b.name));
  return [...groups.values()].filter((g) => g.members.length);
}

function MemberRow({ guildId, id, name, status }: { guildId: string; id: string; name: string; status: Status }) {
  const { t } = useTranslation();
  const color = useStore((s) => memberColor(s, guildId, id));
  const bot = useStore((s) => !!s.users[id]?.bot);
  const guest = useStore((s) => isGuestMember(s.members[guildId]?.[id]));
  return (
    <li>
      <button
        type="button"
        className={`member-row ${status === "offline" ? "offline" : ""}`}
        // What it shows first (name, Bot, Guest: WCAG 2.5.3, label in name), then the status.
        aria-label={`${[name, bot && t("messages.bot"), guest && t("guests.badge")].filter(Boolean).join(" ")}, ${t(`presence.${status}`)}`}
        onClick={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          setUi({ profile: { userId: id, guildId, x: rect.left - 310, y: rect.top }, drawer: "none" });
        }}
      >
        <Avatar id={id} name={name} size={32} status={status} statusLabel={t(`presence.${status}`)} />
        <span className="member-name" style={color ? { color: `#${color.toString(16).padStart(6, "0")}` } : undefined}>
          {name}
        </span>
        {bot && (
          <>
            {" "}
            <span className="bot-tag">{t("messages.bot")}</span>
          </>
        )}
        {guest && (
          <>
            {" "}
            <GuestBadge />
          </>
        )}
      </button>
    </li>
  );
}

export function MemberList({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const members = useStore((s) => s.members[guildId]);
  const presences = useStore((s) => s.presences);
  const roles = useStore((s) => s.guilds[guildId]?.roles);
  const users = useStore((s) => s.users);
  // Recomputed when members, presences, roles or names change, not on every store update.
  const groups = useMemo(() => groupMembers(getState(), guildId), [members, presences, roles, users, guildId]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <aside className="member-list" aria-label={t("members.title")}>
      {groups.map((group) => (
        <section key={group.key} aria-label={group.title ?? t(`members.${group.key}`)}>
          <h2 className="member-group">
            {group.title ?? t(`members.${group.key}`)} — {formatNumber(group.members.length)}
          </h2>
          <ul>
            {group.members.map((m) => (
              <MemberRow key={m.id} guildId={guildId} {...m} />
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}
