/** Discord's permission arithmetic on the client, only to decide which controls to show; the
 * server decides what is allowed (domain/permissions.py) and the client explains its refusals. */

import type { Channel, Guild, Member, Overwrite, Role } from "../api/types";

export const P = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  PRIORITY_SPEAKER: 1n << 8n,
  STREAM: 1n << 9n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  CONNECT: 1n << 20n,
  SPEAK: 1n << 21n,
  MUTE_MEMBERS: 1n << 22n,
  DEAFEN_MEMBERS: 1n << 23n,
  MOVE_MEMBERS: 1n << 24n,
  USE_VAD: 1n << 25n,
  CHANGE_NICKNAME: 1n << 26n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  REQUEST_TO_SPEAK: 1n << 32n,
  MODERATE_MEMBERS: 1n << 40n,
  SEND_VOICE_MESSAGES: 1n << 46n,
  PIN_MESSAGES: 1n << 51n,
} as const;

export type PermissionName = keyof typeof P;

/** The permissions shown in the role and overwrite editors, in the order people look for them. */
export const EDITABLE_PERMISSIONS: PermissionName[] = [
  "VIEW_CHANNEL",
  "SEND_MESSAGES",
  "READ_MESSAGE_HISTORY",
  "ADD_REACTIONS",
  "EMBED_LINKS",
  "ATTACH_FILES",
  "SEND_VOICE_MESSAGES",
  "MENTION_EVERYONE",
  "MANAGE_MESSAGES",
  "PIN_MESSAGES",
  "CREATE_INSTANT_INVITE",
  "CONNECT",
  "SPEAK",
  "STREAM",
  "USE_VAD",
  "MUTE_MEMBERS",
  "DEAFEN_MEMBERS",
  "MOVE_MEMBERS",
  "CHANGE_NICKNAME",
  "MANAGE_NICKNAMES",
  "MANAGE_CHANNELS",
  "MANAGE_ROLES",
  "KICK_MEMBERS",
  "BAN_MEMBERS",
  "MODERATE_MEMBERS",
  "MANAGE_GUILD",
  "ADMINISTRATOR",
];

export const ALL = (1n << 53n) - 1n;

export function has(bits: bigint, permission: bigint): boolean {
  return (bits & P.ADMINISTRATOR) === P.ADMINISTRATOR || (bits & permission) === permission;
}

export function basePermissions(guild: Pick<Guild, "id" | "owner_id">, roles: Record<string, Role>, userId: string, member: Member | undefined): bigint {
  if (guild.owner_id === userId) return ALL;
  let bits = BigInt(roles[guild.id]?.permissions ?? "0");
  for (const id of member?.roles ?? []) bits |= BigInt(roles[id]?.permissions ?? "0");
  return bits & P.ADMINISTRATOR ? ALL : bits;
}

export function applyOverwrites(
  base: bigint,
  overwrites: Overwrite[],
  guildId: string,
  userId: string,
  memberRoles: string[],
): bigint {
  if (base & P.ADMINISTRATOR) return ALL;
  let bits = base;
  const everyone = overwrites.find((o) => o.id === guildId && o.type === 0);
  if (everyone) bits = (bits & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && memberRoles.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  bits = (bits & ~deny) | allow;
  const own = overwrites.find((o) => o.id === userId && o.type === 1);
  if (own) bits = (bits & ~BigInt(own.deny)) | BigInt(own.allow);
  return bits;
}

export function channelPermissions(
  guild: Pick<Guild, "id" | "owner_id">,
  roles: Record<string, Role>,
  channel: Channel,
  userId: string,
  member: Member | undefined,
): bigint {
  const base = basePermissions(guild, roles, userId, member);
  if (base === ALL) return ALL;
  return applyOverwrites(base, channel.permission_overwrites ?? [], guild.id, userId, member?.roles ?? []);
}

export function highestRolePosition(roles: Record<string, Role>, member: Member | undefined): number {
  return Math.max(0, ...(member?.roles ?? []).map((id) => roles[id]?.position ?? 0));
}
