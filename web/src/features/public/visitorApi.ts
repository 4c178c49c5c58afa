/** The REST calls of a visitor without an account: the one API client, without a token, on the
 * routes the server answers for public channels (docs/public-channels.md). A signed-in person
 * who is not a member reads a public channel the same way. */

import { Api } from "../../api/client";
import type { Channel, GuildPreview, Message } from "../../api/types";
import { PAGE } from "./publicChannel";

class VisitorApi {
  private readonly api = new Api();

  constructor() {
    this.api.token = null; // never the stored one: these requests are a visitor's
  }

  channel = (channelId: string) => this.api.request<Channel>("GET", `/channels/${channelId}`);
  messages = (channelId: string, before?: string) =>
    this.api.request<Message[]>("GET", `/channels/${channelId}/messages?limit=${PAGE}${before ? `&before=${before}` : ""}`);
  preview = (guildId: string) => this.api.request<GuildPreview>("GET", `/guilds/${guildId}/preview`);
  invite = (code: string) => this.api.invite(code);
}

export const visitorApi = new VisitorApi();
