import { useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { maySpeak, mayStream, serverDeafened } from "../../state/selectors";
import { useStore } from "../../state/store";
import { getPreferences, subscribePreferences } from "../../voice/preferences";
import { voice, type VoiceMedia } from "../../voice/session";
import { keyLabel } from "../../voice/talk";
import { VoiceIcon } from "./VoiceIcon";

export function useVoiceMedia(): VoiceMedia {
  return useSyncExternalStore(voice.subscribeMedia, voice.getMedia, voice.getMedia);
}

export function useVoicePreferences() {
  return useSyncExternalStore(subscribePreferences, getPreferences, getPreferences);
}

/** Mute and deafen: in the user panel always (they are kept for the next call, as on Discord),
 * and in the call's control bar. */
export function MuteDeafenButtons() {
  const { t } = useTranslation();
  const preferences = useVoicePreferences();
  const own = useStore((s) => (s.voice ? { selfMute: s.voice.selfMute, selfDeaf: s.voice.selfDeaf } : null));
  const silenced = useStore((s) => !!s.voice && !maySpeak(s));
  const deafByServer = useStore(serverDeafened);
  const muted = own ? own.selfMute : preferences.selfMute || preferences.selfDeaf;
  const deafened = own ? own.selfDeaf : preferences.selfDeaf;
  return (
    <>
      <button
        type="button"
        className={`icon-button voice-toggle ${muted || silenced ? "off" : ""}`}
        aria-label={t("voice.mute")}
        aria-pressed={muted}
        title={silenced ? t("voice.cannot_speak") : muted ? t("voice.unmute") : t("voice.mute")}
        onClick={() => voice.toggleMute()}
      >
        <VoiceIcon name={muted || silenced ? "micOff" : "mic"} />
      </button>
      <button
        type="button"
        className={`icon-button voice-toggle ${deafened || deafByServer ? "off" : ""}`}
        aria-label={t("voice.deafen")}
        aria-pressed={deafened}
        title={deafByServer ? t("voice.server_deafened") : deafened ? t("voice.undeafen") : t("voice.deafen")}
        onClick={() => voice.toggleDeaf()}
      >
        <VoiceIcon name={deafened || deafByServer ? "headphonesOff" : "headphones"} />
      </button>
    </>
  );
}

/** Camera, screen and disconnect (and, in the call view, mute and deafen). */
export function CallButtons({ withMute }: { withMute?: boolean }) {
  const { t } = useTranslation();
  const media = useVoiceMedia();
  const mayStreamHere = useStore(mayStream);
  const screenSupported = typeof navigator !== "undefined" && !!navigator.mediaDevices?.getDisplayMedia;
  return (
    <div className="call-buttons" role="group" aria-label={t("voice.controls")}>
      {withMute && <MuteDeafenButtons />}
      <button
        type="button"
        className="icon-button voice-toggle"
        aria-label={t("voice.camera")}
        aria-pressed={!!media.camera}
        disabled={!mayStreamHere}
        title={mayStreamHere ? t("voice.camera") : t("voice.no_stream_permission")}
        onClick={() => void voice.toggleCamera()}
      >
        <VoiceIcon name={media.camera ? "camera" : "cameraOff"} />
      </button>
      {screenSupported && (
        <button
          type="button"
          className="icon-button voice-toggle"
          aria-label={t("voice.share_screen")}
          aria-pressed={!!media.screen}
          disabled={!mayStreamHere}
          title={mayStreamHere ? t("voice.share_screen") : t("voice.no_stream_permission")}
          onClick={() => void voice.toggleScreen()}
        >
          <VoiceIcon name="screen" />
        </button>
      )}
      <button type="button" className="icon-button voice-hangup" aria-label={t("voice.disconnect")} title={t("voice.disconnect")} onClick={() => voice.leave()}>
        <VoiceIcon name="hangup" />
      </button>
    </div>
  );
}

/** "Hold ` to talk" while push-to-talk is in force (chosen, or required by the channel). */
export function PushToTalkHint() {
  const { t } = useTranslation();
  const media = useVoiceMedia();
  const preferences = useVoicePreferences();
  const inCall = useStore((s) => !!s.voice);
  if (!inCall || media.mode !== "push_to_talk") return null;
  const key = keyLabel(preferences.pushToTalkKey);
  return (
    <p className={`ptt-hint ${media.transmitting ? "live" : ""}`} role="status">
      {preferences.mode === "push_to_talk" ? t("voice.ptt_hint", { key }) : t("voice.ptt_required", { key })}
    </p>
  );
}
