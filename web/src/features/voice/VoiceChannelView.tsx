import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { displayName, voiceJoinBlock, voiceUserIds } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Avatar } from "../../ui/Avatar";
import { Icon } from "../../ui/Icon";
import type { VideoSource } from "../../voice/protocol";
import { voice } from "../../voice/session";
import { setUi } from "../app/ui";
import { ChannelIcon } from "../channels/ChannelIcon";
import { MessagePane } from "../messages/MessagePane";
import { CallButtons, PushToTalkHint, useVoiceMedia } from "./VoiceControls";
import { VoiceIcon } from "./VoiceIcon";
import { VoiceStateIcons } from "./VoiceParticipants";

function Video({ track, mirrored, label }: { track: MediaStreamTrack; mirrored?: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    element.srcObject = new MediaStream([track]);
    void element.play().catch(() => undefined);
    return () => {
      element.srcObject = null;
    };
  }, [track]);
  return <video ref={ref} className={`tile-video ${mirrored ? "mirrored" : ""}`} autoPlay playsInline muted aria-label={label} />;
}

interface TileModel {
  key: string;
  userId: string;
  source: VideoSource | null;
  /** The video (null: the avatar, also while a stream's video is on its way). */
  track: MediaStreamTrack | null;
}

function Tile({ tile, guildId, focused, onFocus }: { tile: TileModel; guildId: string; focused: boolean; onFocus: () => void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const name = useStore((s) => displayName(s, tile.userId, guildId));
  const speaking = useStore((s) => !!s.speaking[tile.userId]);
  const me = useStore((s) => s.me?.id === tile.userId);
  const label = tile.source === "screen" ? t("voice.tile_screen", { name }) : tile.source === "camera" ? t("voice.tile_camera", { name }) : name;
  return (
    <li className={`voice-tile ${speaking && tile.source !== "screen" ? "speaking" : ""} ${focused ? "focused" : ""} ${tile.source ? `has-${tile.source}` : ""}`}>
      <div className="tile-frame" ref={ref}>
        {tile.track ? (
          <Video track={tile.track} mirrored={me && tile.source === "camera"} label={label} />
        ) : (
          <span className={`speaking-ring large ${speaking ? "on" : ""}`}>
            <Avatar id={tile.userId} name={name} size={80} />
          </span>
        )}
        <div className="tile-caption">
          <span className="tile-name">{label}</span>
          {!tile.source && <VoiceStateIcons guildId={guildId} userId={tile.userId} />}
          {speaking && <span className="sr-only">{`, ${t("voice.speaking")}`}</span>}
        </div>
        <div className="tile-actions">
          <button type="button" className="icon-button small" aria-label={focused ? t("voice.shrink") : t("voice.enlarge", { name: label })} aria-pressed={focused} onClick={onFocus}>
            <VoiceIcon name="enlarge" size={16} />
          </button>
          {tile.source === "screen" && tile.track && (
            <button type="button" className="icon-button small" aria-label={t("voice.fullscreen", { name: label })} onClick={() => void ref.current?.requestFullscreen?.().catch(() => undefined)}>
              <VoiceIcon name="fullscreen" size={16} />
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

/** One tile per person (their camera when it is on, else their avatar with the speaking ring),
 * and one per shared screen. */
function useTiles(channelId: string): TileModel[] {
  const ids = useStore((s) => voiceUserIds(s, channelId));
  const meId = useStore((s) => s.me?.id ?? "");
  const inCall = useStore((s) => s.voice?.channelId === channelId);
  const media = useVoiceMedia();
  const tiles: TileModel[] = [];
  const videoOf = (userId: string, source: VideoSource) => media.remoteVideo.find((v) => v.userId === userId && v.source === source)?.track ?? null;
  const offered = (userId: string, source: VideoSource) => media.offered.some((o) => o.user_id === userId && o.source === source);
  for (const userId of ids) {
    const mine = userId === meId && inCall;
    const camera = mine ? media.camera : videoOf(userId, "camera");
    tiles.push({ key: userId, userId, source: camera ? "camera" : null, track: camera });
    const screen = mine ? media.screen : videoOf(userId, "screen");
    if (screen || (!mine && offered(userId, "screen"))) {
      tiles.push({ key: `${userId}:screen`, userId, source: "screen", track: screen });
    }
  }
  return tiles;
}

function Tiles({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const tiles = useTiles(channel.id);
  const [focused, setFocused] = useState<string | null>(null);
  const focus = focused && tiles.some((tile) => tile.key === focused) ? focused : null;
  if (!tiles.length) return <p className="voice-empty muted">{t("voice.empty")}</p>;
  const ordered = focus ? [...tiles.filter((tile) => tile.key === focus), ...tiles.filter((tile) => tile.key !== focus)] : tiles;
  return (
    <ul className={`voice-tiles ${focus ? "with-focus" : ""} count-${Math.min(tiles.length, 5)}`} aria-label={t("voice.in_channel", { channel: channel.name ?? "" })}>
      {ordered.map((tile) => (
        <Tile key={tile.key} tile={tile} guildId={channel.guild_id!} focused={tile.key === focus} onFocus={() => setFocused(tile.key === focus ? null : tile.key)} />
      ))}
    </ul>
  );
}

/** The voice channel on screen: the call's tiles and controls when one is in it; who is there
 * and a join button (or why not) when one is not; its text chat on demand. */
export function VoiceChannelView({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const inCall = useStore((s) => s.voice?.channelId === channel.id);
  const block = useStore((s) => voiceJoinBlock(s, channel.id));
  const count = useStore((s) => voiceUserIds(s, channel.id).length);
  const [chat, setChat] = useState(false);
  if (chat) {
    return (
      <div className="voice-chat">
        <div className="voice-chat-back">
          <button type="button" className="button secondary" onClick={() => setChat(false)}>
            <VoiceIcon name="signal" size={16} /> {t("voice.back_to_call", { name: channel.name ?? "" })}
          </button>
        </div>
        <MessagePane key={channel.id} channel={channel} />
      </div>
    );
  }
  return (
    <section className="voice-view" aria-label={t("voice.view_label", { name: channel.name ?? "" })}>
      <header className="pane-head">
        <button type="button" className="icon-button phone-only" aria-label={t("nav.open_navigation")} onClick={() => setUi({ drawer: "nav" })}>
          <Icon name="menu" />
        </button>
        <ChannelIcon channel={channel} />
        <h1 className="pane-title">{channel.name}</h1>
        <div className="pane-actions">
          <button type="button" className="icon-button" aria-label={t("voice.chat")} onClick={() => setChat(true)}>
            <VoiceIcon name="chat" />
          </button>
          <button type="button" className="icon-button desktop-only" aria-label={t("members.toggle")} onClick={() => setUi((u) => ({ showMembers: !u.showMembers }))}>
            <Icon name="members" />
          </button>
        </div>
      </header>
      <div className="voice-stage">
        {inCall ? (
          <Tiles channel={channel} />
        ) : (
          <div className="voice-lobby">
            <h2>{channel.name}</h2>
            <p className="muted">{count ? t("voice.people_here", { count }) : t("voice.empty")}</p>
            {count > 0 && <Tiles channel={channel} />}
            {block ? (
              <p className="form-error" role="alert">
                {block === "full" ? t("voice.full") : t("voice.locked")}
              </p>
            ) : (
              <button type="button" className="button primary" onClick={() => voice.join(channel.id)}>
                {t("voice.join")}
              </button>
            )}
          </div>
        )}
      </div>
      {inCall && (
        <footer className="voice-control-bar">
          <PushToTalkHint />
          <CallButtons withMute />
        </footer>
      )}
    </section>
  );
}
