/** The REST calls of threads (docs/threads.md), through the one API client: the same routes a bot
 * uses. Answers land in the store at once; the gateway's events keep it current afterwards. */

import { api } from "../../api/client";
import type { Channel, Member, Message } from "../../api/types";
import { putOwnMembership, putThread, putThreads, removeThread } from "../../state/threads";
import { reduce } from "../../state/reducer";
import { getState, setState } from "../../state/store";
import type { ForumSettingsBody } from "./threadRules";

function land(thread: Channel): Channel {
  setState((s) => putThread(s, thread));
  return thread;
}

export interface ThreadMember {
  id?: string;
  user_id: string;
  join_timestamp: string;
  flags: number;
  member?: Member;
}

export interface ArchivedPage {
  threads: Channel[];
  has_more: boolean;
}

export const threadsApi = {
  /** A thread from a message: type 11, or 10 in an announcement channel (the server decides). */
  startFromMessage: async (channelId: string, messageId: string, name: string) => {
    const thread = land(await api.request<Channel>("POST", `/channels/${channelId}/messages/${messageId}/threads`, { name }));
    // Who starts a thread is its first member (the answer does not say so).
    if (!thread.member) setState((s) => putOwnMembership(s, { id: thread.id, user_id: s.me?.id }));
    return thread;
  },

  /** The message a thread started from, when the thread's history names it without content. */
  starter: (channelId: string, messageId: string) => api.request<Message>("GET", `/channels/${channelId}/messages/${messageId}`),

  /** Loads a thread this tab does not know yet (a link, a list of archived ones). */
  load: (threadId: string) => api.channel(threadId).then(land),

  join: async (threadId: string) => {
    await api.request<void>("PUT", `/channels/${threadId}/thread-members/@me`);
    setState((s) => putOwnMembership(s, { id: threadId, user_id: getState().me?.id }));
  },

  leave: async (threadId: string) => {
    await api.request<void>("DELETE", `/channels/${threadId}/thread-members/@me`);
    setState((s) => {
      const thread = s.channels[threadId];
      if (!thread) return s;
      const { member: _member, ...rest } = thread;
      return { ...s, channels: { ...s.channels, [threadId]: rest as Channel } };
    });
  },

  /** A thread without a message (`startBody`): public, or private to who is added. Its creator
   * is its first member. */
  start: async (channelId: string, body: { name: string; type: number; invitable?: boolean }) => {
    const thread = land(await api.request<Channel>("POST", `/channels/${channelId}/threads`, body));
    if (!thread.member) setState((s) => putOwnMembership(s, { id: thread.id, user_id: s.me?.id }));
    return thread;
  },

  change: (
    threadId: string,
    body: { archived?: boolean; locked?: boolean; name?: string; invitable?: boolean; applied_tags?: string[]; flags?: number },
  ) => api.request<Channel>("PATCH", `/channels/${threadId}`, body).then(land),

  /** Who is in the thread, with their guild member (names, roles). */
  members: (threadId: string) => api.request<ThreadMember[]>("GET", `/channels/${threadId}/thread-members?with_member=true`),

  addMember: (threadId: string, userId: string) => api.request<void>("PUT", `/channels/${threadId}/thread-members/${userId}`),

  removeMember: (threadId: string, userId: string) => api.request<void>("DELETE", `/channels/${threadId}/thread-members/${userId}`),

  remove: async (threadId: string) => {
    const thread = await api.request<Channel>("DELETE", `/channels/${threadId}`);
    setState((s) => removeThread(s, thread));
  },

  /** One page of a channel's archived public threads, last archived first. */
  archived: async (channelId: string, before?: string): Promise<ArchivedPage> => {
    const query = before ? `?before=${encodeURIComponent(before)}` : "";
    const page = await api.request<ArchivedPage>("GET", `/channels/${channelId}/threads/archived/public${query}`);
    const guildId = getState().channels[channelId]?.guild_id ?? "";
    setState((s) => putThreads(s, page.threads, guildId));
    return page;
  },
};

/** A forum post: a thread with its first message (docs/threads.md). */
export function createPost(forumId: string, body: { name: string; message: { content: string }; applied_tags: string[] }): Promise<Channel> {
  return api.request<Channel>("POST", `/channels/${forumId}/threads`, body).then(land);
}

/** A forum's settings (`settingsBody`): guidelines, tags, default sort, layout and reaction. */
export function changeForum(forumId: string, body: ForumSettingsBody): Promise<Channel> {
  return api.request<Channel>("PATCH", `/channels/${forumId}`, body).then((forum) => {
    setState((s) => reduce(s, { t: "CHANNEL_UPDATE", d: forum }));
    return forum;
  });
}
