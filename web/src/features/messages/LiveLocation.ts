/** Sharing one's location: once, or live for a while. A live share watches the position
 * (`watchPosition`) and moves the message (PATCH) — throttled by `decideSend`, never two
 * requests at once — until its time is up, its author stops it, or the server says it ended (a
 * stop from another tab, the end job, a deleted message). The watch lives in this tab only: after
 * a reload the message is still live on the server, and its card offers to resume updating it. */

import { useSyncExternalStore } from "react";
import { ApiError, api } from "../../api/client";
import type { Message } from "../../api/types";
import { makeNonce } from "../../lib/snowflake";
import { confirmLocalMessage, reduce } from "../../state/reducer";
import { getState, onDispatch, setState, subscribe } from "../../state/store";
import { decideSend, type LiveDuration, type Position, type SendState } from "./locationRules";

/** Why no position could be had, in the terms the interface explains to a person. */
export type LocationProblem = "unsupported" | "insecure" | "denied" | "unavailable" | "timeout";

export class LocationError extends Error {
  constructor(readonly problem: LocationProblem) {
    super(problem);
  }
}

const PROBLEMS: Record<number, LocationProblem> = { 1: "denied", 2: "unavailable", 3: "timeout" };

function problemOf(error: GeolocationPositionError): LocationProblem {
  // Browsers refuse geolocation to pages not served over https (or from this machine) as if the
  // person had said no: say what would help instead.
  if (error.code === 1 && typeof window !== "undefined" && !window.isSecureContext) return "insecure";
  return PROBLEMS[error.code] ?? "unavailable";
}

function toPosition(found: GeolocationPosition): Position {
  const { latitude, longitude, accuracy } = found.coords;
  return { latitude, longitude, accuracy: Number.isFinite(accuracy) ? Math.round(accuracy * 10) / 10 : null };
}

/** The position now (a fix of the last half minute will do). */
export function currentPosition(): Promise<Position> {
  if (typeof navigator === "undefined" || !navigator.geolocation) return Promise.reject(new LocationError("unsupported"));
  return new Promise((resolve, reject) =>
    navigator.geolocation.getCurrentPosition(
      (found) => resolve(toPosition(found)),
      (error) => reject(new LocationError(problemOf(error))),
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 30_000 },
    ),
  );
}

// -- what is going on, for the interface ---------------------------------------------------------

export interface LiveShares {
  /** Messages whose position this tab keeps up to date. */
  watching: Readonly<Record<string, { channelId: string; liveUntil: string }>>;
  /** Channels in which a position is being found for a share. */
  locating: Readonly<Record<string, true>>;
}

let shares: LiveShares = { watching: {}, locating: {} };
const listeners = new Set<() => void>();

function setShares(change: (s: LiveShares) => LiveShares): void {
  shares = change(shares);
  for (const listener of listeners) listener();
}

function subscribeShares(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function useLiveShares(): LiveShares {
  return useSyncExternalStore(subscribeShares, () => shares, () => shares);
}

// -- sharing ------------------------------------------------------------------------------------

interface Watch {
  channelId: string;
  messageId: string;
  watchId: number;
  send: SendState;
  /** The newest position not sent yet. */
  pending: Position | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  end: ReturnType<typeof setTimeout> | undefined;
}

const watches = new Map<string, Watch>();
/** A watch that lost the permission, reported to whoever shows errors (the composer). */
let onWatchProblem: (problem: LocationProblem) => void = () => undefined;

export function reportWatchProblems(report: (problem: LocationProblem) => void): void {
  onWatchProblem = report;
}

/** Shares the position in a message: once (`liveFor` null) or live for one of LIVE_DURATIONS. */
export async function shareLocation(channelId: string, liveFor: LiveDuration | null, replyTo?: string): Promise<Message | null> {
  if (shares.locating[channelId]) return null; // one at a time
  setShares((s) => ({ ...s, locating: { ...s.locating, [channelId]: true } }));
  try {
    const position = await currentPosition();
    const message = await api.sendMessage(channelId, {
      nonce: makeNonce(),
      enforce_nonce: true,
      location: { ...position, ...(liveFor ? { live_for_seconds: liveFor } : {}) },
      ...(replyTo ? { message_reference: { message_id: replyTo } } : {}),
    });
    setState((s) => confirmLocalMessage(s, message));
    if (liveFor && message.location?.live) watchLocation(message, position);
    return message;
  } finally {
    setShares((s) => {
      const locating = { ...s.locating };
      delete locating[channelId];
      return { ...s, locating };
    });
  }
}

/** Keeps a live location of one's own up to date from this tab (after sharing it, or again after
 * a reload), until its end. */
export function watchLocation(message: Pick<Message, "id" | "channel_id" | "location">, sent: Position | null = null): void {
  const location = message.location;
  if (watches.has(message.id) || !location?.live || location.ended || !navigator.geolocation) return;
  const liveUntil = location.live_until ?? "";
  const left = Date.parse(liveUntil) - Date.now();
  if (!(left > 0)) return;
  const watch: Watch = {
    channelId: message.channel_id,
    messageId: message.id,
    watchId: 0,
    send: { sent, sentAt: sent ? Date.now() : 0, inFlight: false },
    pending: null,
    timer: undefined,
    end: setTimeout(() => forget(message.id), left),
  };
  watches.set(message.id, watch);
  watch.watchId = navigator.geolocation.watchPosition(
    (found) => {
      watch.pending = toPosition(found);
      consider(watch);
    },
    (error) => {
      // Lost signal or a slow fix: the watch goes on. A withdrawn permission ends it here (the
      // message stays live on the server, and its card offers "stop" and "resume").
      if (error.code !== 1) return;
      forget(watch.messageId);
      onWatchProblem(problemOf(error));
    },
    { enableHighAccuracy: true, maximumAge: 5_000 },
  );
  setShares((s) => ({ ...s, watching: { ...s.watching, [message.id]: { channelId: message.channel_id, liveUntil } } }));
}

function consider(watch: Watch): void {
  if (!watch.pending || watches.get(watch.messageId) !== watch) return;
  clearTimeout(watch.timer);
  watch.timer = undefined;
  const decision = decideSend(watch.send, watch.pending, Date.now());
  if (decision.kind === "send") void sendPosition(watch);
  else if (decision.kind === "wait") watch.timer = setTimeout(() => consider(watch), decision.ms);
  else if (decision.kind === "skip") watch.pending = null;
  // "busy": the answer to the request on its way considers the newest position again.
}

async function sendPosition(watch: Watch): Promise<void> {
  const position = watch.pending!;
  watch.pending = null;
  watch.send.inFlight = true;
  try {
    const message = await api.editMessage(watch.channelId, watch.messageId, { location: position });
    watch.send.sent = position;
    watch.send.sentAt = Date.now();
    // Stopped meanwhile: the answer (still live) is older than the stop, and must not undo it.
    if (watches.get(watch.messageId) === watch) setState((s) => reduce(s, { t: "MESSAGE_UPDATE", d: message }));
  } catch (error) {
    const kind = error instanceof ApiError ? error.kind : "server";
    if (kind === "network" || kind === "server" || kind === "rate_limited") {
      // Tried again with the newest position, after the usual interval.
      watch.pending ??= position;
      watch.send.sentAt = Date.now();
    } else {
      // Ended (400), no longer ours to move (403), or gone (404).
      forget(watch.messageId);
    }
  } finally {
    watch.send.inFlight = false;
  }
  consider(watch);
}

/** Stops updating a live location from this tab (the message itself is left as it is). */
function forget(messageId: string): void {
  const watch = watches.get(messageId);
  if (!watch) return;
  watches.delete(messageId);
  navigator.geolocation?.clearWatch(watch.watchId);
  clearTimeout(watch.timer);
  clearTimeout(watch.end);
  setShares((s) => {
    const watching = { ...s.watching };
    delete watching[messageId];
    return { ...s, watching };
  });
}

/** Stops sharing a live location: for everyone (the server marks it ended), and here. */
export async function stopSharing(channelId: string, messageId: string): Promise<void> {
  forget(messageId);
  try {
    const message = await api.editMessage(channelId, messageId, { location: { live: false } });
    setState((s) => reduce(s, { t: "MESSAGE_UPDATE", d: message }));
  } catch (error) {
    // Ended already (its time was up a moment ago): that is what was asked for.
    if (!(error instanceof ApiError && error.kind === "invalid")) throw error;
  }
}

if (typeof window !== "undefined") {
  // An end from elsewhere (another tab, the server's end job) or a deletion ends the watch too,
  // and signing out ends them all.
  onDispatch((event) => {
    const d = event.d as { id?: string; ids?: string[]; location?: Message["location"] } | null;
    if (event.t === "MESSAGE_UPDATE" && d?.id && watches.has(d.id) && d.location && (d.location.ended || !d.location.live)) forget(d.id);
    if (event.t === "MESSAGE_DELETE" && d?.id) forget(d.id);
    if (event.t === "MESSAGE_DELETE_BULK") for (const id of d?.ids ?? []) forget(id);
  });
  subscribe(() => {
    if (!getState().me && watches.size) for (const id of [...watches.keys()]) forget(id);
  });
}
