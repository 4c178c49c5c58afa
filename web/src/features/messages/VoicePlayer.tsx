import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Attachment } from "../../api/types";
import { decodeWaveform, formatDuration, waveformBars } from "./attachmentRules";
import { FileIcon } from "./FileIcon";

const BARS = 40;
const BAR_STEP = 5;
const HEIGHT = 28;
const SPEEDS = [1, 1.5, 2] as const;
const SEEK_STEP = 5;

/** A voice message as messengers show one: play and pause, its waveform (the server's, from the
 * recording) filling in as it plays and taking a click or the arrow keys to move, the time, and
 * the speed (1×, 1.5×, 2×). */
export function VoicePlayer({ attachment }: { attachment: Attachment }) {
  const { t, i18n } = useTranslation();
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [position, setPosition] = useState(0);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(1);
  const [mediaDuration, setMediaDuration] = useState(0);
  const bars = useMemo(() => waveformBars(decodeWaveform(attachment.waveform), BARS), [attachment.waveform]);
  const duration = attachment.duration_secs || (Number.isFinite(mediaDuration) ? mediaDuration : 0);
  const progress = duration > 0 ? Math.min(1, position / duration) : 0;

  useEffect(() => {
    if (audio.current) audio.current.playbackRate = speed;
  }, [speed]);

  const toggle = () => {
    const element = audio.current;
    if (!element) return;
    if (element.paused) void element.play().catch(() => setPlaying(false));
    else element.pause();
  };
  const seek = (seconds: number) => {
    const element = audio.current;
    if (!element || !duration) return;
    element.currentTime = Math.max(0, Math.min(duration, seconds));
    setPosition(element.currentTime);
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowRight: SEEK_STEP, ArrowUp: SEEK_STEP, ArrowLeft: -SEEK_STEP, ArrowDown: -SEEK_STEP };
    if (event.key in moves) seek(position + moves[event.key]);
    else if (event.key === "Home") seek(0);
    else if (event.key === "End") seek(duration);
    else return;
    event.preventDefault();
  };
  const nextSpeed = SPEEDS[(SPEEDS.indexOf(speed) + 1) % SPEEDS.length];
  const speedText = `${new Intl.NumberFormat(i18n.language).format(speed)}×`;

  return (
    <div className={`voice-player ${playing ? "playing" : ""}`} role="group" aria-label={t("files.voice")}>
      <button type="button" className="voice-play" aria-label={playing ? t("files.pause") : t("files.play")} onClick={toggle}>
        <FileIcon name={playing ? "pause" : "play"} />
      </button>
      <div
        className="voice-wave"
        role="slider"
        tabIndex={0}
        aria-label={t("files.position")}
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(position)}
        aria-valuetext={t("files.position_value", { position: formatDuration(position), duration: formatDuration(duration) })}
        onKeyDown={onKeyDown}
        onClick={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          seek(((e.clientX - rect.left) / rect.width) * duration);
        }}
      >
        <svg viewBox={`0 0 ${BARS * BAR_STEP} ${HEIGHT}`} preserveAspectRatio="none" aria-hidden="true" focusable="false">
          {bars.map((height, i) => {
            const h = Math.max(2, height * HEIGHT);
            return <rect key={i} className={(i + 0.5) / BARS <= progress ? "played" : ""} x={i * BAR_STEP + 1} y={(HEIGHT - h) / 2} width={BAR_STEP - 2} height={h} rx={1.5} />;
          })}
        </svg>
      </div>
      <span className="voice-time">{formatDuration(playing || position > 0 ? position : duration)}</span>
      <button type="button" className="voice-speed" aria-label={t("files.speed", { speed: speedText })} onClick={() => setSpeed(nextSpeed)}>
        {speedText}
      </button>
      <audio
        ref={audio}
        src={attachment.url}
        preload="metadata"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => {
          setPlaying(false);
          setPosition(0);
        }}
        onTimeUpdate={(e) => setPosition(e.currentTarget.currentTime)}
        onLoadedMetadata={(e) => {
          setMediaDuration(e.currentTarget.duration);
          e.currentTarget.playbackRate = speed;
        }}
      />
    </div>
  );
}
