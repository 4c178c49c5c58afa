/** What makes someone a guest, as the server marks it (docs/guests.md), and whom a guest's member
 * list shows: the people of the channels the guest can see, as the server's member routes do. */

import type { Invite, Member, User } from "../../api/types";
import { channelPermissions, has, P } from "../../lib/permissions";
import type { State } from "../../state/reducer";

/** townhall's user flag (in `public_flags`): the account is a guest's. */
export const GUEST = 1 << 30;
/** Discord's guild member flag: a guest, who can use only the channel they were invited to. */
export const IS_GUEST = 1 << 4;
/** Discord's invite flag: a guest link. */
export const IS_GUEST_INVITE = 1 << 0;
/** How long a guest link (and the guests who came with it) may last: 1 hour to 30 days. */
export const GUEST_LINK_EXPIRY = [3600, 86400, 604800, 2592000];

export function isGuestUser(user: Pick<User, "public_flags" | "flags"> | null | undefined): boolean {
  return !!user && (((user.public_flags ?? 0) | (user.flags ?? 0)) & GUEST) !== 0;
}

export function isGuestMember(member: Pick<Member, "flags"> | undefined): boolean {
  return !!member && ((member.flags ?? 0) & IS_GUEST) !== 0;
}

export function isGuestLink(invite: Pick<Invite, "flags"> | null | undefined): boolean {
  return !!invite && ((invite.flags ?? 0) & IS_GUEST_INVITE) !== 0;
}

/** Someone shown with the Guest badge in this community (or anywhere, without one). */
export function shownAsGuest(s: State, userId: string, guildId: string | null | undefined, author?: User): boolean {
  const member = guildId ? s.members[guildId]?.[userId] : undefined;
  if (member) return isGuestMember(member);
  return isGuestUser(author ?? s.users[userId]);
}

/** For a guest: the members who can view one of the channels the guest can view; null for
 * everyone else, who sees every member. */
export function guestMemberView(s: State, guildId: string): Set<string> | null {
  const me = s.me;
  const guild = s.guilds[guildId];
  if (!me || !guild || !isGuestUser(me)) return null;
  const members = s.members[guildId] ?? {};
  const mine = guild.channelIds
    .map((id) => s.channels[id])
    .filter((c) => !!c && has(channelPermissions(guild, guild.roles, c, me.id, members[me.id]), P.VIEW_CHANNEL));
  const shown = new Set<string>();
  for (const [id, member] of Object.entries(members)) {
    if (mine.some((c) => has(channelPermissions(guild, guild.roles, c, id, member), P.VIEW_CHANNEL))) shown.add(id);
  }
  return shown;
}
