/** Web Push on this device: subscribing the service worker with the server's VAPID key,
 * registering the subscription (`/users/@me/push-subscriptions`), unsubscribing, the words the
 * worker's notifications use (public/push-sw.js reads them from the cache, in the person's
 * language), and opening the channel a notification was clicked for. */

import { api } from "../api/client";
import { navigate } from "../features/app/router";
import { i18n } from "../i18n";

export type PushState = "unsupported" | "denied" | "off" | "on";

const STRINGS_CACHE = "townhall-push";
const STRINGS_URL = "/push-strings.json";
const SUBSCRIPTION_KEY = "townhall.push-subscription";

interface StoredSubscription {
  id: string;
  endpoint: string;
}

interface VapidKey {
  public_key: string;
}

export function pushSupported(): boolean {
  return (
    typeof window !== "undefined" &&
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window
  );
}

/** The VAPID key as `applicationServerKey` wants it. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** A subscription as the server takes it (snake_case, not `toJSON()`'s camelCase). */
export function subscriptionBody(json: PushSubscriptionJSON): { endpoint: string; keys: { p256dh: string; auth: string }; expiration_time: number | null } {
  return {
    endpoint: json.endpoint ?? "",
    keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
    expiration_time: json.expirationTime ?? null,
  };
}

async function registration(): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.ready;
}

function stored(): StoredSubscription | null {
  try {
    return JSON.parse(localStorage.getItem(SUBSCRIPTION_KEY) ?? "null") as StoredSubscription | null;
  } catch {
    return null;
  }
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  if (Notification.permission !== "granted" || !stored()) return "off";
  const current = await (await registration()).pushManager.getSubscription();
  return current && current.endpoint === stored()?.endpoint ? "on" : "off";
}

/** Ask for permission, subscribe and tell the server; the state afterwards. */
export async function enablePush(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission === "denied" ? "denied" : "off";
  await storePushStrings();
  const key = await api.request<VapidKey>("GET", "/users/@me/push-subscriptions/vapid-key");
  const worker = await registration();
  let subscription = await worker.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, key.public_key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) });
  const saved = await api.request<StoredSubscription>("POST", "/users/@me/push-subscriptions", subscriptionBody(subscription.toJSON()));
  localStorage.setItem(SUBSCRIPTION_KEY, JSON.stringify({ id: saved.id, endpoint: saved.endpoint }));
  return "on";
}

function sameKey(subscription: PushSubscription, publicKey: string): boolean {
  const current = subscription.options.applicationServerKey;
  if (!current) return false;
  const wanted = keyBytes(publicKey);
  const have = new Uint8Array(current);
  return have.length === wanted.length && have.every((b, i) => b === wanted[i]);
}

/** Stop pushing to this device: the server forgets it, the browser drops the subscription. */
export async function disablePush(): Promise<PushState> {
  const mine = stored();
  localStorage.removeItem(SUBSCRIPTION_KEY);
  if (mine) await api.request<void>("DELETE", `/users/@me/push-subscriptions/${mine.id}`).catch(() => undefined);
  if (pushSupported()) {
    const current = await (await registration()).pushManager.getSubscription();
    await current?.unsubscribe();
  }
  return pushState();
}

/** The worker's words for notifications, in the current language, with `{author}`-style
 * placeholders the worker fills in. */
export function pushStrings(): Record<string, string> {
  const t = i18n.t.bind(i18n);
  const names = { author: "{author}", channel: "{channel}", guild: "{guild}" };
  const counted = { count: 2, replace: { ...names, count: "{count}" } };
  return {
    app: "townhall",
    title_guild: t("push.title_guild", names),
    title_group: t("push.title_group", names),
    body_message: t("push.body_message", names),
    body_dm: t("push.body_dm", names),
    body_mention: t("push.body_mention", names),
    body_reply: t("push.body_reply", names),
    body_everyone: t("push.body_everyone", names),
    body_role: t("push.body_role", names),
    body_announcement: t("push.body_announcement", names),
    body_count: t("push.body_count", counted),
    body_private: t("push.body_private"),
    body_private_mention: t("push.body_private_mention"),
    body_private_count: t("push.body_private_count", counted),
    body_call: t("push.body_call"),
  };
}

export async function storePushStrings(): Promise<void> {
  if (typeof caches === "undefined") return;
  const cache = await caches.open(STRINGS_CACHE);
  await cache.put(STRINGS_URL, new Response(JSON.stringify(pushStrings()), { headers: { "Content-Type": "application/json" } }));
}

let listening = false;

/** Once per page: a click on a notification opens its channel here (the worker asks), and the
 * worker's words follow the language. */
export function listenForPushClicks(): void {
  if (listening || !pushSupported()) return;
  listening = true;
  navigator.serviceWorker.addEventListener("message", (event: MessageEvent) => {
    const data = event.data as { type?: string; path?: string } | null;
    if (data?.type === "townhall:open" && typeof data.path === "string" && data.path.startsWith("/channels/")) navigate(data.path);
  });
  i18n.on("languageChanged", () => {
    if (stored()) void storePushStrings().catch(() => undefined);
  });
  if (stored()) void storePushStrings().catch(() => undefined);
}
