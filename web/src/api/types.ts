/** Discord-shaped objects as townhall's API and gateway send them. The shapes come from the
 * server's OpenAPI document (schema.gen.ts, generated from townhall/wire/schemas.py), so a field
 * the server renames or drops fails the type check here; only READY, which is a gateway event
 * and not a REST answer, is described by hand, out of the generated shapes. */

import type { components } from "./schema.gen";

type Schemas = components["schemas"];

export type Snowflake = string;
/** The generated shape `T`, of which the client relies on the fields `K` (a field the server drops
 * or renames fails the type check) and reads the others when present: gateway events and the
 * client's own optimistic objects carry only part of an object. */
type Shape<T, K extends keyof T> = Pick<T, K> & Partial<Omit<T, K>>;

export type User = Shape<Schemas["User"], "id" | "username" | "global_name" | "avatar">;
export type Role = Shape<
  Schemas["Role"],
  "id" | "name" | "color" | "hoist" | "position" | "permissions" | "managed" | "mentionable"
>;
export type Overwrite = Schemas["Overwrite"];

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

export interface Channel extends Omit<Shape<Schemas["Channel"], "id" | "type">, "recipients"> {
  recipients?: User[];
}

export interface Member extends Omit<Shape<Schemas["Member"], "nick" | "roles" | "joined_at">, "user"> {
  user?: User;
}

/** A guild as REST answers it; GUILD_CREATE adds what the member sees of it. */
export interface Guild
  extends Omit<Shape<Schemas["Guild"], "id" | "name" | "icon" | "owner_id" | "description">, "roles"> {
  roles: Role[];
  channels?: Channel[];
  members?: Member[];
  presences?: Presence[];
  member_count?: number;
  unavailable?: boolean;
  /** The guild's live stages (GUILD_CREATE). */
  stage_instances?: StageInstance[];
  /** The guild's scheduled and active events that the member can see (GUILD_CREATE). */
  guild_scheduled_events?: ScheduledEvent[];
}

export interface Presence {
  user: { id: Snowflake };
  status: Status;
  guild_id?: Snowflake;
}

export type Status = "online" | "idle" | "dnd" | "offline";

export type Reaction = Shape<Schemas["Reaction"], "count" | "me" | "emoji">;
export type MessageReference = Shape<Schemas["MessageReference"], "message_id" | "channel_id">;

type MessageFields =
  | "id"
  | "channel_id"
  | "content"
  | "timestamp"
  | "edited_timestamp"
  | "mention_everyone"
  | "mention_roles"
  | "pinned"
  | "type"
  | "flags";
type MessageNested =
  | "author"
  | "mentions"
  | "member"
  | "reactions"
  | "message_reference"
  | "referenced_message"
  | "attachments";

/** A file in a message. `url` is a signed link that works in `<img src>` and as a download (no
 * token), valid for about a day: always take the one of the newest copy of the message.
 * `scan_status` ("pending", "blocked") is there only for the uploader while the file is not
 * cleared. */
export type Attachment = Shape<Schemas["Attachment"], "id" | "filename" | "size" | "url" | "proxy_url">;

/** townhall's: a location shared with a message, once (`live_until` null) or live until
 * `live_until`, unless `ended` earlier; every move arrives as MESSAGE_UPDATE. */
export type Location = Schemas["SharedLocation"];

export interface Message extends Omit<Shape<Schemas["Message"], MessageFields>, MessageNested> {
  author: User;
  mentions: User[];
  member?: Member;
  reactions?: Reaction[];
  message_reference?: MessageReference;
  referenced_message?: Message | null;
  attachments?: Attachment[];
}

export type Invite = Schemas["Invite"];
/** What anyone may know of a guild with a public channel (`GET /guilds/{id}/preview`). */
export type GuildPreview = Schemas["GuildPreview"];
/** A stage channel's live session: its topic, while the stage is open. */
export type StageInstance = Shape<Schemas["StageInstance"], "id" | "guild_id" | "channel_id" | "topic">;
/** A scheduled event (Discord's guild scheduled event): status 1 scheduled, 2 active, 3 completed,
 * 4 canceled; entity_type 1 stage, 2 voice, 3 somewhere else (`entity_metadata.location`).
 * `user_count` (how many are interested) comes with GUILD_CREATE, the events and REST lists. */
export type ScheduledEvent = Shape<
  Schemas["GuildScheduledEvent"],
  | "id"
  | "guild_id"
  | "channel_id"
  | "name"
  | "description"
  | "scheduled_start_time"
  | "scheduled_end_time"
  | "status"
  | "entity_type"
  | "entity_metadata"
  | "creator_id"
>;
/** One's own interest in an event (`PUT …/users/@me`, `GET /users/@me/scheduled-events`). */
export type ScheduledEventInterest = Schemas["SubscribedScheduledEventUser"];
export type Ban = Schemas["Ban"];

/** Read states (Discord's `read_state` in READY, `MESSAGE_ACK`). */
export interface ReadState {
  id: Snowflake; // the channel
  last_message_id: Snowflake | null;
  mention_count: number;
  last_pin_timestamp?: string | null;
}

export type MuteConfig = Schemas["MuteConfig"];

/** 0: all messages, 1: only @mentions, 2: nothing, 3: as the community says (channels only). */
export type NotificationLevel = 0 | 1 | 2 | 3;

export type ChannelOverride = Schemas["ChannelOverride"] & { message_notifications: NotificationLevel };
export type UserGuildSettings = Omit<Schemas["UserGuildSettings"], "guild_id" | "channel_overrides"> & {
  /** Null for the settings of direct messages. */
  guild_id: Snowflake | null;
  message_notifications: NotificationLevel;
  channel_overrides: ChannelOverride[];
};
export type UserSettings = Partial<Schemas["UserSettings"]>;

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
