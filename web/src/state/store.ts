/** The app's one store: state from the reducer, React bindings, and the actions that call the API
 * and the gateway. Components read with `useStore(selector)` and act through `actions`. */

import { useRef, useSyncExternalStore } from "react";
import { ApiError, api } from "../api/client";
import type { Message } from "../api/types";
import { GatewayClient, Op, type Dispatch, type Shown } from "../gateway/client";
import { makeNonce } from "../lib/snowflake";
import {
  addLocalMessage,
  confirmLocalMessage,
  expireTyping,
  initialState,
  mergePage,
  reduce,
  removeLocalMessage,
  setLocalState,
  setDetached,
  setRead,
  setWindow,
  type ChatMessage,
  type State,
} from "./reducer";

type Listener = () => void;
type DispatchListener = (event: Dispatch, before: State, after: State) => void;

let state: State = initialState;
const listeners = new Set<Listener>();
const dispatchListeners = new Set<DispatchListener>();

export function getState(): State {
  return state;
}

export function setState(change: (s: State) => State): void {
  const next = change(state);
  if (next === state) return;
  state = next;
  for (const listener of listeners) listener();
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onDispatch(listener: DispatchListener): () => void {
  dispatchListeners.add(listener);
  return () => dispatchListeners.delete(listener);
}

/** Objects and arrays one level deep are equal when their entries are identical. */
export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Reads a slice of the state; re-renders only when the slice changes (compared shallowly, so a
 * selector may build a small object or array). */
export function useStore<T>(selector: (s: State) => T): T {
  const last = useRef<{ value: T; state: State; selector: (s: State) => T } | null>(null);
  const read = () => {
    const cached = last.current;
    if (cached && cached.state === state && cached.selector === selector) return cached.value;
    const value = selector(state);
    if (cached && shallowEqual(cached.value, value)) {
      last.current = { value: cached.value, state, selector };
      return cached.value;
    }
    last.current = { value, state, selector };
    return value;
  };
  return useSyncExternalStore(subscribe, read, read);
}

// -- the gateway --------------------------------------------------------------------------------

const PAGE = 50;

export const gateway = new GatewayClient(
  () => api.token,
  (event) => {
    const before = state;
    setState((s) => reduce(s, event));
    for (const listener of dispatchListeners) listener(event, before, state);
    if (event.t === "GUILD_CREATE") requestMembers((event.d as { id: string }).id);
    if (event.t === "MESSAGE_CREATE") {
      const message = event.d as Message;
      if (!message.guild_id && !before.channels[message.channel_id]) fetchConversation(message.channel_id);
    }
    // A call in a conversation this tab has not seen yet: it rings once the channel is known.
    if (event.t === "CALL_CREATE") {
      const channelId = (event.d as { channel_id: string }).channel_id;
      if (!before.channels[channelId]) fetchConversation(channelId);
    }
  },
  (status, resumed) => {
    setState((s) => (s.status === status ? s : { ...s, status }));
    if (status !== "ready") connectionDrops += 1;
    if (status === "ready") {
      void flushOutbox();
      if (!resumed) void refreshOpenChannels();
      else reloadWhatIsNotLive();
    }
  },
  () => actions.signedOut(),
);

function fetchConversation(channelId: string): void {
  api.channel(channelId).then((channel) => setState((s) => reduce(s, { t: "CHANNEL_UPDATE", d: channel })), () => undefined);
}

const requested = new Set<string>();
function requestMembers(guildId: string): void {
  const guild = state.guilds[guildId];
  const known = Object.keys(state.members[guildId] ?? {}).length;
  if (!guild || known >= guild.memberCount || requested.has(guildId)) return;
  requested.add(guildId);
  gateway.send(Op.REQUEST_GUILD_MEMBERS, { guild_id: guildId, query: "", limit: 0, presences: true });
}

setInterval(() => setState((s) => expireTyping(s)), 2000);
if (typeof window !== "undefined") {
  window.addEventListener("online", () => {
    gateway.nudge();
    void flushOutbox();
  });
}

// -- messages sent from this tab ----------------------------------------------------------------

interface Outgoing {
  channelId: string;
  localId: string;
  body: { content: string; nonce: string; enforce_nonce: true; message_reference?: { message_id: string } };
}

const outbox = new Map<string, Outgoing>();
let flushing = false;

async function deliver(item: Outgoing): Promise<void> {
  setState((s) => setLocalState(s, item.channelId, item.localId, "sending"));
  try {
    const message = await api.sendMessage(item.channelId, item.body);
    outbox.delete(item.localId);
    setState((s) => confirmLocalMessage(s, message));
  } catch (error) {
    const kind = error instanceof ApiError ? error.kind : "server";
    if (kind === "network" || kind === "server") {
      // Kept, and sent again (same nonce, so never twice) when the connection is back.
      setState((s) => setLocalState(s, item.channelId, item.localId, "waiting", "network"));
      return;
    }
    outbox.delete(item.localId);
    const failure = kind === "rate_limited" && error instanceof ApiError ? `rate_limited:${error.retryAfter ?? 1}` : kind;
    setState((s) => setLocalState(s, item.channelId, item.localId, "failed", failure));
  }
}

async function flushOutbox(): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    for (const item of [...outbox.values()]) {
      const window = state.messages[item.channelId];
      if (window?.byId[item.localId]?.local === "waiting") await deliver(item);
    }
  } finally {
    flushing = false;
  }
}

async function refreshOpenChannels(): Promise<void> {
  // After a new session (not a RESUME) the windows may have missed events: drop all but the
  // channel on screen and its open thread, and load those again.
  const open = [currentChannel, currentThread?.id].filter((id): id is string => !!id);
  liveWindows.clear();
  setState((s) => {
    const messages: State["messages"] = {};
    for (const id of open) if (s.messages[id]) messages[id] = s.messages[id];
    return { ...s, messages, visited: open };
  });
  await Promise.all(open.map((id) => loadFollowed(id)));
}

let currentChannel: string | null = null;
/** The thread open in the panel beside the channel, with its guild (known before the thread). */
let currentThread: { id: string; guildId: string } | null = null;

/** What the gateway's subscriptions follow (op 37): the guild channel on screen and its open
 * thread, or none (a DM: its events always come). */
function shownChannels(): Shown | null {
  const channelGuild = currentChannel ? state.channels[currentChannel]?.guild_id : undefined;
  const thread = currentThread;
  if (currentChannel && channelGuild) {
    const threadId = thread && thread.guildId === channelGuild ? thread.id : undefined;
    return threadId ? { guildId: channelGuild, channelId: currentChannel, threadId } : { guildId: channelGuild, channelId: currentChannel };
  }
  return thread ? { guildId: thread.guildId, channelId: thread.id } : null;
}

/** Since when each followed channel has been followed (a number per stretch), and the windows
 * fetched within the stretch that is still going on: only those have every reaction, as the
 * server sends a guild channel's reactions to this session only while it follows the channel. */
const followedSince = new Map<string, number>();
const liveWindows = new Set<string>();
let followStretch = 0;

function follow(): void {
  const shown = shownChannels();
  const now = new Set(shown ? [shown.channelId, ...(shown.threadId ? [shown.threadId] : [])] : []);
  for (const id of [...followedSince.keys()]) {
    if (!now.has(id)) {
      followedSince.delete(id);
      liveWindows.delete(id);
    }
  }
  for (const id of now) if (!followedSince.has(id)) followedSince.set(id, ++followStretch);
  gateway.show(shown);
}

/** Whether a kept window has every reaction: a conversation's always does (its events always
 * come), a guild channel's when it was fetched while followed and followed since. */
function windowIsLive(channelId: string): boolean {
  const channel = state.channels[channelId];
  return (!!channel && !channel.guild_id) || liveWindows.has(channelId);
}

/** A channel's latest page, fetched once the gateway follows the channel (one connection's
 * payloads are handled in order), so that no reaction falls between the page and the events. A
 * kept window shows meanwhile, as it was (its reactions may be a moment old, as in Discord's
 * client): the page replaces them.
 * Fetched while disconnected, it is shown but not live: fetched again when the session is back. */
async function loadFollowed(channelId: string): Promise<void> {
  const connected = gateway.status === "ready";
  const drops = connectionDrops;
  if (connected) await gateway.whenSubscribed();
  const stretch = followedSince.get(channelId);
  await actions.loadLatest(channelId);
  if (connected && drops === connectionDrops && stretch !== undefined && followedSince.get(channelId) === stretch) {
    liveWindows.add(channelId);
  }
}

/** How often the gateway connection was lost: a page fetched across a loss may miss reactions. */
let connectionDrops = 0;

/** A resumed session: fetch again what is followed but was fetched while disconnected. */
function reloadWhatIsNotLive(): void {
  for (const id of followedSince.keys()) if (state.messages[id] && !windowIsLive(id)) void loadFollowed(id);
}
const ackTimers = new Map<string, ReturnType<typeof setTimeout>>();

export const actions = {
  async signedIn(token: string) {
    api.setToken(token);
    gateway.stop();
    gateway.start();
  },

  signedOut() {
    gateway.stop();
    followedSince.clear();
    liveWindows.clear();
    api.setToken(null);
    outbox.clear();
    requested.clear();
    setState(() => initialState);
  },

  async logout(everywhere: boolean) {
    try {
      await api.logout(everywhere);
    } finally {
      actions.signedOut();
    }
  },

  /** The person scrolled away from (or back to) the newest messages of a channel. */
  setDetached(channelId: string, detached: boolean) {
    setState((s) => setDetached(s, channelId, detached));
  },

  setCurrentChannel(channelId: string | null) {
    currentChannel = channelId;
    follow();
  },

  /** Opens a channel: from memory when it was visited and has had its reactions since, else its
   * latest page (a kept window shows meanwhile). */
  async openChannel(channelId: string) {
    currentChannel = channelId;
    follow();
    const window = state.messages[channelId];
    if (window && windowIsLive(channelId)) {
      // Already in memory: it renders from there; the "visited last" order can wait a moment.
      if (state.visited[0] !== channelId) setTimeout(() => setState((s) => (s.messages[channelId] ? setWindow(s, channelId, s.messages[channelId]) : s)), 500);
      return;
    }
    await loadFollowed(channelId);
  },

  /** The thread panel opened a thread of a channel in `guildId` (null: it closed): it is followed
   * beside the channel, and loaded as a channel is opened. */
  async showThread(guildId: string, threadId: string | null) {
    if (threadId === null) {
      currentThread = null;
      follow();
      return;
    }
    currentThread = { id: threadId, guildId };
    follow();
    if (state.messages[threadId] && windowIsLive(threadId)) return;
    await loadFollowed(threadId);
  },

  async loadLatest(channelId: string) {
    const page = await api.messages(channelId, { limit: PAGE });
    setState((s) => setWindow(s, channelId, mergePage(s.messages[channelId], page, "latest", PAGE)));
  },

  async loadOlder(channelId: string) {
    const window = state.messages[channelId];
    const oldest = window?.ids.find((id) => !window.byId[id]?.local);
    if (!window || !window.hasMoreBefore || !oldest) return 0;
    const page = await api.messages(channelId, { before: oldest, limit: PAGE });
    setState((s) => setWindow(s, channelId, mergePage(s.messages[channelId], page, "before", PAGE)));
    return page.length;
  },

  async loadNewer(channelId: string) {
    const window = state.messages[channelId];
    const newest = window ? [...window.ids].reverse().find((id) => !window.byId[id]?.local) : undefined;
    if (!window || !window.hasMoreAfter || !newest) return 0;
    const page = await api.messages(channelId, { after: newest, limit: PAGE });
    setState((s) => setWindow(s, channelId, mergePage(s.messages[channelId], page, "after", PAGE)));
    return page.length;
  },

  async jumpTo(channelId: string, messageId: string) {
    const window = state.messages[channelId];
    if (window?.byId[messageId]) return;
    const page = await api.messages(channelId, { around: messageId, limit: PAGE });
    setState((s) => setWindow(s, channelId, mergePage(s.messages[channelId], page, "around", PAGE)));
  },

  async send(channelId: string, content: string, replyTo?: string) {
    const nonce = makeNonce();
    const me = state.me!;
    const localId = `local-${nonce}`;
    const reply = replyTo ? state.messages[channelId]?.byId[replyTo] : undefined;
    const local: ChatMessage = {
      id: localId,
      channel_id: channelId,
      author: me,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
      type: replyTo ? 19 : 0,
      flags: 0,
      nonce,
      referenced_message: reply ?? null,
      message_reference: replyTo ? { message_id: replyTo, channel_id: channelId } : undefined,
      local: "sending",
    };
    setState((s) => addLocalMessage(s, local));
    const item: Outgoing = {
      channelId,
      localId,
      body: { content, nonce, enforce_nonce: true, ...(replyTo ? { message_reference: { message_id: replyTo } } : {}) },
    };
    outbox.set(localId, item);
    await deliver(item);
  },

  async retry(channelId: string, localId: string) {
    const message = state.messages[channelId]?.byId[localId];
    if (!message) return;
    const item = outbox.get(localId) ?? {
      channelId,
      localId,
      body: {
        content: message.content,
        nonce: String(message.nonce),
        enforce_nonce: true as const,
        ...(message.message_reference?.message_id ? { message_reference: { message_id: message.message_reference.message_id } } : {}),
      },
    };
    outbox.set(localId, item);
    await deliver(item);
  },

  discard(channelId: string, localId: string) {
    outbox.delete(localId);
    setState((s) => removeLocalMessage(s, channelId, localId));
  },

  /** Marks the channel read up to its newest message, on the server (debounced). */
  markRead(channelId: string) {
    const channel = state.channels[channelId];
    const window = state.messages[channelId];
    const newest = window ? [...window.ids].reverse().find((id) => !window.byId[id]?.local) : undefined;
    const last = newest ?? channel?.last_message_id;
    if (!last || window?.hasMoreAfter) return;
    const read = state.readStates[channelId];
    if (read?.last_message_id === last && !read.mention_count) return;
    setState((s) => setRead(s, channelId, last, 0));
    clearTimeout(ackTimers.get(channelId));
    ackTimers.set(
      channelId,
      setTimeout(() => {
        ackTimers.delete(channelId);
        api.ack(channelId, last).catch(() => undefined);
      }, 300),
    );
  },

  /** Opens (or finds) a conversation; it is in the state before the app goes there. */
  async openConversation(recipients: string[]) {
    const channel = recipients.length === 1 ? await api.openDm(recipients[0]) : await api.createGroupDm(recipients);
    setState((s) => reduce(s, { t: "CHANNEL_CREATE", d: channel }));
    return channel;
  },

  async toggleReaction(message: Message, emoji: string) {
    const mine = message.reactions?.find((r) => r.emoji.name === emoji)?.me;
    if (mine) await api.unreact(message.channel_id, message.id, emoji);
    else await api.react(message.channel_id, message.id, emoji);
  },
};

if (typeof window !== "undefined") {
  // A handle for the browser tests: drop the gateway connection as a network failure would.
  (window as unknown as { townhall: object }).townhall = { gateway, getState };
}
