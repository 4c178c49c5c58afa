import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useStore } from "../../state/store";
import { CaptureError, LevelMeter, canChooseOutput, captureMicrophone, listDevices } from "../../voice/media";
import { setPreferences } from "../../voice/preferences";
import { voice } from "../../voice/session";
import { keyLabel } from "../../voice/talk";
import { useVoicePreferences } from "./VoiceControls";

function useDevices(refresh: number) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    let live = true;
    const load = () => void listDevices().then((found) => live && setDevices(found));
    load();
    navigator.mediaDevices?.addEventListener?.("devicechange", load);
    return () => {
      live = false;
      navigator.mediaDevices?.removeEventListener?.("devicechange", load);
    };
  }, [refresh]);
  return devices;
}

/** The microphone's level, 0..1: the call's own track in a call, else a test capture. */
function useInputLevel(testing: boolean, onFailure: (text: string) => void) {
  const { t } = useTranslation();
  const inCall = useStore((s) => !!s.voice);
  const device = useVoicePreferences().inputDevice;
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (inCall) return voice.onLevel(setLevel);
    if (!testing) {
      setLevel(0);
      return;
    }
    let meter: LevelMeter | null = null;
    let track: MediaStreamTrack | null = null;
    let live = true;
    captureMicrophone(device).then(
      (found) => {
        if (!live) return found.stop();
        track = found;
        meter = new LevelMeter(found, (value) => setLevel(value));
      },
      (error) => onFailure(t(`voice.capture.microphone.${error instanceof CaptureError ? error.failure : "failed"}`)),
    );
    return () => {
      live = false;
      meter?.stop();
      track?.stop();
    };
  }, [inCall, testing, device, t, onFailure]);
  return { level, live: inCall || testing };
}

/** Voice & Video: devices, the input meter, voice activity or push-to-talk. */
export function VoiceSettings() {
  const { t } = useTranslation();
  const preferences = useVoicePreferences();
  const [testing, setTesting] = useState(false);
  const [failure, setFailure] = useState("");
  const [waitingForKey, setWaitingForKey] = useState(false);
  const { level, live } = useInputLevel(testing, setFailure);
  const devices = useDevices(live ? 1 : 0);
  const inputs = devices.filter((d) => d.kind === "audioinput");
  const outputs = devices.filter((d) => d.kind === "audiooutput");
  const percent = Math.min(100, Math.round(Math.sqrt(level) * 160));

  useEffect(() => {
    if (!waitingForKey) return;
    const pick = (event: KeyboardEvent) => {
      event.preventDefault();
      event.stopPropagation();
      if (event.code !== "Escape") setPreferences({ pushToTalkKey: event.code });
      setWaitingForKey(false);
    };
    window.addEventListener("keydown", pick, { capture: true });
    return () => window.removeEventListener("keydown", pick, { capture: true });
  }, [waitingForKey]);

  const deviceName = (d: MediaDeviceInfo, index: number) =>
    d.label || (d.deviceId === "default" ? t("voice.settings.default_device") : t("voice.settings.device", { number: index + 1 }));

  return (
    <div className="form voice-settings">
      <h3>{t("voice.settings.title")}</h3>
      <label className="field">
        <span>{t("voice.settings.input")}</span>
        <select value={preferences.inputDevice} onChange={(e) => void voice.changeInputDevice(e.target.value)}>
          {!inputs.some((d) => d.deviceId === "default") && <option value="default">{t("voice.settings.default_device")}</option>}
          {inputs.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId || "default"}>
              {deviceName(d, i)}
            </option>
          ))}
        </select>
      </label>
      {canChooseOutput() ? (
        <label className="field">
          <span>{t("voice.settings.output")}</span>
          <select value={preferences.outputDevice} onChange={(e) => setPreferences({ outputDevice: e.target.value })}>
            {!outputs.some((d) => d.deviceId === "default") && <option value="default">{t("voice.settings.default_device")}</option>}
            {outputs.map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId || "default"}>
                {deviceName(d, i)}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <p className="hint">{t("voice.settings.output_unsupported")}</p>
      )}
      <div className="field">
        <span id="voice-level-label">{t("voice.settings.input_level")}</span>
        <div className="level-meter" role="meter" aria-labelledby="voice-level-label" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <div className="level-fill" style={{ width: `${percent}%` }} />
        </div>
      </div>
      <button type="button" className="button secondary" aria-pressed={testing} onClick={() => setTesting(!testing)} disabled={live && !testing}>
        {testing ? t("voice.settings.stop_test") : t("voice.settings.test")}
      </button>
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      <fieldset className="radio-list">
        <legend>{t("voice.settings.mode")}</legend>
        {(["voice_activity", "push_to_talk"] as const).map((mode) => (
          <label key={mode} className="radio-row">
            <input type="radio" name="voice-mode" checked={preferences.mode === mode} onChange={() => setPreferences({ mode })} />
            <span>{t(`voice.settings.${mode}`)}</span>
          </label>
        ))}
      </fieldset>
      {preferences.mode === "push_to_talk" && (
        <div className="field">
          <span>{t("voice.settings.key")}</span>
          <button type="button" className="button secondary" aria-live="polite" onClick={() => setWaitingForKey(true)}>
            {waitingForKey ? t("voice.settings.key_waiting") : t("voice.settings.key_is", { key: keyLabel(preferences.pushToTalkKey) })}
          </button>
        </div>
      )}
    </div>
  );
}
