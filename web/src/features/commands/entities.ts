/** The people, roles and channels a command option or a select menu may name, from what the
 * client knows of the guild (pure functions of the state, tested in vitest). The server checks
 * again that each exists and that the person can see the channel. */

import { ChannelType } from "../../api/types";
import { P } from "../../lib/permissions";
import type { State } from "../../state/reducer";
import { can, displayName } from "../../state/selectors";

export type EntityKind = "user" | "role" | "channel";

export interface EntityChoice {
  id: string;
  kind: EntityKind;
  /** "@Ann", "@moderators", "#general". */
  label: string;
  /** A username beside the name. */
  detail?: string;
}

/** What an option type (6 user, 7 channel, 8 role, 9 mentionable) or a select type (5 user,
 * 6 role, 7 mentionable, 8 channel) lists. */
export function kindsOfOption(type: number): EntityKind[] {
  return type === 6 ? ["user"] : type === 7 ? ["channel"] : type === 8 ? ["role"] : type === 9 ? ["user", "role"] : [];
}

export function kindsOfSelect(type: number): EntityKind[] {
  return type === 5 ? ["user"] : type === 6 ? ["role"] : type === 7 ? ["user", "role"] : type === 8 ? ["channel"] : [];
}

/** Channels one may pick when no `channel_types` narrow them: the guild's channels, not
 * categories. */
const PICKABLE_CHANNELS = new Set<number>([ChannelType.GUILD_TEXT, ChannelType.GUILD_VOICE, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_STAGE_VOICE, ChannelType.GUILD_FORUM]);

export function entityChoices(
  state: State,
  guildId: string,
  kinds: readonly EntityKind[],
  query: string,
  options: { channelTypes?: readonly number[]; limit?: number } = {},
): EntityChoice[] {
  const q = query.trim().toLowerCase().replace(/^[@#]/, "");
  const limit = options.limit ?? 25;
  const found: EntityChoice[] = [];
  if (kinds.includes("user")) {
    for (const id of Object.keys(state.members[guildId] ?? {})) {
      const name = displayName(state, id, guildId);
      const username = state.users[id]?.username ?? "";
      if (q && !name.toLowerCase().includes(q) && !username.toLowerCase().includes(q)) continue;
      found.push({ id, kind: "user", label: `@${name}`, detail: username !== name ? username : undefined });
    }
  }
  if (kinds.includes("role")) {
    const roles = Object.values(state.guilds[guildId]?.roles ?? {}).sort((a, b) => b.position - a.position);
    for (const role of roles) {
      const name = role.id === guildId ? "everyone" : role.name.replace(/^@/, "");
      if (q && !name.toLowerCase().includes(q)) continue;
      found.push({ id: role.id, kind: "role", label: `@${name}` });
    }
  }
  if (kinds.includes("channel")) {
    const types = options.channelTypes?.length ? new Set(options.channelTypes) : PICKABLE_CHANNELS;
    for (const id of state.guilds[guildId]?.channelIds ?? []) {
      const channel = state.channels[id];
      if (!channel || !types.has(channel.type) || !can(state, id, P.VIEW_CHANNEL)) continue;
      const name = channel.name ?? "";
      if (q && !name.toLowerCase().includes(q)) continue;
      found.push({ id, kind: "channel", label: `#${name}` });
    }
  }
  const starts = (c: EntityChoice) => (c.label.slice(1).toLowerCase().startsWith(q) ? 0 : 1);
  return found.sort((a, b) => starts(a) - starts(b) || a.label.localeCompare(b.label)).slice(0, limit);
}

/** How a picked id reads (a name, else the id itself). */
export function entityLabel(state: State, guildId: string, id: string): string {
  if (state.members[guildId]?.[id] || state.users[id]) return `@${displayName(state, id, guildId)}`;
  const role = state.guilds[guildId]?.roles[id];
  if (role) return role.id === guildId ? "@everyone" : `@${role.name}`;
  const channel = state.channels[id];
  if (channel) return `#${channel.name ?? ""}`;
  return id;
}
