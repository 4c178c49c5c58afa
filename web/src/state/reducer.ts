/** The client's state and how each gateway event changes it: pure functions, tested in vitest.
 *
 * Messages are kept per channel as a bounded window (`MAX_WINDOW`), and only for the channels
 * visited last (`MAX_CACHED_CHANNELS`): a tab left open on a busy channel stays small. */

import type {
  Channel,
  Guild,
  Member,
  Message,
  Presence,
  ReadState,
  Ready,
  Role,
  ScheduledEvent,
  StageInstance,
  Status,
  User,
  UserGuildSettings,
  UserSettings,
} from "../api/types";
import type { GatewayStatus } from "../gateway/client";
import { compareIds } from "../lib/snowflake";
import type { VoiceServerUpdate, VoiceState } from "../voice/protocol";
import {
  beginVoice,
  changeVoice,
  createCall,
  deleteCall,
  endVoice,
  putGuildStages,
  putStage,
  putVoiceServer,
  putVoiceState,
  removeStage,
  setSpeaking,
  updateCall,
  type Call,
  type LocalVoice,
} from "./voice";
import {
  changeInterest,
  putGuildEvents,
  putScheduledEvent,
  removeScheduledEvent,
  type InterestChange,
} from "./scheduledEvents";
import {
  dropMustRead,
  emptyCommunity,
  forgetCommunityGuild,
  dropListing,
  groupChannelArrived,
  groupChannelLeft,
  noteAnnouncement,
  putCommunityGuild,
  putJoinRequest,
  putListing,
  putProposal,
  putReceipts,
  removeJoinRequest,
  removeProposal,
  updateMustRead,
  type CommunityState,
  type GroupProposal,
  type JoinRequest,
  type ReceiptsUpdate,
  type SharedListing,
} from "./community";
import {
  emptyInteractions,
  interactionCreated,
  interactionFailed,
  interactionSucceeded,
  modalShown,
  shownModal,
  suggestionsShown,
  type InteractionsState,
  type ModalEvent,
} from "./interactions";
import { countThreadMessage, membersChanged, putOwnMembership, putThread, putThreads, removeThread } from "./threads";

export { beginVoice, changeVoice, endVoice, setSpeaking };
export type { Call, LocalVoice, VoiceStatus } from "./voice";

export const MAX_WINDOW = 300;
/** A window may grow this far past MAX_WINDOW before it is cut back (in one step, not one
 * message at a time, so the list on screen moves rarely). */
export const TRIM_SLACK = 100;
export const MAX_CACHED_CHANNELS = 20;
export const TYPING_MS = 10_000;

export type LocalState = "sending" | "waiting" | "failed";

export interface ChatMessage extends Message {
  local?: LocalState;
  /** Why a local message failed (an error kind), shown next to the retry button. */
  failure?: string;
}

export interface ChannelMessages {
  ids: string[];
  byId: Record<string, ChatMessage>;
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
  /** The person scrolled up, away from the newest messages: live ones are not kept once full. */
  detached?: boolean;
}

export interface GuildEntry {
  id: string;
  name: string;
  icon: string | null;
  owner_id: string;
  description: string | null;
  roles: Record<string, Role>;
  channelIds: string[];
  memberCount: number;
  joinedAt: string | null;
  defaultNotifications: number;
}

export interface State {
  me: User | null;
  status: GatewayStatus;
  /** The main gateway's session (READY), which the voice gateway's IDENTIFY names. */
  sessionId: string | null;
  guildIds: string[];
  guilds: Record<string, GuildEntry>;
  channels: Record<string, Channel>;
  privateChannelIds: string[];
  members: Record<string, Record<string, Member>>;
  users: Record<string, User>;
  presences: Record<string, Status>;
  messages: Record<string, ChannelMessages>;
  visited: string[];
  readStates: Record<string, ReadState>;
  guildSettings: Record<string, UserGuildSettings>;
  typing: Record<string, Record<string, number>>;
  settings: UserSettings;
  /** Per scope (a guild, or a DM channel for its call), per user: who is in which voice
   * channel or call (that this session sees). */
  voiceStates: Record<string, Record<string, VoiceState>>;
  voice: LocalVoice | null;
  /** Who is speaking right now in this tab's call (voice op 5, and one's own microphone). */
  speaking: Record<string, true>;
  /** The calls going on in DMs and group DMs, by channel. */
  calls: Record<string, Call>;
  /** Live stages, by stage channel. */
  stages: Record<string, StageInstance>;
  /** Scheduled and active events, by guild and id (state/scheduledEvents.ts). */
  scheduledEvents: Record<string, Record<string, ScheduledEvent>>;
  /** The events this person is interested in. */
  interestedIn: Record<string, true>;
  /** Communities of groups: directory, requests, proposals, must-read (state/community.ts). */
  community: CommunityState;
  /** The interactions this tab started: pending, failed, modals, suggestions (state/interactions.ts). */
  interactions: InteractionsState;
}

export const initialState: State = {
  me: null,
  status: "offline",
  guildIds: [],
  guilds: {},
  channels: {},
  privateChannelIds: [],
  members: {},
  users: {},
  presences: {},
  messages: {},
  visited: [],
  readStates: {},
  guildSettings: {},
  typing: {},
  settings: {},
  sessionId: null,
  voiceStates: {},
  voice: null,
  speaking: {},
  calls: {},
  stages: {},
  scheduledEvents: {},
  interestedIn: {},
  community: emptyCommunity,
  interactions: emptyInteractions,
};

export const DM_SETTINGS_KEY = "@me";

function entries<T>(value: { entries: T[] } | T[] | undefined): T[] {
  if (!value) return [];
  return Array.isArray(value) ? value : value.entries ?? [];
}

function withUsers(users: Record<string, User>, found: (User | undefined)[]): Record<string, User> {
  let next = users;
  for (const user of found) {
    if (!user) continue;
    const known = next[user.id];
    if (known && known.username === user.username && known.global_name === user.global_name && known.avatar === user.avatar) continue;
    if (next === users) next = { ...users };
    next[user.id] = { ...known, ...user };
  }
  return next;
}

function stripUser(member: Member): Member {
  const { user: _user, ...rest } = member;
  return rest;
}

function addGuild(state: State, guild: Guild): State {
  const roles: Record<string, Role> = {};
  for (const role of guild.roles ?? []) roles[role.id] = role;
  const channels = { ...state.channels };
  const known = state.guilds[guild.id];
  for (const id of known?.channelIds ?? []) delete channels[id];
  const channelIds: string[] = [];
  for (const channel of guild.channels ?? []) {
    channels[channel.id] = { ...channel, guild_id: guild.id };
    channelIds.push(channel.id);
  }
  const members: Record<string, Member> = { ...(state.members[guild.id] ?? {}) };
  for (const member of guild.members ?? []) if (member.user) members[member.user.id] = stripUser(member);
  const presences = { ...state.presences };
  for (const presence of guild.presences ?? []) presences[presence.user.id] = presence.status;
  const me = state.me ? guild.members?.find((m) => m.user?.id === state.me?.id) : undefined;
  const voiceStates: Record<string, VoiceState> = {};
  const voiceUsers: (User | undefined)[] = [];
  for (const voiceState of (guild as { voice_states?: VoiceState[] }).voice_states ?? []) {
    if (!voiceState.channel_id) continue;
    voiceStates[voiceState.user_id] = { ...voiceState, guild_id: guild.id };
    if (voiceState.member?.user) {
      voiceUsers.push(voiceState.member.user);
      if (!members[voiceState.user_id]) members[voiceState.user_id] = stripUser(voiceState.member);
    }
  }
  const entry: GuildEntry = {
    id: guild.id,
    name: guild.name,
    icon: guild.icon,
    owner_id: guild.owner_id,
    description: guild.description,
    roles,
    channelIds,
    memberCount: guild.member_count ?? known?.memberCount ?? Object.keys(members).length,
    joinedAt: me?.joined_at ?? known?.joinedAt ?? null,
    defaultNotifications: guild.default_message_notifications ?? 0,
  };
  const next: State = {
    ...state,
    guildIds: state.guildIds.includes(guild.id) ? state.guildIds : [...state.guildIds, guild.id],
    guilds: { ...state.guilds, [guild.id]: entry },
    channels,
    members: { ...state.members, [guild.id]: members },
    users: withUsers(state.users, [...(guild.members ?? []).map((m) => m.user), ...voiceUsers]),
    presences,
    voiceStates: { ...state.voiceStates, [guild.id]: voiceStates },
  };
  return putGuildEvents(putGuildStages(next, guild.id, guild.stage_instances ?? []), guild.id, guild.guild_scheduled_events ?? []);
}

function removeGuild(state: State, guildId: string): State {
  const known = state.guilds[guildId];
  if (!known) return state;
  const guilds = { ...state.guilds };
  delete guilds[guildId];
  const channels = { ...state.channels };
  const messages = { ...state.messages };
  for (const id of known.channelIds) {
    delete channels[id];
    delete messages[id];
  }
  const members = { ...state.members };
  delete members[guildId];
  const voiceStates = { ...state.voiceStates };
  delete voiceStates[guildId];
  const next = putGuildEvents(putGuildStages(state, guildId, []), guildId, []);
  return {
    ...next,
    guilds,
    channels,
    messages,
    members,
    voiceStates,
    voice: state.voice?.scopeId === guildId ? null : state.voice,
    guildIds: state.guildIds.filter((id) => id !== guildId),
    visited: state.visited.filter((id) => channels[id]),
  };
}

function putChannel(state: State, channel: Channel): State {
  const channels = { ...state.channels, [channel.id]: { ...state.channels[channel.id], ...channel } };
  const guildId = channel.guild_id;
  if (!guildId) {
    const ids = state.privateChannelIds.includes(channel.id)
      ? state.privateChannelIds
      : [channel.id, ...state.privateChannelIds];
    return { ...state, channels, privateChannelIds: ids, users: withUsers(state.users, channel.recipients ?? []) };
  }
  const guild = state.guilds[guildId];
  if (!guild) return { ...state, channels };
  const channelIds = guild.channelIds.includes(channel.id) ? guild.channelIds : [...guild.channelIds, channel.id];
  return { ...state, channels, guilds: { ...state.guilds, [guildId]: { ...guild, channelIds } } };
}

function removeChannel(state: State, channelId: string): State {
  const channel = state.channels[channelId];
  if (!channel) return state;
  const channels = { ...state.channels };
  delete channels[channelId];
  const messages = { ...state.messages };
  delete messages[channelId];
  let guilds = state.guilds;
  const guildId = channel.guild_id;
  if (guildId && guilds[guildId]) {
    const guild = guilds[guildId];
    guilds = { ...guilds, [guildId]: { ...guild, channelIds: guild.channelIds.filter((id) => id !== channelId) } };
  }
  let voiceStates = state.voiceStates;
  const inChannel = guildId ? Object.values(state.voiceStates[guildId] ?? {}).filter((v) => v.channel_id === channelId) : [];
  if (guildId && inChannel.length) {
    const rest = { ...state.voiceStates[guildId] };
    for (const v of inChannel) delete rest[v.user_id];
    voiceStates = { ...voiceStates, [guildId]: rest };
  }
  // A conversation one left takes its call along; a deleted stage channel its stage.
  const next = removeStage(deleteCall(state, channelId), channelId);
  if (!guildId) voiceStates = next.voiceStates;
  return {
    ...next,
    channels,
    messages,
    guilds,
    voiceStates,
    voice: state.voice?.channelId === channelId ? null : state.voice,
    privateChannelIds: state.privateChannelIds.filter((id) => id !== channelId),
    visited: state.visited.filter((id) => id !== channelId),
  };
}

function updateGuild(state: State, guildId: string, change: (guild: GuildEntry) => GuildEntry): State {
  const guild = state.guilds[guildId];
  if (!guild) return state;
  return { ...state, guilds: { ...state.guilds, [guildId]: change(guild) } };
}

function putMember(state: State, guildId: string, member: Member): State {
  if (!member.user) return state;
  const current = state.members[guildId] ?? {};
  return {
    ...state,
    members: { ...state.members, [guildId]: { ...current, [member.user.id]: stripUser(member) } },
    users: withUsers(state.users, [member.user]),
  };
}

// -- messages -----------------------------------------------------------------------------------

function emptyWindow(): ChannelMessages {
  return { ids: [], byId: {}, hasMoreBefore: true, hasMoreAfter: false };
}

/** Keep at most `MAX_WINDOW` messages: drop from the end away from where the person reads. */
export function trimWindow(window: ChannelMessages, keep: "newest" | "oldest"): ChannelMessages {
  if (window.ids.length <= MAX_WINDOW + TRIM_SLACK) return window;
  const ids = keep === "newest" ? window.ids.slice(-MAX_WINDOW) : window.ids.slice(0, MAX_WINDOW);
  const byId: Record<string, ChatMessage> = {};
  for (const id of ids) byId[id] = window.byId[id];
  return keep === "newest"
    ? { ...window, ids, byId, hasMoreBefore: true }
    : { ...window, ids, byId, hasMoreAfter: true };
}

function sortIds(ids: string[]): string[] {
  return ids.sort((a, b) => compareIds(a, b));
}

/** Messages fetched from history (newest first, as the API answers) merged into a window. */
export function mergePage(
  window: ChannelMessages | undefined,
  page: Message[],
  direction: "latest" | "before" | "after" | "around",
  limit: number,
): ChannelMessages {
  const base = direction === "latest" || direction === "around" || !window ? emptyWindow() : window;
  const byId: Record<string, ChatMessage> = { ...base.byId };
  // A local message still being sent stays at the end of a fresh window.
  const pending = window ? window.ids.filter((id) => window.byId[id]?.local) : [];
  for (const id of pending) byId[id] = window!.byId[id];
  const ids = new Set(base.ids);
  for (const message of page) {
    byId[message.id] = message;
    ids.add(message.id);
  }
  const full = page.length >= limit;
  const next: ChannelMessages = {
    detached: base.detached,
    ids: [...sortIds([...ids].filter((id) => !byId[id]?.local)), ...pending.filter((id) => !ids.has(id))],
    byId,
    hasMoreBefore: direction === "after" ? base.hasMoreBefore : full,
    hasMoreAfter:
      direction === "latest" ? false : direction === "before" ? base.hasMoreAfter : direction === "around" ? true : full,
  };
  return trimWindow(next, direction === "before" ? "oldest" : "newest");
}

function touchVisited(visited: string[], channelId: string): string[] {
  return [channelId, ...visited.filter((id) => id !== channelId)];
}

/** Set a channel's window and forget the windows of channels visited longest ago. */
export function setWindow(state: State, channelId: string, window: ChannelMessages): State {
  let visited = touchVisited(state.visited, channelId);
  let messages = { ...state.messages, [channelId]: window };
  if (visited.length > MAX_CACHED_CHANNELS) {
    const dropped = visited.slice(MAX_CACHED_CHANNELS);
    visited = visited.slice(0, MAX_CACHED_CHANNELS);
    messages = { ...messages };
    for (const id of dropped) delete messages[id];
  }
  return { ...state, messages, visited };
}

function updateMessage(state: State, channelId: string, messageId: string, change: (m: ChatMessage) => ChatMessage): State {
  const window = state.messages[channelId];
  const message = window?.byId[messageId];
  if (!window || !message) return state;
  return {
    ...state,
    messages: { ...state.messages, [channelId]: { ...window, byId: { ...window.byId, [messageId]: change(message) } } },
  };
}

/** Does this message call for the person's attention (mention, @everyone, own role, DM)? */
export function mentionsMe(state: State, message: Message): boolean {
  const me = state.me;
  if (!me || message.author.id === me.id) return false;
  const channel = state.channels[message.channel_id];
  if (channel && !channel.guild_id) return true;
  if (message.mentions.some((u) => u.id === me.id)) return true;
  const guildId = message.guild_id ?? channel?.guild_id;
  const settings = guildId ? state.guildSettings[guildId] : undefined;
  if (message.mention_everyone && !settings?.suppress_everyone) return true;
  if (guildId && !settings?.suppress_roles) {
    const roles = state.members[guildId]?.[me.id]?.roles ?? [];
    if (message.mention_roles.some((r) => roles.includes(r))) return true;
  }
  return false;
}

/** Where a new message goes in a window's ids: in id order among the confirmed messages, before
 * the local ones still being sent (which stay at the end). Nearly always it is the newest, which
 * the first comparison finds; a message that arrives late (a file released after its malware scan
 * is older than messages sent after it) is put in its place by a binary search. Null when it is
 * older than the whole window and older messages are not loaded: the next page brings it, and
 * putting it first would make that page skip what lies between. */
export function insertionIndex(ids: readonly string[], byId: Record<string, ChatMessage>, id: string, hasMoreBefore: boolean): number | null {
  let end = ids.length;
  while (end > 0 && byId[ids[end - 1]]?.local) end--;
  if (end === 0 || compareIds(ids[end - 1], id) < 0) return end;
  let low = 0;
  let high = end - 1; // ids[high] is newer than the message
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareIds(ids[middle], id) < 0) low = middle + 1;
    else high = middle;
  }
  return low === 0 && hasMoreBefore ? null : low;
}

function addMessage(state: State, message: Message): State {
  const me = state.me;
  const own = me !== null && message.author.id === me.id;
  let next = state;
  if (!state.channels[message.channel_id] && !message.guild_id) {
    // A conversation someone just started with us: known by its first message (the store asks
    // for the full channel right after).
    next = putChannel(next, { id: message.channel_id, type: 1, recipients: own ? [] : [message.author] });
  }
  const channel = next.channels[message.channel_id];
  if (channel) {
    if (compareIds(channel.last_message_id, message.id) < 0) {
      // A message that arrives late is not the channel's last one (its unread mark stays).
      next = { ...next, channels: { ...next.channels, [channel.id]: { ...channel, last_message_id: message.id } } };
    }
    if (!channel.guild_id && next.privateChannelIds[0] !== channel.id) {
      next = { ...next, privateChannelIds: [channel.id, ...next.privateChannelIds.filter((id) => id !== channel.id)] };
    }
  }
  next = { ...next, users: withUsers(next.users, [message.author, ...message.mentions]) };
  const guildId = message.guild_id ?? channel?.guild_id;
  if (guildId && message.member && !next.members[guildId]?.[message.author.id]) {
    next = putMember(next, guildId, { ...message.member, user: message.author });
  }
  const window = next.messages[message.channel_id];
  if (window && !window.hasMoreAfter && window.detached && window.ids.length >= MAX_WINDOW) {
    // Reading far up a busy channel: the newest messages wait on the server ("jump to present").
    next = { ...next, messages: { ...next.messages, [message.channel_id]: { ...window, hasMoreAfter: true } } };
  } else if (window && !window.hasMoreAfter) {
    const pendingId = own && message.nonce != null
      ? window.ids.find((id) => window.byId[id]?.local && String(window.byId[id].nonce) === String(message.nonce))
      : undefined;
    if (!window.byId[message.id]) {
      const byId: Record<string, ChatMessage> = { ...window.byId, [message.id]: message };
      let ids = window.ids;
      if (pendingId) {
        delete byId[pendingId];
        ids = ids.filter((id) => id !== pendingId);
      }
      const at = insertionIndex(ids, byId, message.id, window.hasMoreBefore);
      if (at !== null) {
        ids = [...ids.slice(0, at), message.id, ...ids.slice(at)];
        const updated = trimWindow({ ...window, ids, byId }, "newest");
        next = { ...next, messages: { ...next.messages, [message.channel_id]: updated } };
      }
    }
  }
  const typing = next.typing[message.channel_id];
  if (typing?.[message.author.id]) {
    const rest = { ...typing };
    delete rest[message.author.id];
    next = { ...next, typing: { ...next.typing, [message.channel_id]: rest } };
  }
  const read = next.readStates[message.channel_id];
  if (own) {
    next = setRead(next, message.channel_id, message.id, 0);
  } else if (mentionsMe(next, message)) {
    next = {
      ...next,
      readStates: {
        ...next.readStates,
        [message.channel_id]: {
          id: message.channel_id,
          last_message_id: read?.last_message_id ?? null,
          mention_count: (read?.mention_count ?? 0) + 1,
        },
      },
    };
  }
  return next;
}

export function setRead(state: State, channelId: string, messageId: string, mentionCount: number): State {
  const read = state.readStates[channelId];
  if (read && compareIds(read.last_message_id, messageId) > 0) return state;
  if (read && read.last_message_id === messageId && read.mention_count === mentionCount) return state;
  return {
    ...state,
    readStates: { ...state.readStates, [channelId]: { id: channelId, last_message_id: messageId, mention_count: mentionCount } },
  };
}

function removeMessages(state: State, channelId: string, ids: string[]): State {
  const window = state.messages[channelId];
  if (!window) return state;
  const gone = new Set(ids);
  const byId = { ...window.byId };
  for (const id of ids) delete byId[id];
  return {
    ...state,
    messages: { ...state.messages, [channelId]: { ...window, ids: window.ids.filter((id) => !gone.has(id)), byId } },
  };
}

function changeReaction(state: State, d: { channel_id: string; message_id: string; user_id: string; emoji: { name: string } }, delta: 1 | -1): State {
  const mine = d.user_id === state.me?.id;
  return updateMessage(state, d.channel_id, d.message_id, (message) => {
    const reactions = [...(message.reactions ?? [])];
    const index = reactions.findIndex((r) => r.emoji.name === d.emoji.name);
    if (index < 0) {
      if (delta < 0) return message;
      reactions.push({ count: 1, me: mine, emoji: { id: null, name: d.emoji.name } });
    } else {
      const reaction = reactions[index];
      if (mine && reaction.me === (delta > 0)) return message;
      const count = reaction.count + delta;
      if (count <= 0) reactions.splice(index, 1);
      else reactions[index] = { ...reaction, count, me: mine ? delta > 0 : reaction.me };
    }
    return { ...message, reactions };
  });
}

// -- the reducer --------------------------------------------------------------------------------

export interface Action {
  t: string;
  d: unknown;
}

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function reduce(state: State, action: Action, now = Date.now()): State {
  const d = action.d as Data;
  switch (action.t) {
    case "READY": {
      const ready = d as Ready;
      let next: State = {
        ...initialState,
        status: state.status,
        sessionId: ready.session_id,
        me: ready.user,
        users: { [ready.user.id]: ready.user },
        settings: ready.user_settings ?? {},
        // A re-identify keeps nothing from before: every window may have missed events.
      };
      for (const channel of ready.private_channels ?? []) next = putChannel(next, channel);
      next = { ...next, privateChannelIds: sortPrivate(next) };
      const readStates: Record<string, ReadState> = {};
      for (const entry of entries(ready.read_state)) readStates[entry.id] = entry;
      const guildSettings: Record<string, UserGuildSettings> = {};
      for (const entry of entries(ready.user_guild_settings)) guildSettings[entry.guild_id ?? DM_SETTINGS_KEY] = entry;
      for (const presence of ready.presences ?? []) next.presences[presence.user.id] = presence.status;
      next.presences[ready.user.id] = "online"; // the gateway tells others, not oneself
      return { ...next, readStates, guildSettings, guildIds: ready.guilds.map((g) => g.id) };
    }
    case "GUILD_CREATE":
      return d.unavailable ? state : putThreads(putCommunityGuild(addGuild(state, d as Guild), d as Guild & { id: string }), d.threads as Channel[] | undefined, d.id);
    case "GUILD_UPDATE":
      return updateGuild(putCommunityGuild(state, d as Guild & { id: string }), d.id, (g) => {
        const roles = { ...g.roles };
        for (const role of (d.roles ?? []) as Role[]) roles[role.id] = role;
        return { ...g, name: d.name, icon: d.icon, description: d.description, owner_id: d.owner_id, roles };
      });
    case "GUILD_DELETE":
      return forgetCommunityGuild(removeGuild(state, d.id), d.id);
    case "GUILD_ROLE_CREATE":
    case "GUILD_ROLE_UPDATE":
      return updateGuild(state, d.guild_id, (g) => ({ ...g, roles: { ...g.roles, [d.role.id]: d.role } }));
    case "GUILD_ROLE_DELETE":
      return updateGuild(state, d.guild_id, (g) => {
        const roles = { ...g.roles };
        delete roles[d.role_id];
        return { ...g, roles };
      });
    case "CHANNEL_CREATE":
    case "CHANNEL_UPDATE":
      return groupChannelArrived(putChannel(state, d as Channel), d as Channel, action.t === "CHANNEL_CREATE");
    case "CHANNEL_DELETE":
      return groupChannelLeft(removeChannel(state, d.id), d.guild_id, d.id);
    case "CHANNEL_PINS_UPDATE": {
      const channel = state.channels[d.channel_id];
      return channel ? putChannel(state, { ...channel, last_pin_timestamp: d.last_pin_timestamp ?? null }) : state;
    }
    case "CHANNEL_RECIPIENT_ADD":
    case "CHANNEL_RECIPIENT_REMOVE": {
      const channel = state.channels[d.channel_id];
      if (!channel) return state;
      const others = (channel.recipients ?? []).filter((u) => u.id !== d.user.id);
      return putChannel(state, { ...channel, recipients: action.t.endsWith("ADD") ? [...others, d.user] : others });
    }
    case "GUILD_MEMBER_ADD": {
      const next = putMember(state, d.guild_id, d as Member);
      return updateGuild(next, d.guild_id, (g) => ({ ...g, memberCount: g.memberCount + 1 }));
    }
    case "GUILD_MEMBER_UPDATE":
      return putMember(state, d.guild_id, { ...(state.members[d.guild_id]?.[d.user.id] ?? {}), ...d } as Member);
    case "GUILD_MEMBER_REMOVE": {
      const current = state.members[d.guild_id];
      if (!current) return state;
      const rest = { ...current };
      delete rest[d.user.id];
      const next = { ...state, members: { ...state.members, [d.guild_id]: rest } };
      return updateGuild(next, d.guild_id, (g) => ({ ...g, memberCount: Math.max(0, g.memberCount - 1) }));
    }
    case "GUILD_MEMBERS_CHUNK": {
      let next = state;
      for (const member of (d.members ?? []) as Member[]) next = putMember(next, d.guild_id, member);
      if (d.presences) {
        const presences = { ...next.presences };
        for (const p of d.presences as Presence[]) presences[p.user.id] = p.status;
        next = { ...next, presences };
      }
      return next;
    }
    case "PRESENCE_UPDATE":
      if (state.presences[d.user.id] === d.status) return state;
      return { ...state, presences: { ...state.presences, [d.user.id]: d.status } };
    case "USER_UPDATE":
      return { ...state, me: state.me && state.me.id === d.id ? { ...state.me, ...(d as User) } : state.me, users: withUsers(state.users, [d as User]) };
    case "MESSAGE_CREATE":
      return countThreadMessage(noteAnnouncement(addMessage(state, d as Message), d as Message), d as Message);
    case "MESSAGE_UPDATE":
      return updateMustRead(updateMessage(state, d.channel_id, d.id, (m) => ({ ...m, ...(d as Partial<Message>) })), d as Message);
    case "MESSAGE_DELETE":
      return dropMustRead(removeMessages(state, d.channel_id, [d.id]), d.id);
    case "MESSAGE_DELETE_BULK":
      return removeMessages(state, d.channel_id, d.ids);
    case "MESSAGE_REACTION_ADD":
      return changeReaction(state, d as never, 1);
    case "MESSAGE_REACTION_REMOVE":
      return changeReaction(state, d as never, -1);
    case "MESSAGE_REACTION_REMOVE_ALL":
      return updateMessage(state, d.channel_id, d.message_id, (m) => ({ ...m, reactions: [] }));
    case "MESSAGE_REACTION_REMOVE_EMOJI":
      return updateMessage(state, d.channel_id, d.message_id, (m) => ({
        ...m,
        reactions: (m.reactions ?? []).filter((r) => r.emoji.name !== d.emoji.name),
      }));
    case "TYPING_START": {
      if (d.user_id === state.me?.id) return state;
      const current = state.typing[d.channel_id] ?? {};
      const member = d.member as Member | undefined;
      const next = { ...state, typing: { ...state.typing, [d.channel_id]: { ...current, [d.user_id]: now + TYPING_MS } } };
      return member?.user && d.guild_id ? putMember(next, d.guild_id, member) : next;
    }
    case "MESSAGE_ACK": {
      const read = state.readStates[d.channel_id];
      // An ack of where the person already is (a late echo of their own) leaves the mentions
      // counted since then alone.
      if (read && compareIds(read.last_message_id, d.message_id) >= 0) return state;
      return {
        ...state,
        readStates: {
          ...state.readStates,
          [d.channel_id]: { id: d.channel_id, last_message_id: d.message_id, mention_count: d.mention_count ?? 0 },
        },
      };
    }
    case "USER_GUILD_SETTINGS_UPDATE": {
      const settings = d as UserGuildSettings;
      return { ...state, guildSettings: { ...state.guildSettings, [settings.guild_id ?? DM_SETTINGS_KEY]: settings } };
    }
    case "USER_SETTINGS_UPDATE":
      return { ...state, settings: { ...state.settings, ...(d as UserSettings) } };
    case "VOICE_STATE_UPDATE": {
      const voiceState = d as VoiceState;
      const guildId = voiceState.guild_id;
      const member = voiceState.member;
      const next = guildId && member?.user && voiceState.channel_id ? putMember(state, guildId, member) : state;
      return putVoiceState(next, voiceState);
    }
    case "VOICE_SERVER_UPDATE":
      return putVoiceServer(state, d as VoiceServerUpdate);
    case "CALL_CREATE":
      return createCall(state, d as never);
    case "CALL_UPDATE":
      return updateCall(state, d as never);
    case "CALL_DELETE":
      return deleteCall(state, d.channel_id);
    case "STAGE_INSTANCE_CREATE":
    case "STAGE_INSTANCE_UPDATE":
      return putStage(state, d as StageInstance);
    case "STAGE_INSTANCE_DELETE":
      return removeStage(state, d.channel_id);
    case "GUILD_SCHEDULED_EVENT_CREATE":
    case "GUILD_SCHEDULED_EVENT_UPDATE":
      return putScheduledEvent(state, d as ScheduledEvent);
    case "GUILD_SCHEDULED_EVENT_DELETE":
      return removeScheduledEvent(state, d.guild_id, d.id);
    case "GUILD_SCHEDULED_EVENT_USER_ADD":
      return changeInterest(state, d as InterestChange, 1);
    case "GUILD_SCHEDULED_EVENT_USER_REMOVE":
      return changeInterest(state, d as InterestChange, -1);
    // Communities of groups (docs/communities.md, state/community.ts).
    case "GROUP_JOIN_REQUEST_CREATE":
    case "GROUP_JOIN_REQUEST_UPDATE":
      return putJoinRequest(state, d as JoinRequest);
    case "GROUP_JOIN_REQUEST_DELETE":
      return removeJoinRequest(state, d as JoinRequest);
    case "GROUP_PROPOSAL_CREATE":
    case "GROUP_PROPOSAL_UPDATE":
      return putProposal(state, d as GroupProposal);
    case "GROUP_PROPOSAL_DELETE":
      return removeProposal(state, d.guild_id, d.id);
    case "GROUP_LISTING_CREATE":
    case "GROUP_LISTING_UPDATE":
      return putListing(state, d as SharedListing);
    case "GROUP_LISTING_DELETE":
      return dropListing(state, d.guild_id, d.id);
    case "MESSAGE_ACKNOWLEDGE":
      return dropMustRead(state, d.message_id);
    case "ANNOUNCEMENT_RECEIPTS_UPDATE":
      return putReceipts(state, (d as ReceiptsUpdate).message_id, d as ReceiptsUpdate);
    // Application commands and interactions (docs/interactions.md, state/interactions.ts).
    case "INTERACTION_CREATE":
      return interactionCreated(state, d as { id: string; nonce?: string | null });
    case "INTERACTION_SUCCESS":
      return interactionSucceeded(state, d);
    case "INTERACTION_FAILURE":
      return interactionFailed(state, d);
    case "INTERACTION_MODAL_CREATE":
      return modalShown(state, shownModal(d as ModalEvent));
    case "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE":
      return suggestionsShown(state, d);
    // Threads (docs/threads.md, state/threads.ts).
    case "THREAD_CREATE":
    case "THREAD_UPDATE":
      return putThread(state, d as Channel);
    case "THREAD_DELETE":
      return removeThread(state, d as { id: string; parent_id?: string | null });
    case "THREAD_LIST_SYNC":
      return putThreads(state, d.threads as Channel[], d.guild_id);
    case "THREAD_MEMBER_UPDATE":
      return putOwnMembership(state, d as { id: string });
    case "THREAD_MEMBERS_UPDATE":
      return membersChanged(state, d as { id: string });
    default:
      return state;
  }
}

function sortPrivate(state: State): string[] {
  return [...state.privateChannelIds].sort((a, b) =>
    compareIds(state.channels[b]?.last_message_id ?? b, state.channels[a]?.last_message_id ?? a),
  );
}

// -- local messages (sent from this tab) --------------------------------------------------------

export function setDetached(state: State, channelId: string, detached: boolean): State {
  const window = state.messages[channelId];
  if (!window || !!window.detached === detached) return state;
  return { ...state, messages: { ...state.messages, [channelId]: { ...window, detached } } };
}

export function addLocalMessage(state: State, message: ChatMessage): State {
  const window = state.messages[message.channel_id] ?? { ...emptyWindow(), hasMoreBefore: false };
  return setWindow(state, message.channel_id, {
    ...window,
    ids: [...window.ids, message.id],
    byId: { ...window.byId, [message.id]: message },
  });
}

export function setLocalState(state: State, channelId: string, localId: string, local: LocalState, failure?: string): State {
  return updateMessage(state, channelId, localId, (m) => ({ ...m, local, failure }));
}

export function removeLocalMessage(state: State, channelId: string, localId: string): State {
  return removeMessages(state, channelId, [localId]);
}

/** The answer to our own POST: the same as the MESSAGE_CREATE it causes (whichever comes first). */
export function confirmLocalMessage(state: State, message: Message): State {
  return addMessage(state, message);
}

export function expireTyping(state: State, now = Date.now()): State {
  let changed = false;
  const typing: State["typing"] = {};
  for (const [channelId, users] of Object.entries(state.typing)) {
    const live: Record<string, number> = {};
    for (const [userId, until] of Object.entries(users)) {
      if (until > now) live[userId] = until;
      else changed = true;
    }
    typing[channelId] = live;
  }
  return changed ? { ...state, typing } : state;
}
