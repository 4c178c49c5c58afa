/** The one gateway client: Discord gateway v10 over a WebSocket, as a bot speaks it. HELLO, then
 * IDENTIFY (or RESUME after a drop), heartbeats with zombie detection, reconnects with exponential
 * backoff and jitter, and every DISPATCH handed to the listener in order. */

import { listenForPushClicks } from "../pwa/push";
import { focusReporter } from "../pwa/pushFocus";

export const Op = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  PRESENCE_UPDATE: 3,
  VOICE_STATE_UPDATE: 4,
  RESUME: 6,
  RECONNECT: 7,
  REQUEST_GUILD_MEMBERS: 8,
  INVALID_SESSION: 9,
  HELLO: 10,
  HEARTBEAT_ACK: 11,
  GUILD_SUBSCRIPTIONS_BULK: 37,
} as const;

/** The guild channel on screen, and the thread open beside it (its panel). A conversation (DM)
 * needs no subscription: its typing and reactions always come. */
export interface Shown {
  guildId: string;
  channelId: string;
  threadId?: string;
}

function sameShown(a: Shown | null, b: Shown | null): boolean {
  return a?.guildId === b?.guildId && a?.channelId === b?.channelId && a?.threadId === b?.threadId;
}

interface GuildSubscription {
  typing?: boolean;
  threads?: boolean;
  activities?: boolean;
  channels: Record<string, [number, number][]>;
}

/** Op 37 (Guild Subscriptions Bulk), as Discord's own client sends it: the guild on screen
 * subscribes to the channel shown (and the open thread), and the guild shown before, when
 * another, to none. The server then sends TYPING_START and the MESSAGE_REACTION_* events only
 * from those (and from conversations): the windows of other channels miss their reactions, so
 * the store fetches a channel again when it comes back on screen. Null: nothing changed. */
export function guildSubscriptions(before: Shown | null, now: Shown | null): { subscriptions: Record<string, GuildSubscription> } | null {
  const subscriptions: Record<string, GuildSubscription> = {};
  if (before && before.guildId !== now?.guildId) subscriptions[before.guildId] = { channels: {} };
  if (now && !sameShown(before, now)) {
    const channels: Record<string, [number, number][]> = { [now.channelId]: [[0, 99]] };
    if (now.threadId) channels[now.threadId] = [[0, 99]];
    subscriptions[now.guildId] = { typing: true, threads: true, activities: true, channels };
  }
  return Object.keys(subscriptions).length ? { subscriptions } : null;
}

/** Changes of channel within this long of the last payload wait for its end, so that leaving
 * one channel and opening the next (or clicking through several) costs one payload: a client
 * may send 120 a minute. The first change after a quiet moment goes out at once: the channel's
 * messages are fetched once the server follows it (`whenSubscribed`). */
export const SUBSCRIBE_DELAY_MS = 100;

/** Every intent a person's client needs (people get message content without asking);
 * GUILD_VOICE_STATES (1 << 7) says who is in which voice channel, GUILD_SCHEDULED_EVENTS
 * (1 << 16) what happens to scheduled events. */
export const INTENTS =
  (1 << 0) | (1 << 1) | (1 << 2) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) |
  (1 << 12) | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 16);

/** What a visitor without an account follows of a public channel: the channel (GUILDS), its
 * messages (GUILD_MESSAGES) and their reactions (GUILD_MESSAGE_REACTIONS). */
export const VISITOR_INTENTS = (1 << 0) | (1 << 9) | (1 << 10);

export type GatewayStatus = "connecting" | "ready" | "offline";

export interface Dispatch {
  t: string;
  d: unknown;
}

interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

const AUTH_FAILED = 4004;
const FATAL = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

export function backoffDelay(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
  return Math.round(base / 2 + random() * (base / 2));
}

export function defaultGatewayUrl(): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}`;
}

export class GatewayClient {
  private socket: WebSocket | null = null;
  private sessionId: string | null = null;
  private resumeUrl: string | null = null;
  private seq: number | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private firstBeat: ReturnType<typeof setTimeout> | null = null;
  private acked = true;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private shown: Shown | null = null;
  /** What this session has been told (op 37); null for a new session. */
  private subscribed: Shown | null = null;
  private subscribeTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSubscribed = -Infinity;
  private subscribedWaiters: (() => void)[] = [];
  status: GatewayStatus = "offline";

  constructor(
    private readonly token: () => string | null,
    private readonly onDispatch: (event: Dispatch) => void,
    private readonly onStatus: (status: GatewayStatus, resumed: boolean) => void,
    private readonly onAuthFailed: () => void,
    private readonly baseUrl: () => string = defaultGatewayUrl,
    /** A visitor without an account: IDENTIFY with no token and `anonymous`, never RESUME (the
     * server keeps nothing to resume); the channel shown (`show`) is the public one it follows. */
    private readonly anonymous = false,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.sessionId = null;
    this.seq = null;
    this.clearTimers();
    focusReporter.stop();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "bye");
    this.setStatus("offline", false);
  }

  /** Drop the connection as a network failure would; the client resumes. (Used by tests.) */
  drop(): void {
    this.socket?.close(4000, "dropped");
  }

  send(op: number, d: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ op, d }));
  }

  /** The channel on screen changed (null: none of a guild's): tell the gateway, at once or
   * (right after another change) shortly. */
  show(shown: Shown | null): void {
    this.shown = shown;
    if (this.subscribeTimer) return; // goes out with the pending one
    // At the end of this task at the earliest: a screen that closes one channel and opens the
    // next tells the gateway once.
    this.subscribeTimer = setTimeout(() => {
      this.subscribeTimer = null;
      this.subscribe();
    }, Math.max(0, this.lastSubscribed + SUBSCRIBE_DELAY_MS - Date.now()));
  }

  /** Resolves once the gateway has been told what `show` said last (at once when it has been):
   * a page fetched after that misses no reaction of the channel, as the server handles one
   * connection's payloads in order. While disconnected, it waits for the next session. */
  whenSubscribed(): Promise<void> {
    if (!this.subscribeTimer && sameShown(this.subscribed, this.shown) && this.status === "ready") return Promise.resolve();
    return new Promise((resolve) => this.subscribedWaiters.push(resolve));
  }

  private subscribe(): void {
    if (this.status !== "ready" || this.socket?.readyState !== WebSocket.OPEN) return;
    const update = guildSubscriptions(this.subscribed, this.shown);
    if (update) {
      this.send(Op.GUILD_SUBSCRIPTIONS_BULK, update);
      this.lastSubscribed = Date.now();
    }
    this.subscribed = this.shown;
    const waiters = this.subscribedWaiters;
    this.subscribedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Reconnect now (the browser said the network is back) instead of waiting out the backoff. */
  nudge(): void {
    if (this.stopped || this.socket) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private setStatus(status: GatewayStatus, resumed: boolean): void {
    this.status = status;
    this.onStatus(status, resumed);
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus("connecting", false);
    const base = (this.sessionId && this.resumeUrl) || this.baseUrl();
    const socket = new WebSocket(`${base}/?v=10&encoding=json`);
    this.socket = socket;
    socket.onmessage = (message) => {
      if (this.socket === socket) this.receive(JSON.parse(String(message.data)) as Frame);
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      if (this.stopped) return;
      if (close.code === AUTH_FAILED) {
        this.stopped = true;
        this.setStatus("offline", false);
        this.onAuthFailed();
        return;
      }
      if (FATAL.has(close.code) || close.code === 4007 || close.code === 4009) {
        this.sessionId = null;
        this.seq = null;
      }
      this.setStatus("offline", false);
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const delay = this.attempt === 0 ? 250 : backoffDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private receive(frame: Frame): void {
    if (frame.s != null) this.seq = frame.s;
    switch (frame.op) {
      case Op.HELLO:
        this.startHeartbeat((frame.d as { heartbeat_interval: number }).heartbeat_interval);
        this.authenticate();
        break;
      case Op.HEARTBEAT:
        this.send(Op.HEARTBEAT, this.seq);
        break;
      case Op.HEARTBEAT_ACK:
        this.acked = true;
        break;
      case Op.RECONNECT:
        this.socket?.close(4000, "reconnect");
        break;
      case Op.INVALID_SESSION:
        this.sessionId = null;
        this.seq = null;
        setTimeout(() => this.authenticate(), 500 + Math.random() * 1000);
        break;
      case Op.DISPATCH: {
        const t = frame.t ?? "";
        if (t === "READY") {
          const ready = frame.d as { session_id: string; resume_gateway_url: string };
          this.sessionId = ready.session_id;
          this.resumeUrl = ready.resume_gateway_url;
          this.subscribed = null; // a new session has no subscriptions
        }
        this.onDispatch({ t, d: frame.d });
        if (t === "READY" || t === "RESUMED") {
          this.attempt = 0;
          this.setStatus("ready", t === "RESUMED");
          this.subscribe(); // a resumed session keeps what it was told; tell it what changed meanwhile
          focusReporter.start(); // push notifications wait while this tab is in front (pwa/pushFocus.ts)
          listenForPushClicks();
        }
        break;
      }
    }
  }

  private authenticate(): void {
    const token = this.token();
    if (this.anonymous) {
      this.send(Op.IDENTIFY, {
        token: "",
        anonymous: true,
        intents: VISITOR_INTENTS,
        properties: { os: navigator.platform || "web", browser: "townhall-web", device: "townhall-web" },
      });
      return;
    }
    if (!token) return;
    if (this.sessionId && this.seq != null) {
      this.send(Op.RESUME, { token, session_id: this.sessionId, seq: this.seq });
      return;
    }
    this.send(Op.IDENTIFY, {
      token,
      intents: INTENTS,
      properties: { os: navigator.platform || "web", browser: "townhall-web", device: "townhall-web" },
      presence: { status: "online", since: null, activities: [], afk: false },
    });
  }

  private startHeartbeat(interval: number): void {
    this.acked = true;
    const beat = () => {
      if (!this.acked) {
        this.socket?.close(4000, "zombie");
        return;
      }
      this.acked = false;
      this.send(Op.HEARTBEAT, this.seq);
    };
    this.heartbeat = setInterval(beat, interval);
    this.firstBeat = setTimeout(beat, Math.random() * Math.min(interval, 5000));
  }

  private clearTimers(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.firstBeat) clearTimeout(this.firstBeat);
    this.firstBeat = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.subscribeTimer) clearTimeout(this.subscribeTimer);
    this.subscribeTimer = null;
  }
}
