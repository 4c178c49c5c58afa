/** What this person sends in a call: the microphone (gated by mute, SPEAK and push-to-talk,
 * watched by a level meter), the camera, and the screen. The session says when the microphone
 * may be open; this says what changed through `OutgoingEvents`. */

import type { LocalTracks } from "./connection";
import { CaptureError, LevelMeter, captureCamera, captureMicrophone, captureScreen, type CaptureFailure } from "./media";
import { microphoneOpen, talk, type InputMode, type TalkEvent, type TalkState } from "./talk";

export type Device = "microphone" | "camera" | "screen";

export interface OutgoingEvents {
  /** Tracks appeared or went: the connection sends what it now has. */
  tracks(change: Partial<LocalTracks>): void;
  /** The camera or the screen ended on its own (unplugged, or the browser's "Stop sharing"). */
  ended(device: "camera" | "screen"): void;
  /** Push-to-talk started (1) or stopped (0) transmitting: op 5. */
  pushToTalk(speaking: 0 | 1): void;
  /** One's own voice is heard now (or no longer), from the microphone's level. */
  speaking(speaking: boolean): void;
  level(level: number): void;
  failed(device: Device, failure: CaptureFailure): void;
}

function failureOf(error: unknown): CaptureFailure {
  return error instanceof CaptureError ? error.failure : "failed";
}

export class OutgoingMedia {
  microphone: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  screenAudio: MediaStreamTrack | null = null;
  private capturing: Promise<void> | null = null;
  private meter: LevelMeter | null = null;
  private talkState: TalkState;
  private localSpeaking = false;

  constructor(
    private readonly events: OutgoingEvents,
    mode: InputMode,
    pushToTalkKey: string,
  ) {
    this.talkState = { mode, key: pushToTalkKey, held: false };
  }

  tracks(): LocalTracks {
    return { microphone: this.microphone, camera: this.camera, screen: this.screen, screenAudio: this.screenAudio };
  }

  /** Captures the microphone once (a capture already under way is shared); `wanted` says whether
   * the call still wants it when the browser answers. Without one the call goes on, listening. */
  async ensureMicrophone(deviceId: string, wanted: () => boolean): Promise<void> {
    if (this.microphone) return;
    this.capturing ??= (async () => {
      try {
        const track = await captureMicrophone(deviceId);
        if (wanted()) this.useMicrophone(track);
        else track.stop();
      } catch (error) {
        this.events.failed("microphone", failureOf(error));
      } finally {
        this.capturing = null;
      }
    })();
    await this.capturing;
  }

  /** Another microphone chosen during a call: swapped in without a new offer. */
  async changeMicrophone(deviceId: string): Promise<void> {
    if (!this.microphone) return;
    try {
      const track = await captureMicrophone(deviceId);
      this.microphone.stop();
      this.meter?.stop();
      this.useMicrophone(track);
    } catch (error) {
      this.events.failed("microphone", failureOf(error));
    }
  }

  async startCamera(wanted: () => boolean): Promise<boolean> {
    try {
      const track = await captureCamera();
      if (!wanted()) {
        track.stop();
        return false;
      }
      this.camera = track;
      track.addEventListener("ended", () => {
        if (this.camera === track) this.events.ended("camera");
      });
      this.events.tracks({ camera: track });
      return true;
    } catch (error) {
      this.events.failed("camera", failureOf(error));
      return false;
    }
  }

  stopCamera(): void {
    this.camera?.stop();
    this.camera = null;
    this.events.tracks({ camera: null });
  }

  async startScreen(wanted: () => boolean): Promise<boolean> {
    try {
      const { video, audio } = await captureScreen();
      if (!wanted()) {
        video.stop();
        audio?.stop();
        return false;
      }
      this.screen = video;
      this.screenAudio = audio;
      video.addEventListener("ended", () => {
        if (this.screen === video) this.events.ended("screen");
      });
      this.events.tracks({ screen: video, screenAudio: audio });
      return true;
    } catch (error) {
      // Closing the screen picker is a choice, not a problem.
      const failure = failureOf(error);
      if (failure !== "denied") this.events.failed("screen", failure);
      return false;
    }
  }

  stopScreen(): void {
    this.screen?.stop();
    this.screenAudio?.stop();
    this.screen = this.screenAudio = null;
    this.events.tracks({ screen: null, screenAudio: null });
  }

  /** A push-to-talk key, a lost focus, or another mode in the settings. */
  step(event: TalkEvent): void {
    const result = talk(this.talkState, event);
    this.talkState = result.state;
    if (result.speaking !== null) this.events.pushToTalk(result.speaking);
  }

  /** Enables the microphone's track exactly when this person may be heard now; returns the
   * input mode in force (push-to-talk when the channel does not allow voice activity). */
  gate(muted: boolean, maySpeak: boolean, voiceActivityAllowed: boolean, preferred: InputMode): { mode: InputMode; open: boolean } {
    const mode: InputMode = voiceActivityAllowed ? preferred : "push_to_talk";
    if (mode !== this.talkState.mode) this.step({ type: "mode", mode });
    const open = microphoneOpen(this.talkState, muted, maySpeak);
    if (this.microphone) this.microphone.enabled = open;
    if (!open) this.setSpeaking(false);
    return { mode, open };
  }

  stopAll(): void {
    this.meter?.stop();
    this.meter = null;
    for (const track of [this.microphone, this.camera, this.screen, this.screenAudio]) track?.stop();
    this.microphone = this.camera = this.screen = this.screenAudio = null;
    if (this.talkState.held) this.talkState = { ...this.talkState, held: false };
    this.setSpeaking(false);
  }

  private useMicrophone(track: MediaStreamTrack): void {
    this.microphone = track;
    this.meter = new LevelMeter(track, (level, speaking) => {
      this.events.level(level);
      this.setSpeaking(speaking && track.enabled);
    });
    this.events.tracks({ microphone: track });
  }

  private setSpeaking(speaking: boolean): void {
    if (this.localSpeaking === speaking) return;
    this.localSpeaking = speaking;
    this.events.speaking(speaking);
  }
}
