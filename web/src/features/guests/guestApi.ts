/** The guest routes (docs/guests.md), through the one API client. */

import { api, type Body } from "../../api/client";
import type { components } from "../../api/schema.gen";
import type { Guild } from "../../api/types";

/** A current guest with when they end, as `GET /guilds/{id}/guests` lists them. */
export type CurrentGuest = components["schemas"]["Guest"];

export interface SignedIn {
  token: string;
  user_id: string;
}

/** No token: a guest link makes a guest account, answered as a sign-in is. */
export function joinAsGuest(code: string, body: Body<"JoinAsGuestBody">): Promise<SignedIn> {
  return api.request<SignedIn>("POST", `/invites/${encodeURIComponent(code)}/guest`, body);
}

/** The community's current guests, oldest first (MANAGE_GUILD). */
export function listGuests(guildId: string): Promise<CurrentGuest[]> {
  return api.request<CurrentGuest[]>("GET", `/guilds/${guildId}/guests`);
}

/** A moderator ends a guest's access at once; what they wrote is erased. */
export function endGuestAccess(guildId: string, userId: string): Promise<void> {
  return api.request<void>("DELETE", `/guilds/${guildId}/guests/${userId}`);
}

/** The guild as REST has it, with its guest settings (the client state keeps only what it shows). */
export function guildWithSettings(guildId: string): Promise<Guild> {
  return api.request<Guild>("GET", `/guilds/${guildId}`);
}
