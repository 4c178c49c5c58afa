/** Voice & Video settings of this browser (devices differ per machine, so they stay in
 * localStorage, as Discord keeps them per client): devices, input mode, push-to-talk key, and
 * whether one joins muted or deafened (kept from the last call, as on Discord). */

import type { InputMode } from "./talk";

export interface VoicePreferences {
  inputDevice: string;
  outputDevice: string;
  mode: InputMode;
  pushToTalkKey: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

const KEY = "townhall.voice";
export const DEFAULT_PREFERENCES: VoicePreferences = {
  inputDevice: "default",
  outputDevice: "default",
  mode: "voice_activity",
  pushToTalkKey: "Backquote",
  selfMute: false,
  selfDeaf: false,
};

function read(): VoicePreferences {
  try {
    const stored = typeof localStorage !== "undefined" ? localStorage.getItem(KEY) : null;
    return { ...DEFAULT_PREFERENCES, ...(stored ? (JSON.parse(stored) as Partial<VoicePreferences>) : {}) };
  } catch {
    return DEFAULT_PREFERENCES;
  }
}

let preferences = read();
const listeners = new Set<() => void>();

export function getPreferences(): VoicePreferences {
  return preferences;
}

export function setPreferences(change: Partial<VoicePreferences>): void {
  preferences = { ...preferences, ...change };
  try {
    localStorage.setItem(KEY, JSON.stringify(preferences));
  } catch {
    // Private mode: the choice lasts until the tab closes.
  }
  for (const listener of listeners) listener();
}

export function subscribePreferences(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
