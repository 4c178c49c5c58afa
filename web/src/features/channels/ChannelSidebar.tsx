import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ChannelType, type Channel } from "../../api/types";
import { formatNumber } from "../../i18n";
import { P } from "../../lib/permissions";
import { useStore } from "../../state/store";
import { canInGuild, channelBadge, isVoiceChannel, sidebarChannels, voiceJoinBlock, voiceUserIds } from "../../state/selectors";
import { Icon } from "../../ui/Icon";
import { voice } from "../../voice/session";
import { navigate, channelPath } from "../app/router";
import { setUi } from "../app/ui";
import { VoiceChannelMembers } from "../voice/VoiceParticipants";
import { VoiceIcon } from "../voice/VoiceIcon";
import { ChannelIcon } from "./ChannelIcon";
import { EventsEntry } from "../events/EventsEntry";
import { CommunityEntry } from "../community/CommunityEntry";
import { GuildMenu } from "./GuildMenu";

const COLLAPSED = "townhall.collapsed";

function readCollapsed(): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(COLLAPSED) ?? "[]") as string[]);
  } catch {
    return new Set();
  }
}

function ChannelLink({ channel, active }: { channel: Channel; active: boolean }) {
  const { t } = useTranslation();
  const badge = useStore((s) => channelBadge(s, channel.id));
  const unreadLabel = badge.mentions
    ? t("channels.mentions", { count: badge.mentions })
    : badge.unread
      ? t("channels.unread")
      : "";
  return (
    <li>
      <a
        href={channelPath(channel.guild_id, channel.id)}
        className={`channel-link ${active ? "active" : ""} ${badge.unread ? "unread" : ""} ${badge.muted ? "muted" : ""}`}
        aria-current={active ? "page" : undefined}
        onClick={(e) => {
          e.preventDefault();
          navigate(channelPath(channel.guild_id, channel.id));
          setUi({ drawer: "none" });
        }}
      >
        {badge.unread && <span className="unread-pip" aria-hidden="true" />}
        <ChannelIcon channel={channel} />
        <span className="channel-name">{channel.name}</span>
        {unreadLabel && <span className="sr-only">{`, ${unreadLabel}`}</span>}
        {badge.muted && <span className="sr-only">{`, ${t("channels.muted")}`}</span>}
        {badge.mentions > 0 && (
          <span className="badge" aria-hidden="true">
            {formatNumber(badge.mentions)}
          </span>
        )}
      </a>
    </li>
  );
}

/** A voice or stage channel: a click joins it (and opens its call view); a lock says when one may
 * not join, the count when it has a limit; a live stage shows its topic; who is in it is listed
 * under it. */
function VoiceChannelLink({ channel, active }: { channel: Channel; active: boolean }) {
  const { t } = useTranslation();
  const block = useStore((s) => voiceJoinBlock(s, channel.id));
  const count = useStore((s) => voiceUserIds(s, channel.id).length);
  const here = useStore((s) => s.voice?.channelId === channel.id);
  const topic = useStore((s) => s.stages[channel.id]?.topic ?? null);
  const limit = channel.user_limit ?? 0;
  const reason = block === "no_permission" ? t("voice.locked") : block === "full" ? t("voice.full") : "";
  return (
    <li>
      <a
        href={channelPath(channel.guild_id, channel.id)}
        className={`channel-link voice-channel-link ${active ? "active" : ""} ${here ? "connected" : ""} ${block ? "blocked" : ""}`}
        aria-current={active ? "page" : undefined}
        title={reason || undefined}
        onClick={(e) => {
          e.preventDefault();
          // A channel one cannot join opens its view, which says why.
          if (!here && !block) voice.join(channel.id);
          navigate(channelPath(channel.guild_id, channel.id));
          setUi({ drawer: "none" });
        }}
      >
        <ChannelIcon channel={channel} />
        {topic !== null ? (
          <span className="channel-name stage-link-text">
            <span className="stage-link-name">{channel.name}</span>
            <span className="stage-link-topic">
              <span className="live-dot" aria-hidden="true" />
              <span className="sr-only">{`, ${t("stage.live")}: `}</span>
              {topic}
            </span>
          </span>
        ) : (
          <span className="channel-name">{channel.name}</span>
        )}
        {reason && <span className="sr-only">{`, ${reason}`}</span>}
        {limit > 0 && (
          <>
            <span className="voice-count" aria-hidden="true">
              {t("voice.count_short", { current: formatNumber(count), limit: formatNumber(limit) })}
            </span>
            <span className="sr-only">{`, ${t("voice.count", { current: formatNumber(count), limit: formatNumber(limit) })}`}</span>
          </>
        )}
        {block === "no_permission" && (
          <span className="voice-lock">
            <VoiceIcon name="lock" size={14} />
          </span>
        )}
      </a>
      <VoiceChannelMembers channel={channel} />
    </li>
  );
}

export function ChannelSidebar({ guildId, channelId }: { guildId: string; channelId: string | null }) {
  const { t } = useTranslation();
  const guild = useStore((s) => s.guilds[guildId]);
  const groups = useStore((s) => s.guilds[guildId]?.channelIds && sidebarChannels(s, guildId));
  const mayManageChannels = useStore((s) => canInGuild(s, guildId, P.MANAGE_CHANNELS));
  const [collapsed, setCollapsed] = useState(readCollapsed);
  const [menu, setMenu] = useState(false);
  if (!guild) return null;
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    localStorage.setItem(COLLAPSED, JSON.stringify([...next]));
    setCollapsed(next);
  };
  return (
    <nav className="sidebar" aria-label={t("channels.list_label", { name: guild.name })}>
      <header className="sidebar-head">
        <button type="button" className="guild-name-button" aria-expanded={menu} aria-haspopup="menu" onClick={() => setMenu(!menu)}>
          <span className="guild-name">{guild.name}</span>
          <Icon name="category" size={16} />
        </button>
        {menu && <GuildMenu guildId={guildId} onClose={() => setMenu(false)} />}
      </header>
      <div className="sidebar-scroll">
        <CommunityEntry guildId={guildId} />
        <EventsEntry guildId={guildId} />
        {(groups || []).map(({ category, channels }) => {
          const open = !category || !collapsed.has(category.id);
          const visible = open ? channels : channels.filter((c) => c.id === channelId);
          return (
            <section key={category?.id ?? "none"} className="channel-group">
              {category && (
                <div className="category-row">
                  <button type="button" className="category" aria-expanded={open} onClick={() => toggle(category.id)}>
                    <span className={`chevron ${open ? "" : "closed"}`}>
                      <Icon name="category" size={12} />
                    </span>
                    <span>{category.name}</span>
                  </button>
                  {mayManageChannels && (
                    <button
                      type="button"
                      className="icon-button small"
                      aria-label={t("channels.create_in", { name: category.name })}
                      onClick={() => setUi({ createChannel: { guildId, parentId: category.id } })}
                    >
                      <Icon name="plus" size={14} />
                    </button>
                  )}
                </div>
              )}
              <ul className="channel-list">
                {visible
                  .filter((c) => c.type !== ChannelType.GUILD_CATEGORY)
                  .map((c) =>
                    isVoiceChannel(c) ? (
                      <VoiceChannelLink key={c.id} channel={c} active={c.id === channelId} />
                    ) : (
                      <ChannelLink key={c.id} channel={c} active={c.id === channelId} />
                    ),
                  )}
              </ul>
            </section>
          );
        })}
        {mayManageChannels && (
          <button type="button" className="sidebar-add" onClick={() => setUi({ createChannel: { guildId } })}>
            <Icon name="plus" size={16} /> {t("channels.create")}
          </button>
        )}
      </div>
    </nav>
  );
}
