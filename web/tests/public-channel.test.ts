/** A visitor's view of a public channel: history pages, live events, the end of publicity; and the
 * gateway client's anonymous mode. */

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Channel, Message } from "../src/api/types";
import { GatewayClient, Op, VISITOR_INTENTS, guildSubscriptions } from "../src/gateway/client";
import { initialView, PAGE, publicLink, publicReducer, WEB_PUBLIC, WINDOW, type PublicView } from "../src/features/public/publicChannel";

const channel: Channel = { id: "10", type: 0, guild_id: "1", name: "general", flags: WEB_PUBLIC };

function message(id: number, content = `m${id}`): Message {
  return {
    id: String(id),
    channel_id: "10",
    content,
    timestamp: new Date(2025, 0, 1, 0, 0, id).toISOString(),
    edited_timestamp: null,
    mention_everyone: false,
    mention_roles: [],
    pinned: false,
    type: 0,
    flags: 0,
    author: { id: "7", username: "alice", global_name: null, avatar: null },
    mentions: [],
  };
}

function opened(): PublicView {
  return publicReducer(initialView, { type: "channel", channel });
}

const ids = (view: PublicView) => view.messages.map((m) => m.id);

describe("a public channel's view", () => {
  it("keeps history oldest first, merging pages and live messages once each", () => {
    let view = opened();
    expect(view.closed).toBe(false);
    const latest = Array.from({ length: PAGE }, (_, n) => message(200 - n));
    view = publicReducer(view, { type: "page", page: latest, before: false });
    expect(view.older).toBe(true);
    expect(ids(view)[0]).toBe(String(200 - PAGE + 1));
    view = publicReducer(view, { type: "page", page: [message(101), message(100)], before: true });
    expect(view.older).toBe(false); // a short page: the beginning
    expect(ids(view).slice(0, 2)).toEqual(["100", "101"]);
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_CREATE", d: message(201) });
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_CREATE", d: message(201) });
    view = publicReducer(view, { type: "page", page: [message(201), message(200)], before: false });
    expect(ids(view).filter((id) => id === "201")).toHaveLength(1);
    expect(ids(view).at(-1)).toBe("201");
  });

  it("applies edits, deletions and reactions, and ignores other channels", () => {
    let view = publicReducer(opened(), { type: "page", page: [message(2), message(1)], before: false });
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_UPDATE", d: { id: "1", channel_id: "10", content: "edited" } });
    expect(view.messages[0].content).toBe("edited");
    expect(view.messages[0].author.username).toBe("alice");
    const reaction = { channel_id: "10", message_id: "2", emoji: { id: null, name: "👍" }, user_id: "9" };
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_REACTION_ADD", d: reaction });
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_REACTION_ADD", d: reaction });
    expect(view.messages[1].reactions?.[0].count).toBe(2);
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_REACTION_REMOVE", d: reaction });
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_REACTION_REMOVE", d: reaction });
    expect(view.messages[1].reactions).toEqual([]);
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_CREATE", d: { ...message(3), channel_id: "11" } });
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_DELETE", d: { id: "2", channel_id: "11" } });
    expect(ids(view)).toEqual(["1", "2"]);
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_DELETE", d: { id: "2", channel_id: "10" } });
    view = publicReducer(view, { type: "dispatch", t: "MESSAGE_DELETE_BULK", d: { ids: ["1"], channel_id: "10" } });
    expect(ids(view)).toEqual([]);
  });

  it("keeps a bounded window: the oldest go, and can be loaded again", () => {
    let view = opened();
    for (let n = 1; n <= WINDOW + 10; n++) view = publicReducer(view, { type: "dispatch", t: "MESSAGE_CREATE", d: message(n) });
    expect(view.messages).toHaveLength(WINDOW);
    expect(ids(view)[0]).toBe("11");
    expect(view.older).toBe(true);
  });

  it("closes when the channel stops being public, is deleted, or its guild is", () => {
    const view = opened();
    const unflagged = publicReducer(view, { type: "dispatch", t: "CHANNEL_UPDATE", d: { ...channel, flags: 0 } });
    expect(unflagged.closed).toBe(true);
    const renamed = publicReducer(view, { type: "dispatch", t: "CHANNEL_UPDATE", d: { ...channel, name: "hello" } });
    expect(renamed.channel?.name).toBe("hello");
    expect(renamed.closed).toBe(false);
    expect(publicReducer(view, { type: "dispatch", t: "CHANNEL_DELETE", d: channel }).closed).toBe(true);
    expect(publicReducer(view, { type: "dispatch", t: "CHANNEL_DELETE", d: { ...channel, id: "11" } }).closed).toBe(false);
    expect(publicReducer(view, { type: "dispatch", t: "GUILD_DELETE", d: { id: "1" } }).closed).toBe(true);
    expect(publicReducer(initialView, { type: "channel", channel: { ...channel, flags: 0 } }).closed).toBe(true);
  });

  it("shares the channel's own address, with an invite when one is offered", () => {
    expect(publicLink("https://chat.example", "1", "10")).toBe("https://chat.example/channels/1/10");
    expect(publicLink("https://chat.example", "1", "10", "a b")).toBe("https://chat.example/channels/1/10?invite=a%20b");
  });
});

describe("the gateway client without an account", () => {
  class FakeSocket {
    static readonly OPEN = 1;
    static last: FakeSocket | null = null;
    readyState = 1;
    sent: { op: number; d: Record<string, unknown> }[] = [];
    onmessage: ((message: { data: string }) => void) | null = null;
    onclose: ((close: { code: number }) => void) | null = null;
    constructor(readonly url: string) {
      FakeSocket.last = this;
    }
    send(data: string) {
      this.sent.push(JSON.parse(data) as { op: number; d: Record<string, unknown> });
    }
    close() {}
    receive(frame: object) {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }
  }

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal("WebSocket", FakeSocket);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("identifies anonymously, follows the channel shown, and never resumes", () => {
    const client = new GatewayClient(() => null, () => undefined, () => undefined, () => undefined, () => "ws://test", true);
    client.start();
    client.show({ guildId: "1", channelId: "10" });
    let socket = FakeSocket.last!;
    socket.receive({ op: Op.HELLO, d: { heartbeat_interval: 60_000 }, s: null, t: null });
    const identify = socket.sent.find((f) => f.op === Op.IDENTIFY)!;
    expect(identify.d).toMatchObject({ token: "", anonymous: true, intents: VISITOR_INTENTS });
    socket.receive({ op: 0, t: "READY", s: 1, d: { session_id: "s", resume_gateway_url: "ws://node", user: null } });
    expect(socket.sent.filter((f) => f.op === Op.GUILD_SUBSCRIPTIONS_BULK).map((f) => f.d)).toEqual([
      guildSubscriptions(null, { guildId: "1", channelId: "10" }),
    ]);
    // A drop: the next connection identifies again (and follows again after its READY).
    socket.onclose?.({ code: 4000 });
    vi.advanceTimersByTime(1000);
    socket = FakeSocket.last!;
    socket.receive({ op: Op.HELLO, d: { heartbeat_interval: 60_000 }, s: null, t: null });
    expect(socket.sent.map((f) => f.op)).toContain(Op.IDENTIFY);
    expect(socket.sent.map((f) => f.op)).not.toContain(Op.RESUME);
    socket.receive({ op: 0, t: "READY", s: 1, d: { session_id: "t", resume_gateway_url: "ws://node", user: null } });
    expect(socket.sent.filter((f) => f.op === Op.GUILD_SUBSCRIPTIONS_BULK)).toHaveLength(1);
    client.stop();
  });
});
