import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayClient, Op, SUBSCRIBE_DELAY_MS, backoffDelay, guildSubscriptions } from "../src/gateway/client";

describe("gateway reconnects with backoff", () => {
  it("waits longer after each failure, up to 30 seconds, with jitter", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(1, () => 1)).toBe(2000);
    expect(backoffDelay(3, () => 0.5)).toBe(6000);
    expect(backoffDelay(50, () => 1)).toBe(30000);
  });
});

describe("gateway subscribes to the channel on screen (op 37)", () => {
  it("subscribes the shown channel's guild to it, and the guild shown before to none", () => {
    const first = { guildId: "1", channelId: "10" };
    expect(guildSubscriptions(null, first)).toEqual({
      subscriptions: { "1": { typing: true, threads: true, activities: true, channels: { "10": [[0, 99]] } } },
    });
    expect(guildSubscriptions(first, { guildId: "2", channelId: "20" })).toEqual({
      subscriptions: {
        "1": { channels: {} },
        "2": { typing: true, threads: true, activities: true, channels: { "20": [[0, 99]] } },
      },
    });
    expect(guildSubscriptions(first, { guildId: "1", channelId: "11" })?.subscriptions).toEqual({
      "1": { typing: true, threads: true, activities: true, channels: { "11": [[0, 99]] } },
    });
    expect(guildSubscriptions(first, null)).toEqual({ subscriptions: { "1": { channels: {} } } });
    expect(guildSubscriptions(first, { ...first })).toBeNull();
    expect(guildSubscriptions(null, null)).toBeNull();
  });

  it("subscribes the open thread beside its channel", () => {
    const channel = { guildId: "1", channelId: "10" };
    const withThread = { ...channel, threadId: "15" };
    expect(guildSubscriptions(channel, withThread)?.subscriptions).toEqual({
      "1": { typing: true, threads: true, activities: true, channels: { "10": [[0, 99]], "15": [[0, 99]] } },
    });
    expect(guildSubscriptions(withThread, channel)?.subscriptions["1"].channels).toEqual({ "10": [[0, 99]] });
    expect(guildSubscriptions(withThread, { ...withThread })).toBeNull();
  });

  class FakeSocket {
    static readonly OPEN = 1;
    static last: FakeSocket | null = null;
    readyState = 1;
    sent: { op: number; d: unknown }[] = [];
    onmessage: ((message: { data: string }) => void) | null = null;
    onclose: ((close: { code: number }) => void) | null = null;
    constructor(readonly url: string) {
      FakeSocket.last = this;
    }
    send(data: string) {
      this.sent.push(JSON.parse(data) as { op: number; d: unknown });
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

  function subscriptionsSent(socket: FakeSocket): unknown[] {
    return socket.sent.filter((f) => f.op === Op.GUILD_SUBSCRIPTIONS_BULK).map((f) => f.d);
  }

  it("sends after READY, then once per change of channel", () => {
    const client = new GatewayClient(() => "token", () => undefined, () => undefined, () => undefined, () => "ws://test");
    client.start();
    const socket = FakeSocket.last!;
    client.show({ guildId: "1", channelId: "10" });
    vi.advanceTimersByTime(SUBSCRIBE_DELAY_MS);
    expect(subscriptionsSent(socket)).toEqual([]); // not identified yet

    socket.receive({ op: Op.HELLO, d: { heartbeat_interval: 60_000 }, s: null, t: null });
    socket.receive({ op: 0, t: "READY", s: 1, d: { session_id: "s", resume_gateway_url: "ws://test" } });
    expect(subscriptionsSent(socket)).toEqual([guildSubscriptions(null, { guildId: "1", channelId: "10" })]);

    // Leaving a channel and opening the next, in one go: one payload.
    client.show(null);
    client.show({ guildId: "2", channelId: "20" });
    vi.advanceTimersByTime(SUBSCRIBE_DELAY_MS);
    expect(subscriptionsSent(socket).slice(1)).toEqual([
      { subscriptions: { "1": { channels: {} }, "2": { typing: true, threads: true, activities: true, channels: { "20": [[0, 99]] } } } },
    ]);
    client.show({ guildId: "2", channelId: "20" });
    vi.advanceTimersByTime(SUBSCRIBE_DELAY_MS);
    expect(subscriptionsSent(socket)).toHaveLength(2);
    client.stop();
  });

  it("tells the gateway at once after a quiet moment, and says when it has been told", async () => {
    const client = new GatewayClient(() => "token", () => undefined, () => undefined, () => undefined, () => "ws://test");
    client.start();
    const socket = FakeSocket.last!;
    socket.receive({ op: Op.HELLO, d: { heartbeat_interval: 60_000 }, s: null, t: null });
    socket.receive({ op: 0, t: "READY", s: 1, d: { session_id: "s", resume_gateway_url: "ws://test" } });
    vi.advanceTimersByTime(10 * SUBSCRIBE_DELAY_MS);

    let told = false;
    client.show({ guildId: "1", channelId: "10" });
    const waiting = client.whenSubscribed().then(() => (told = true));
    await Promise.resolve();
    expect(told).toBe(false); // not before the payload is out
    vi.advanceTimersByTime(0);
    await waiting;
    expect(subscriptionsSent(socket)).toEqual([guildSubscriptions(null, { guildId: "1", channelId: "10" })]);
    await client.whenSubscribed(); // nothing pending: at once

    // Right after that payload, the next change waits for the end of the delay.
    client.show({ guildId: "1", channelId: "11" });
    vi.advanceTimersByTime(SUBSCRIBE_DELAY_MS - 1);
    expect(subscriptionsSent(socket)).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(subscriptionsSent(socket)).toHaveLength(2);
    client.stop();
  });
});
