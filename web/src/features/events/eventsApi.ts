/** The REST calls of scheduled events, through the one API client (the same routes a bot uses;
 * the calendar file is a download, so it is fetched as bytes with the token). */

import { API_BASE, ApiError, api, type Body } from "../../api/client";
import type { ScheduledEvent, ScheduledEventInterest } from "../../api/types";

export type CreateEventBody = Body<"CreateScheduledEventBody">;
export type ModifyEventBody = Body<"ModifyScheduledEventBody">;

const events = (guildId: string) => `/guilds/${guildId}/scheduled-events`;

export const eventsApi = {
  create: (guildId: string, body: CreateEventBody) => api.request<ScheduledEvent>("POST", events(guildId), body),
  modify: (guildId: string, eventId: string, body: ModifyEventBody) =>
    api.request<ScheduledEvent>("PATCH", `${events(guildId)}/${eventId}`, body),
  remove: (guildId: string, eventId: string) => api.request<void>("DELETE", `${events(guildId)}/${eventId}`),
  markInterested: (guildId: string, eventId: string) =>
    api.request<ScheduledEventInterest>("PUT", `${events(guildId)}/${eventId}/users/@me`),
  unmarkInterested: (guildId: string, eventId: string) =>
    api.request<void>("DELETE", `${events(guildId)}/${eventId}/users/@me`),
  myInterests: (guildId: string) =>
    api.request<ScheduledEventInterest[]>("GET", `/users/@me/scheduled-events?guild_ids=${guildId}`),
};

function failureKind(status: number): ApiError["kind"] {
  if (status === 401) return "unauthorized";
  if (status === 403) return "access";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  return status >= 500 ? "server" : "invalid";
}

/** Saves the event's `.ics` file (RFC 5545) under the name the server gives it. */
export async function downloadCalendar(guildId: string, eventId: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${events(guildId)}/${eventId}/ics`, {
      headers: api.token ? { Authorization: api.token } : {},
    });
  } catch {
    throw new ApiError("network", 0, 0, "network");
  }
  if (!response.ok) throw new ApiError(failureKind(response.status), response.status, 0, "");
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "event.ics";
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
