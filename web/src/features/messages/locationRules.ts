/** The pure rules of shared locations: how coordinates, accuracy and the time left read in the
 * person's language, the links to a map, and when a moving live location is worth sending again.
 * No I/O here (tested in vitest); LiveLocation.ts watches the position and talks to the API. */

/** WhatsApp's choices, which the server also takes: 15 minutes, 1 hour, 8 hours. */
export const LIVE_DURATIONS = [900, 3600, 28800] as const;
export type LiveDuration = (typeof LIVE_DURATIONS)[number];

/** A live location is sent again at most this often while it moves a little… */
export const MIN_SEND_INTERVAL_MS = 10_000;
/** …and at once when it has moved this far (a walk, not the jitter of a phone lying still)… */
export const BIG_MOVE_METERS = 25;
/** …though not more than once in this time: in a car it would be every second, and every send
 * is an update to everyone in the channel. */
export const MIN_BIG_MOVE_INTERVAL_MS = 2_000;

export interface Position {
  latitude: number;
  longitude: number;
  accuracy: number | null;
}

export interface Hemispheres {
  north: string;
  south: string;
  east: string;
  west: string;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** The great-circle distance in metres (haversine: exact enough for "has it moved 25 m"). */
export function distanceMeters(a: Position, b: Position): number {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** "52.52000° N, 13.40500° E" — five decimals (about a metre), the language's decimal sign, and
 * its letters for the hemispheres (German writes O for east, French O for west). */
export function formatCoordinates(latitude: number, longitude: number, language: string, letters: Hemispheres): string {
  const number = new Intl.NumberFormat(language, { minimumFractionDigits: 5, maximumFractionDigits: 5, useGrouping: false });
  const one = (value: number, positive: string, negative: string) => `${number.format(Math.abs(value))}°\u00a0${value < 0 ? negative : positive}`;
  return `${one(latitude, letters.north, letters.south)}, ${one(longitude, letters.east, letters.west)}`;
}

/** "12 m", "850 m", "1.2 km": how far off the position may be (without the ± the sentence adds). */
export function formatDistance(meters: number, language: string): string {
  const value = Math.max(0, meters);
  if (value < 1000) {
    return new Intl.NumberFormat(language, { style: "unit", unit: "meter", unitDisplay: "short", maximumFractionDigits: 0 }).format(Math.round(value));
  }
  const km = value / 1000;
  return new Intl.NumberFormat(language, { style: "unit", unit: "kilometer", unitDisplay: "short", maximumFractionDigits: km < 10 ? 1 : 0 }).format(km);
}

/** Milliseconds until `liveUntil` (never below zero; zero when there is no end). */
export function timeLeftMs(liveUntil: string | null | undefined, now: number): number {
  const end = liveUntil ? Date.parse(liveUntil) : NaN;
  return Number.isFinite(end) ? Math.max(0, end - now) : 0;
}

/** "14 min", "1 hr", "7 hr 59 min" (in the language's short units): the time left, in whole
 * minutes rounded up, so that it reads "1 min" until the very end and never "0 min". */
export function formatTimeLeft(ms: number, language: string): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const unit = (value: number, name: "hour" | "minute") =>
    new Intl.NumberFormat(language, { style: "unit", unit: name, unitDisplay: "short" }).format(value);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (!hours) return unit(rest, "minute");
  return rest ? `${unit(hours, "hour")}\u00a0${unit(rest, "minute")}` : unit(hours, "hour"); // kept on one line
}

/** "30 seconds ago", "5 minutes ago": when the position last changed; null for "just now" (under
 * ten seconds, which the sentence around says better). A clock a little behind the server's never
 * makes it "in 3 seconds". */
export function formatAgo(since: string | null | undefined, now: number, language: string): string | null {
  const then = since ? Date.parse(since) : NaN;
  const seconds = Number.isFinite(then) ? Math.max(0, Math.round((now - then) / 1000)) : 0;
  const rtf = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  if (seconds < 10) return null;
  if (seconds < 60) return rtf.format(-Math.floor(seconds / 10) * 10, "second");
  if (seconds < 3600) return rtf.format(-Math.floor(seconds / 60), "minute");
  return rtf.format(-Math.floor(seconds / 3600), "hour");
}

/** Is the location being shared live right now (the server's end job may still be on its way)? */
export function isLiveNow(location: { live: boolean; ended: boolean; live_until: string | null }, now: number): boolean {
  return location.live && !location.ended && timeLeftMs(location.live_until, now) > 0;
}

const fixed = (value: number) => value.toFixed(5);

/** OpenStreetMap's page with a marker at the position (no map is drawn here: its tiles are
 * another site's, and the page loads nothing from elsewhere). */
export function openStreetMapUrl(latitude: number, longitude: number, zoom = 16): string {
  const lat = fixed(latitude);
  const lon = fixed(longitude);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=${zoom}/${lat}/${lon}`;
}

/** A `geo:` link (RFC 5870) that phones open in their map app; `q=` drops a pin on Android. */
export function geoUri(latitude: number, longitude: number): string {
  const at = `${fixed(latitude)},${fixed(longitude)}`;
  return `geo:${at}?q=${at}`;
}

export interface SendState {
  /** The position last sent (the one the message shows), or null before the first. */
  sent: Position | null;
  sentAt: number;
  /** A PATCH is on its way: never two at once. */
  inFlight: boolean;
}

/** What to do with a new position of a live location: send it now, wait `ms` and send the
 * newest then, wait for the request on its way, or nothing (it has not moved). A big move goes at
 * once (unless one went less than MIN_BIG_MOVE_INTERVAL_MS ago); a small one at most every
 * MIN_SEND_INTERVAL_MS. */
export type SendDecision = { kind: "send" } | { kind: "wait"; ms: number } | { kind: "busy" } | { kind: "skip" };

export function decideSend(state: SendState, next: Position, now: number): SendDecision {
  if (state.inFlight) return { kind: "busy" };
  if (!state.sent) return { kind: "send" };
  const moved = distanceMeters(state.sent, next);
  const sharper = Math.abs((state.sent.accuracy ?? 0) - (next.accuracy ?? 0));
  const sameKnown = (state.sent.accuracy === null) === (next.accuracy === null);
  if (moved < 1 && sharper < 1 && sameKnown) return { kind: "skip" };
  const interval = moved >= BIG_MOVE_METERS ? MIN_BIG_MOVE_INTERVAL_MS : MIN_SEND_INTERVAL_MS;
  const elapsed = now - state.sentAt;
  return elapsed >= interval ? { kind: "send" } : { kind: "wait", ms: interval - elapsed };
}
