import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { formatDuration, MessageFlag, voiceFormat } from "./attachmentRules";
import { asDraft, sendWithFiles } from "./AttachmentUpload";

/** A voice message is a message, not a podcast: recording stops (and sends) after this long. */
const MAX_SECONDS = 15 * 60;

export function canRecord(): boolean {
  return typeof MediaRecorder !== "undefined" && !!navigator.mediaDevices?.getUserMedia && !!voiceFormat((type) => MediaRecorder.isTypeSupported(type));
}

/** Records a voice message from the microphone (MediaRecorder, Opus) while it is shown: the
 * composer shows it in place of the text field, with the time, "cancel" and "send". The server
 * measures the recording's duration and waveform. */
export function VoiceRecorder({ channelId, replyTo, onDone }: { channelId: string; replyTo: string | null; onDone: (sent: boolean) => void }) {
  const { t } = useTranslation();
  const [seconds, setSeconds] = useState(0);
  const [ready, setReady] = useState(false);
  const recorder = useRef<MediaRecorder | null>(null);
  const finish = useRef<(send: boolean) => void>(() => undefined);
  const sendButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let cancelled = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    const stopAll = () => {
      clearInterval(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
    const format = voiceFormat((type) => MediaRecorder.isTypeSupported(type));
    navigator.mediaDevices
      .getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } })
      .then((found) => {
        stream = found;
        if (cancelled || !format) {
          stopAll();
          return;
        }
        const chunks: Blob[] = [];
        const media = new MediaRecorder(found, { mimeType: format.mimeType });
        recorder.current = media;
        let send = false;
        media.ondataavailable = (e) => e.data.size && chunks.push(e.data);
        media.onstop = () => {
          stopAll();
          if (!send) return; // sent even when the recorder is gone from the screen by now
          const type = format.mimeType.split(";")[0];
          const file = new File(chunks, format.filename, { type });
          sendWithFiles({ channelId, content: "", files: [asDraft(file)], replyTo: replyTo ?? undefined, flags: MessageFlag.IS_VOICE_MESSAGE });
        };
        finish.current = (wanted: boolean) => {
          send = wanted;
          if (media.state !== "inactive") media.stop();
          else stopAll();
          onDone(wanted);
        };
        const started = Date.now();
        media.start(1000);
        setReady(true);
        timer = setInterval(() => {
          const elapsed = (Date.now() - started) / 1000;
          setSeconds(elapsed);
          if (elapsed >= MAX_SECONDS) finish.current(true);
        }, 250);
      })
      .catch(() => {
        if (cancelled) return;
        notify(t("files.mic_denied"));
        onDone(false);
      });
    return () => {
      cancelled = true;
      const media = recorder.current;
      if (media && media.state !== "inactive") media.stop();
      stopAll();
    };
    // Recording starts once, when the recorder appears; the callbacks of that moment stay.
  }, []);

  useEffect(() => {
    if (ready) sendButton.current?.focus();
  }, [ready]);

  return (
    <div
      className="composer voice-recorder"
      role="group"
      aria-label={t("files.recording_label")}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          finish.current(false);
        }
      }}
    >
      <button type="button" className="icon-button danger" aria-label={t("files.cancel_recording")} onClick={() => (ready ? finish.current(false) : onDone(false))}>
        <Icon name="trash" />
      </button>
      <span className={`recording-dot ${ready ? "live" : ""}`} aria-hidden="true" />
      <span className="recording-text" role="timer" aria-live="off">
        {ready ? t("files.recording", { time: formatDuration(seconds) }) : t("files.mic_waiting")}
      </span>
      <button ref={sendButton} type="button" className="icon-button send-button" aria-label={t("files.send_voice")} disabled={!ready} onClick={() => finish.current(true)}>
        <Icon name="send" />
      </button>
    </div>
  );
}
