/** Derived facts the interface shows: unread state, mention badges, notification levels, what a
 * person may do. Pure functions of the state (tested in vitest). */

import { ChannelType, type Channel, type ChannelOverride, type Member, type NotificationLevel, type UserGuildSettings } from "../api/types";
import { basePermissions, channelPermissions, has, P } from "../lib/permissions";
import { compareIds, idFromTime } from "../lib/snowflake";
import type { VoiceState } from "../voice/protocol";
import { DM_SETTINGS_KEY, type State } from "./reducer";
import { scopeOf } from "./voice";
import { isThread, threadBits } from "./threads";

export const TEXT_TYPES = new Set<number>([ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.DM, ChannelType.GROUP_DM]);
export const VOICE_TYPES = new Set<number>([ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE]);

export function isTextChannel(channel: Channel | undefined): boolean {
  return !!channel && TEXT_TYPES.has(channel.type);
}

function settingsKey(channel: Channel): string {
  return channel.guild_id ?? DM_SETTINGS_KEY;
}

function isMuteActive(muted: boolean | undefined, config: { end_time: string | null } | null | undefined, now: number): boolean {
  if (!muted) return false;
  if (!config?.end_time) return true;
  return Date.parse(config.end_time) > now;
}

export function guildSettings(state: State, guildId: string): UserGuildSettings | undefined {
  return state.guildSettings[guildId];
}

export function channelOverride(state: State, channel: Channel): ChannelOverride | undefined {
  return state.guildSettings[settingsKey(channel)]?.channel_overrides?.find((o) => o.channel_id === channel.id);
}

export function isGuildMuted(state: State, guildId: string, now = Date.now()): boolean {
  const settings = state.guildSettings[guildId];
  return isMuteActive(settings?.muted, settings?.mute_config, now);
}

export function isChannelMuted(state: State, channel: Channel, now = Date.now()): boolean {
  const own = channelOverride(state, channel);
  if (isMuteActive(own?.muted, own?.mute_config, now)) return true;
  if (channel.parent_id) {
    const parent = state.channels[channel.parent_id];
    if (parent) {
      const category = channelOverride(state, parent);
      if (isMuteActive(category?.muted, category?.mute_config, now)) return true;
    }
  }
  return false;
}

/** 0 all messages, 1 only mentions, 2 nothing: the channel's own choice, else the community's. */
export function notificationLevel(state: State, channel: Channel): Exclude<NotificationLevel, 3> {
  if (!channel.guild_id) return 0;
  const own = channelOverride(state, channel)?.message_notifications;
  if (own !== undefined && own !== 3) return own;
  const parent = channel.parent_id ? state.channels[channel.parent_id] : undefined;
  const fromCategory = parent ? channelOverride(state, parent)?.message_notifications : undefined;
  if (fromCategory !== undefined && fromCategory !== 3) return fromCategory;
  const guildLevel = state.guildSettings[channel.guild_id]?.message_notifications;
  if (guildLevel !== undefined && guildLevel !== 3) return guildLevel;
  return (state.guilds[channel.guild_id]?.defaultNotifications ?? 0) as 0 | 1;
}

/** The newest message id a person has seen in the channel (a joiner has "seen" what came before). */
export function lastReadId(state: State, channelId: string): string {
  const read = state.readStates[channelId];
  if (read?.last_message_id) return read.last_message_id;
  const channel = state.channels[channelId];
  const joined = channel?.guild_id ? state.guilds[channel.guild_id]?.joinedAt : null;
  return joined ? idFromTime(Date.parse(joined)) : "0";
}

export function isUnread(state: State, channelId: string): boolean {
  const channel = state.channels[channelId];
  if (!channel || !isTextChannel(channel) || !channel.last_message_id) return false;
  return compareIds(channel.last_message_id, lastReadId(state, channelId)) > 0;
}

export function mentionCount(state: State, channelId: string): number {
  const channel = state.channels[channelId];
  if (!channel) return 0;
  if (notificationLevel(state, channel) === 2) return 0;
  return state.readStates[channelId]?.mention_count ?? 0;
}

/** What the sidebar shows for a channel. */
export function channelBadge(state: State, channelId: string, now = Date.now()) {
  const channel = state.channels[channelId];
  if (!channel) return { unread: false, mentions: 0, muted: false };
  const muted = isChannelMuted(state, channel, now) || (!!channel.guild_id && isGuildMuted(state, channel.guild_id, now));
  const unread = isUnread(state, channelId) && !muted && notificationLevel(state, channel) !== 2;
  return { unread, mentions: mentionCount(state, channelId), muted };
}

export function guildBadge(state: State, guildId: string, now = Date.now()) {
  const guild = state.guilds[guildId];
  let unread = false;
  let mentions = 0;
  if (!guild) return { unread, mentions };
  const guildMuted = isGuildMuted(state, guildId, now);
  for (const id of guild.channelIds) {
    const channel = state.channels[id];
    if (!channel || !isTextChannel(channel)) continue;
    const badge = channelBadge(state, id, now);
    mentions += badge.mentions;
    if (!guildMuted && badge.unread && notificationLevel(state, channel) === 0) unread = true;
  }
  return { unread, mentions };
}

export function privateBadge(state: State, now = Date.now()) {
  let mentions = 0;
  for (const id of state.privateChannelIds) mentions += channelBadge(state, id, now).mentions;
  return mentions;
}

export function totalMentions(state: State, now = Date.now()): number {
  let total = privateBadge(state, now);
  for (const id of state.guildIds) total += guildBadge(state, id, now).mentions;
  return total;
}

// -- permissions --------------------------------------------------------------------------------

export function myMember(state: State, guildId: string): Member | undefined {
  return state.me ? state.members[guildId]?.[state.me.id] : undefined;
}

export function myGuildPermissions(state: State, guildId: string): bigint {
  const guild = state.guilds[guildId];
  if (!guild || !state.me) return 0n;
  return basePermissions(guild, guild.roles, state.me.id, myMember(state, guildId));
}

export function myChannelPermissions(state: State, channelId: string): bigint {
  const channel = state.channels[channelId];
  if (!channel || !state.me) return 0n;
  if (!channel.guild_id) return (1n << 53n) - 1n & ~(1n << 3n);
  // A thread has no overwrites of its own: its parent's permissions, with the thread rules.
  if (isThread(channel) && channel.parent_id) return threadBits(myChannelPermissions(state, channel.parent_id));
  const guild = state.guilds[channel.guild_id];
  if (!guild) return 0n;
  return channelPermissions(guild, guild.roles, channel, state.me.id, myMember(state, channel.guild_id));
}

export function can(state: State, channelId: string, permission: bigint): boolean {
  return has(myChannelPermissions(state, channelId), permission);
}

export function canInGuild(state: State, guildId: string, permission: bigint): boolean {
  return has(myGuildPermissions(state, guildId), permission);
}

// -- names --------------------------------------------------------------------------------------

export function displayName(state: State, userId: string, guildId?: string | null): string {
  const nick = guildId ? state.members[guildId]?.[userId]?.nick : null;
  const user = state.users[userId];
  return nick || user?.global_name || user?.username || "…";
}

export function privateChannelName(_state: State, channel: Channel): string {
  if (channel.name) return channel.name;
  const names = (channel.recipients ?? []).map((u) => u.global_name || u.username);
  return names.join(", ") || "…";
}

/** A member's colour: that of their highest role with a colour. */
export function memberColor(state: State, guildId: string | null | undefined, userId: string): number {
  if (!guildId) return 0;
  const guild = state.guilds[guildId];
  const member = state.members[guildId]?.[userId];
  if (!guild || !member) return 0;
  let best: { position: number; color: number } | null = null;
  for (const id of member.roles) {
    const role = guild.roles[id];
    if (role && role.color && (!best || role.position > best.position)) best = { position: role.position, color: role.color };
  }
  return best?.color ?? 0;
}

/** Channels in sidebar order: uncategorised first, then each category with its children. */
export function sidebarChannels(state: State, guildId: string): { category: Channel | null; channels: Channel[] }[] {
  const guild = state.guilds[guildId];
  if (!guild) return [];
  const all = guild.channelIds.map((id) => state.channels[id]).filter((c): c is Channel => !!c);
  const byPosition = (a: Channel, b: Channel) => {
    const voiceA = VOICE_TYPES.has(a.type) ? 1 : 0;
    const voiceB = VOICE_TYPES.has(b.type) ? 1 : 0;
    return voiceA - voiceB || (a.position ?? 0) - (b.position ?? 0) || compareIds(a.id, b.id);
  };
  const categories = all.filter((c) => c.type === ChannelType.GUILD_CATEGORY).sort(byPosition);
  const groups: { category: Channel | null; channels: Channel[] }[] = [];
  const loose = all.filter((c) => c.type !== ChannelType.GUILD_CATEGORY && (!c.parent_id || !state.channels[c.parent_id])).sort(byPosition);
  if (loose.length) groups.push({ category: null, channels: loose });
  for (const category of categories) {
    groups.push({ category, channels: all.filter((c) => c.parent_id === category.id).sort(byPosition) });
  }
  return groups;
}

/** Text channels in sidebar order, for Alt+Up/Down and the quick switcher. */
export function navigableChannels(state: State, guildId: string): Channel[] {
  return sidebarChannels(state, guildId).flatMap((g) => g.channels).filter(isTextChannel);
}

// -- voice ----------------------------------------------------------------------------------------

export function isVoiceChannel(channel: Channel | undefined): boolean {
  return !!channel && VOICE_TYPES.has(channel.type);
}

export function isStageChannel(channel: Channel | undefined): boolean {
  return channel?.type === ChannelType.GUILD_STAGE_VOICE;
}

export function isPrivateChannel(channel: Channel | undefined): boolean {
  return !!channel && (channel.type === ChannelType.DM || channel.type === ChannelType.GROUP_DM);
}

/** The voice states' scope a channel's people are kept under: its guild, or a DM itself. */
export function voiceScopeOf(state: State, channelId: string): string {
  return scopeOf(state.channels[channelId]?.guild_id, channelId);
}

/** Who is in a voice channel or a DM's call, by name. */
export function voiceStatesIn(state: State, channelId: string): VoiceState[] {
  const guildId = state.channels[channelId]?.guild_id ?? null;
  return Object.values(state.voiceStates[voiceScopeOf(state, channelId)] ?? {})
    .filter((v) => v.channel_id === channelId)
    .sort((a, b) => displayName(state, a.user_id, guildId).localeCompare(displayName(state, b.user_id, guildId)) || compareIds(a.user_id, b.user_id));
}

/** The user ids in a voice channel or call, for lists that only need who (compared shallowly). */
export function voiceUserIds(state: State, channelId: string): string[] {
  return voiceStatesIn(state, channelId).map((v) => v.user_id);
}

/** Someone's voice state in a scope (a guild, or a DM channel's call). */
export function voiceStateOf(state: State, scopeId: string | null | undefined, userId: string): VoiceState | undefined {
  return scopeId ? state.voiceStates[scopeId]?.[userId] : undefined;
}

/** This person's own voice state where this tab is connected. */
function ownVoiceState(state: State): VoiceState | undefined {
  const voice = state.voice;
  return voice && state.me ? state.voiceStates[voice.scopeId]?.[state.me.id] : undefined;
}

/** Why this person cannot join a voice channel, or null when they can: no CONNECT (or cannot
 * see it), or the channel is full (`user_limit`) and they may not move members. A DM's call is
 * open to its recipients. */
export function voiceJoinBlock(state: State, channelId: string): "no_permission" | "full" | null {
  const channel = state.channels[channelId];
  if (isPrivateChannel(channel)) return null;
  if (!channel || !isVoiceChannel(channel)) return "no_permission";
  if (!can(state, channelId, P.VIEW_CHANNEL) || !can(state, channelId, P.CONNECT)) return "no_permission";
  const limit = channel.user_limit ?? 0;
  if (limit > 0) {
    const others = voiceStatesIn(state, channelId).filter((v) => v.user_id !== state.me?.id).length;
    if (others >= limit && !can(state, channelId, P.MOVE_MEMBERS)) return "full";
  }
  return null;
}

/** May this person be heard where they are: SPEAK there, not muted by the server, and on a
 * stage a speaker (the SFU drops the audience's sound). */
export function maySpeak(state: State): boolean {
  const voice = state.voice;
  if (!voice || !state.me) return false;
  const own = ownVoiceState(state);
  return can(state, voice.channelId, P.SPEAK) && !own?.mute && !own?.suppress;
}

/** May this person show a camera or screen where they are (STREAM; not from a stage's audience). */
export function mayStream(state: State): boolean {
  const voice = state.voice;
  return !!voice && can(state, voice.channelId, P.STREAM) && !ownVoiceState(state)?.suppress;
}

/** Is the person's own sound cut by the server (server deafen)? */
export function serverDeafened(state: State): boolean {
  return !!ownVoiceState(state)?.deaf;
}

/** The voice channels of a guild someone may be moved to by this person (who must be able to
 * connect there). */
export function moveTargets(state: State, guildId: string): Channel[] {
  return sidebarChannels(state, guildId)
    .flatMap((g) => g.channels)
    .filter((c) => isVoiceChannel(c) && can(state, c.id, P.VIEW_CHANNEL) && can(state, c.id, P.CONNECT));
}

// -- calls --------------------------------------------------------------------------------------

/** Is this tab in (or joining) the call or voice channel `channelId`? */
export function inVoiceChannel(state: State, channelId: string): boolean {
  return state.voice?.channelId === channelId;
}

/** Is a call going on in this DM (someone is in it)? */
export function callOngoing(state: State, channelId: string): boolean {
  return !!state.calls[channelId] || voiceStatesIn(state, channelId).length > 0;
}

/** Whom the DM's call rings right now. */
export function ringingIn(state: State, channelId: string): string[] {
  return state.calls[channelId]?.ringing ?? [];
}

/** The calls that ring for this person and that this tab is not already joining: the
 * incoming-call prompts. */
export function incomingCalls(state: State): string[] {
  const me = state.me?.id;
  if (!me) return [];
  return Object.values(state.calls)
    .filter((call) => call.ringing.includes(me) && !inVoiceChannel(state, call.channelId) && !!state.channels[call.channelId])
    .map((call) => call.channelId)
    .sort(compareIds);
}

/** Who is calling: the first person in the call who is not oneself (else the other recipient). */
export function callerOf(state: State, channelId: string): string | null {
  const me = state.me?.id;
  const inside = voiceUserIds(state, channelId).find((id) => id !== me);
  return inside ?? state.channels[channelId]?.recipients?.find((u) => u.id !== me)?.id ?? null;
}

/** Recipients of a DM who are not in its call (whom "Ring again" would ring). */
export function absentFromCall(state: State, channelId: string): string[] {
  const inside = new Set(voiceUserIds(state, channelId));
  return (state.channels[channelId]?.recipients ?? []).map((u) => u.id).filter((id) => id !== state.me?.id && !inside.has(id));
}

// -- stages -------------------------------------------------------------------------------------

/** A stage's speakers (`suppress` false), by name. */
export function stageSpeakers(state: State, channelId: string): string[] {
  return voiceStatesIn(state, channelId)
    .filter((v) => !v.suppress)
    .map((v) => v.user_id);
}

/** A stage's audience (`suppress` true): raised hands first, in the order they went up. */
export function stageAudience(state: State, channelId: string): string[] {
  const audience = voiceStatesIn(state, channelId).filter((v) => v.suppress);
  const raised = audience
    .filter((v) => v.request_to_speak_timestamp)
    .sort((a, b) => Date.parse(a.request_to_speak_timestamp!) - Date.parse(b.request_to_speak_timestamp!));
  return [...raised, ...audience.filter((v) => !v.request_to_speak_timestamp)].map((v) => v.user_id);
}

/** Stage moderators bring people up and send them back (MUTE_MEMBERS in the channel). */
export function isStageModerator(state: State, channelId: string): boolean {
  return can(state, channelId, P.MUTE_MEMBERS);
}

/** Opening, changing and ending a stage needs MANAGE_CHANNELS, MUTE_MEMBERS and MOVE_MEMBERS. */
export function mayRunStage(state: State, channelId: string): boolean {
  return can(state, channelId, P.MANAGE_CHANNELS) && can(state, channelId, P.MUTE_MEMBERS) && can(state, channelId, P.MOVE_MEMBERS);
}
