/** Which community controls to show: Discord's permission rules on the client, only to decide
 * what to offer (the server decides, domain/groups.py), and the few texts the home builds. */

import type { Message } from "../../api/types";
import { P } from "../../lib/permissions";
import { announcementsChannelOf, isAnnouncementsChannel, isCommunity, isMustRead, JoinPolicy, type GroupListing } from "../../state/community";
import type { State } from "../../state/reducer";
import { can, canInGuild, myMember } from "../../state/selectors";
import { isGuestMember } from "../guests/guestRules";

/** What the button of a group in the directory does. */
export type GroupAction = "open" | "join" | "ask" | "requested";

export function groupAction(group: GroupListing): GroupAction {
  if (group.joined) return "open";
  if (group.requested) return "requested";
  return group.group_join_policy === JoinPolicy.REQUEST ? "ask" : "join";
}

/** The community switch in the settings: the owner and MANAGE_GUILD. */
export function mayRunCommunity(state: State, guildId: string): boolean {
  return canInGuild(state, guildId, P.MANAGE_GUILD);
}

/** The home: a community's members, not its guests (who see one channel only). */
export function hasHome(state: State, guildId: string): boolean {
  return isCommunity(state, guildId) && !isGuestMember(myMember(state, guildId));
}

/** Creating groups and deciding proposals: MANAGE_CHANNELS in the community. */
export function mayManageGroups(state: State, guildId: string): boolean {
  return canInGuild(state, guildId, P.MANAGE_CHANNELS);
}

/** Deciding a group's join requests: MANAGE_ROLES in the group (its admins, the community's). */
export function mayDecideRequests(state: State, group: GroupListing): boolean {
  return group.admin || (!!state.channels[group.id] && can(state, group.id, P.MANAGE_ROLES));
}

/** The must-read switch in the composer: the announcement channel, with MANAGE_MESSAGES there. */
export function mayPostMustRead(state: State, channelId: string): boolean {
  return isAnnouncementsChannel(state, channelId) && can(state, channelId, P.SEND_MESSAGES) && can(state, channelId, P.MANAGE_MESSAGES);
}

/** Read and acknowledgement counts of a must-read message: MANAGE_MESSAGES in its channel. */
export function maySeeReceipts(state: State, message: Pick<Message, "channel_id" | "flags">): boolean {
  return isMustRead(message) && can(state, message.channel_id, P.MANAGE_MESSAGES);
}

/** "Reply privately" on someone else's announcement (members cannot write in the channel). */
export function mayReplyPrivately(state: State, message: Pick<Message, "channel_id" | "author"> & { local?: unknown }): boolean {
  return !message.local && !!state.me && message.author.id !== state.me.id && !message.author.bot && isAnnouncementsChannel(state, message.channel_id);
}

/** "Got it" on a must-read announcement this person has not acknowledged yet. */
export function waitsForMe(state: State, message: Pick<Message, "id" | "channel_id">): boolean {
  const guildId = state.channels[message.channel_id]?.guild_id;
  return !!guildId && !!state.community.mustRead[guildId]?.[message.id];
}

const QUOTED = 300;

/** The announcement as a Markdown quote (the first lines, cut at QUOTED characters), then the
 * reply: what "Reply privately" sends to the author. */
export function quoteReply(announcement: string, reply: string): string {
  const cut = announcement.length > QUOTED ? `${announcement.slice(0, QUOTED).trimEnd()}…` : announcement;
  const quoted = cut
    .split("\n")
    .filter((line, index, lines) => line.trim() || (index > 0 && index < lines.length - 1))
    .map((line) => `> ${line}`)
    .join("\n");
  return quoted ? `${quoted}\n${reply.trim()}` : reply.trim();
}

/** The announcements the home lists under the must-read ones: the newest, those still waiting
 * for this person's "Got it" left out (they are pinned above). */
export function recentAnnouncements(state: State, guildId: string, count = 5): Message[] {
  const channel = announcementsChannelOf(state, guildId);
  const window = channel ? state.messages[channel.id] : undefined;
  if (!window) return [];
  const waiting = state.community.mustRead[guildId] ?? {};
  return window.ids
    .map((id) => window.byId[id])
    .filter((m) => m && !m.local && (m.type === 0 || m.type === 19) && !waiting[m.id])
    .slice(-count)
    .reverse();
}
