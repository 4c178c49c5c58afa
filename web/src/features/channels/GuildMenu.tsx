import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { P } from "../../lib/permissions";
import { getState, useStore } from "../../state/store";
import { canInGuild, isTextChannel, sidebarChannels } from "../../state/selectors";
import { Confirm } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { navigate } from "../app/router";
import { notify, setUi } from "../app/ui";

/** The community's menu: invite, settings, notifications, new channel, leave. */
export function GuildMenu({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const [leaving, setLeaving] = useState(false);
  const owner = useStore((s) => s.guilds[guildId]?.owner_id === s.me?.id);
  const mayInvite = useStore((s) => canInGuild(s, guildId, P.CREATE_INSTANT_INVITE));
  const mayManage = useStore(
    (s) =>
      canInGuild(s, guildId, P.MANAGE_GUILD) ||
      canInGuild(s, guildId, P.MANAGE_ROLES) ||
      canInGuild(s, guildId, P.MANAGE_CHANNELS) ||
      canInGuild(s, guildId, P.KICK_MEMBERS) ||
      canInGuild(s, guildId, P.BAN_MEMBERS),
  );
  const mayCreate = useStore((s) => canInGuild(s, guildId, P.MANAGE_CHANNELS));
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [onClose]);
  const firstText = () => sidebarChannels(getState(), guildId).flatMap((g) => g.channels).find(isTextChannel);
  const item = (label: string, icon: Parameters<typeof Icon>[0]["name"], run: () => void, danger = false) => (
    <button
      type="button"
      role="menuitem"
      className={`menu-item ${danger ? "danger" : ""}`}
      onClick={() => {
        run();
        if (!danger) onClose();
      }}
    >
      <Icon name={icon} size={16} /> {label}
    </button>
  );
  return (
    <div
      className="menu"
      role="menu"
      ref={ref}
      aria-label={t("guild.menu")}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          const items = [...ref.current!.querySelectorAll<HTMLElement>("[role=menuitem]")];
          const at = items.indexOf(document.activeElement as HTMLElement);
          items[(at + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length]?.focus();
        }
      }}
    >
      {mayInvite && item(t("guild.invite_people"), "link", () => {
        const channel = firstText();
        if (channel) setUi({ invite: { channelId: channel.id } });
      })}
      {mayManage && item(t("guild.settings"), "gear", () => setUi({ guildSettings: { guildId, tab: "overview" } }))}
      {item(t("notifications.guild_button"), "bell", () => setUi({ notifications: { guildId } }))}
      {mayCreate && item(t("channels.create"), "plus", () => setUi({ createChannel: { guildId } }))}
      {!owner && item(t("guild.leave"), "logout", () => setLeaving(true), true)}
      {leaving && (
        <Confirm
          title={t("guild.leave_title")}
          body={<p>{t("guild.leave_body", { name: getState().guilds[guildId]?.name ?? "" })}</p>}
          confirm={t("guild.leave")}
          danger
          onConfirm={() =>
            api.leaveGuild(guildId).then(
              () => navigate("/channels/@me"),
              (e) => notify(describeError(t, e)),
            )
          }
          onClose={() => {
            setLeaving(false);
            onClose();
          }}
        />
      )}
    </div>
  );
}
