import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { serverDeafened } from "../../state/selectors";
import { useStore } from "../../state/store";
import { canChooseOutput } from "../../voice/media";
import { voice, type VoiceProblem } from "../../voice/session";
import { notify } from "../app/ui";
import { useVoiceMedia, useVoicePreferences } from "./VoiceControls";

type SinkElement = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

/** One <audio> per audio slot the SFU forwards into: autoplay, silent while deafened, through
 * the chosen output device where the browser lets pages choose. */
function SlotAudio({ slot, track, deafened, output }: { slot: number; track: MediaStreamTrack; deafened: boolean; output: string }) {
  const ref = useRef<SinkElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    element.srcObject = new MediaStream([track]);
    void element.play().catch(() => undefined);
    return () => {
      element.srcObject = null;
    };
  }, [track]);
  useEffect(() => {
    const element = ref.current;
    if (element && canChooseOutput() && element.setSinkId) void element.setSinkId(output === "default" ? "" : output).catch(() => undefined);
  }, [output]);
  return <audio ref={ref} data-voice-slot={slot} autoPlay muted={deafened} />;
}

function problemText(t: (key: string, options?: Record<string, unknown>) => string, problem: VoiceProblem): string {
  switch (problem.kind) {
    case "no_permission":
      return t("voice.locked");
    case "full":
      return t("voice.full");
    case "join_failed":
      return t("voice.join_failed");
    case "no_stream_permission":
      return t("voice.no_stream_permission");
    case "capture":
      return t(`voice.capture.${problem.device}.${problem.failure}`);
  }
}

function isEditable(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
}

/** What a call needs whatever is on screen: its sound, push-to-talk keys, and its problems in
 * words. */
export function VoiceRoot() {
  const { t } = useTranslation();
  const media = useVoiceMedia();
  const preferences = useVoicePreferences();
  const deafened = useStore((s) => !!s.voice && (s.voice.selfDeaf || serverDeafened(s)));
  const inCall = useStore((s) => !!s.voice);

  useEffect(() => voice.onProblem((problem) => notify(problemText(t, problem))), [t]);

  useEffect(() => {
    if (!inCall) return;
    const down = (event: KeyboardEvent) => {
      if (event.code !== preferences.pushToTalkKey || event.repeat || isEditable(event.target)) return;
      voice.keyDown(event.code);
    };
    const up = (event: KeyboardEvent) => voice.keyUp(event.code);
    const blur = () => voice.blur();
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    window.addEventListener("blur", blur);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      window.removeEventListener("blur", blur);
    };
  }, [inCall, preferences.pushToTalkKey]);

  return (
    <div className="voice-audio" hidden>
      {media.remoteAudio.map(({ slot, track }) => (
        <SlotAudio key={`${slot}:${track.id}`} slot={slot} track={track} deafened={deafened} output={preferences.outputDevice} />
      ))}
    </div>
  );
}
