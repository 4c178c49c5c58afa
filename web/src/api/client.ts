/** The one API client: every REST call the app makes goes through here, with the same routes and
 * bodies a bot uses. Request bodies are typed from the server's OpenAPI document (schema.gen.ts,
 * generated at build time); responses with the Discord shapes in types.ts. */

import type { components, operations } from "./schema.gen";
import type {
  Ban,
  Channel,
  Guild,
  Invite,
  Member,
  Message,
  Role,
  StageInstance,
  User,
  UserGuildSettings,
  UserSettings,
} from "./types";

type Schemas = components["schemas"];
/** Ids travel as strings in JSON; the OpenAPI document calls them integers (both are accepted). */
type Wire<T> = T extends number
  ? number | string
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;
export type Body<K extends keyof Schemas> = Wire<Schemas[K]>;
/** The JSON body of an operation whose body the document describes inline, not as a schema. */
type JsonBody<K extends keyof operations> = operations[K] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? Wire<B>
  : never;
export type CreateMessageBody = JsonBody<"create_message_api_v10_channels__channel_id__messages_post">;
export type EditMessageBody = JsonBody<"edit_message_api_v10_channels__channel_id__messages__message_id__patch">;

export const API_BASE = "/api/v10";
const TOKEN_KEY = "townhall.token";

/** What went wrong, in the terms the interface explains to a person. */
export type ErrorKind =
  | "network"
  | "unauthorized"
  | "permission"
  | "access"
  | "not_found"
  | "rate_limited"
  | "too_long"
  | "invalid"
  | "server";

export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly status: number,
    readonly code: number,
    message: string,
    readonly retryAfter: number | null = null,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

function flattenErrors(tree: unknown, path: string[] = [], out: Record<string, string> = {}) {
  if (tree && typeof tree === "object") {
    for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
      if (key === "_errors" && Array.isArray(value)) {
        const first = value[0] as { code?: string; message?: string } | undefined;
        out[path.join(".")] = first?.code ?? first?.message ?? "invalid";
      } else {
        flattenErrors(value, [...path, key], out);
      }
    }
  }
  return out;
}

function classify(status: number, body: Record<string, unknown>): ErrorKind {
  const code = Number(body.code ?? 0);
  if (status === 401) return "unauthorized";
  if (status === 429) return "rate_limited";
  if (code === 50013 || code === 50005) return "permission";
  if (code === 50001 || status === 403) return "access";
  if (status === 404) return "not_found";
  if (status === 413 || code === 50035) {
    const fields = flattenErrors(body.errors);
    if (Object.values(fields).some((c) => /LENGTH|TOO_LONG|too long|max_length/i.test(c))) {
      return "too_long";
    }
    return status === 413 ? "too_long" : "invalid";
  }
  if (status >= 500) return "server";
  return "invalid";
}

/** A file of a message as the create-message body lists it (Discord's partial attachment):
 * `id` is the n of its `files[n]` part, or it names a finished resumable upload. */
export interface OutgoingAttachment {
  id: number;
  filename: string;
  description?: string;
  uploaded_filename?: string;
}

export type MessagePayload = Omit<CreateMessageBody, "attachments"> & {
  attachments?: OutgoingAttachment[];
};

export interface FilePart {
  id: number;
  file: Blob;
  filename: string;
}

/** The multipart body of a message with files: `payload_json`, then `files[n]`, where n is the id
 * of the file's entry in `payload.attachments`. */
export function messageForm(payload: MessagePayload, files: readonly FilePart[]): FormData {
  const form = new FormData();
  form.append("payload_json", JSON.stringify(payload));
  for (const part of files) form.append(`files[${part.id}]`, part.file, part.filename);
  return form;
}

export class Api {
  token: string | null;
  onUnauthorized: () => void = () => {};

  constructor(private readonly base = API_BASE) {
    this.token = typeof localStorage !== "undefined" ? localStorage.getItem(TOKEN_KEY) : null;
  }

  setToken(token: string | null): void {
    this.token = token;
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = this.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError("network", 0, 0, "network");
    }
    if (response.status === 204) return undefined as T;
    let data: Record<string, unknown> = {};
    try {
      data = (await response.json()) as Record<string, unknown>;
    } catch {
      if (!response.ok) throw new ApiError(classify(response.status, {}), response.status, 0, "");
    }
    if (!response.ok) throw this.failure(response.status, data, response.headers.get("Retry-After"));
    return data as T;
  }

  /** The error for a refused request (Discord's `{code, message, errors}` body). */
  private failure(status: number, data: Record<string, unknown>, retryAfter: string | null): ApiError {
    const kind = classify(status, data);
    if (kind === "unauthorized" && this.token) this.onUnauthorized();
    const retry = data.retry_after ?? retryAfter;
    return new ApiError(
      kind,
      status,
      Number(data.code ?? 0),
      String(data.message ?? ""),
      retry == null ? null : Number(retry),
      flattenErrors(data.errors),
    );
  }

  /** Sends a message with files in the same request (`multipart/form-data`), reporting how much
   * of the body went out: XHR, because fetch cannot tell upload progress. Without files, JSON. */
  postMessage(
    channelId: string,
    payload: MessagePayload,
    files: readonly FilePart[] = [],
    onProgress?: (loaded: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<Message> {
    const path = `/channels/${channelId}/messages`;
    if (!files.length) return this.request<Message>("POST", path, payload);
    return new Promise<Message>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", this.base + path);
      if (this.token) xhr.setRequestHeader("Authorization", this.token);
      xhr.responseType = "text";
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
      xhr.onerror = () => reject(new ApiError("network", 0, 0, "network"));
      xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
      xhr.onload = () => {
        let data: Record<string, unknown> = {};
        try {
          data = JSON.parse(xhr.responseText || "{}") as Record<string, unknown>;
        } catch {
          // a proxy's HTML error page: the status says enough
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data as unknown as Message);
        else reject(this.failure(xhr.status, data, xhr.getResponseHeader("Retry-After")));
      };
      signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(messageForm(payload, files));
    });
  }

  // -- accounts -------------------------------------------------------------------------------
  register = (body: Body<"RegisterBody">) =>
    this.request<{ token: string; user_id: string }>("POST", "/auth/register", body);
  login = (body: Body<"LoginBody">) =>
    this.request<{ token: string; user_id: string }>("POST", "/auth/login", body);
  logout = (everywhere = false) =>
    this.request<void>("POST", everywhere ? "/auth/logout?all=true" : "/auth/logout");
  me = () => this.request<User>("GET", "/users/@me");
  modifyMe = (body: Body<"ModifyCurrentUserBody">) =>
    this.request<User & { token?: string }>("PATCH", "/users/@me", body);
  modifySettings = (body: UserSettings) =>
    this.request<UserSettings>("PATCH", "/users/@me/settings", body);
  modifyGuildSettings = (guildId: string, body: Partial<UserGuildSettings> | Record<string, unknown>) =>
    this.request<UserGuildSettings>("PATCH", `/users/@me/guilds/${guildId}/settings`, body);

  // -- guilds ---------------------------------------------------------------------------------
  createGuild = (body: Body<"CreateGuildBody">) => this.request<Guild>("POST", "/guilds", body);
  modifyGuild = (guildId: string, body: Body<"ModifyGuildBody">) =>
    this.request<Guild>("PATCH", `/guilds/${guildId}`, body);
  leaveGuild = (guildId: string) => this.request<void>("DELETE", `/users/@me/guilds/${guildId}`);

  // -- channels -------------------------------------------------------------------------------
  createChannel = (guildId: string, body: Body<"CreateChannelBody">) =>
    this.request<Channel>("POST", `/guilds/${guildId}/channels`, body);
  channel = (channelId: string) => this.request<Channel>("GET", `/channels/${channelId}`);
  modifyChannel = (channelId: string, body: Body<"ModifyChannelBody">) =>
    this.request<Channel>("PATCH", `/channels/${channelId}`, body);
  deleteChannel = (channelId: string) => this.request<Channel>("DELETE", `/channels/${channelId}`);
  putOverwrite = (channelId: string, targetId: string, body: Body<"EditOverwriteBody">) =>
    this.request<void>("PUT", `/channels/${channelId}/permissions/${targetId}`, body);
  deleteOverwrite = (channelId: string, targetId: string) =>
    this.request<void>("DELETE", `/channels/${channelId}/permissions/${targetId}`);
  openDm = (recipientId: string) =>
    this.request<Channel>("POST", "/users/@me/channels", { recipient_id: recipientId });
  createGroupDm = (recipients: string[]) =>
    this.request<Channel>("POST", "/users/@me/channels", { recipients });

  // -- messages -------------------------------------------------------------------------------
  messages = (channelId: string, query: { before?: string; after?: string; around?: string; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return this.request<Message[]>("GET", `/channels/${channelId}/messages?${params}`);
  };
  sendMessage = (channelId: string, body: CreateMessageBody) =>
    this.request<Message>("POST", `/channels/${channelId}/messages`, body);
  editMessage = (channelId: string, messageId: string, body: EditMessageBody) =>
    this.request<Message>("PATCH", `/channels/${channelId}/messages/${messageId}`, body);
  deleteMessage = (channelId: string, messageId: string) =>
    this.request<void>("DELETE", `/channels/${channelId}/messages/${messageId}`);
  ack = (channelId: string, messageId: string) =>
    this.request<{ token: null }>("POST", `/channels/${channelId}/messages/${messageId}/ack`, { token: null });
  typing = (channelId: string) => this.request<void>("POST", `/channels/${channelId}/typing`);
  react = (channelId: string, messageId: string, emoji: string) =>
    this.request<void>("PUT", `/channels/${channelId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}/@me`);
  unreact = (channelId: string, messageId: string, emoji: string) =>
    this.request<void>("DELETE", `/channels/${channelId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}/@me`);
  pins = (channelId: string) =>
    this.request<{ items: { pinned_at: string; message: Message }[]; has_more: boolean }>(
      "GET",
      `/channels/${channelId}/messages/pins`,
    );
  pin = (channelId: string, messageId: string) =>
    this.request<void>("PUT", `/channels/${channelId}/messages/pins/${messageId}`);
  unpin = (channelId: string, messageId: string) =>
    this.request<void>("DELETE", `/channels/${channelId}/messages/pins/${messageId}`);

  // -- roles and members ----------------------------------------------------------------------
  createRole = (guildId: string, body: Body<"RoleBody">) =>
    this.request<Role>("POST", `/guilds/${guildId}/roles`, body);
  modifyRole = (guildId: string, roleId: string, body: Body<"RoleBody">) =>
    this.request<Role>("PATCH", `/guilds/${guildId}/roles/${roleId}`, body);
  deleteRole = (guildId: string, roleId: string) =>
    this.request<void>("DELETE", `/guilds/${guildId}/roles/${roleId}`);
  moveRoles = (guildId: string, body: Body<"RolePositionBody">[]) =>
    this.request<Role[]>("PATCH", `/guilds/${guildId}/roles`, body);
  members = (guildId: string, after = "0") =>
    this.request<Member[]>("GET", `/guilds/${guildId}/members?limit=1000&after=${after}`);
  modifyMember = (guildId: string, userId: string, body: Body<"ModifyMemberBody">) =>
    this.request<Member>("PATCH", `/guilds/${guildId}/members/${userId}`, body);
  kick = (guildId: string, userId: string) =>
    this.request<void>("DELETE", `/guilds/${guildId}/members/${userId}`);
  ban = (guildId: string, userId: string, deleteMessageSeconds: number) =>
    this.request<void>("PUT", `/guilds/${guildId}/bans/${userId}`, {
      delete_message_seconds: deleteMessageSeconds,
    } satisfies Body<"BanBody">);
  bans = (guildId: string) => this.request<Ban[]>("GET", `/guilds/${guildId}/bans`);
  unban = (guildId: string, userId: string) =>
    this.request<void>("DELETE", `/guilds/${guildId}/bans/${userId}`);

  // -- invites --------------------------------------------------------------------------------
  invite = (code: string) =>
    this.request<Invite>("GET", `/invites/${encodeURIComponent(code)}?with_counts=true`);
  acceptInvite = (code: string) => this.request<Invite>("POST", `/invites/${encodeURIComponent(code)}`);
  createInvite = (channelId: string, body: Body<"CreateInviteBody">) =>
    this.request<Invite>("POST", `/channels/${channelId}/invites`, body);
  guildInvites = (guildId: string) => this.request<Invite[]>("GET", `/guilds/${guildId}/invites`);
  revokeInvite = (code: string) => this.request<Invite>("DELETE", `/invites/${encodeURIComponent(code)}`);

  // -- calls in DMs (joining and leaving are gateway op 4) ------------------------------------
  /** From inside the call: ring everyone who is not in it (or these recipients). */
  ringCall = (channelId: string, body: Body<"RecipientsBody"> = {}) =>
    this.request<void>("POST", `/channels/${channelId}/call/ring`, body);
  /** Decline (oneself, with an empty body), or stop ringing others. */
  stopRinging = (channelId: string, body: Body<"RecipientsBody"> = {}) =>
    this.request<void>("POST", `/channels/${channelId}/call/stop-ringing`, body);

  // -- stages ---------------------------------------------------------------------------------
  createStage = (body: Body<"CreateStageBody">) => this.request<StageInstance>("POST", "/stage-instances", body);
  modifyStage = (channelId: string, body: Body<"ModifyStageBody">) =>
    this.request<StageInstance>("PATCH", `/stage-instances/${channelId}`, body);
  deleteStage = (channelId: string) => this.request<void>("DELETE", `/stage-instances/${channelId}`);
  /** On a stage: raise or lower one's hand, speak (a moderator), or step down. */
  modifyMyVoiceState = (guildId: string, body: Body<"CurrentVoiceStateBody">) =>
    this.request<void>("PATCH", `/guilds/${guildId}/voice-states/@me`, body);
  /** On a stage, a moderator invites someone up (`suppress: false`) or back to the audience. */
  modifyVoiceState = (guildId: string, userId: string, body: Body<"VoiceStateBody">) =>
    this.request<void>("PATCH", `/guilds/${guildId}/voice-states/${userId}`, body);
}

export const api = new Api();
