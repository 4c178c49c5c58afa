/** What is open on screen (dialogs, drawers, cards, notices): a small store apart from the data. */

import { useSyncExternalStore } from "react";

export type Drawer = "none" | "nav" | "members";
export type SettingsTab = "overview" | "roles" | "channels" | "invites" | "members" | "bans";

export interface Notice {
  id: number;
  text: string;
  tone: "error" | "info";
}

export interface UiState {
  drawer: Drawer;
  showMembers: boolean;
  quickSwitcher: boolean;
  userSettings: boolean;
  guildSettings: { guildId: string; tab: SettingsTab; channelId?: string } | null;
  createGuild: boolean;
  createChannel: { guildId: string; parentId?: string } | null;
  invite: { channelId: string } | null;
  notifications: { guildId: string; channelId?: string } | null;
  profile: { userId: string; guildId: string | null; x: number; y: number } | null;
  leave: string | null;
  pins: boolean;
  newDm: boolean;
  notices: Notice[];
  theme: "system" | "light" | "dark";
}

const THEME_KEY = "townhall.theme";
let ui: UiState = {
  drawer: "none",
  showMembers: true,
  quickSwitcher: false,
  userSettings: false,
  guildSettings: null,
  createGuild: false,
  createChannel: null,
  invite: null,
  notifications: null,
  profile: null,
  leave: null,
  pins: false,
  newDm: false,
  notices: [],
  theme: ((typeof localStorage !== "undefined" && localStorage.getItem(THEME_KEY)) as UiState["theme"]) || "system",
};
const listeners = new Set<() => void>();

export function setUi(change: Partial<UiState> | ((u: UiState) => Partial<UiState>)): void {
  const patch = typeof change === "function" ? change(ui) : change;
  ui = { ...ui, ...patch };
  if (patch.theme && typeof localStorage !== "undefined") localStorage.setItem(THEME_KEY, patch.theme);
  for (const listener of listeners) listener();
}

export function getUi(): UiState {
  return ui;
}

export function useUi<T>(selector: (u: UiState) => T): T {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => selector(ui),
    () => selector(ui),
  );
}

let noticeId = 0;
/** A short message at the bottom of the screen (errors stay until dismissed or 8 s pass). */
export function notify(text: string, tone: Notice["tone"] = "error"): void {
  const id = ++noticeId;
  setUi((u) => ({ notices: [...u.notices.slice(-2), { id, text, tone }] }));
  setTimeout(() => setUi((u) => ({ notices: u.notices.filter((n) => n.id !== id) })), 8000);
}
