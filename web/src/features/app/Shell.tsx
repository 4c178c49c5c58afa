import { lazy, Suspense, useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useStore, getState, onDispatch } from "../../state/store";
import { mentionsMe } from "../../state/reducer";
import {
  displayName,
  isChannelMuted,
  isGuildMuted,
  isStageChannel,
  isTextChannel,
  isVoiceChannel,
  navigableChannels,
  notificationLevel,
  privateChannelName,
  totalMentions,
} from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { Confirm } from "../../ui/Dialog";
import { Icon } from "../../ui/Icon";
import { ChannelSidebar } from "../channels/ChannelSidebar";
import { CreateChannelDialog } from "../channels/CreateChannelDialog";
import { InviteDialog } from "../channels/InviteDialog";
import { NotificationsDialog } from "../channels/NotificationsDialog";
import { QuickSwitcher } from "../channels/QuickSwitcher";
import { DmList } from "../dms/DmList";
import { CreateGuildDialog } from "../guilds/CreateGuildDialog";
import { openGuild, rememberChannel, ServerRail } from "../guilds/ServerRail";
import { MemberList } from "../members/MemberList";
import { ProfileCard } from "../members/ProfileCard";
import { MarkdownContext, type MarkdownEnv } from "../messages/Markdown";
import { MessagePane } from "../messages/MessagePane";
import { IncomingCalls } from "../calls/IncomingCall";
import { StageChannelView } from "../voice/StageChannelView";
import { VoiceChannelView } from "../voice/VoiceChannelView";
import { MuteDeafenButtons } from "../voice/VoiceControls";
import { VoicePanel } from "../voice/VoicePanel";
import { VoiceRoot } from "../voice/VoiceRoot";
import { CommunityHome } from "../community/CommunityHome";
import { ForumView } from "../threads/ForumView";
import { channelPath, navigate, type Route } from "./router";
import { getUi, notify, setUi, useUi } from "./ui";
import { ChannelType, type Message } from "../../api/types";

const UserSettings = lazy(() => import("../settings/UserSettings"));
const GuildSettings = lazy(() => import("../settings/GuildSettings"));

function UserPanel() {
  const { t } = useTranslation();
  const me = useStore((s) => s.me);
  if (!me) return null;
  const name = me.global_name || me.username;
  return (
    <div className="user-panel">
      <Avatar id={me.id} name={name} size={32} status="online" statusLabel={t("presence.online")} />
      <div className="user-panel-names">
        <span className="user-panel-name">{name}</span>
        <span className="muted small">{me.username}</span>
      </div>
      <MuteDeafenButtons />
      <button type="button" className="icon-button" aria-label={t("settings.title")} onClick={() => setUi({ userSettings: true })}>
        <Icon name="gear" />
      </button>
    </div>
  );
}

function OfflineBanner() {
  const { t } = useTranslation();
  const status = useStore((s) => s.status);
  const hasSession = useStore((s) => !!s.me);
  if (status === "ready" || !hasSession) return null;
  return (
    <div className="offline-banner" role="status">
      <Icon name="warning" size={16} /> {status === "connecting" ? t("connection.reconnecting") : t("connection.offline")}
    </div>
  );
}

function Notices() {
  const notices = useUi((u) => u.notices);
  const { t } = useTranslation();
  return (
    <div className="notices" role="region" aria-label={t("common.notices")}>
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.tone}`} role={n.tone === "error" ? "alert" : "status"}>
          {n.text}
          <button type="button" className="icon-button small" aria-label={t("common.dismiss")} onClick={() => setUi((u) => ({ notices: u.notices.filter((x) => x.id !== n.id) }))}>
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}

/** The tab title counts what waits for the person; the desktop tells about mentions, DMs and
 * replies while the tab is in the background. */
function useAttention(route: Route) {
  const { t } = useTranslation();
  const mentions = useStore((s) => totalMentions(s));
  const place = useStore((s) => {
    const id = route.name === "guild" || route.name === "dms" ? route.channelId : null;
    const channel = id ? s.channels[id] : undefined;
    if (!channel) return "";
    return channel.guild_id ? `#${channel.name}` : privateChannelName(s, channel);
  });
  useEffect(() => {
    document.title = `${mentions ? `(${mentions}) ` : ""}${place ? `${place} | ` : ""}townhall`;
  }, [mentions, place]);
  useEffect(
    () =>
      onDispatch((event, _before, after) => {
        if (event.t !== "MESSAGE_CREATE" || document.visibilityState === "visible" && document.hasFocus()) return;
        if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
        const message = event.d as Message;
        const channel = after.channels[message.channel_id];
        if (!channel || !mentionsMe(after, message)) return;
        if (isChannelMuted(after, channel) || (channel.guild_id && isGuildMuted(after, channel.guild_id)) || notificationLevel(after, channel) === 2) return;
        const author = displayName(after, message.author.id, channel.guild_id);
        const where = channel.guild_id ? `#${channel.name}` : t("dms.title");
        const note = new Notification(`${author} (${where})`, { body: message.content.slice(0, 180), tag: message.id });
        note.onclick = () => {
          window.focus();
          navigate(channelPath(channel.guild_id, channel.id));
        };
      }),
    [t],
  );
  // Malware found in a file: its uploader learns which file, the channel's moderators who sent it.
  useEffect(
    () =>
      onDispatch((event, _before, after) => {
        if (event.t !== "MESSAGE_ATTACHMENT_BLOCKED") return;
        const blocked = event.d as { channel_id: string; guild_id?: string; filename: string; uploader_id: string; signature: string };
        const channel = after.channels[blocked.channel_id];
        const where = channel?.guild_id ? `#${channel.name}` : t("dms.title");
        if (blocked.uploader_id === after.me?.id) {
          notify(t("files.blocked_own", { name: blocked.filename, signature: blocked.signature }));
        } else {
          const who = displayName(after, blocked.uploader_id, blocked.guild_id ?? null);
          notify(t("files.blocked_moderator", { name: blocked.filename, user: who, where, signature: blocked.signature }));
        }
      }),
    [t],
  );
}

function useShortcuts(route: Route) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && getUi().drawer !== "none") {
        setUi({ drawer: "none" });
        return;
      }
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setUi((u) => ({ quickSwitcher: !u.quickSwitcher }));
        return;
      }
      if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        const s = getState();
        const list =
          route.name === "guild"
            ? navigableChannels(s, route.guildId).map((c) => c.id)
            : s.privateChannelIds.filter((id) => isTextChannel(s.channels[id]));
        const current = route.name === "guild" || route.name === "dms" ? route.channelId : null;
        const at = current ? list.indexOf(current) : -1;
        const next = list[(at + (event.key === "ArrowDown" ? 1 : -1) + list.length) % list.length];
        if (next) {
          event.preventDefault();
          navigate(channelPath(route.name === "guild" ? route.guildId : null, next));
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [route]);
}

function Dialogs() {
  const { t } = useTranslation();
  const ui = useUi((u) => u);
  return (
    <>
      {ui.quickSwitcher && <QuickSwitcher />}
      {ui.createGuild && <CreateGuildDialog />}
      {ui.createChannel && <CreateChannelDialog {...ui.createChannel} />}
      {ui.invite && <InviteDialog channelId={ui.invite.channelId} />}
      {ui.notifications && <NotificationsDialog {...ui.notifications} />}
      {ui.profile && <ProfileCard {...ui.profile} />}
      <Suspense fallback={null}>
        {ui.userSettings && <UserSettings />}
        {ui.guildSettings && <GuildSettings {...ui.guildSettings} />}
      </Suspense>
      {ui.leave && (
        <Confirm
          title={t("links.leave_title")}
          body={
            <>
              <p>{t("links.leave_body")}</p>
              <p className="leave-url">{ui.leave}</p>
            </>
          }
          confirm={t("links.visit")}
          onConfirm={() => window.open(ui.leave!, "_blank", "noopener,noreferrer")}
          onClose={() => setUi({ leave: null })}
        />
      )}
    </>
  );
}

export function Shell({ route }: { route: Route & { name: "guild" | "dms" } }) {
  const { t } = useTranslation();
  const drawer = useUi((u) => u.drawer);
  const showMembers = useUi((u) => u.showMembers);
  const guildId = route.name === "guild" ? route.guildId : null;
  const home = route.name === "guild" && !!route.home;
  const ready = useStore((s) => !!s.me);
  const guildKnown = useStore((s) => (guildId ? !!s.guilds[guildId] : true));
  const channel = useStore((s) => (route.channelId ? s.channels[route.channelId] : undefined));
  const inThisCall = useStore((s) => !!route.channelId && s.voice?.channelId === route.channelId);
  useAttention(route);
  useShortcuts(route);

  // A guild without a channel in the address opens its first (or last visited) text channel.
  useEffect(() => {
    if (guildId && guildKnown && !route.channelId && !home) openGuild(guildId);
  }, [guildId, guildKnown, route.channelId, home]);
  useEffect(() => {
    if (guildId && route.channelId) rememberChannel(guildId, route.channelId);
  }, [guildId, route.channelId]);
  // A channel that vanished (deleted, or hidden by a permission change) leaves the screen.
  useEffect(() => {
    if (ready && route.channelId && !channel && guildKnown) {
      navigate(guildId ? `/channels/${guildId}` : "/channels/@me", true);
    }
  }, [ready, route.channelId, channel, guildId, guildKnown]);

  const env = useMemo<MarkdownEnv>(
    () => ({
      userName: (id) => {
        const s = getState();
        return s.users[id] ? displayName(s, id, guildId) : null;
      },
      roleName: (id) => {
        const role = guildId ? getState().guilds[guildId]?.roles[id] : undefined;
        return role ? { name: role.name, color: role.color } : null;
      },
      channelName: (id) => getState().channels[id]?.name ?? null,
      openChannel: (id) => {
        const c = getState().channels[id];
        if (c) navigate(channelPath(c.guild_id, c.id));
      },
      openUser: (id, anchor) => {
        const rect = anchor.getBoundingClientRect();
        setUi({ profile: { userId: id, guildId, x: rect.left, y: rect.bottom + 4 } });
      },
      leave: (url) => setUi({ leave: url }),
    }),
    [guildId],
  );

  if (!ready) {
    return (
      <div className="center-screen" role="status">
        <div className="loading-brand">townhall</div>
        <p className="muted">{t("connection.connecting")}</p>
      </div>
    );
  }
  const hasMembers = !!guildId && !!channel;
  return (
    <MarkdownContext.Provider value={env}>
      <div className={`shell drawer-${drawer} ${hasMembers && showMembers ? "with-members" : ""}`}>
        <OfflineBanner />
        <IncomingCalls />
        <div className="nav-drawer" aria-label={t("nav.navigation")}>
          <ServerRail activeGuild={guildId} />
          <div className="sidebar-column">
            {guildId ? <ChannelSidebar guildId={guildId} channelId={route.channelId} /> : <DmList channelId={route.channelId} />}
            <VoicePanel placement="sidebar" />
            <UserPanel />
          </div>
        </div>
        {drawer !== "none" && <button type="button" className="drawer-scrim" aria-label={t("nav.close_drawer")} onClick={() => setUi({ drawer: "none" })} />}
        <main className="main">
          {!inThisCall && <VoicePanel placement="phone" />}
          {home && guildId ? (
            <CommunityHome key={guildId} guildId={guildId} />
          ) : channel && isStageChannel(channel) && guildId ? (
            <StageChannelView key={channel.id} channel={channel} />
          ) : channel && isVoiceChannel(channel) && guildId ? (
            <VoiceChannelView key={channel.id} channel={channel} />
          ) : channel && channel.type === ChannelType.GUILD_FORUM && guildId ? (
            <ForumView key={channel.id} forum={channel} />
          ) : channel ? (
            <MessagePane key={channel.id} channel={channel} />
          ) : (
            <div className="empty-main">
              <button type="button" className="icon-button phone-only" aria-label={t("nav.open_navigation")} onClick={() => setUi({ drawer: "nav" })}>
                <Icon name="menu" />
              </button>
              <h1>{guildId ? t("empty.no_channel_title") : t("empty.home_title")}</h1>
              <p className="muted">{guildId ? t("empty.no_channel_body") : t("empty.home_body")}</p>
              {!guildId && (
                <button type="button" className="button primary" onClick={() => setUi({ createGuild: true })}>
                  {t("guild.create")}
                </button>
              )}
            </div>
          )}
        </main>
        {hasMembers && (showMembers || drawer === "members") && (
          <div className="members-drawer">
            <MemberList guildId={guildId} />
          </div>
        )}
        <Dialogs />
        <VoiceRoot />
        <Notices />
      </div>
    </MarkdownContext.Provider>
  );
}
