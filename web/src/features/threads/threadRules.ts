/** The rules the thread screens follow (docs/threads.md): who may start which kind of thread, add
 * and remove people, retag and pin posts; a thread's unread mark; a forum's settings as a form.
 * Pure functions of the state, in vitest (tests/thread-rules.test.ts). */

import type { Channel } from "../../api/types";
import { channelPermissions, has, P } from "../../lib/permissions";
import type { State } from "../../state/reducer";
import { displayName, lastReadId, myChannelPermissions, notificationLevel } from "../../state/selectors";
import { cleanThreadName, isArchived, isJoined, isLocked, ThreadType, TP, type ForumTag } from "../../state/threads";
import { compareIds } from "../../lib/snowflake";

/** Thread flag PINNED: the forum post shown first. */
export const PINNED = 1 << 1;
export const MAX_FORUM_TAGS = 20;
export const TAG_NAME_MAX = 20;
export const GUIDELINES_MAX = 4096;

export type ThreadKind = "public" | "private";

export function isPrivateThread(thread: Pick<Channel, "type"> | undefined): boolean {
  return thread?.type === ThreadType.PRIVATE;
}

export function isPinned(post: Pick<Channel, "flags"> | undefined): boolean {
  return ((post?.flags ?? 0) & PINNED) !== 0;
}

/** Does one still see the thread? A private one only as its member or with MANAGE_THREADS (one
 * removed from it, or who left, keeps it in the state: THREAD_MEMBERS_UPDATE does not delete it). */
export function seesThread(state: State, thread: Channel): boolean {
  if (!isPrivateThread(thread) || isJoined(thread)) return true;
  const parent = thread.parent_id ? state.channels[thread.parent_id] : undefined;
  return !!parent && has(myChannelPermissions(state, parent.id), TP.MANAGE_THREADS);
}

/** The kinds of thread one may start in a channel without a message: public ones with
 * CREATE_PUBLIC_THREADS (text and announcement channels), private ones with
 * CREATE_PRIVATE_THREADS in text channels only. */
export function startKinds(parent: Pick<Channel, "type">, bits: bigint): ThreadKind[] {
  if (parent.type !== 0 && parent.type !== 5) return [];
  const kinds: ThreadKind[] = [];
  if (has(bits, TP.CREATE_PUBLIC_THREADS)) kinds.push("public");
  if (parent.type === 0 && has(bits, TP.CREATE_PRIVATE_THREADS)) kinds.push("private");
  return kinds;
}

/** The body of `POST /channels/{id}/threads` for a thread without a message, or null without a
 * name. A public thread in an announcement channel is an announcement thread (10). */
export function startBody(
  parent: Pick<Channel, "type">,
  draft: { name: string; kind: ThreadKind; invitable: boolean },
): { name: string; type: number; invitable?: boolean } | null {
  const name = cleanThreadName(draft.name);
  if (!name) return null;
  if (draft.kind === "private") return { name, type: ThreadType.PRIVATE, invitable: draft.invitable };
  return { name, type: parent.type === 5 ? ThreadType.ANNOUNCEMENT : ThreadType.PUBLIC };
}

/** What one may do about a thread's members: `mayManage` is MANAGE_THREADS in the parent,
 * `mayWrite` writing in the thread. Adding takes writing (and MANAGE_THREADS in a private thread
 * that is not invitable); removing takes MANAGE_THREADS, or being the private thread's creator;
 * `invitable` is changed by moderators and by the creator while it is not locked. Nothing changes
 * while the thread is archived. */
export function memberRights(thread: Channel, me: string | undefined, mayManage: boolean, mayWrite: boolean) {
  const active = !isArchived(thread);
  const creator = !!me && thread.owner_id === me;
  const invitable = thread.thread_metadata?.invitable !== false;
  const isPrivate = isPrivateThread(thread);
  return {
    add: active && mayWrite && (!isPrivate || invitable || mayManage),
    remove: active && (mayManage || (isPrivate && creator)),
    invitable: active && isPrivate && (mayManage || (creator && !isLocked(thread))),
  };
}

/** The people of the guild who may be added: members who see the parent channel and are not in
 * the thread yet, by name, filtered by `query`. */
export function memberCandidates(state: State, thread: Channel, inThread: ReadonlySet<string>, query: string): { id: string; name: string }[] {
  const guildId = thread.guild_id;
  const parent = thread.parent_id ? state.channels[thread.parent_id] : undefined;
  const guild = guildId ? state.guilds[guildId] : undefined;
  if (!guildId || !parent || !guild) return [];
  const q = query.trim().toLowerCase();
  const found: { id: string; name: string }[] = [];
  for (const [id, member] of Object.entries(state.members[guildId] ?? {})) {
    if (inThread.has(id) || state.users[id]?.bot) continue;
    if (!has(channelPermissions(guild, guild.roles, parent, id, member), P.VIEW_CHANNEL)) continue;
    const name = displayName(state, id, guildId);
    const username = state.users[id]?.username ?? "";
    if (q && !name.toLowerCase().includes(q) && !username.toLowerCase().includes(q)) continue;
    found.push({ id, name });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** A thread's mark in lists and on its starter message: unread (bold) when one is a member and a
 * message came after what one read; mentions as the read state counts them. Nothing while the
 * parent's notifications are off. */
export function threadBadge(state: State, threadId: string): { unread: boolean; mentions: number } {
  const thread = state.channels[threadId];
  if (!thread) return { unread: false, mentions: 0 };
  const parent = thread.parent_id ? state.channels[thread.parent_id] : undefined;
  if (parent && notificationLevel(state, parent) === 2) return { unread: false, mentions: 0 };
  const mentions = state.readStates[threadId]?.mention_count ?? 0;
  const last = thread.last_message_id;
  const unread = isJoined(thread) && !!last && compareIds(last, thread.id) > 0 && compareIds(last, lastReadId(state, threadId)) > 0;
  return { unread, mentions };
}

// -- forum posts ---------------------------------------------------------------------------------

/** Who may change a post's tags: MANAGE_THREADS, or its author while it is not locked. */
export function mayRetag(post: Channel, me: string | undefined, mayManage: boolean): boolean {
  return mayManage || (!!me && post.owner_id === me && !isLocked(post));
}

/** The tags offered when retagging: a moderated tag is fixed for who lacks MANAGE_THREADS. */
export function tagChoices(forum: Pick<Channel, "available_tags">, mayModerate: boolean): { tag: ForumTag; fixed: boolean }[] {
  return ((forum.available_tags ?? []) as ForumTag[]).map((tag) => ({ tag, fixed: tag.moderated && !mayModerate }));
}

/** The `flags` that pin or unpin a post, keeping its other flags. */
export function pinFlags(post: Pick<Channel, "flags">, pinned: boolean): number {
  const flags = post.flags ?? 0;
  return pinned ? flags | PINNED : flags & ~PINNED;
}

/** The body of `PATCH` that pins or unpins a post; archived posts reopen, since an archived
 * thread changes only when the request reopens it (and pinned posts never archive). */
export function pinBody(post: Channel, pinned: boolean): { flags: number; archived?: false } {
  const flags = pinFlags(post, pinned);
  return isArchived(post) ? { flags, archived: false } : { flags };
}

// -- forum settings ------------------------------------------------------------------------------

export interface TagDraft {
  /** The tag's id when it exists already (posts keep it), else a local key. */
  key: string;
  id: string | null;
  name: string;
  emoji: string;
  moderated: boolean;
  /** A custom emoji kept as it was (this screen sets unicode emoji only). */
  emojiId: string | null;
}

export interface ForumSettingsDraft {
  guidelines: string;
  tags: TagDraft[];
  sort: "activity" | "creation";
  layout: 0 | 1 | 2;
  reaction: string;
}

export function settingsDraft(forum: Channel): ForumSettingsDraft {
  const layout = forum.default_forum_layout;
  return {
    guidelines: forum.topic ?? "",
    tags: ((forum.available_tags ?? []) as ForumTag[]).map((tag) => ({
      key: tag.id,
      id: tag.id,
      name: tag.name,
      emoji: tag.emoji_name ?? "",
      moderated: tag.moderated,
      emojiId: tag.emoji_id,
    })),
    sort: forum.default_sort_order === 1 ? "creation" : "activity",
    layout: layout === 1 || layout === 2 ? layout : 0,
    reaction: forum.default_reaction_emoji?.emoji_name ?? "",
  };
}

export type SettingsProblem = "guidelines" | "tag_name" | "tag_unique" | "too_many_tags";

export interface ForumSettingsBody {
  topic: string | null;
  available_tags: { id?: string; name: string; moderated: boolean; emoji_name: string | null; emoji_id: string | null }[];
  default_sort_order: 0 | 1;
  default_forum_layout: 0 | 1 | 2;
  default_reaction_emoji: { emoji_id: null; emoji_name: string } | null;
}

/** The `PATCH /channels/{forum}` body of the form, or what is wrong with it (the server's rules:
 * guidelines ≤ 4096, at most 20 tags, names 1–20 characters and unique regardless of case). */
export function settingsBody(draft: ForumSettingsDraft): { ok: true; body: ForumSettingsBody } | { ok: false; reason: SettingsProblem; tag?: number } {
  if (draft.guidelines.length > GUIDELINES_MAX) return { ok: false, reason: "guidelines" };
  if (draft.tags.length > MAX_FORUM_TAGS) return { ok: false, reason: "too_many_tags" };
  const seen = new Set<string>();
  const tags: ForumSettingsBody["available_tags"] = [];
  for (const [index, tag] of draft.tags.entries()) {
    const name = tag.name.trim();
    if (!name || name.length > TAG_NAME_MAX) return { ok: false, reason: "tag_name", tag: index };
    if (seen.has(name.toLowerCase())) return { ok: false, reason: "tag_unique", tag: index };
    seen.add(name.toLowerCase());
    const emoji = tag.emoji.trim();
    tags.push({
      ...(tag.id ? { id: tag.id } : {}),
      name,
      moderated: tag.moderated,
      emoji_name: emoji || null,
      emoji_id: emoji ? null : tag.emojiId,
    });
  }
  const reaction = draft.reaction.trim();
  return {
    ok: true,
    body: {
      topic: draft.guidelines.trim() || null,
      available_tags: tags,
      default_sort_order: draft.sort === "creation" ? 1 : 0,
      default_forum_layout: draft.layout,
      default_reaction_emoji: reaction ? { emoji_id: null, emoji_name: reaction } : null,
    },
  };
}
