/** Client-side routes: `/login`, `/register`, `/invite/{code}`, `/channels/@me[/{dm}]`,
 * `/channels/{guild}[/{channel}]` and a community's home, `/channels/{guild}/home`. The server
 * answers each of them with the app. */

import { useSyncExternalStore } from "react";

export type Route =
  | { name: "login" }
  | { name: "register" }
  | { name: "invite"; code: string }
  | { name: "dms"; channelId: string | null }
  | { name: "guild"; guildId: string; channelId: string | null; home?: boolean };

const HOME = "home";

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "login") return { name: "login" };
  if (parts[0] === "register") return { name: "register" };
  if (parts[0] === "invite" && parts[1]) return { name: "invite", code: parts[1] };
  if (parts[0] === "channels" && parts[1] && parts[1] !== "@me") {
    if (parts[2] === HOME) return { name: "guild", guildId: parts[1], channelId: null, home: true };
    return { name: "guild", guildId: parts[1], channelId: parts[2] ?? null };
  }
  return { name: "dms", channelId: parts[0] === "channels" ? (parts[2] ?? null) : null };
}

const listeners = new Set<() => void>();
function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

export function navigate(path: string, replace = false): void {
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname, () => "/");
}

/** A community's home (features/community/). */
export function communityHomePath(guildId: string): string {
  return `/channels/${guildId}/${HOME}`;
}

export function channelPath(guildId: string | null | undefined, channelId: string): string {
  return `/channels/${guildId ?? "@me"}/${channelId}`;
}
