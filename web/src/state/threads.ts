/** Threads (docs/threads.md): a thread is a channel (types 10, 11, 12) kept in `state.channels`,
 * so the message list, composer and permission checks work on it as on any channel, but never in
 * a guild's `channelIds` (the sidebar lists channels, not threads). Pure functions, in vitest. */

import type { Channel, Message } from "../api/types";
import { compareIds } from "../lib/snowflake";
import type { State } from "./reducer";

export const ThreadType = { ANNOUNCEMENT: 10, PUBLIC: 11, PRIVATE: 12 } as const;
const THREAD_TYPES = new Set<number>([ThreadType.ANNOUNCEMENT, ThreadType.PUBLIC, ThreadType.PRIVATE]);

/** The thread permissions (lib/permissions.ts lists the channel ones). */
export const TP = {
  MANAGE_THREADS: 1n << 34n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  CREATE_PRIVATE_THREADS: 1n << 36n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
} as const;
const SEND_MESSAGES = 1n << 11n;
const ADMINISTRATOR = 1n << 3n;

/** Message types a thread brings: the line announcing it, and the first line inside it. */
export const THREAD_CREATED = 18;
export const THREAD_STARTER_MESSAGE = 21;
/** Message flag HAS_THREAD. */
export const HAS_THREAD = 1 << 5;

export function isThread(channel: Pick<Channel, "type"> | undefined): boolean {
  return !!channel && THREAD_TYPES.has(channel.type);
}

/** What one may do in a thread is what one may do in its parent, except that writing there
 * takes SEND_MESSAGES_IN_THREADS: it shows as SEND_MESSAGES, so the composer's check holds. */
export function threadBits(parentBits: bigint): bigint {
  if ((parentBits & ADMINISTRATOR) === ADMINISTRATOR) return parentBits;
  const send = (parentBits & TP.SEND_MESSAGES_IN_THREADS) === TP.SEND_MESSAGES_IN_THREADS;
  return send ? parentBits | SEND_MESSAGES : parentBits & ~SEND_MESSAGES;
}

/** The type of a thread started from a message: announcement threads in announcement channels. */
export function threadTypeFor(parent: Pick<Channel, "type">): number {
  return parent.type === 5 ? ThreadType.ANNOUNCEMENT : ThreadType.PUBLIC;
}

/** May a thread be started from this message (a person's message in a text or announcement
 * channel that has none yet)? */
export function canStartFrom(message: Pick<Message, "type" | "flags" | "id">, channel: Pick<Channel, "type"> | undefined, state?: State): boolean {
  if (!channel || (channel.type !== 0 && channel.type !== 5)) return false;
  if (message.type !== 0 && message.type !== 19) return false;
  if (((message.flags ?? 0) & HAS_THREAD) !== 0) return false;
  return !(state && isThread(state.channels[message.id]));
}

/** A thread name: 1–100 characters, trimmed (the server's rule); null when none is left. */
export function cleanThreadName(name: string): string | null {
  const trimmed = name.trim().replace(/\s+/g, " ");
  return trimmed ? trimmed.slice(0, 100) : null;
}

/** The name a thread from this message is offered: its first words. */
export function suggestedName(content: string): string {
  return cleanThreadName(content.replace(/[*_~`|>#]/g, "").split("\n")[0].slice(0, 40)) ?? "";
}

export function isArchived(thread: Channel | undefined): boolean {
  return !!thread?.thread_metadata?.archived;
}

export function isLocked(thread: Channel | undefined): boolean {
  return !!thread?.thread_metadata?.locked;
}

export function isJoined(thread: Channel | undefined): boolean {
  return !!thread?.member;
}

/** Puts a thread (THREAD_CREATE, THREAD_UPDATE, a REST answer) in the state, outside the
 * sidebar's list; what the client counted stays when the event carries less. */
export function putThread(state: State, thread: Channel & { newly_created?: boolean }): State {
  const { newly_created: _new, ...rest } = thread;
  const known = state.channels[thread.id];
  const merged: Channel = { ...known, ...rest };
  if (known?.member && !("member" in rest)) merged.member = known.member;
  return { ...state, channels: { ...state.channels, [thread.id]: merged } };
}

export function putThreads(state: State, threads: Channel[] | undefined, guildId: string): State {
  let next = state;
  for (const thread of threads ?? []) next = putThread(next, { ...thread, guild_id: thread.guild_id ?? guildId });
  return next;
}

/** THREAD_DELETE: the thread and its messages go; its starter no longer points at it. */
export function removeThread(state: State, d: { id: string; parent_id?: string | null }): State {
  const known = state.channels[d.id];
  if (!known) return state;
  const channels = { ...state.channels };
  delete channels[d.id];
  const messages = { ...state.messages };
  delete messages[d.id];
  const parentId = d.parent_id ?? known.parent_id;
  const parent = parentId ? messages[parentId] : undefined;
  const starter = parent?.byId[d.id];
  if (parentId && parent && starter) {
    const { thread: _thread, ...plain } = starter;
    messages[parentId] = { ...parent, byId: { ...parent.byId, [d.id]: { ...plain, flags: (starter.flags ?? 0) & ~HAS_THREAD } } };
  }
  return { ...state, channels, messages, visited: state.visited.filter((id) => id !== d.id) };
}

/** A message in a thread (MESSAGE_CREATE) counts as Discord counts: all but the starter line.
 * Both copies go up, the thread's and the one its starter message carries (either may be the
 * fresher one: a page of history, or the guild's list of threads). */
export function countThreadMessage(state: State, message: Pick<Message, "channel_id" | "type">): State {
  const thread = state.channels[message.channel_id];
  if (!isThread(thread) || message.type === THREAD_STARTER_MESSAGE) return state;
  const counted: Channel = {
    ...thread,
    message_count: (thread.message_count ?? 0) + 1,
    total_message_sent: (thread.total_message_sent ?? 0) + 1,
  };
  let messages = state.messages;
  const parent = thread.parent_id ? messages[thread.parent_id] : undefined;
  const starter = parent?.byId[thread.id];
  if (thread.parent_id && parent && starter?.thread) {
    const copy = { ...starter.thread, message_count: (starter.thread.message_count ?? 0) + 1 };
    messages = { ...messages, [thread.parent_id]: { ...parent, byId: { ...parent.byId, [thread.id]: { ...starter, thread: copy } } } };
  }
  return { ...state, channels: { ...state.channels, [thread.id]: counted }, messages };
}

/** THREAD_MEMBER_UPDATE (one's own membership) and THREAD_MEMBERS_UPDATE (who joined, who left). */
export function putOwnMembership(state: State, d: { id: string; user_id?: string; join_timestamp?: string; flags?: number }): State {
  const thread = state.channels[d.id];
  if (!thread) return state;
  const member = { id: d.id, user_id: d.user_id ?? state.me?.id ?? "", join_timestamp: d.join_timestamp ?? new Date().toISOString(), flags: d.flags ?? 0 };
  return { ...state, channels: { ...state.channels, [d.id]: { ...thread, member } as Channel } };
}

export function membersChanged(state: State, d: { id: string; member_count?: number; removed_member_ids?: string[]; added_members?: { user_id: string; join_timestamp?: string; flags?: number }[] }): State {
  const thread = state.channels[d.id];
  if (!thread) return state;
  const me = state.me?.id;
  let next: Channel = d.member_count === undefined ? thread : { ...thread, member_count: d.member_count };
  if (me && d.removed_member_ids?.includes(me)) {
    const { member: _member, ...rest } = next;
    next = rest as Channel;
  }
  const mine = me ? d.added_members?.find((m) => m.user_id === me) : undefined;
  const withNext = { ...state, channels: { ...state.channels, [d.id]: next } };
  return mine ? putOwnMembership(withNext, { id: d.id, ...mine }) : withNext;
}

/** The threads of a channel this client knows (active ones, or all): last activity first. */
export function threadsOf(state: State, parentId: string, archived = false): Channel[] {
  return Object.values(state.channels)
    .filter((c) => isThread(c) && c.parent_id === parentId && isArchived(c) === archived)
    .sort((a, b) => compareIds(lastActivity(b), lastActivity(a)));
}

export function lastActivity(thread: Channel): string {
  return thread.last_message_id && compareIds(thread.last_message_id, thread.id) > 0 ? thread.last_message_id : thread.id;
}

/** What a message shows under it about its thread: the thread as the client knows it (kept
 * current by events), else the copy the message carries. */
export function threadOfMessage(state: State, message: Pick<Message, "id" | "thread">): { id: string; name: string; count: number } | null {
  const known = state.channels[message.id];
  const thread = isThread(known) ? known : message.thread && isThread(message.thread) ? message.thread : null;
  if (!thread) return null;
  const count = Math.max(thread.message_count ?? 0, message.thread?.message_count ?? 0);
  return { id: thread.id, name: thread.name ?? "", count };
}

// -- forums (type 15): posts are threads ---------------------------------------------------------

export type ForumSort = "activity" | "creation";

export interface ForumTag {
  id: string;
  name: string;
  moderated: boolean;
  emoji_id: string | null;
  emoji_name: string | null;
}

export const MAX_POST_TAGS = 5;

/** A forum's sort as it opens: its own default (1 creation, else latest activity). */
export function defaultSort(forum: Pick<Channel, "default_sort_order">): ForumSort {
  return forum.default_sort_order === 1 ? "creation" : "activity";
}

/** The posts shown: pinned ones first, those carrying `tag` (when one is chosen), by last
 * activity or by creation, newest first. */
export function forumPosts(state: State, forumId: string, options: { tag: string | null; sort: ForumSort; archived?: boolean }): Channel[] {
  const PINNED = 1 << 1;
  return threadsOf(state, forumId, options.archived ?? false)
    .filter((post) => !options.tag || (post.applied_tags ?? []).includes(options.tag))
    .sort((a, b) => {
      const pinned = ((b.flags ?? 0) & PINNED) - ((a.flags ?? 0) & PINNED);
      if (pinned) return pinned;
      return options.sort === "creation" ? compareIds(b.id, a.id) : compareIds(lastActivity(b), lastActivity(a));
    });
}

/** The tags of a post by name, in the forum's order (tags the forum no longer has are left out). */
export function postTags(forum: Pick<Channel, "available_tags">, post: Pick<Channel, "applied_tags">): ForumTag[] {
  const applied = new Set(post.applied_tags ?? []);
  return ((forum.available_tags ?? []) as ForumTag[]).filter((tag) => applied.has(tag.id));
}

/** A new post's body, or why it cannot be sent yet: a title, a first message, at most five tags,
 * and a tag when the forum requires one (REQUIRE_TAG). `mayModerate`: moderated tags are allowed. */
export function postDraft(
  forum: Pick<Channel, "flags" | "available_tags">,
  draft: { title: string; content: string; tags: string[] },
  mayModerate: boolean,
): { ok: true; body: { name: string; message: { content: string }; applied_tags: string[] } } | { ok: false; reason: "title" | "content" | "tag_required" | "too_many_tags" | "moderated" } {
  const name = cleanThreadName(draft.title);
  if (!name) return { ok: false, reason: "title" };
  const content = draft.content.trim();
  if (!content) return { ok: false, reason: "content" };
  if (draft.tags.length > MAX_POST_TAGS) return { ok: false, reason: "too_many_tags" };
  const REQUIRE_TAG = 1 << 4;
  if ((forum.flags ?? 0) & REQUIRE_TAG && draft.tags.length === 0) return { ok: false, reason: "tag_required" };
  const moderated = new Set(((forum.available_tags ?? []) as ForumTag[]).filter((t) => t.moderated).map((t) => t.id));
  if (!mayModerate && draft.tags.some((t) => moderated.has(t))) return { ok: false, reason: "moderated" };
  return { ok: true, body: { name, message: { content: draft.content }, applied_tags: draft.tags } };
}
