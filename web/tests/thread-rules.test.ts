import { describe, expect, it } from "vitest";
import type { Channel, Message, Ready } from "../src/api/types";
import { idFromTime } from "../src/lib/snowflake";
import { initialState, reduce, type State } from "../src/state/reducer";
import { myChannelPermissions } from "../src/state/selectors";
import { forumPosts, TP } from "../src/state/threads";
import {
  memberCandidates,
  memberRights,
  mayRetag,
  pinBody,
  settingsBody,
  settingsDraft,
  startBody,
  startKinds,
  tagChoices,
  threadBadge,
  type ForumSettingsDraft,
} from "../src/features/threads/threadRules";

const user = (id: string, username: string) => ({ id, username, global_name: null, avatar: null });
const ME = user("100", "me");
const BOB = user("300", "bob");
const CAROL = user("400", "carol");
const HIDDEN = user("500", "hidden");
const GUILD = "1000";
const TEXT = "2000";
const NEWS = "2001";
const FORUM = "2002";

function id(n: number): string {
  return (BigInt(idFromTime(Date.parse("2026-01-01T00:00:00Z"))) + BigInt(n)).toString();
}

const VIEW = 1n << 10n;
const EVERYONE = VIEW | (1n << 16n) | (1n << 11n) | TP.SEND_MESSAGES_IN_THREADS | TP.CREATE_PUBLIC_THREADS;

/** Me, Bob and Carol see #general; `hidden` is kept out of it by an overwrite. */
function ready(threads: Channel[] = [], everyone = EVERYONE): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "s",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "G", icon: null, owner_id: "999", description: null, roles: [] }],
    private_channels: [],
  };
  return reduce(reduce(initialState, { t: "READY", d: base }), {
    t: "GUILD_CREATE",
    d: {
      id: GUILD,
      name: "G",
      icon: null,
      owner_id: "999",
      description: null,
      joined_at: "2025-12-01T00:00:00Z",
      roles: [{ id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(everyone), managed: false, mentionable: false }],
      channels: [
        { id: TEXT, type: 0, guild_id: GUILD, name: "general", position: 0, last_message_id: null, permission_overwrites: [{ id: HIDDEN.id, type: 1, allow: "0", deny: String(VIEW) }] },
        { id: NEWS, type: 5, guild_id: GUILD, name: "news", position: 1, last_message_id: null },
        { id: FORUM, type: 15, guild_id: GUILD, name: "ideas", position: 2, last_message_id: null },
      ],
      members: [ME, BOB, CAROL, HIDDEN].map((u) => ({ user: u, roles: [], joined_at: "2025-12-01T00:00:00Z" })),
      threads,
    },
  });
}

function thread(idValue: string, extra: Partial<Channel> = {}): Channel {
  return {
    id: idValue,
    type: 12,
    guild_id: GUILD,
    parent_id: TEXT,
    owner_id: BOB.id,
    name: `thread ${idValue}`,
    flags: 0,
    last_message_id: null,
    thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: "2026-01-01T00:00:00Z", locked: false, create_timestamp: null, invitable: false },
    ...extra,
  } as Channel;
}

function message(idValue: string, channelId: string, extra: Partial<Message> = {}): Message {
  return {
    id: idValue,
    channel_id: channelId,
    guild_id: GUILD,
    author: BOB,
    content: "hello",
    timestamp: "2026-01-01T00:00:00Z",
    edited_timestamp: null,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    pinned: false,
    type: 0,
    flags: 0,
    ...extra,
  } as Message;
}

const joined = { member: { id: "", user_id: ME.id, join_timestamp: "2026-01-01T00:00:00Z", flags: 0 } };

describe("starting a thread without a message", () => {
  it("offers private threads only with CREATE_PRIVATE_THREADS, and only in text channels", () => {
    const both = EVERYONE | TP.CREATE_PRIVATE_THREADS;
    expect(startKinds({ type: 0 }, both)).toEqual(["public", "private"]);
    expect(startKinds({ type: 0 }, EVERYONE)).toEqual(["public"]);
    expect(startKinds({ type: 5 }, both)).toEqual(["public"]);
    expect(startKinds({ type: 15 }, both)).toEqual([]);
    expect(startKinds({ type: 0 }, VIEW | TP.CREATE_PRIVATE_THREADS)).toEqual(["private"]);
    const state = ready([], both);
    expect(startKinds(state.channels[TEXT], myChannelPermissions(state, TEXT))).toEqual(["public", "private"]);
  });

  it("sends Discord's thread types: 12 with invitable, 11, or 10 in an announcement channel", () => {
    expect(startBody({ type: 0 }, { name: "  plans  ", kind: "private", invitable: false })).toEqual({ name: "plans", type: 12, invitable: false });
    expect(startBody({ type: 0 }, { name: "plans", kind: "public", invitable: false })).toEqual({ name: "plans", type: 11 });
    expect(startBody({ type: 5 }, { name: "plans", kind: "public", invitable: true })).toEqual({ name: "plans", type: 10 });
    expect(startBody({ type: 0 }, { name: "   ", kind: "public", invitable: true })).toBeNull();
  });
});

describe("a thread's members", () => {
  it("are added by who writes there; in a private thread that is not invitable, by moderators", () => {
    const closed = thread(id(1));
    expect(memberRights(closed, ME.id, false, true)).toEqual({ add: false, remove: false, invitable: false });
    expect(memberRights(closed, ME.id, true, true)).toEqual({ add: true, remove: true, invitable: true });
    const open = thread(id(1), { thread_metadata: { ...closed.thread_metadata!, invitable: true } });
    expect(memberRights(open, ME.id, false, true).add).toBe(true);
    expect(memberRights(open, ME.id, false, false).add).toBe(false);
  });

  it("are removed by the private thread's creator, who also sets invitable until it is locked", () => {
    const mine = thread(id(1), { owner_id: ME.id });
    expect(memberRights(mine, ME.id, false, true)).toEqual({ add: false, remove: true, invitable: true });
    const locked = thread(id(1), { owner_id: ME.id, thread_metadata: { ...mine.thread_metadata!, locked: true } });
    expect(memberRights(locked, ME.id, false, true).invitable).toBe(false);
    expect(memberRights(thread(id(1), { type: 11, owner_id: ME.id }), ME.id, false, true).remove).toBe(false);
  });

  it("change in nobody's hands while the thread is archived", () => {
    const archived = thread(id(1), { owner_id: ME.id, thread_metadata: { ...thread(id(1)).thread_metadata!, archived: true } });
    expect(memberRights(archived, ME.id, true, true)).toEqual({ add: false, remove: false, invitable: false });
  });

  it("may be chosen among the channel's members who are not in it yet, by name", () => {
    const state = ready([thread(id(1))]);
    const t = state.channels[id(1)];
    expect(memberCandidates(state, t, new Set([ME.id]), "").map((p) => p.name)).toEqual(["bob", "carol"]);
    expect(memberCandidates(state, t, new Set([ME.id, BOB.id]), "").map((p) => p.id)).toEqual([CAROL.id]);
    expect(memberCandidates(state, t, new Set(), "CAR").map((p) => p.id)).toEqual([CAROL.id]);
  });
});

describe("a thread's unread mark", () => {
  it("shows for a thread one is in when someone writes, with mentions, and goes when it is read", () => {
    let state = ready([thread(id(1), joined)]);
    expect(threadBadge(state, id(1))).toEqual({ unread: false, mentions: 0 });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(id(2), id(1)) });
    expect(threadBadge(state, id(1))).toEqual({ unread: true, mentions: 0 });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(id(3), id(1), { mentions: [ME] }) });
    expect(threadBadge(state, id(1))).toEqual({ unread: true, mentions: 1 });
    state = reduce(state, { t: "MESSAGE_ACK", d: { channel_id: id(1), message_id: id(3), mention_count: 0 } });
    expect(threadBadge(state, id(1))).toEqual({ unread: false, mentions: 0 });
  });

  it("is not bold for a thread one is not in, nor for one's own messages", () => {
    let state = ready([thread(id(1), { type: 11 })]);
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(id(2), id(1)) });
    expect(threadBadge(state, id(1)).unread).toBe(false);
    state = reduce(state, { t: "THREAD_MEMBER_UPDATE", d: { id: id(1), guild_id: GUILD, user_id: ME.id, join_timestamp: "2026-01-01T00:00:00Z", flags: 0 } });
    expect(threadBadge(state, id(1)).unread).toBe(true);
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(id(4), id(1), { author: ME }) });
    expect(threadBadge(state, id(1)).unread).toBe(false);
  });

  it("follows the read state READY brings", () => {
    const base = ready([thread(id(1), { ...joined, last_message_id: id(5) })]);
    expect(threadBadge(base, id(1)).unread).toBe(true);
    const read = { ...base, readStates: { [id(1)]: { id: id(1), last_message_id: id(5), mention_count: 0 } } };
    expect(threadBadge(read, id(1)).unread).toBe(false);
  });
});

describe("forum posts", () => {
  const post = (n: number, extra: Partial<Channel> = {}) => thread(id(n), { type: 11, parent_id: FORUM, last_message_id: id(n), ...extra });

  it("are retagged by their author unless locked, and by moderators", () => {
    expect(mayRetag(post(1), BOB.id, false)).toBe(true);
    expect(mayRetag(post(1), ME.id, false)).toBe(false);
    expect(mayRetag(post(1), ME.id, true)).toBe(true);
    const locked = post(1, { thread_metadata: { ...post(1).thread_metadata!, locked: true } });
    expect(mayRetag(locked, BOB.id, false)).toBe(false);
  });

  it("offer moderated tags as fixed to who may not moderate", () => {
    const forum = { available_tags: [{ id: "1", name: "News", moderated: true, emoji_id: null, emoji_name: null }, { id: "2", name: "Idea", moderated: false, emoji_id: null, emoji_name: null }] };
    expect(tagChoices(forum, false).map((c) => c.fixed)).toEqual([true, false]);
    expect(tagChoices(forum, true).map((c) => c.fixed)).toEqual([false, false]);
  });

  it("are pinned by flag PINNED, keeping other flags; an archived post reopens to be pinned", () => {
    expect(pinBody(post(1, { flags: 1 }), true)).toEqual({ flags: 3 });
    expect(pinBody(post(1, { flags: 3 }), false)).toEqual({ flags: 1 });
    const archived = post(1, { thread_metadata: { ...post(1).thread_metadata!, archived: true } });
    expect(pinBody(archived, true)).toEqual({ flags: 2, archived: false });
  });

  it("show the pinned one first", () => {
    const state = ready([post(1, { flags: 2 }), post(2), post(3)]);
    expect(forumPosts(state, FORUM, { tag: null, sort: "creation" }).map((p) => p.id)).toEqual([id(1), id(3), id(2)]);
  });
});

describe("a forum's settings", () => {
  const forum = {
    id: FORUM,
    type: 15,
    topic: "Be kind",
    default_sort_order: 1,
    default_forum_layout: 2,
    default_reaction_emoji: { emoji_id: null, emoji_name: "👍" },
    available_tags: [
      { id: "11", name: "Courts", moderated: false, emoji_id: null, emoji_name: "🎾" },
      { id: "12", name: "News", moderated: true, emoji_id: "77", emoji_name: null },
    ],
  } as unknown as Channel;

  it("round-trip: existing tags keep their ids and custom emoji, new ones come without an id", () => {
    const draft = settingsDraft(forum);
    expect(draft).toMatchObject({ guidelines: "Be kind", sort: "creation", layout: 2, reaction: "👍" });
    const changed: ForumSettingsDraft = {
      ...draft,
      tags: [...draft.tags.map((t, i) => (i === 0 ? { ...t, name: " Fields " } : t)), { key: "new", id: null, name: "Events", emoji: "📅", moderated: true, emojiId: null }],
      reaction: "",
    };
    const result = settingsBody(changed);
    expect(result).toEqual({
      ok: true,
      body: {
        topic: "Be kind",
        available_tags: [
          { id: "11", name: "Fields", moderated: false, emoji_name: "🎾", emoji_id: null },
          { id: "12", name: "News", moderated: true, emoji_name: null, emoji_id: "77" },
          { name: "Events", moderated: true, emoji_name: "📅", emoji_id: null },
        ],
        default_sort_order: 1,
        default_forum_layout: 2,
        default_reaction_emoji: null,
      },
    });
  });

  it("refuse what the server refuses: unnamed, long or same-named tags, more than 20, long guidelines", () => {
    const draft = settingsDraft(forum);
    const tag = (name: string, n: number) => ({ key: String(n), id: null, name, emoji: "", moderated: false, emojiId: null });
    expect(settingsBody({ ...draft, tags: [...draft.tags, tag(" ", 1)] })).toEqual({ ok: false, reason: "tag_name", tag: 2 });
    expect(settingsBody({ ...draft, tags: [tag("x".repeat(21), 1)] })).toEqual({ ok: false, reason: "tag_name", tag: 0 });
    expect(settingsBody({ ...draft, tags: [...draft.tags, tag("courts", 1)] })).toEqual({ ok: false, reason: "tag_unique", tag: 2 });
    expect(settingsBody({ ...draft, tags: Array.from({ length: 21 }, (_, n) => tag(`t${n}`, n)) })).toMatchObject({ ok: false, reason: "too_many_tags" });
    expect(settingsBody({ ...draft, guidelines: "x".repeat(4097) })).toMatchObject({ ok: false, reason: "guidelines" });
    expect(settingsBody({ ...draft, guidelines: "  " })).toMatchObject({ ok: true, body: { topic: null } });
  });
});
