/** Which event controls to show, and how an event's time reads: Discord's rules on the client,
 * only to decide what to offer (the server decides, domain/scheduled_events.py). */

import type { Channel, ScheduledEvent } from "../../api/types";
import { formatDateTime, formatTime } from "../../i18n";
import { has, P } from "../../lib/permissions";
import { isStageChannel, isVoiceChannel, myChannelPermissions, myGuildPermissions, sidebarChannels } from "../../state/selectors";
import { EntityType } from "../../state/scheduledEvents";
import type { State } from "../../state/reducer";

export const MANAGE_EVENTS = 1n << 33n;
export const CREATE_EVENTS = 1n << 44n;
const STAGE_MODERATION = P.MANAGE_CHANNELS | P.MUTE_MEMBERS | P.MOVE_MEMBERS;
const VOICE_NEEDS = P.VIEW_CHANNEL | P.CONNECT;

function needsIn(entityType: number): bigint {
  if (entityType === EntityType.STAGE_INSTANCE) return STAGE_MODERATION;
  if (entityType === EntityType.VOICE) return VOICE_NEEDS;
  return 0n;
}

function permissionsFor(state: State, guildId: string, channelId: string | null | undefined): bigint {
  return channelId ? myChannelPermissions(state, channelId) : myGuildPermissions(state, guildId);
}

/** May plan an event there (a voice or stage channel, or null: somewhere else). */
export function mayCreateIn(state: State, guildId: string, channel: Channel | null): boolean {
  const entityType = !channel ? EntityType.EXTERNAL : isStageChannel(channel) ? EntityType.STAGE_INSTANCE : EntityType.VOICE;
  const permissions = permissionsFor(state, guildId, channel?.id);
  return (has(permissions, CREATE_EVENTS) || has(permissions, MANAGE_EVENTS)) && has(permissions, needsIn(entityType));
}

/** The places one may plan an event in: voice and stage channels, in sidebar order. */
export function eventChannels(state: State, guildId: string): Channel[] {
  return sidebarChannels(state, guildId)
    .flatMap((group) => group.channels)
    .filter((c) => isVoiceChannel(c) && mayCreateIn(state, guildId, c));
}

export function mayCreateAny(state: State, guildId: string): boolean {
  return mayCreateIn(state, guildId, null) || eventChannels(state, guildId).length > 0;
}

/** Change, start, end or cancel: one's own with CREATE_EVENTS, anyone's with MANAGE_EVENTS. */
export function mayManage(state: State, event: ScheduledEvent): boolean {
  const permissions = permissionsFor(state, event.guild_id, event.channel_id);
  const own = !!state.me && event.creator_id === state.me.id;
  const manages = has(permissions, MANAGE_EVENTS) || (own && has(permissions, CREATE_EVENTS));
  return manages && has(permissions, needsIn(event.entity_type));
}

function sameDay(a: Date, b: Date): boolean {
  return a.toDateString() === b.toDateString();
}

/** "12 Jul 2026, 18:00 – 20:00" in the reader's language and time zone. */
export function eventTime(event: ScheduledEvent): string {
  const start = new Date(event.scheduled_start_time);
  if (!event.scheduled_end_time) return formatDateTime(start);
  const end = new Date(event.scheduled_end_time);
  return `${formatDateTime(start)} – ${sameDay(start, end) ? formatTime(end) : formatDateTime(end)}`;
}

/** A Date as a `datetime-local` input's value (the reader's local time, to the minute). */
export function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
