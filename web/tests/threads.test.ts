import { describe, expect, it } from "vitest";
import type { Channel, Message, Ready } from "../src/api/types";
import { idFromTime } from "../src/lib/snowflake";
import { P } from "../src/lib/permissions";
import { initialState, mergePage, reduce, setWindow, type State } from "../src/state/reducer";
import { can, sidebarChannels } from "../src/state/selectors";
import {
  canStartFrom,
  cleanThreadName,
  defaultSort,
  forumPosts,
  postDraft,
  postTags,
  HAS_THREAD,
  suggestedName,
  threadBits,
  threadOfMessage,
  threadsOf,
  threadTypeFor,
  TP,
} from "../src/state/threads";

const ME = { id: "100", username: "me", global_name: null, avatar: null };
const OWNER = { id: "200", username: "owner", global_name: null, avatar: null };
const GUILD = "1000";
const TEXT = "2000";
const QUIET = "2002";

function id(n: number): string {
  return (BigInt(idFromTime(Date.parse("2026-01-01T00:00:00Z"))) + BigInt(n)).toString();
}

const VIEW = 1n << 10n;
const HISTORY = 1n << 16n;
const SEND = 1n << 11n;

/** Everyone may view and read; writing in threads is allowed by @everyone, and in `QUIET`
 * denied by an overwrite. */
function ready(everyone: bigint, threads: Channel[] = []): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "s",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "G", icon: null, owner_id: OWNER.id, description: null, roles: [] }],
    private_channels: [],
  };
  return reduce(reduce(initialState, { t: "READY", d: base }), {
    t: "GUILD_CREATE",
    d: {
      id: GUILD,
      name: "G",
      icon: null,
      owner_id: OWNER.id,
      description: null,
      roles: [{ id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(everyone), managed: false, mentionable: false }],
      channels: [
        { id: TEXT, type: 0, guild_id: GUILD, name: "general", position: 0, last_message_id: null },
        { id: QUIET, type: 0, guild_id: GUILD, name: "quiet", position: 1, last_message_id: null, permission_overwrites: [{ id: GUILD, type: 0, allow: "0", deny: String(TP.SEND_MESSAGES_IN_THREADS) }] },
      ],
      members: [{ user: ME, roles: [], joined_at: "2026-01-01T00:00:00Z" }],
      threads,
    },
  });
}

function thread(idValue: string, parent = TEXT, extra: Partial<Channel> = {}): Channel {
  return {
    id: idValue,
    type: 11,
    guild_id: GUILD,
    parent_id: parent,
    name: `thread ${idValue}`,
    flags: 0,
    message_count: 0,
    last_message_id: idValue,
    thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: "2026-01-01T00:00:00Z", locked: false, create_timestamp: null },
    ...extra,
  } as Channel;
}

function message(idValue: string, channelId: string, extra: Partial<Message> = {}): Message {
  return {
    id: idValue,
    channel_id: channelId,
    guild_id: GUILD,
    author: OWNER,
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

describe("thread permissions", () => {
  it("map SEND_MESSAGES_IN_THREADS onto SEND_MESSAGES, whatever SEND_MESSAGES the parent gives", () => {
    expect(threadBits(VIEW | SEND) & SEND).toBe(0n);
    expect(threadBits(VIEW | TP.SEND_MESSAGES_IN_THREADS) & SEND).toBe(SEND);
    const admin = 1n << 3n;
    expect(threadBits(admin)).toBe(admin);
  });

  it("come from the thread's parent, with its overwrites", () => {
    const everyone = VIEW | HISTORY | SEND | TP.SEND_MESSAGES_IN_THREADS | TP.CREATE_PUBLIC_THREADS;
    const state = ready(everyone, [thread(id(1)), thread(id(2), QUIET)]);
    expect(can(state, id(1), P.SEND_MESSAGES)).toBe(true);
    expect(can(state, id(2), P.SEND_MESSAGES)).toBe(false);
    expect(can(state, QUIET, P.SEND_MESSAGES)).toBe(true);
    expect(can(state, id(1), TP.MANAGE_THREADS)).toBe(false);
  });
});

describe("thread state", () => {
  const everyone = VIEW | HISTORY | SEND | TP.SEND_MESSAGES_IN_THREADS;

  it("keeps GUILD_CREATE's and new threads out of the sidebar, listed by their channel", () => {
    let state = ready(everyone, [thread(id(1))]);
    state = reduce(state, { t: "THREAD_CREATE", d: { ...thread(id(5)), newly_created: true } });
    const listed = sidebarChannels(state, GUILD).flatMap((g) => g.channels.map((c) => c.id));
    expect(listed).toEqual([TEXT, QUIET]);
    expect(threadsOf(state, TEXT).map((t) => t.id)).toEqual([id(5), id(1)]);
    expect(state.channels[id(5)]).not.toHaveProperty("newly_created");
  });

  it("counts messages after the starter line, on the thread and on its starter message", () => {
    let state = ready(everyone);
    const starter = message(id(3), TEXT, { flags: HAS_THREAD, thread: thread(id(3), TEXT, { message_count: 2 }) as Message["thread"] });
    state = setWindow(state, TEXT, mergePage(undefined, [starter], "latest", 50));
    state = reduce(state, { t: "THREAD_CREATE", d: thread(id(3)) });
    expect(threadOfMessage(state, state.messages[TEXT].byId[id(3)])?.count).toBe(2);
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(id(4), id(3), { type: 21 }) });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(id(6), id(3)) });
    expect(state.channels[id(3)].message_count).toBe(1);
    expect(threadOfMessage(state, state.messages[TEXT].byId[id(3)])).toEqual({ id: id(3), name: `thread ${id(3)}`, count: 3 });
  });

  it("archives, follows one's membership, and forgets a deleted thread and its starter's mark", () => {
    let state = ready(everyone);
    const starter = message(id(3), TEXT, { flags: HAS_THREAD | 1, thread: thread(id(3)) as Message["thread"] });
    state = setWindow(state, TEXT, mergePage(undefined, [starter], "latest", 50));
    state = reduce(state, { t: "THREAD_CREATE", d: thread(id(3)) });
    state = reduce(state, { t: "THREAD_MEMBER_UPDATE", d: { id: id(3), user_id: ME.id, join_timestamp: "2026-01-01T00:00:00Z", flags: 0, guild_id: GUILD } });
    expect(state.channels[id(3)].member?.user_id).toBe(ME.id);
    state = reduce(state, { t: "THREAD_UPDATE", d: thread(id(3), TEXT, { thread_metadata: { archived: true, auto_archive_duration: 60, archive_timestamp: "2026-01-02T00:00:00Z", locked: true, create_timestamp: null } }) });
    expect(state.channels[id(3)].member).toBeDefined(); // THREAD_UPDATE does not carry it
    expect(threadsOf(state, TEXT)).toEqual([]);
    expect(threadsOf(state, TEXT, true).map((t) => t.id)).toEqual([id(3)]);
    state = reduce(state, { t: "THREAD_MEMBERS_UPDATE", d: { id: id(3), guild_id: GUILD, member_count: 0, removed_member_ids: [ME.id] } });
    expect(state.channels[id(3)].member).toBeUndefined();
    state = reduce(state, { t: "THREAD_DELETE", d: { id: id(3), guild_id: GUILD, parent_id: TEXT, type: 11 } });
    expect(state.channels[id(3)]).toBeUndefined();
    expect(state.messages[TEXT].byId[id(3)].flags).toBe(1);
    expect(state.messages[TEXT].byId[id(3)].thread).toBeUndefined();
  });
});

describe("starting a thread", () => {
  it("from a person's message in a text or announcement channel without a thread", () => {
    expect(canStartFrom({ id: "1", type: 0, flags: 0 }, { type: 0 })).toBe(true);
    expect(canStartFrom({ id: "1", type: 19, flags: 0 }, { type: 5 })).toBe(true);
    expect(canStartFrom({ id: "1", type: 0, flags: HAS_THREAD }, { type: 0 })).toBe(false);
    expect(canStartFrom({ id: "1", type: 6, flags: 0 }, { type: 0 })).toBe(false);
    expect(canStartFrom({ id: "1", type: 0, flags: 0 }, { type: 11 })).toBe(false);
    expect(canStartFrom({ id: "1", type: 0, flags: 0 }, { type: 2 })).toBe(false);
  });

  it("makes announcement threads in announcement channels", () => {
    expect(threadTypeFor({ type: 5 })).toBe(10);
    expect(threadTypeFor({ type: 0 })).toBe(11);
  });

  it("offers the message's first words as a name of 1 to 100 characters", () => {
    expect(suggestedName("**Summer** tournament\nwho is in?")).toBe("Summer tournament");
    expect(cleanThreadName("   ")).toBeNull();
    expect(cleanThreadName(" a   b ")).toBe("a b");
    expect(cleanThreadName("x".repeat(150))).toHaveLength(100);
  });
});

describe("forums", () => {
  const FORUM = "2003";
  const TAGS = [
    { id: "t1", name: "Courts", moderated: false, emoji_id: null, emoji_name: null },
    { id: "t2", name: "Rules", moderated: true, emoji_id: null, emoji_name: "📌" },
  ];
  const forum = { flags: 0, available_tags: TAGS, default_sort_order: null };

  it("list posts filtered by tag, pinned first, by activity or by creation", () => {
    const everyone = VIEW | HISTORY | SEND;
    let state = ready(everyone, [
      thread(id(1), FORUM, { applied_tags: ["t1"], last_message_id: id(9) }),
      thread(id(2), FORUM, { applied_tags: [] }),
      thread(id(3), FORUM, { applied_tags: ["t1"] }),
      thread(id(4), FORUM, { flags: 2 }),
    ]);
    state = reduce(state, { t: "THREAD_UPDATE", d: thread(id(5), FORUM, { thread_metadata: { archived: true, auto_archive_duration: 60, archive_timestamp: "2026-01-02T00:00:00Z", locked: false, create_timestamp: null } }) });
    const ids = (list: Channel[]) => list.map((c) => c.id);
    expect(ids(forumPosts(state, FORUM, { tag: null, sort: "activity" }))).toEqual([id(4), id(1), id(3), id(2)]);
    expect(ids(forumPosts(state, FORUM, { tag: null, sort: "creation" }))).toEqual([id(4), id(3), id(2), id(1)]);
    expect(ids(forumPosts(state, FORUM, { tag: "t1", sort: "activity" }))).toEqual([id(1), id(3)]);
    expect(ids(forumPosts(state, FORUM, { tag: null, sort: "activity", archived: true }))).toEqual([id(5)]);
  });

  it("name a post's tags in the forum's order, and open with the forum's sort", () => {
    expect(postTags(forum, { applied_tags: ["t2", "t1", "gone"] }).map((t) => t.name)).toEqual(["Courts", "Rules"]);
    expect(defaultSort({ default_sort_order: 1 })).toBe("creation");
    expect(defaultSort({ default_sort_order: null })).toBe("activity");
  });

  it("check a new post before it is sent", () => {
    const draft = { title: " Lights ", content: "They flicker", tags: ["t1"] };
    expect(postDraft(forum, draft, false)).toEqual({ ok: true, body: { name: "Lights", message: { content: "They flicker" }, applied_tags: ["t1"] } });
    expect(postDraft(forum, { ...draft, title: " " }, false)).toEqual({ ok: false, reason: "title" });
    expect(postDraft(forum, { ...draft, content: "" }, false)).toEqual({ ok: false, reason: "content" });
    expect(postDraft(forum, { ...draft, tags: ["a", "b", "c", "d", "e", "f"] }, true)).toEqual({ ok: false, reason: "too_many_tags" });
    expect(postDraft({ ...forum, flags: 1 << 4 }, { ...draft, tags: [] }, false)).toEqual({ ok: false, reason: "tag_required" });
    expect(postDraft(forum, { ...draft, tags: ["t2"] }, false)).toEqual({ ok: false, reason: "moderated" });
    expect(postDraft(forum, { ...draft, tags: ["t2"] }, true).ok).toBe(true);
  });
});
