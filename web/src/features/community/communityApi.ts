/** The REST calls of communities of groups (docs/communities.md), through the one API client:
 * the same routes a bot uses. Answers land in the store here, so a screen that calls them shows
 * the result at once; the gateway's events keep it current afterwards. */

import { api, type Body } from "../../api/client";
import type { Channel, Message, User } from "../../api/types";
import { makeNonce } from "../../lib/snowflake";
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
