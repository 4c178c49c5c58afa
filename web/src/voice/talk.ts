/** When the microphone is open and when the person is speaking: push-to-talk as a small state
 * machine, and speaking detection from the microphone's level with a hang time. Pure, tested. */

export type InputMode = "voice_activity" | "push_to_talk";

export interface TalkState {
  mode: InputMode;
  /** KeyboardEvent.code of the push-to-talk key. */
  key: string;
  held: boolean;
}

export type TalkEvent =
  | { type: "keydown"; code: string; repeat?: boolean }
  | { type: "keyup"; code: string }
  /** The window lost focus: a key released elsewhere never reports its keyup. */
  | { type: "blur" }
  | { type: "mode"; mode: InputMode; key?: string };

export interface TalkStep {
  state: TalkState;
  /** Op 5 to send: 1 when push-to-talk starts transmitting, 0 when it stops. */
  speaking: 0 | 1 | null;
}

export function talk(state: TalkState, event: TalkEvent): TalkStep {
  switch (event.type) {
    case "keydown":
      if (state.mode !== "push_to_talk" || event.code !== state.key || state.held) return { state, speaking: null };
      return { state: { ...state, held: true }, speaking: 1 };
    case "keyup":
      if (state.mode !== "push_to_talk" || event.code !== state.key || !state.held) return { state, speaking: null };
      return { state: { ...state, held: false }, speaking: 0 };
    case "blur":
      if (!state.held) return { state, speaking: null };
      return { state: { ...state, held: false }, speaking: 0 };
    case "mode": {
      const next: TalkState = { mode: event.mode, key: event.key ?? state.key, held: false };
      return { state: next, speaking: state.held ? 0 : null };
    }
  }
}

/** Is the microphone's track enabled? Muted (by oneself or the server) or without SPEAK it is
 * not; with push-to-talk only while the key is held. */
export function microphoneOpen(state: TalkState, muted: boolean, maySpeak: boolean): boolean {
  if (muted || !maySpeak) return false;
  return state.mode === "voice_activity" || state.held;
}

/** Speaking detection: above the threshold is speech; it ends only after `hangMs` of quiet, so a
 * breath between words does not flicker the ring. */
export interface SpeakingState {
  speaking: boolean;
  quietSince: number | null;
}

export const SPEAKING_THRESHOLD = 0.02;
export const SPEAKING_HANG_MS = 400;

export function detectSpeaking(
  state: SpeakingState,
  level: number,
  now: number,
  threshold = SPEAKING_THRESHOLD,
  hangMs = SPEAKING_HANG_MS,
): SpeakingState {
  if (level >= threshold) return state.speaking && state.quietSince === null ? state : { speaking: true, quietSince: null };
  if (!state.speaking) return state;
  if (state.quietSince === null) return { speaking: true, quietSince: now };
  return now - state.quietSince >= hangMs ? { speaking: false, quietSince: null } : state;
}

/** The root mean square of a block of samples (-1..1). */
export function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/** A key's name for the settings ("KeyV" → "V", "Backquote" stays). */
export function keyLabel(code: string): string {
  if (/^Key[A-Z]$/.test(code)) return code.slice(3);
  if (/^Digit\d$/.test(code)) return code.slice(5);
  return code;
}
