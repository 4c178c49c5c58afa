/** Scheduled events in the store, as pure functions the reducer calls (docs/scheduled-events.md).
 *
 * A guild's SCHEDULED and ACTIVE events come with its GUILD_CREATE (with `user_count`) and stay
 * current through GUILD_SCHEDULED_EVENT_*; a finished one leaves. Whether this person is interested
 * comes from `GET /users/@me/scheduled-events` and from their own USER_ADD and USER_REMOVE. */

import type { ScheduledEvent } from "../api/types";

export const EventStatus = { SCHEDULED: 1, ACTIVE: 2, COMPLETED: 3, CANCELED: 4 } as const;
export const EntityType = { STAGE_INSTANCE: 1, VOICE: 2, EXTERNAL: 3 } as const;

/** The part of the state this module reads and writes. */
export interface EventsSlice {
  me: { id: string } | null;
  channels: Record<string, unknown>;
  /** By guild, then by event id. */
  scheduledEvents: Record<string, Record<string, ScheduledEvent>>;
  /** The events this person is interested in. */
  interestedIn: Record<string, true>;
}

export interface InterestChange {
  guild_scheduled_event_id: string;
  user_id: string;
  guild_id: string;
}

function unfinished(event: ScheduledEvent): boolean {
  return event.status === EventStatus.SCHEDULED || event.status === EventStatus.ACTIVE;
}

/** A guild's events as GUILD_CREATE or a fresh list gives them (those known before are replaced). */
export function putGuildEvents<S extends EventsSlice>(state: S, guildId: string, events: ScheduledEvent[]): S {
  const byId: Record<string, ScheduledEvent> = {};
  for (const event of events) if (unfinished(event)) byId[event.id] = { ...event, guild_id: guildId };
  const scheduledEvents = { ...state.scheduledEvents };
  if (events.length) scheduledEvents[guildId] = byId;
  else delete scheduledEvents[guildId];
  return { ...state, scheduledEvents };
}

/** CREATE and UPDATE carry the whole event; a count they lack is kept from before. */
export function putScheduledEvent<S extends EventsSlice>(state: S, event: ScheduledEvent): S {
  const guildEvents = state.scheduledEvents[event.guild_id] ?? {};
  if (!unfinished(event)) return removeScheduledEvent(state, event.guild_id, event.id);
  const known = guildEvents[event.id];
  const merged = { ...event, user_count: event.user_count ?? known?.user_count ?? 0 };
  return { ...state, scheduledEvents: { ...state.scheduledEvents, [event.guild_id]: { ...guildEvents, [event.id]: merged } } };
}

export function removeScheduledEvent<S extends EventsSlice>(state: S, guildId: string, eventId: string): S {
  const guildEvents = state.scheduledEvents[guildId];
  if (!guildEvents?.[eventId]) return state;
  const rest = { ...guildEvents };
  delete rest[eventId];
  return { ...state, scheduledEvents: { ...state.scheduledEvents, [guildId]: rest } };
}

/** USER_ADD (+1) and USER_REMOVE (-1): the count, and for one's own, the "interested" mark. */
export function changeInterest<S extends EventsSlice>(state: S, change: InterestChange, delta: 1 | -1): S {
  let next = state;
  const mine = change.user_id === state.me?.id;
  const eventId = change.guild_scheduled_event_id;
  const event = state.scheduledEvents[change.guild_id]?.[eventId];
  if (event) {
    const counted = { ...event, user_count: Math.max(0, (event.user_count ?? 0) + delta) };
    next = { ...next, scheduledEvents: { ...next.scheduledEvents, [change.guild_id]: { ...next.scheduledEvents[change.guild_id], [eventId]: counted } } };
  }
  if (mine) {
    const interestedIn = { ...next.interestedIn };
    if (delta > 0) interestedIn[eventId] = true;
    else delete interestedIn[eventId];
    next = { ...next, interestedIn };
  }
  return next;
}

/** One's own interests in a guild's events, as `GET /users/@me/scheduled-events` lists them. */
export function setInterests<S extends EventsSlice>(state: S, guildId: string, eventIds: string[]): S {
  const interestedIn = { ...state.interestedIn };
  for (const id of Object.keys(state.scheduledEvents[guildId] ?? {})) delete interestedIn[id];
  for (const id of eventIds) interestedIn[id] = true;
  return { ...state, interestedIn };
}

/** What is on now first, then what comes soonest (an event whose channel is gone or hidden now
 * is left out: it went with its channel). */
export function upcomingEvents(state: EventsSlice, guildId: string): ScheduledEvent[] {
  return Object.values(state.scheduledEvents[guildId] ?? {})
    .filter((e) => !e.channel_id || !!state.channels[e.channel_id])
    .sort(
    (a, b) =>
      Number(b.status === EventStatus.ACTIVE) - Number(a.status === EventStatus.ACTIVE) ||
      Date.parse(a.scheduled_start_time) - Date.parse(b.scheduled_start_time) ||
      (a.id < b.id ? -1 : 1),
  );
}

/** The answer to one's own PUT or DELETE: the mark at once (the count comes with the event). */
export function markInterested<S extends EventsSlice>(state: S, eventId: string, interested: boolean): S {
  if (!!state.interestedIn[eventId] === interested) return state;
  const interestedIn = { ...state.interestedIn };
  if (interested) interestedIn[eventId] = true;
  else delete interestedIn[eventId];
  return { ...state, interestedIn };
}
