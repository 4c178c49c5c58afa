import { useTranslation } from "react-i18next";
import { formatNumber } from "../../i18n";
import { getState, useStore } from "../../state/store";
import { guildBadge, navigableChannels, privateBadge } from "../../state/selectors";
import { initials } from "../../ui/Avatar";
import { Icon } from "../../ui/Icon";
import { navigate, channelPath } from "../app/router";
import { setUi } from "../app/ui";

const lastChannel = new Map<string, string>();
export function rememberChannel(guildId: string, channelId: string) {
  lastChannel.set(guildId, channelId);
}

export function openGuild(guildId: string) {
  const remembered = lastChannel.get(guildId);
  const s = getState();
  const channel = remembered && s.channels[remembered] ? remembered : navigableChannels(s, guildId)[0]?.id;
  navigate(channel ? channelPath(guildId, channel) : `/channels/${guildId}`);
}

function GuildButton({ guildId, active }: { guildId: string; active: boolean }) {
  const { t } = useTranslation();
  const name = useStore((s) => s.guilds[guildId]?.name ?? "");
  const badge = useStore((s) => guildBadge(s, guildId));
  const status = [badge.mentions ? t("channels.mentions", { count: badge.mentions }) : "", badge.unread ? t("channels.unread") : ""].filter(Boolean).join(", ");
  return (
    <li className="rail-item">
      {(badge.unread || active) && <span className={`rail-pill ${active ? "active" : ""}`} aria-hidden="true" />}
      <button
        type="button"
        className={`rail-button ${active ? "active" : ""}`}
        aria-label={status ? `${name}, ${status}` : name}
        aria-current={active ? "page" : undefined}
        title={name}
        onClick={() => {
          openGuild(guildId);
        }}
      >
        <span className="initials" data-initials={initials(name)} aria-hidden="true" />
      </button>
      {badge.mentions > 0 && (
        <span className="rail-badge" aria-hidden="true">
          {formatNumber(badge.mentions)}
        </span>
      )}
    </li>
  );
}

export function ServerRail({ activeGuild }: { activeGuild: string | null }) {
  const { t } = useTranslation();
  const guildIds = useStore((s) => s.guildIds);
  const dmMentions = useStore((s) => privateBadge(s));
  const loaded = useStore((s) => s.guilds);
  return (
    <nav className="rail" aria-label={t("rail.label")}>
      <ul>
        <li className="rail-item">
          {activeGuild === null && <span className="rail-pill active" aria-hidden="true" />}
          <button
            type="button"
            className={`rail-button home ${activeGuild === null ? "active" : ""}`}
            aria-label={dmMentions ? `${t("dms.title")}, ${t("channels.mentions", { count: dmMentions })}` : t("dms.title")}
            aria-current={activeGuild === null ? "page" : undefined}
            title={t("dms.title")}
            onClick={() => navigate("/channels/@me")}
          >
            <Icon name="chat" />
          </button>
          {dmMentions > 0 && <span className="rail-badge" aria-hidden="true">{formatNumber(dmMentions)}</span>}
        </li>
        <li className="rail-separator" aria-hidden="true" />
        {guildIds
          .filter((id) => loaded[id])
          .map((id) => (
            <GuildButton key={id} guildId={id} active={id === activeGuild} />
          ))}
        <li className="rail-item">
          <button type="button" className="rail-button add" aria-label={t("guild.create")} title={t("guild.create")} onClick={() => setUi({ createGuild: true })}>
            <Icon name="plus" />
          </button>
        </li>
      </ul>
    </nav>
  );
}
