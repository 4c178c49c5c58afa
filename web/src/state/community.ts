/** Communities of groups in the store, as pure functions the reducer calls (docs/communities.md).
 *
 * Whether a guild is a community and which channel carries its announcements come with
 * GUILD_CREATE and GUILD_UPDATE. The group directory, one's must-read announcements, the pending
 * join requests and group proposals are fetched when the community home opens and stay current
 * through GROUP_JOIN_REQUEST_*, GROUP_PROPOSAL_*, MESSAGE_CREATE/MESSAGE_ACKNOWLEDGE, the
 * group channels one gains or loses (CHANNEL_CREATE, CHANNEL_DELETE) and the groups that appear,
 * change or go for everyone (GROUP_LISTING_CREATE/UPDATE/DELETE). Receipt counts, for those
 * who manage the announcements, come from REST and ANNOUNCEMENT_RECEIPTS_UPDATE. */

import type { components } from "../api/schema.gen";
import { ChannelType, type Channel, type Message } from "../api/types";
import { P } from "../lib/permissions";
import { compareIds } from "../lib/snowflake";

/** The guild feature that makes a guild a community. */
export const COMMUNITY = "COMMUNITY";
/** townhall's message flag: members see the announcement pinned until they acknowledge it. */
export const MUST_READ = 1 << 30;
/** townhall's channel flags for groups. */
export const GroupFlag = { GROUP: 1 << 29, REQUESTS: 1 << 28, ARCHIVED: 1 << 27 } as const;
export const JoinPolicy = { OPEN: 0, REQUEST: 1 } as const;
/** Of a join request and of a group proposal. */
export const Decision = { PENDING: 0, APPROVED: 1, DECLINED: 2 } as const;

type Schemas = components["schemas"];
/** One entry of `GET /guilds/{id}/groups`. */
export type GroupListing = Schemas["GroupListing"];
/** Someone asking to join a closed group (`status`: Decision). */
export type JoinRequest = Schemas["JoinRequest"];
/** A member's proposal of a new group (`status`: Decision). */
export type GroupProposal = Schemas["GroupProposal"];
/** A must-read message's counts (`GET …/receipts`). */
export type Receipts = Schemas["ReceiptCounts"];

export interface ReceiptsUpdate extends Receipts {
  guild_id: string;
  channel_id: string;
  message_id: string;
}

export interface CommunityInfo {
  features: string[];
  announcementsChannelId: string | null;
}

export interface CommunityState {
  /** By guild: its features and announcement channel (every guild, community or not). */
  guilds: Record<string, CommunityInfo>;
  /** By guild: the directory, by position, once fetched. */
  directory: Record<string, GroupListing[]>;
  /** By group channel, then by id: pending join requests this person may see (to decide, or
   * their own). */
  joinRequests: Record<string, Record<string, JoinRequest>>;
  /** By guild, then by id: pending proposals (all of them for its admins, else one's own). */
  proposals: Record<string, Record<string, GroupProposal>>;
  /** By guild, then by message id: must-read announcements this person has not acknowledged. */
  mustRead: Record<string, Record<string, Message>>;
  /** By message id: read and acknowledgement counts (for the announcement's managers). */
  receipts: Record<string, Receipts>;
}

export const emptyCommunity: CommunityState = {
  guilds: {},
  directory: {},
  joinRequests: {},
  proposals: {},
  mustRead: {},
  receipts: {},
};

/** The part of the state this module reads and writes. */
export interface CommunitySlice {
  me: { id: string } | null;
  channels: Record<string, Channel>;
  community: CommunityState;
}

function withCommunity<S extends CommunitySlice>(state: S, change: Partial<CommunityState>): S {
  return { ...state, community: { ...state.community, ...change } };
}

function isGroupChannel(channel: Pick<Channel, "flags"> | undefined): boolean {
  return !!channel && ((channel.flags ?? 0) & GroupFlag.GROUP) !== 0;
}

// -- the guild ----------------------------------------------------------------------------------

/** GUILD_CREATE and GUILD_UPDATE: `features` and `announcements_channel_id` (a field an update
 * leaves out keeps its value). */
export function putCommunityGuild<S extends CommunitySlice>(
  state: S,
  guild: { id: string; features?: string[] | null; announcements_channel_id?: string | null },
): S {
  const known = state.community.guilds[guild.id];
  const info: CommunityInfo = {
    features: guild.features ?? known?.features ?? [],
    announcementsChannelId:
      guild.announcements_channel_id !== undefined ? guild.announcements_channel_id : (known?.announcementsChannelId ?? null),
  };
  if (known && known.announcementsChannelId === info.announcementsChannelId && known.features.join() === info.features.join()) {
    return state;
  }
  return withCommunity(state, { guilds: { ...state.community.guilds, [guild.id]: info } });
}

/** GUILD_DELETE (left, or gone): nothing of the community stays. */
export function forgetCommunityGuild<S extends CommunitySlice>(state: S, guildId: string): S {
  const c = state.community;
  if (!c.guilds[guildId] && !c.directory[guildId] && !c.proposals[guildId] && !c.mustRead[guildId]) return state;
  const drop = <T>(record: Record<string, T>): Record<string, T> => {
    const rest = { ...record };
    delete rest[guildId];
    return rest;
  };
  const joinRequests: Record<string, Record<string, JoinRequest>> = {};
  for (const [channelId, requests] of Object.entries(c.joinRequests)) {
    if (!Object.values(requests).some((r) => r.guild_id === guildId)) joinRequests[channelId] = requests;
  }
  return withCommunity(state, {
    guilds: drop(c.guilds),
    directory: drop(c.directory),
    proposals: drop(c.proposals),
    mustRead: drop(c.mustRead),
    joinRequests,
  });
}

export function isCommunity(state: CommunitySlice, guildId: string): boolean {
  return !!state.community.guilds[guildId]?.features.includes(COMMUNITY);
}

/** The community's announcement channel, when this person can see it. */
export function announcementsChannelOf(state: CommunitySlice, guildId: string): Channel | undefined {
  if (!isCommunity(state, guildId)) return undefined;
  const id = state.community.guilds[guildId]?.announcementsChannelId;
  return id ? state.channels[id] : undefined;
}

/** Is this channel a community's announcement channel (the one it names, or any of its
 * announcement-type channels, as the server counts them)? */
export function isAnnouncementsChannel(state: CommunitySlice, channelId: string): boolean {
  const channel = state.channels[channelId];
  const guildId = channel?.guild_id;
  if (!guildId || !isCommunity(state, guildId)) return false;
  return state.community.guilds[guildId]?.announcementsChannelId === channelId || channel.type === ChannelType.GUILD_ANNOUNCEMENT;
}

// -- the group directory ------------------------------------------------------------------------

export function putDirectory<S extends CommunitySlice>(state: S, guildId: string, groups: GroupListing[]): S {
  return withCommunity(state, { directory: { ...state.community.directory, [guildId]: groups } });
}

function changeListing<S extends CommunitySlice>(state: S, guildId: string, groupId: string, change: (g: GroupListing) => GroupListing): S {
  const list = state.community.directory[guildId];
  const at = list?.findIndex((g) => g.id === groupId) ?? -1;
  if (!list || at < 0) return state;
  const next = change(list[at]);
  if (Object.keys(next).every((k) => next[k as keyof GroupListing] === list[at][k as keyof GroupListing])) return state;
  const copy = [...list];
  copy[at] = next;
  return putDirectory(state, guildId, copy);
}

/** A group channel one now sees (CHANNEL_CREATE: joined, approved, made admin) or sees change
 * (CHANNEL_UPDATE: its member count, to its managers). */
export function groupChannelArrived<S extends CommunitySlice>(state: S, channel: Channel, created: boolean): S {
  if (!channel.guild_id || !isGroupChannel(channel)) return state;
  const counted = (channel as { member_count?: number }).member_count;
  return changeListing(state, channel.guild_id, channel.id, (g) => ({
    ...g,
    name: channel.name ?? g.name,
    topic: channel.topic !== undefined ? channel.topic : g.topic,
    member_count: typeof counted === "number" ? counted : g.member_count + (created && !g.joined ? 1 : 0),
    joined: created ? true : g.joined,
    requested: created ? false : g.requested,
  }));
}

/** A group channel one no longer sees (CHANNEL_DELETE: left, removed, or the group is gone). */
export function groupChannelLeft<S extends CommunitySlice>(state: S, guildId: string | undefined, channelId: string): S {
  if (!guildId) return state;
  return changeListing(state, guildId, channelId, (g) => ({
    ...g,
    joined: false,
    admin: false,
    member_count: g.joined ? Math.max(0, g.member_count - 1) : g.member_count,
  }));
}

/** GROUP_LISTING_CREATE/UPDATE: a group's entry as everyone sees it (what is personal left out). */
export type SharedListing = Pick<GroupListing, "id" | "name" | "topic" | "group_join_policy" | "member_count"> & { guild_id: string };

/** A group admin's member overwrite allows these besides VIEW_CHANNEL (domain/groups.py). */
const GROUP_ADMIN = P.MANAGE_MESSAGES | P.MANAGE_ROLES;

/** A group appeared in the community's directory, or changed its name, topic or join policy.
 * A new entry is one's own when one's member overwrite is in the channel one sees already. */
export function putListing<S extends CommunitySlice>(state: S, shared: SharedListing): S {
  const list = state.community.directory[shared.guild_id];
  if (!list) return state; // fetched when the home opens
  const { guild_id: _guild, ...fields } = shared;
  if (list.some((g) => g.id === shared.id)) return changeListing(state, shared.guild_id, shared.id, (g) => ({ ...g, ...fields }));
  const own = state.channels[shared.id]?.permission_overwrites?.find((o) => o.type === 1 && o.id === state.me?.id);
  const allowed = BigInt(own?.allow ?? "0");
  const joined = (allowed & P.VIEW_CHANNEL) !== 0n;
  const admin = joined && (allowed & GROUP_ADMIN) === GROUP_ADMIN;
  return putDirectory(state, shared.guild_id, [...list, { ...fields, joined, admin, requested: false }]);
}

/** GROUP_LISTING_DELETE: the group left the community (removed, archived or deleted). */
export function dropListing<S extends CommunitySlice>(state: S, guildId: string, groupId: string): S {
  const list = state.community.directory[guildId];
  if (!list?.some((g) => g.id === groupId)) return state;
  return putDirectory(state, guildId, list.filter((g) => g.id !== groupId));
}

/** The answer to one's own join (PUT …/group-members/@me), before the gateway tells. */
export function markJoined<S extends CommunitySlice>(state: S, guildId: string, groupId: string, joined: boolean): S {
  return changeListing(state, guildId, groupId, (g) =>
    g.joined === joined
      ? g
      : { ...g, joined, requested: false, admin: joined ? g.admin : false, member_count: Math.max(0, g.member_count + (joined ? 1 : -1)) },
  );
}

/** The directory split as the home shows it: one's groups, and those one may discover. */
export function myGroups(state: CommunitySlice, guildId: string): GroupListing[] {
  return (state.community.directory[guildId] ?? []).filter((g) => g.joined);
}

export function otherGroups(state: CommunitySlice, guildId: string): GroupListing[] {
  return (state.community.directory[guildId] ?? []).filter((g) => !g.joined);
}

// -- join requests ------------------------------------------------------------------------------

/** The pending requests of a group, as `GET …/join-requests?status=0` lists them. */
export function putJoinRequests<S extends CommunitySlice>(state: S, channelId: string, requests: JoinRequest[]): S {
  const byId: Record<string, JoinRequest> = {};
  for (const request of requests) if (request.status === Decision.PENDING) byId[request.id] = request;
  return withCommunity(state, { joinRequests: { ...state.community.joinRequests, [channelId]: byId } });
}

/** GROUP_JOIN_REQUEST_CREATE and _UPDATE (a decision leaves the pending list); one's own also
 * moves the directory's "requested" and "joined". */
export function putJoinRequest<S extends CommunitySlice>(state: S, request: JoinRequest): S {
  const pending = { ...(state.community.joinRequests[request.channel_id] ?? {}) };
  if (request.status === Decision.PENDING) pending[request.id] = request;
  else delete pending[request.id];
  let next = withCommunity(state, { joinRequests: { ...state.community.joinRequests, [request.channel_id]: pending } });
  if (request.user_id === state.me?.id) {
    const approved = request.status === Decision.APPROVED;
    next = changeListing(next, request.guild_id, request.channel_id, (g) => ({
      ...g,
      requested: request.status === Decision.PENDING,
      joined: g.joined || approved,
      member_count: g.member_count + (approved && !g.joined ? 1 : 0),
    }));
  }
  return next;
}

/** GROUP_JOIN_REQUEST_DELETE (withdrawn). */
export function removeJoinRequest<S extends CommunitySlice>(state: S, request: Pick<JoinRequest, "id" | "channel_id" | "guild_id" | "user_id">): S {
  const known = state.community.joinRequests[request.channel_id];
  let next = state;
  if (known?.[request.id]) {
    const rest = { ...known };
    delete rest[request.id];
    next = withCommunity(next, { joinRequests: { ...next.community.joinRequests, [request.channel_id]: rest } });
  }
  if (request.user_id === state.me?.id) {
    next = changeListing(next, request.guild_id, request.channel_id, (g) => ({ ...g, requested: false }));
  }
  return next;
}

/** The requests waiting for a group's decision, oldest first (one's own left out). */
export function pendingRequests(state: CommunitySlice, channelId: string): JoinRequest[] {
  return Object.values(state.community.joinRequests[channelId] ?? {})
    .filter((r) => r.user_id !== state.me?.id)
    .sort((a, b) => compareIds(a.id, b.id));
}

// -- group proposals ----------------------------------------------------------------------------

export function putProposals<S extends CommunitySlice>(state: S, guildId: string, proposals: GroupProposal[]): S {
  const byId: Record<string, GroupProposal> = {};
  for (const proposal of proposals) if (proposal.status === Decision.PENDING) byId[proposal.id] = proposal;
  return withCommunity(state, { proposals: { ...state.community.proposals, [guildId]: byId } });
}

/** GROUP_PROPOSAL_CREATE and _UPDATE: pending ones are listed, decided ones leave. */
export function putProposal<S extends CommunitySlice>(state: S, proposal: GroupProposal): S {
  const known = { ...(state.community.proposals[proposal.guild_id] ?? {}) };
  if (proposal.status === Decision.PENDING) known[proposal.id] = proposal;
  else if (known[proposal.id]) delete known[proposal.id];
  else return state;
  return withCommunity(state, { proposals: { ...state.community.proposals, [proposal.guild_id]: known } });
}

/** GROUP_PROPOSAL_DELETE (withdrawn). */
export function removeProposal<S extends CommunitySlice>(state: S, guildId: string, proposalId: string): S {
  const known = state.community.proposals[guildId];
  if (!known?.[proposalId]) return state;
  const rest = { ...known };
  delete rest[proposalId];
  return withCommunity(state, { proposals: { ...state.community.proposals, [guildId]: rest } });
}

export function pendingProposals(state: CommunitySlice, guildId: string): GroupProposal[] {
  return Object.values(state.community.proposals[guildId] ?? {}).sort((a, b) => compareIds(a.id, b.id));
}

// -- must-read announcements --------------------------------------------------------------------

export function isMustRead(message: Pick<Message, "flags">): boolean {
  return ((message.flags ?? 0) & MUST_READ) !== 0;
}

/** One's unacknowledged must-read messages, as `GET /guilds/{id}/must-read` lists them. */
export function putMustRead<S extends CommunitySlice>(state: S, guildId: string, messages: Message[]): S {
  const byId: Record<string, Message> = {};
  for (const message of messages) byId[message.id] = message;
  return withCommunity(state, { mustRead: { ...state.community.mustRead, [guildId]: byId } });
}

/** MESSAGE_CREATE: a must-read message from someone else (an announcement, or a group admin's
 * in their group) waits for this person's "Got it"; its author needs no reminder. */
export function noteAnnouncement<S extends CommunitySlice>(state: S, message: Message): S {
  if (!isMustRead(message) || message.author.id === state.me?.id) return state;
  const guildId = message.guild_id ?? state.channels[message.channel_id]?.guild_id;
  if (!guildId || !state.channels[message.channel_id]) return state;
  const known = state.community.mustRead[guildId] ?? {};
  if (known[message.id]) return state;
  return withCommunity(state, { mustRead: { ...state.community.mustRead, [guildId]: { ...known, [message.id]: message } } });
}

/** MESSAGE_ACKNOWLEDGE (this person's, from any of their sessions) and MESSAGE_DELETE: the
 * announcement is no longer waiting. */
export function dropMustRead<S extends CommunitySlice>(state: S, messageId: string): S {
  let mustRead = state.community.mustRead;
  for (const [guildId, messages] of Object.entries(mustRead)) {
    if (!messages[messageId]) continue;
    const rest = { ...messages };
    delete rest[messageId];
    mustRead = { ...mustRead, [guildId]: rest };
  }
  return mustRead === state.community.mustRead ? state : withCommunity(state, { mustRead });
}

/** MESSAGE_UPDATE: a waiting announcement shows its edited text. */
export function updateMustRead<S extends CommunitySlice>(state: S, change: Partial<Message> & { id: string }): S {
  for (const [guildId, messages] of Object.entries(state.community.mustRead)) {
    const known = messages[change.id];
    if (known) {
      return withCommunity(state, { mustRead: { ...state.community.mustRead, [guildId]: { ...messages, [change.id]: { ...known, ...change } } } });
    }
  }
  return state;
}

/** Newest first, as the home pins them. */
export function mustReadList(state: CommunitySlice, guildId: string): Message[] {
  return Object.values(state.community.mustRead[guildId] ?? {}).sort((a, b) => compareIds(b.id, a.id));
}

export function putReceipts<S extends CommunitySlice>(state: S, messageId: string, receipts: Receipts): S {
  const known = state.community.receipts[messageId];
  const next: Receipts = {
    member_count: receipts.member_count,
    read_count: receipts.read_count,
    acknowledged_count: receipts.acknowledged_count,
  };
  if (known && known.member_count === next.member_count && known.read_count === next.read_count && known.acknowledged_count === next.acknowledged_count) {
    return state;
  }
  return withCommunity(state, { receipts: { ...state.community.receipts, [messageId]: next } });
}
