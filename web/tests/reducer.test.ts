import { describe, expect, it } from "vitest";
import type { Message, Ready } from "../src/api/types";
import { idFromTime } from "../src/lib/snowflake";
import {
  MAX_CACHED_CHANNELS,
  MAX_WINDOW,
  TRIM_SLACK,
  setDetached,
  addLocalMessage,
  initialState,
  mergePage,
  reduce,
  setWindow,
  type State,
} from "../src/state/reducer";
import { channelBadge, guildBadge, notificationLevel, totalMentions } from "../src/state/selectors";

const ME = { id: "100", username: "me", global_name: null, avatar: null };
const OTHER = { id: "200", username: "other", global_name: "Other", avatar: null };
const GUILD = "1000";
const TEXT = "2000";
const NEWS = "2001";

function id(n: number): string {
  return (BigInt(idFromTime(Date.parse("2026-01-01T00:00:00Z"))) + BigInt(n)).toString();
}

function ready(extra: Partial<Ready> = {}): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "s",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "G", icon: null, owner_id: OTHER.id, description: null, roles: [] }],
    private_channels: [],
    ...extra,
  };
  let state = reduce(initialState, { t: "READY", d: base });
  state = reduce(state, {
    t: "GUILD_CREATE",
    d: {
      id: GUILD,
      name: "G",
      icon: null,
      owner_id: OTHER.id,
      description: null,
      roles: [{ id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: "3072", managed: false, mentionable: false }],
      channels: [
        { id: TEXT, type: 0, guild_id: GUILD, name: "general", position: 0, last_message_id: null },
        { id: NEWS, type: 5, guild_id: GUILD, name: "news", position: 1, last_message_id: null },
      ],
      members: [
        { user: ME, nick: null, roles: ["r1"], joined_at: "2025-12-31T00:00:00Z" },
        { user: OTHER, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
      ],
      member_count: 2,
    },
  });
  return state;
}

function message(n: number, extra: Partial<Message> = {}): Message {
  return {
    id: id(n),
    channel_id: TEXT,
    guild_id: GUILD,
    author: OTHER,
    content: `m${n}`,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    pinned: false,
    type: 0,
    flags: 0,
    ...extra,
  };
}

describe("gateway events change the state", () => {
  it("READY and GUILD_CREATE fill guilds, channels, members and read states", () => {
    const state = ready({ read_state: { entries: [{ id: TEXT, last_message_id: id(5), mention_count: 2 }] } });
    expect(state.guilds[GUILD].channelIds).toEqual([TEXT, NEWS]);
    expect(Object.keys(state.members[GUILD])).toEqual([ME.id, OTHER.id]);
    expect(state.readStates[TEXT]).toMatchObject({ last_message_id: id(5), mention_count: 2 });
  });

  it("a new message makes the channel unread; a mention counts", () => {
    let state = ready();
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(1) });
    expect(channelBadge(state, TEXT)).toMatchObject({ unread: true, mentions: 0 });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(2, { mentions: [ME] }) });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(3, { mention_roles: ["r1"] }) });
    expect(channelBadge(state, TEXT).mentions).toBe(2);
    expect(guildBadge(state, GUILD)).toEqual({ unread: true, mentions: 2 });
    expect(totalMentions(state)).toBe(2);
  });

  it("MESSAGE_ACK from another session marks the channel read", () => {
    let state = reduce(ready(), { t: "MESSAGE_CREATE", d: message(1, { mentions: [ME] }) });
    state = reduce(state, { t: "MESSAGE_ACK", d: { channel_id: TEXT, message_id: id(1), mention_count: 0 } });
    expect(channelBadge(state, TEXT)).toMatchObject({ unread: false, mentions: 0 });
    // An older ack arriving late does not move the read state back.
    state = reduce(state, { t: "MESSAGE_ACK", d: { channel_id: TEXT, message_id: id(0), mention_count: 3 } });
    expect(state.readStates[TEXT].last_message_id).toBe(id(1));
  });

  it("a late echo of the ack of where I am keeps the mentions counted since", () => {
    let state = reduce(ready(), { t: "MESSAGE_CREATE", d: message(1) });
    state = reduce(state, { t: "MESSAGE_ACK", d: { channel_id: TEXT, message_id: id(1), mention_count: 0 } });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(2, { mentions: [ME] }) });
    state = reduce(state, { t: "MESSAGE_ACK", d: { channel_id: TEXT, message_id: id(1), mention_count: 0 } });
    expect(channelBadge(state, TEXT)).toMatchObject({ unread: true, mentions: 1 });
  });

  it("my own messages never make a channel unread", () => {
    const state = reduce(ready(), { t: "MESSAGE_CREATE", d: message(1, { author: ME }) });
    expect(channelBadge(state, TEXT).unread).toBe(false);
  });

  it("muting a channel hides its unread state; 'nothing' hides mentions too", () => {
    let state = reduce(ready(), { t: "MESSAGE_CREATE", d: message(1, { mentions: [ME] }) });
    state = reduce(state, {
      t: "USER_GUILD_SETTINGS_UPDATE",
      d: {
        guild_id: GUILD, muted: false, mute_config: null, message_notifications: 0, suppress_everyone: false, suppress_roles: false,
        channel_overrides: [{ channel_id: TEXT, muted: true, mute_config: null, message_notifications: 3 }],
      },
    });
    expect(channelBadge(state, TEXT)).toMatchObject({ unread: false, muted: true, mentions: 1 });
    state = reduce(state, {
      t: "USER_GUILD_SETTINGS_UPDATE",
      d: {
        guild_id: GUILD, muted: false, mute_config: null, message_notifications: 2, suppress_everyone: false, suppress_roles: false,
        channel_overrides: [],
      },
    });
    expect(notificationLevel(state, state.channels[TEXT])).toBe(2);
    expect(channelBadge(state, TEXT)).toMatchObject({ unread: false, mentions: 0 });
  });

  it("a mute that has run out no longer mutes", () => {
    let state = reduce(ready(), { t: "MESSAGE_CREATE", d: message(1) });
    state = reduce(state, {
      t: "USER_GUILD_SETTINGS_UPDATE",
      d: {
        guild_id: GUILD, muted: true, mute_config: { end_time: new Date(Date.now() - 1000).toISOString(), selected_time_window: 900 },
        message_notifications: 0, suppress_everyone: false, suppress_roles: false, channel_overrides: [],
      },
    });
    expect(guildBadge(state, GUILD).unread).toBe(true);
  });

  it("suppress_everyone ignores @everyone", () => {
    let state = ready();
    state = reduce(state, {
      t: "USER_GUILD_SETTINGS_UPDATE",
      d: { guild_id: GUILD, muted: false, mute_config: null, message_notifications: 0, suppress_everyone: true, suppress_roles: false, channel_overrides: [] },
    });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(1, { mention_everyone: true }) });
    expect(channelBadge(state, TEXT).mentions).toBe(0);
  });

  it("edits, deletes and reactions update a loaded window", () => {
    let state = ready();
    state = setWindow(state, TEXT, mergePage(undefined, [message(2), message(1)], "latest", 50));
    state = reduce(state, { t: "MESSAGE_UPDATE", d: { id: id(1), channel_id: TEXT, content: "edited", edited_timestamp: "x" } });
    expect(state.messages[TEXT].byId[id(1)].content).toBe("edited");
    state = reduce(state, { t: "MESSAGE_REACTION_ADD", d: { channel_id: TEXT, message_id: id(1), user_id: OTHER.id, emoji: { name: "👍" } } });
    state = reduce(state, { t: "MESSAGE_REACTION_ADD", d: { channel_id: TEXT, message_id: id(1), user_id: ME.id, emoji: { name: "👍" } } });
    expect(state.messages[TEXT].byId[id(1)].reactions).toEqual([{ count: 2, me: true, emoji: { id: null, name: "👍" } }]);
    state = reduce(state, { t: "MESSAGE_REACTION_REMOVE", d: { channel_id: TEXT, message_id: id(1), user_id: ME.id, emoji: { name: "👍" } } });
    expect(state.messages[TEXT].byId[id(1)].reactions).toEqual([{ count: 1, me: false, emoji: { id: null, name: "👍" } }]);
    state = reduce(state, { t: "MESSAGE_DELETE", d: { id: id(2), channel_id: TEXT } });
    expect(state.messages[TEXT].ids).toEqual([id(1)]);
  });

  it("a channel that becomes hidden (CHANNEL_DELETE) leaves with its messages", () => {
    let state = setWindow(ready(), TEXT, mergePage(undefined, [message(1)], "latest", 50));
    state = reduce(state, { t: "CHANNEL_DELETE", d: { id: TEXT, guild_id: GUILD, type: 0 } });
    expect(state.channels[TEXT]).toBeUndefined();
    expect(state.messages[TEXT]).toBeUndefined();
    expect(state.guilds[GUILD].channelIds).toEqual([NEWS]);
  });

  it("our own message replaces its pending copy by nonce, once", () => {
    let state = setWindow(ready(), TEXT, mergePage(undefined, [message(1)], "latest", 50));
    state = addLocalMessage(state, { ...message(99, { author: ME, nonce: "n1" }), id: "local-n1", local: "sending" });
    const sent = message(2, { author: ME, nonce: "n1" });
    state = reduce(state, { t: "MESSAGE_CREATE", d: sent });
    state = reduce(state, { t: "MESSAGE_CREATE", d: sent });
    expect(state.messages[TEXT].ids).toEqual([id(1), id(2)]);
  });

  it("a message that arrives late takes its place by id, before messages still being sent", () => {
    // A file held for its malware scan is released after messages sent after it.
    let state = setWindow(ready(), TEXT, mergePage(undefined, [message(30), message(20), message(10)], "latest", 50));
    state = addLocalMessage(state, { ...message(99, { author: ME, nonce: "n1" }), id: "local-n1", local: "sending" });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(25, { content: "released" }) });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(40) });
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(15) });
    expect(state.messages[TEXT].ids).toEqual([id(10), id(15), id(20), id(25), id(30), id(40), "local-n1"]);
    expect(state.messages[TEXT].byId[id(25)].content).toBe("released");
    // It is not the channel's newest message: the newest stays its last one.
    expect(state.channels[TEXT].last_message_id).toBe(id(40));
  });

  it("a late message older than the whole window waits for the older page, if there is one", () => {
    const page = Array.from({ length: 50 }, (_, i) => message(100 - i)); // a full page: more before
    let state = setWindow(ready(), TEXT, mergePage(undefined, page, "latest", 50));
    expect(state.messages[TEXT].hasMoreBefore).toBe(true);
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(3) });
    expect(state.messages[TEXT].ids[0]).toBe(id(51)); // loading older messages brings it, in place
    state = setWindow(ready(), TEXT, mergePage(undefined, [message(20)], "latest", 50)); // all there is
    state = reduce(state, { t: "MESSAGE_CREATE", d: message(3) });
    expect(state.messages[TEXT].ids).toEqual([id(3), id(20)]);
  });
});

describe("message windows stay bounded", () => {
  it("live messages beyond the window drop the oldest", () => {
    let state = setWindow(ready(), TEXT, mergePage(undefined, [message(0)], "latest", 50));
    for (let n = 1; n <= 3 * MAX_WINDOW; n++) {
      state = reduce(state, { t: "MESSAGE_CREATE", d: message(n) });
      expect(state.messages[TEXT].ids.length).toBeLessThanOrEqual(MAX_WINDOW + TRIM_SLACK);
    }
    const window = state.messages[TEXT];
    expect(window.ids.length).toBeGreaterThanOrEqual(MAX_WINDOW);
    expect(window.ids.at(-1)).toBe(id(3 * MAX_WINDOW));
    expect(window.hasMoreBefore).toBe(true);
  });

  it("while the person reads far up, a full window leaves new messages on the server", () => {
    let state = setWindow(ready(), TEXT, mergePage(undefined, Array.from({ length: 50 }, (_, i) => message(50 - i)), "latest", 50));
    state = setDetached(state, TEXT, true);
    for (let n = 51; n <= MAX_WINDOW + 10; n++) state = reduce(state, { t: "MESSAGE_CREATE", d: message(n) });
    expect(state.messages[TEXT].ids.length).toBe(MAX_WINDOW);
    expect(state.messages[TEXT].hasMoreAfter).toBe(true);
  });

  it("scrolling far back drops the newest and remembers there is more after", () => {
    let window = mergePage(undefined, Array.from({ length: 50 }, (_, i) => message(1000 - i)), "latest", 50);
    for (let page = 1; page <= 8; page++) {
      const older = Array.from({ length: 50 }, (_, i) => message(1000 - page * 50 - i));
      window = mergePage(window, older, "before", 50);
    }
    expect(window.ids.length).toBeLessThanOrEqual(MAX_WINDOW + TRIM_SLACK);
    expect(window.hasMoreAfter).toBe(true);
    expect(window.ids[0]).toBe(id(1000 - 8 * 50 - 49));
  });

  it("only the channels visited last keep messages", () => {
    let state = ready();
    for (let n = 0; n < MAX_CACHED_CHANNELS + 5; n++) state = setWindow(state, `c${n}`, mergePage(undefined, [], "latest", 50));
    expect(Object.keys(state.messages).length).toBe(MAX_CACHED_CHANNELS);
    expect(state.messages.c0).toBeUndefined();
  });
});
