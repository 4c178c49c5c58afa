/** Derived facts the interface shows: unread state, mention badges, notification levels, what a
 * person may do. Pure functions of the state (tested in vitest). */

import { ChannelType, type Channel, type ChannelOverride, type Member, type NotificationLevel, type UserGuildSettings } from "../api/types";
import { basePermissions, channelPermissions, has, P } from "../lib/permissions";
import { compareIds, idFromTime } from "../lib/snowflake";
import type { VoiceState } from "../voice/protocol";
import { DM_SETTINGS_KEY, type State } from "./reducer";

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

// -- voice --------------------------------------------------------------------------------------

export function isVoiceChannel(channel: Channel | undefined): boolean {
  return !!channel && VOICE_TYPES.has(channel.type);
}

/** Who is in a voice channel, by name. */
export function voiceStatesIn(state: State, channelId: string): VoiceState[] {
  const guildId = state.channels[channelId]?.guild_id;
  if (!guildId) return [];
  return Object.values(state.voiceStates[guildId] ?? {})
    .filter((v) => v.channel_id === channelId)
    .sort((a, b) => displayName(state, a.user_id, guildId).localeCompare(displayName(state, b.user_id, guildId)) || compareIds(a.user_id, b.user_id));
}

/** The user ids in a voice channel, for lists that only need who (compared shallowly). */
export function voiceUserIds(state: State, channelId: string): string[] {
  return voiceStatesIn(state, channelId).map((v) => v.user_id);
}

export function voiceStateOf(state: State, guildId: string | null | undefined, userId: string): VoiceState | undefined {
  return guildId ? state.voiceStates[guildId]?.[userId] : undefined;
}

/** Why this person cannot join a voice channel, or null when they can: no CONNECT (or cannot
 * see it), or the channel is full (`user_limit`) and they may not move members. */
export function voiceJoinBlock(state: State, channelId: string): "no_permission" | "full" | null {
  const channel = state.channels[channelId];
  if (!channel || !isVoiceChannel(channel)) return "no_permission";
  if (!can(state, channelId, P.VIEW_CHANNEL) || !can(state, channelId, P.CONNECT)) return "no_permission";
  const limit = channel.user_limit ?? 0;
  if (limit > 0) {
    const others = voiceStatesIn(state, channelId).filter((v) => v.user_id !== state.me?.id).length;
    if (others >= limit && !can(state, channelId, P.MOVE_MEMBERS)) return "full";
  }
  return null;
}

/** May this person be heard in their voice channel: SPEAK there, not muted by the server. */
export function maySpeak(state: State): boolean {
  const voice = state.voice;
  if (!voice || !state.me) return false;
  const own = state.voiceStates[voice.guildId]?.[state.me.id];
  return can(state, voice.channelId, P.SPEAK) && !own?.mute && !own?.suppress;
}

/** Is the person's own sound cut by the server (server deafen)? */
export function serverDeafened(state: State): boolean {
  const voice = state.voice;
  return !!voice && !!state.me && !!state.voiceStates[voice.guildId]?.[state.me.id]?.deaf;
}

/** The voice channels of a guild someone may be moved to by this person (who must be able to
 * connect there). */
export function moveTargets(state: State, guildId: string): Channel[] {
  return sidebarChannels(state, guildId)
    .flatMap((g) => g.channels)
    .filter((c) => isVoiceChannel(c) && can(state, c.id, P.VIEW_CHANNEL) && can(state, c.id, P.CONNECT));
}
