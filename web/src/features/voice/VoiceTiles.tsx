/** The tiles of a call: one per person (their camera when it is on, else their avatar with the
 * speaking ring), and one per shared screen. Voice channels, stages and DM calls all show them. */

import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { displayName, voiceScopeOf, voiceUserIds } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Avatar } from "../../ui/Avatar";
import type { VideoSource } from "../../voice/protocol";
import { voice } from "../../voice/session";
import { useVoiceMedia } from "./VoiceControls";
import { VoiceIcon } from "./VoiceIcon";
import { VoiceStateIcons } from "./VoiceParticipants";

interface VideoProps {
  track: MediaStreamTrack;
  mirrored?: boolean;
  label: string;
  /** Someone else's stream: the SFU is told how large it is shown (simulcast). */
  remote?: { userId: string; source: VideoSource };
}

function Video({ track, mirrored, label, remote }: VideoProps) {
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
  const userId = remote?.userId;
  const source = remote?.source;
  useEffect(() => {
    const element = ref.current;
    if (!element || !userId || !source || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      const ratio = window.devicePixelRatio || 1;
      const { width, height } = element.getBoundingClientRect();
      voice.showVideo(userId, source, { width: Math.round(width * ratio), height: Math.round(height * ratio) });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      voice.showVideo(userId, source, null);
    };
  }, [userId, source]);
  return <video ref={ref} className={`tile-video ${mirrored ? "mirrored" : ""}`} autoPlay playsInline muted aria-label={label} />;
}

interface TileModel {
  key: string;
  userId: string;
  source: VideoSource | null;
  /** The video (null: the avatar, also while a stream's video is on its way). */
  track: MediaStreamTrack | null;
}

interface TileProps {
  tile: TileModel;
  scopeId: string;
  guildId: string | null;
  focused: boolean;
  onFocus: () => void;
  /** What else the person's tile offers (a stage moderator's "Move to audience"). */
  extra?: ReactNode;
}

function Tile({ tile, scopeId, guildId, focused, onFocus, extra }: TileProps) {
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
          <Video
            track={tile.track}
            mirrored={me && tile.source === "camera"}
            label={label}
            remote={!me && tile.source ? { userId: tile.userId, source: tile.source } : undefined}
          />
        ) : (
          <span className={`speaking-ring large ${speaking ? "on" : ""}`}>
            <Avatar id={tile.userId} name={name} size={80} />
          </span>
        )}
        <div className="tile-caption">
          <span className="tile-name">{label}</span>
          {!tile.source && <VoiceStateIcons scopeId={scopeId} userId={tile.userId} />}
          {speaking && <span className="sr-only">{`, ${t("voice.speaking")}`}</span>}
        </div>
        {extra && <div className="tile-extra">{extra}</div>}
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

/** One tile per person of `only` (everyone in the channel without it), and one per shared
 * screen. */
function useTiles(channelId: string, only?: string[]): TileModel[] {
  const everyone = useStore((s) => voiceUserIds(s, channelId));
  const ids = only ?? everyone;
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

interface TilesProps {
  channel: Channel;
  /** Names the list ("In General"). */
  label: string;
  /** Only these people (a stage's speakers); everyone in the channel without it. */
  only?: string[];
  /** Smaller tiles, above a DM's messages. */
  small?: boolean;
  /** What the list says when nobody is in it. */
  empty?: string;
  /** Per person, what else their tile offers. */
  actions?: (userId: string) => ReactNode;
}

export function Tiles({ channel, label, only, small, empty, actions }: TilesProps) {
  const { t } = useTranslation();
  const tiles = useTiles(channel.id, only);
  const scopeId = useStore((s) => voiceScopeOf(s, channel.id));
  const [focused, setFocused] = useState<string | null>(null);
  const focus = focused && tiles.some((tile) => tile.key === focused) ? focused : null;
  if (!tiles.length) return <p className="voice-empty muted">{empty ?? t("voice.empty")}</p>;
  const ordered = focus ? [...tiles.filter((tile) => tile.key === focus), ...tiles.filter((tile) => tile.key !== focus)] : tiles;
  return (
    <ul className={`voice-tiles ${focus ? "with-focus" : ""} ${small ? "small" : ""} count-${Math.min(tiles.length, 5)}`} aria-label={label}>
      {ordered.map((tile) => (
        <Tile
          key={tile.key}
          tile={tile}
          scopeId={scopeId}
          guildId={channel.guild_id ?? null}
          focused={tile.key === focus}
          onFocus={() => setFocused(tile.key === focus ? null : tile.key)}
          extra={tile.source !== "screen" ? actions?.(tile.userId) : undefined}
        />
      ))}
    </ul>
  );
}

