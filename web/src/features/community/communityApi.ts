/** The REST calls of communities of groups (docs/communities.md), through the one API client:
 * the same routes a bot uses. Answers land in the store here, so a screen that calls them shows
 * the result at once; the gateway's events keep it current afterwards. */

import { api, type Body } from "../../api/client";
import type { Channel, Message, Overwrite, User } from "../../api/types";
import { compareIds, makeNonce } from "../../lib/snowflake";
import {
  COMMUNITY,
  MUST_READ,
  markJoined,
  putCommunityGuild,
  putDirectory,
  putJoinRequest,
  putJoinRequests,
  putMustRead,
  putProposal,
  putProposals,
  putReceipts,
  dropMustRead,
  removeProposal,
  type GroupListing,
  type GroupProposal,
  type JoinRequest,
  type Receipts,
} from "../../state/community";
import { confirmLocalMessage, reduce } from "../../state/reducer";
import { setState } from "../../state/store";

export type GroupDraft = Body<"CreateGroupBody"> & Body<"ProposalBody">;
type Decide = Body<"DecisionBody">;

export type PendingKind = "unread" | "unacknowledged";

export type ModerationEntry = Body<"AuditLogEntry">;
/** A page of the moderation log: entries newest first, their people by id, and whether more wait. */
export type ModerationPage = { entries: ModerationEntry[]; users: Record<string, User>; more: boolean };

/** Discord's audit log action types of removed messages (docs/communities.md, "Moderation log"). */
export const MESSAGE_DELETE = 72;
export const MESSAGE_BULK_DELETE = 73;
const LOG_PAGE = 50;
const SEND_MESSAGES = 1n << 11n;
/** Commenting in threads: starting one under an announcement (CREATE_PUBLIC_THREADS, what the
 * server checks for a thread on a message) and writing in it (SEND_MESSAGES_IN_THREADS). */
const THREAD_COMMENTS = (1n << 35n) | (1n << 38n);

/** The announcement channel's @everyone overwrite with comment threads on or off: writing in the
 * channel stays denied, every other bit stays as it was. */
export function commentsOverwrite(channel: Pick<Channel, "permission_overwrites">, guildId: string, on: boolean): Overwrite {
  const current = channel.permission_overwrites?.find((o) => o.id === guildId);
  let allow = BigInt(current?.allow ?? "0");
  let deny = BigInt(current?.deny ?? "0") | SEND_MESSAGES;
  allow &= ~SEND_MESSAGES;
  if (on) {
    allow |= THREAD_COMMENTS;
    deny &= ~THREAD_COMMENTS;
  } else {
    deny |= THREAD_COMMENTS;
    allow &= ~THREAD_COMMENTS;
  }
  return { id: guildId, type: 0, allow: allow.toString(), deny: deny.toString() };
}

/** Whether the overwrite lets members comment in threads (what the switch shows). */
export function commentsAllowed(channel: Pick<Channel, "permission_overwrites">, guildId: string): boolean {
  const current = channel.permission_overwrites?.find((o) => o.id === guildId);
  return (BigInt(current?.allow ?? "0") & THREAD_COMMENTS) === THREAD_COMMENTS;
}

type AuditLogPage = { audit_log_entries: ModerationEntry[]; users: User[] };

const groupMembers = (channelId: string) => `/channels/${channelId}/group-members`;
const joinRequests = (channelId: string) => `/channels/${channelId}/join-requests`;
const proposals = (guildId: string) => `/guilds/${guildId}/group-proposals`;
const decision = (approve: boolean): Decide => ({ status: approve ? 1 : 2 });
const receipts = (channelId: string, messageId: string) => `/channels/${channelId}/messages/${messageId}/receipts`;

export const communityApi = {
  /** Turns the COMMUNITY feature on or off (MANAGE_GUILD); GUILD_UPDATE follows. */
  async setCommunity(guildId: string, on: boolean): Promise<void> {
    const guild = await api.request<{ id: string; features?: string[]; announcements_channel_id?: string | null }>(
      "PATCH",
      `/guilds/${guildId}`,
      { features: on ? [COMMUNITY] : [] },
    );
    setState((s) => putCommunityGuild(s, { ...guild, id: guildId }));
  },

  async loadDirectory(guildId: string): Promise<GroupListing[]> {
    const groups = await api.request<GroupListing[]>("GET", `/guilds/${guildId}/groups`);
    setState((s) => putDirectory(s, guildId, groups));
    return groups;
  },
  createGroup: (guildId: string, draft: GroupDraft) => api.request<Channel>("POST", `/guilds/${guildId}/groups`, draft),

  async join(guildId: string, groupId: string): Promise<void> {
    await api.request<void>("PUT", `${groupMembers(groupId)}/@me`);
    setState((s) => markJoined(s, guildId, groupId, true));
  },
  async leave(guildId: string, groupId: string): Promise<void> {
    await api.request<void>("DELETE", `${groupMembers(groupId)}/@me`);
    setState((s) => markJoined(s, guildId, groupId, false));
  },

  async askToJoin(groupId: string, message: string): Promise<JoinRequest> {
    const body: Body<"JoinRequestBody"> = message ? { message } : {};
    const request = await api.request<JoinRequest>("POST", joinRequests(groupId), body);
    setState((s) => putJoinRequest(s, request));
    return request;
  },
  /** Withdraws one's pending request; GROUP_JOIN_REQUEST_DELETE clears the mark elsewhere. */
  async withdrawRequest(guildId: string, groupId: string): Promise<void> {
    await api.request<void>("DELETE", `${joinRequests(groupId)}/@me`);
    await communityApi.loadDirectory(guildId);
  },
  async loadJoinRequests(groupId: string): Promise<JoinRequest[]> {
    const found = await api.request<JoinRequest[]>("GET", `${joinRequests(groupId)}?status=0`);
    setState((s) => putJoinRequests(s, groupId, found));
    return found;
  },
  async decideJoinRequest(groupId: string, requestId: string, approve: boolean): Promise<void> {
    const decided = await api.request<JoinRequest>("PATCH", `${joinRequests(groupId)}/${requestId}`, decision(approve));
    if (decided?.id) setState((s) => putJoinRequest(s, decided));
  },

  async propose(guildId: string, draft: GroupDraft): Promise<GroupProposal> {
    const proposal = await api.request<GroupProposal>("POST", proposals(guildId), draft);
    setState((s) => putProposal(s, proposal));
    return proposal;
  },
  async loadProposals(guildId: string): Promise<GroupProposal[]> {
    const found = await api.request<GroupProposal[]>("GET", `${proposals(guildId)}?status=0`);
    setState((s) => putProposals(s, guildId, found));
    return found;
  },
  async decideProposal(guildId: string, proposalId: string, approve: boolean): Promise<void> {
    const decided = await api.request<GroupProposal>("PATCH", `${proposals(guildId)}/${proposalId}`, decision(approve));
    if (decided?.id) setState((s) => putProposal(s, decided));
    else setState((s) => removeProposal(s, guildId, proposalId));
  },
  async withdrawProposal(guildId: string, proposalId: string): Promise<void> {
    await api.request<void>("DELETE", `${proposals(guildId)}/${proposalId}`);
    setState((s) => removeProposal(s, guildId, proposalId));
  },

  async loadMustRead(guildId: string): Promise<Message[]> {
    const found = await api.request<Message[]>("GET", `/guilds/${guildId}/must-read`);
    setState((s) => putMustRead(s, guildId, found));
    return found;
  },
  async acknowledge(channelId: string, messageId: string): Promise<void> {
    await api.request<void>("PUT", `/channels/${channelId}/messages/${messageId}/acknowledgement`);
    setState((s) => dropMustRead(s, messageId));
  },
  async loadReceipts(channelId: string, messageId: string): Promise<Receipts> {
    const found = await api.request<Receipts>("GET", receipts(channelId, messageId));
    setState((s) => putReceipts(s, messageId, found));
    return found;
  },
  pendingReceipts: (channelId: string, messageId: string, kind: PendingKind, after?: string) =>
    api.request<User[]>("GET", `${receipts(channelId, messageId)}/pending?kind=${kind}&limit=100${after ? `&after=${after}` : ""}`),

  /** An announcement sent as must-read (the flag needs MANAGE_MESSAGES in the channel). */
  async sendMustRead(channelId: string, content: string, replyTo?: string): Promise<Message> {
    const message = await api.sendMessage(channelId, {
      content,
      flags: MUST_READ,
      nonce: makeNonce(),
      enforce_nonce: true,
      ...(replyTo ? { message_reference: { message_id: replyTo } } : {}),
    });
    setState((s) => confirmLocalMessage(s, message));
    return message;
  },

  /** One page of removed messages: single deletions (72) and bulk deletions (73) are two
   * requests, merged newest first. Where one type filled its page, entries older than that page's
   * oldest are held back, so the next page (`before` the oldest shown) skips none. */
  async moderationLog(guildId: string, before?: string, channelId?: string): Promise<ModerationPage> {
    const query = (type: number) =>
      `/guilds/${guildId}/audit-logs?action_type=${type}&limit=${LOG_PAGE}${before ? `&before=${before}` : ""}${channelId ? `&channel_id=${channelId}` : ""}`;
    const pages = await Promise.all([MESSAGE_DELETE, MESSAGE_BULK_DELETE].map((type) => api.request<AuditLogPage>("GET", query(type))));
    const users: Record<string, User> = {};
    const byId = new Map<string, ModerationEntry>();
    let floor: string | null = null;
    for (const page of pages) {
      for (const user of page.users ?? []) users[user.id] = user;
      for (const entry of page.audit_log_entries) byId.set(entry.id, entry);
      if (page.audit_log_entries.length >= LOG_PAGE) {
        const oldest = page.audit_log_entries.reduce((a, b) => (compareIds(a.id, b.id) <= 0 ? a : b)).id;
        if (!floor || compareIds(oldest, floor) > 0) floor = oldest;
      }
    }
    const entries = [...byId.values()].filter((e) => !floor || compareIds(e.id, floor) >= 0).sort((a, b) => compareIds(b.id, a.id));
    return { entries, users, more: floor !== null };
  },

  /** The comments switch: the announcement channel's @everyone overwrite (MANAGE_CHANNELS /
   * MANAGE_ROLES); the channel in the store at once, CHANNEL_UPDATE confirms it. */
  async setComments(channel: Channel, guildId: string, on: boolean): Promise<void> {
    const overwrite = commentsOverwrite(channel, guildId, on);
    await api.request<void>("PUT", `/channels/${channel.id}/permissions/${guildId}`, { type: 0, allow: overwrite.allow, deny: overwrite.deny });
    const others = (channel.permission_overwrites ?? []).filter((o) => o.id !== guildId);
    setState((s) => reduce(s, { t: "CHANNEL_UPDATE", d: { ...(s.channels[channel.id] ?? channel), permission_overwrites: [...others, overwrite] } }));
  },

  /** "Reply privately": the direct message with the announcement's author, opened (or found),
   * and the reply sent there quoting the announcement. */
  async replyPrivately(authorId: string, text: string): Promise<Channel> {
    const channel = await api.openDm(authorId);
    setState((s) => reduce(s, { t: "CHANNEL_CREATE", d: channel }));
    const message = await api.sendMessage(channel.id, { content: text, nonce: makeNonce(), enforce_nonce: true });
    setState((s) => confirmLocalMessage(s, message));
    return channel;
  },
};
