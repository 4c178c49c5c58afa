/** Discord-shaped objects as townhall's API and gateway send them (see api/payloads.py). The
 * server documents request bodies in its OpenAPI document (schema.gen.ts); these are the
 * response shapes the client reads. */

export type Snowflake = string;

export interface User {
  id: Snowflake;
  username: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
  email?: string | null;
  locale?: string;
}

export interface Role {
  id: Snowflake;
  name: string;
  color: number;
  hoist: boolean;
  position: number;
  permissions: string;
  managed: boolean;
  mentionable: boolean;
}

export interface Overwrite {
  id: Snowflake;
  type: 0 | 1;
  allow: string;
  deny: string;
}

export const ChannelType = {
  GUILD_TEXT: 0,
  DM: 1,
  GUILD_VOICE: 2,
  GROUP_DM: 3,
  GUILD_CATEGORY: 4,
  GUILD_ANNOUNCEMENT: 5,
  GUILD_STAGE_VOICE: 13,
  GUILD_FORUM: 15,
} as const;

export interface Channel {
  id: Snowflake;
  type: number;
  guild_id?: Snowflake | null;
  name?: string | null;
  topic?: string | null;
  position?: number;
  parent_id?: Snowflake | null;
  permission_overwrites?: Overwrite[];
  last_message_id?: Snowflake | null;
  last_pin_timestamp?: string | null;
  recipients?: User[];
  owner_id?: Snowflake | null;
  rate_limit_per_user?: number;
  nsfw?: boolean;
}

export interface Member {
  user?: User;
  nick: string | null;
  roles: Snowflake[];
  joined_at: string | null;
  communication_disabled_until?: string | null;
}

export interface Guild {
  id: Snowflake;
  name: string;
  icon: string | null;
  owner_id: Snowflake;
  description: string | null;
  roles: Role[];
  channels?: Channel[];
  members?: Member[];
  presences?: Presence[];
  member_count?: number;
  approximate_member_count?: number;
  approximate_presence_count?: number;
  unavailable?: boolean;
  default_message_notifications?: number;
}

export interface Presence {
  user: { id: Snowflake };
  status: Status;
  guild_id?: Snowflake;
}

export type Status = "online" | "idle" | "dnd" | "offline";

export interface Reaction {
  count: number;
  me: boolean;
  emoji: { id: Snowflake | null; name: string };
}

export interface Message {
  id: Snowflake;
  channel_id: Snowflake;
  guild_id?: Snowflake;
  author: User;
  member?: Member;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  mention_everyone: boolean;
  mentions: User[];
  mention_roles: Snowflake[];
  pinned: boolean;
  type: number;
  flags: number;
  reactions?: Reaction[];
  nonce?: string | number;
  message_reference?: { message_id: Snowflake | null; channel_id: Snowflake; guild_id?: Snowflake | null };
  referenced_message?: Message | null;
}

export interface Invite {
  code: string;
  guild: { id: Snowflake; name: string; icon: string | null; description: string | null };
  channel: { id: Snowflake; name: string; type: number };
  inviter: User | null;
  expires_at: string | null;
  approximate_member_count?: number;
  approximate_presence_count?: number;
  uses?: number;
  max_uses?: number;
  max_age?: number;
  created_at?: string;
}

export interface Ban {
  reason: string | null;
  user: User;
}

/** Read states (Discord's `read_state` in READY, `MESSAGE_ACK`). */
export interface ReadState {
  id: Snowflake; // the channel
  last_message_id: Snowflake | null;
  mention_count: number;
  last_pin_timestamp?: string | null;
}

export interface MuteConfig {
  end_time: string | null;
  selected_time_window: number | null;
}

/** 0: all messages, 1: only @mentions, 2: nothing, 3: as the community says (channels only). */
export type NotificationLevel = 0 | 1 | 2 | 3;

export interface ChannelOverride {
  channel_id: Snowflake;
  muted: boolean;
  mute_config: MuteConfig | null;
  message_notifications: NotificationLevel;
  collapsed?: boolean;
}

export interface UserGuildSettings {
  guild_id: Snowflake | null;
  muted: boolean;
  mute_config: MuteConfig | null;
  message_notifications: NotificationLevel;
  suppress_everyone: boolean;
  suppress_roles: boolean;
  channel_overrides: ChannelOverride[];
  version?: number;
}

export interface UserSettings {
  locale?: string;
  theme?: string;
}

export interface Ready {
  v: number;
  user: User;
  session_id: string;
  resume_gateway_url: string;
  guilds: Guild[];
  private_channels: Channel[];
  presences?: Presence[];
  read_state?: { entries: ReadState[]; partial?: boolean; version?: number } | ReadState[];
  user_guild_settings?: { entries: UserGuildSettings[]; partial?: boolean; version?: number } | UserGuildSettings[];
  user_settings?: UserSettings;
}
