/** Which transceivers the offer holds, and what the answer's mids carry: pure functions, so the
 * rules of docs/voice.md are tested without a browser.
 *
 * The browser is always the offerer. Its offer holds one audio transceiver for the microphone
 * (its receive side is audio slot 0), `audioSlots - 1` receive-only audio transceivers for the
 * other loudest speakers, a send-only video transceiver per source it publishes, and a
 * receive-only video transceiver per stream it watches. One peer connection lives for the whole
 * call: a renegotiation keeps each transceiver that still has its role, gives a free one of the
 * same kind a new role, adds one only when none is free, and leaves the rest inactive (a
 * transceiver's m-line can never be removed, so reusing them keeps the SDP from growing). */

import { streamKey, type MidStream, type Source, type StreamRef, type VideoSource } from "./protocol";

export const DEFAULT_AUDIO_SLOTS = 3;

export type Role =
  | { kind: "audio"; role: "microphone"; sending: boolean }
  | { kind: "audio"; role: "slot"; index: number }
  | { kind: "audio"; role: "screen_audio" }
  | { kind: "video"; role: "camera" }
  | { kind: "video"; role: "screen" }
  | { kind: "video"; role: "watch"; stream: StreamRef };

export type Kind = Role["kind"];

/** What the person sends and watches right now. */
export interface MediaWish {
  /** A microphone track exists (muted or not: a muted track is disabled, not removed). */
  microphone: boolean;
  camera: boolean;
  screen: boolean;
  screenAudio: boolean;
  watch: StreamRef[];
  audioSlots?: number;
}

export function roleKey(role: Role): string {
  switch (role.role) {
    case "slot":
      return `slot:${role.index}`;
    case "watch":
      return `watch:${streamKey(role.stream)}`;
    default:
      return role.role;
  }
}

/** The transceivers an offer needs for a wish, in offer order. */
export function wantedRoles(wish: MediaWish): Role[] {
  const slots = Math.max(1, wish.audioSlots ?? DEFAULT_AUDIO_SLOTS);
  const roles: Role[] = [{ kind: "audio", role: "microphone", sending: wish.microphone }];
  for (let index = 1; index < slots; index++) roles.push({ kind: "audio", role: "slot", index });
  if (wish.camera) roles.push({ kind: "video", role: "camera" });
  if (wish.screen) roles.push({ kind: "video", role: "screen" });
  if (wish.screen && wish.screenAudio) roles.push({ kind: "audio", role: "screen_audio" });
  const seen = new Set<string>();
  for (const stream of wish.watch) {
    const key = streamKey(stream);
    if (seen.has(key)) continue;
    seen.add(key);
    roles.push({ kind: "video", role: "watch", stream });
  }
  return roles;
}

export function directionOf(role: Role | null): RTCRtpTransceiverDirection {
  if (!role) return "inactive";
  switch (role.role) {
    case "microphone":
      return role.sending ? "sendrecv" : "recvonly";
    case "slot":
    case "watch":
      return "recvonly";
    default:
      return "sendonly";
  }
}

/** The plan for the next offer: the role of each existing transceiver (null: inactive), and the
 * roles of transceivers to add after them. */
export interface Plan {
  roles: (Role | null)[];
  added: Role[];
}

/** `existing` holds, per transceiver of the peer connection in order, its kind and its current
 * role (null when idle). */
export function planTransceivers(existing: { kind: Kind; role: Role | null }[], wanted: Role[]): Plan {
  const roles: (Role | null)[] = existing.map(() => null);
  const unplaced: Role[] = [];
  const byKey = new Map<string, number>();
  existing.forEach((entry, index) => {
    if (entry.role) byKey.set(roleKey(entry.role), index);
  });
  for (const role of wanted) {
    const at = byKey.get(roleKey(role));
    if (at !== undefined && roles[at] === null) roles[at] = role;
    else unplaced.push(role);
  }
  const added: Role[] = [];
  for (const role of unplaced) {
    const free = existing.findIndex((entry, index) => roles[index] === null && entry.kind === role.kind);
    if (free >= 0) roles[free] = role;
    else added.push(role);
  }
  return { roles, added };
}

function sourceOf(role: Role): Source | null {
  switch (role.role) {
    case "microphone":
      return role.sending ? "microphone" : null;
    case "camera":
    case "screen":
    case "screen_audio":
      return role.role;
    default:
      return null;
  }
}

/** Op 1's `sources`: what each published mid carries. */
export function sourcesFor(entries: { mid: string | null; role: Role | null }[]): Record<string, Source> {
  const sources: Record<string, Source> = {};
  for (const { mid, role } of entries) {
    const source = role && sourceOf(role);
    if (mid !== null && source) sources[mid] = source;
  }
  return sources;
}

/** What the answer says each mid carries, for playing audio slots and showing videos. */
export interface StreamMap {
  audio: Map<string, number>;
  video: Map<string, { userId: string; source: VideoSource }>;
}

export function mapStreams(streams: MidStream[] | undefined): StreamMap {
  const map: StreamMap = { audio: new Map(), video: new Map() };
  for (const stream of streams ?? []) {
    if (stream.kind === "audio" && Number.isInteger(stream.slot)) map.audio.set(String(stream.mid), stream.slot);
    else if (stream.kind === "video" && stream.user_id) {
      map.video.set(String(stream.mid), { userId: String(stream.user_id), source: stream.source });
    }
  }
  return map;
}

/** The streams of an op 15 this person watches: everyone's but their own, each once. (The SFU
 * fills the receive-only video mids with the room's streams in its own order, so a client that
 * watched only some would be sent others: it watches all.) */
export function streamsToWatch(streams: StreamRef[], me: string): StreamRef[] {
  const seen = new Set<string>();
  const out: StreamRef[] = [];
  for (const stream of streams) {
    const ref = { user_id: String(stream.user_id), source: stream.source };
    const key = streamKey(ref);
    if (ref.user_id === me || seen.has(key)) continue;
    if (ref.source !== "camera" && ref.source !== "screen") continue;
    seen.add(key);
    out.push(ref);
  }
  return out;
}
