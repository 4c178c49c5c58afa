/** The browser's own media: the microphone, the camera and the screen, and a level meter on a
 * track (an AnalyserNode read a few times a second) for the speaking ring and the settings'
 * input meter. */

import { detectSpeaking, rms, type SpeakingState } from "./talk";

export type CaptureFailure = "denied" | "missing" | "unsupported" | "failed";

export class CaptureError extends Error {
  constructor(readonly failure: CaptureFailure) {
    super(failure);
  }
}

function failureOf(error: unknown): CaptureFailure {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "missing";
  return "failed";
}

function devices(): MediaDevices {
  if (typeof navigator === "undefined" || !navigator.mediaDevices) throw new CaptureError("unsupported");
  return navigator.mediaDevices;
}

export async function captureMicrophone(deviceId: string): Promise<MediaStreamTrack> {
  const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  if (deviceId && deviceId !== "default") audio.deviceId = { exact: deviceId };
  try {
    const stream = await devices().getUserMedia({ audio });
    return stream.getAudioTracks()[0];
  } catch (error) {
    if (error instanceof CaptureError) throw error;
    // A device that was unplugged: the default one instead.
    if (audio.deviceId && failureOf(error) === "missing") return captureMicrophone("default");
    throw new CaptureError(failureOf(error));
  }
}

export async function captureCamera(): Promise<MediaStreamTrack> {
  try {
    const stream = await devices().getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } } });
    return stream.getVideoTracks()[0];
  } catch (error) {
    throw error instanceof CaptureError ? error : new CaptureError(failureOf(error));
  }
}

/** A screen, window or tab, with its sound where the browser offers it. */
export async function captureScreen(): Promise<{ video: MediaStreamTrack; audio: MediaStreamTrack | null }> {
  const media = devices();
  if (!media.getDisplayMedia) throw new CaptureError("unsupported");
  try {
    const stream = await media.getDisplayMedia({ video: { frameRate: { ideal: 30 } }, audio: true });
    return { video: stream.getVideoTracks()[0], audio: stream.getAudioTracks()[0] ?? null };
  } catch (error) {
    throw new CaptureError(failureOf(error));
  }
}

export async function listDevices(): Promise<MediaDeviceInfo[]> {
  try {
    return await devices().enumerateDevices();
  } catch {
    return [];
  }
}

/** Can audio elements choose their output device (setSinkId; not in every browser)? */
export function canChooseOutput(): boolean {
  return typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;
}

let sharedContext: AudioContext | null = null;
function audioContext(): AudioContext | null {
  if (typeof AudioContext === "undefined") return null;
  sharedContext ??= new AudioContext();
  if (sharedContext.state === "suspended") void sharedContext.resume().catch(() => undefined);
  return sharedContext;
}

/** The level (RMS, 0..1) of a track, and whether it is speech, read every `everyMs`. */
export class LevelMeter {
  private source: MediaStreamAudioSourceNode | null = null;
  private analyser: AnalyserNode | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private speaking: SpeakingState = { speaking: false, quietSince: null };

  constructor(
    track: MediaStreamTrack,
    private readonly onLevel: (level: number, speaking: boolean) => void,
    everyMs = 60,
  ) {
    const context = audioContext();
    if (!context) return;
    this.source = context.createMediaStreamSource(new MediaStream([track]));
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.source.connect(this.analyser);
    const samples = new Float32Array(this.analyser.fftSize);
    this.timer = setInterval(() => {
      if (!this.analyser) return;
      this.analyser.getFloatTimeDomainData(samples);
      const level = track.enabled ? rms(samples) : 0;
      this.speaking = detectSpeaking(this.speaking, level, Date.now());
      this.onLevel(level, this.speaking.speaking);
    }, everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.source?.disconnect();
    this.source = null;
    this.analyser = null;
  }
}
