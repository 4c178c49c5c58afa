/** Push on this device: the service worker's notifications (public/push-sw.js), the words the
 * app gives it, the subscription the server is told about, and focus reports. */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { i18n } from "../src/i18n";
import { keyBytes, pushStrings, subscriptionBody } from "../src/pwa/push";
import { FocusReporter, RENEW_MS } from "../src/pwa/pushFocus";

interface Shown {
  title: string;
  options: { body: string; tag?: string; data: { url: string }; requireInteraction: boolean };
}
interface WorkerApi {
  notificationFor(push: Record<string, unknown>, strings: Record<string, string>): Shown;
}

function loadWorker(): { api: WorkerApi; listeners: Record<string, (event: unknown) => void> } {
  const listeners: Record<string, (event: unknown) => void> = {};
  const scope: Record<string, unknown> = {
    addEventListener: (type: string, listener: (event: unknown) => void) => (listeners[type] = listener),
    location: { origin: "https://chat.example" },
  };
  const source = readFileSync(join(__dirname, "..", "public", "push-sw.js"), "utf8");
  new Function("self", source)(scope);
  return { api: scope.townhallPush as WorkerApi, listeners };
}

const ada = { id: "1", name: "Ada" };

describe("the service worker's notifications", () => {
  const { api, listeners } = loadWorker();
  const strings = () => pushStrings();

  it("handles push and notificationclick", () => {
    expect(Object.keys(listeners).sort()).toEqual(["notificationclick", "push"]);
  });

  it("shows a mention with its author, channel, community and text", async () => {
    await i18n.changeLanguage("en");
    const shown = api.notificationFor(
      { type: "message", reason: "mention", guild_id: "9", channel_id: "8", message_id: "7", url: "/channels/9/8", tag: "message-7", author: ada, channel_name: "general", guild_name: "Club", content: "hi {author} <b>" },
      strings(),
    );
    expect(shown.title).toBe("Ada in #general (Club)");
    expect(shown.options.body).toBe("hi {author} <b>");
    expect(shown.options.tag).toBe("message-7");
    expect(shown.options.data.url).toBe("/channels/9/8");
  });

  it("says who and where without text, and nothing at all for a confidential community", async () => {
    await i18n.changeLanguage("de");
    const base = { type: "message", guild_id: "9", channel_id: "8", message_id: "7", url: "/channels/9/8" };
    const named = api.notificationFor({ ...base, reason: "message", author: ada, channel_name: "general", guild_name: "Club" }, strings());
    expect(named.options.body).toBe("Neue Nachricht in #general von Ada");
    const hidden = api.notificationFor({ ...base, reason: "mention" }, strings());
    expect(hidden).toMatchObject({ title: "townhall", options: { body: "Jemand hat dich erwähnt" } });
    const counted = api.notificationFor({ ...base, reason: "message", count: 3, author: ada, channel_name: "general", guild_name: "Club", content: "last" }, strings());
    expect(counted.options.body).toBe("3 neue Nachrichten in #general");
    await i18n.changeLanguage("en");
  });

  it("rings for a call and opens only the app's own channel paths", async () => {
    await i18n.changeLanguage("fr");
    const call = api.notificationFor({ type: "call", reason: "call", channel_id: "5", url: "/channels/@me/5", tag: "call-5", author: ada }, strings());
    expect(call).toMatchObject({ title: "Ada", options: { body: "Appel entrant", requireInteraction: true, data: { url: "/channels/@me/5" } } });
    const elsewhere = api.notificationFor({ type: "message", reason: "dm", url: "https://evil.example/", author: ada }, strings());
    expect(elsewhere.options.data.url).toBe("/channels/@me");
    await i18n.changeLanguage("en");
  });
});

describe("the subscription", () => {
  it("is sent in the server's snake_case", () => {
    expect(subscriptionBody({ endpoint: "https://push.example/x", expirationTime: null, keys: { p256dh: "P", auth: "A" } })).toEqual({
      endpoint: "https://push.example/x",
      keys: { p256dh: "P", auth: "A" },
      expiration_time: null,
    });
  });

  it("turns the VAPID key into the bytes subscribe() wants", () => {
    expect(Array.from(keyBytes("BAEC_-8"))).toEqual([4, 1, 2, 255, 239]);
  });
});

describe("focus reports", () => {
  afterEach(() => vi.useRealTimers());

  it("say when the tab comes to the front, renew each minute, and say when it leaves", () => {
    vi.useFakeTimers();
    let front = true;
    const sent: boolean[] = [];
    const reporter = new FocusReporter(async (_id, focused) => sent.push(focused), () => front);
    reporter.start();
    expect(sent).toEqual([true]);
    vi.advanceTimersByTime(RENEW_MS * 2);
    expect(sent).toEqual([true, true, true]);
    front = false;
    window.dispatchEvent(new Event("blur"));
    expect(sent).toEqual([true, true, true, false]);
    vi.advanceTimersByTime(RENEW_MS * 3);
    expect(sent.length).toBe(4);
    front = true;
    window.dispatchEvent(new Event("focus"));
    reporter.stop();
    expect(sent).toEqual([true, true, true, false, true, false]);
    window.dispatchEvent(new Event("focus"));
    expect(sent.length).toBe(6);
  });
});
