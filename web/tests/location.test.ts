/** Shared locations: coordinates and accuracy as each language writes them, the time left of a
 * live one, the map links, and when a moving live location is sent again (time and distance). */

import { describe, expect, it } from "vitest";
import de from "../src/locales/de.json";
import en from "../src/locales/en.json";
import fr from "../src/locales/fr.json";
import {
  BIG_MOVE_METERS,
  MIN_BIG_MOVE_INTERVAL_MS,
  MIN_SEND_INTERVAL_MS,
  decideSend,
  distanceMeters,
  formatAgo,
  formatCoordinates,
  formatDistance,
  formatTimeLeft,
  geoUri,
  isLiveNow,
  openStreetMapUrl,
  timeLeftMs,
  type Position,
} from "../src/features/messages/locationRules";

/** Intl's spaces (no-break, narrow no-break in French) as plain ones, whatever the ICU version. */
const plain = (text: string) => text.replace(/\s/g, " ");
const letters = (language: { location: { north: string; south: string; east: string; west: string } }) => language.location;
const BERLIN: Position = { latitude: 52.52, longitude: 13.405, accuracy: 12 };
/** A point `meters` north of `from` (a degree of latitude is 111.2 km everywhere). */
const north = (from: Position, meters: number): Position => ({ ...from, latitude: from.latitude + meters / 111_195 });

describe("coordinates and accuracy in each language", () => {
  it("writes five decimals with the language's decimal sign and hemisphere letters", () => {
    expect(plain(formatCoordinates(52.52, 13.405, "en", letters(en)))).toBe("52.52000° N, 13.40500° E");
    expect(plain(formatCoordinates(52.52, 13.405, "de", letters(de)))).toBe("52,52000° N, 13,40500° O");
    expect(plain(formatCoordinates(52.52, 13.405, "fr", letters(fr)))).toBe("52,52000° N, 13,40500° E");
    // South and west: no minus sign, the letter says it (west is O in French).
    expect(plain(formatCoordinates(-33.8688, -151.2093, "en", letters(en)))).toBe("33.86880° S, 151.20930° W");
    expect(plain(formatCoordinates(-22.9068, -43.1729, "fr", letters(fr)))).toBe("22,90680° S, 43,17290° O");
    expect(plain(formatCoordinates(0, 0, "en", letters(en)))).toBe("0.00000° N, 0.00000° E");
  });

  it("gives the accuracy in metres, and in kilometres from 1000 m", () => {
    expect(plain(formatDistance(12, "en"))).toBe("12 m");
    expect(plain(formatDistance(12.4, "de"))).toBe("12 m");
    expect(plain(formatDistance(999.6, "en"))).toBe("1,000 m");
    expect(plain(formatDistance(1234, "en"))).toBe("1.2 km");
    expect(plain(formatDistance(1234, "de"))).toBe("1,2 km");
    expect(plain(formatDistance(1234, "fr"))).toBe("1,2 km");
    expect(plain(formatDistance(25_400, "en"))).toBe("25 km");
    expect(plain(en.location.accuracy.replace("{{distance}}", formatDistance(12, "en")))).toBe("± 12 m");
  });
});

describe("the time a live location has left", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  const at = (ms: number) => new Date(now + ms).toISOString();

  it("counts down from live_until, never below zero", () => {
    expect(timeLeftMs(at(14 * 60_000), now)).toBe(14 * 60_000);
    expect(timeLeftMs(at(-5000), now)).toBe(0);
    expect(timeLeftMs(null, now)).toBe(0);
  });

  it("reads in whole minutes rounded up, with hours from 60 minutes", () => {
    expect(plain(formatTimeLeft(14 * 60_000, "en"))).toBe("14 min");
    expect(plain(formatTimeLeft(13 * 60_000 + 1, "en"))).toBe("14 min");
    expect(plain(formatTimeLeft(20_000, "en"))).toBe("1 min"); // the last minute, never "0 min"
    expect(plain(formatTimeLeft(60 * 60_000, "en"))).toBe("1 hr");
    expect(plain(formatTimeLeft(8 * 3600_000 - 60_000, "en"))).toBe("7 hr 59 min");
    expect(plain(formatTimeLeft(14 * 60_000, "de"))).toBe("14 Min.");
    expect(plain(formatTimeLeft(90 * 60_000, "de"))).toBe("1 Std. 30 Min.");
    expect(plain(formatTimeLeft(90 * 60_000, "fr"))).toBe("1 h 30 min");
  });

  it("is live only while neither ended nor run out", () => {
    const live = { live: true, ended: false, live_until: at(60_000) };
    expect(isLiveNow(live, now)).toBe(true);
    expect(isLiveNow({ ...live, live_until: at(-1) }, now)).toBe(false); // the end job is on its way
    expect(isLiveNow({ ...live, live: false, ended: true }, now)).toBe(false);
    expect(isLiveNow({ live: false, ended: false, live_until: null }, now)).toBe(false);
  });

  it("says when it last moved, and never in the future", () => {
    expect(plain(formatAgo(at(-30_000), now, "en") ?? "")).toBe("30 seconds ago");
    expect(plain(formatAgo(at(-5 * 60_000), now, "de") ?? "")).toBe("vor 5 Minuten");
    expect(formatAgo(at(-3000), now, "en")).toBe(null); // "just now"
    expect(formatAgo(at(4000), now, "en")).toBe(null); // this clock a little behind the server's
    expect(plain(formatAgo(at(-2 * 3600_000), now, "fr") ?? "")).toBe("il y a 2 heures");
  });
});

describe("links to a map", () => {
  it("opens OpenStreetMap with a marker, and the map app on a phone", () => {
    expect(openStreetMapUrl(52.52, 13.405)).toBe("https://www.openstreetmap.org/?mlat=52.52000&mlon=13.40500#map=16/52.52000/13.40500");
    expect(geoUri(-33.8688, 151.2093)).toBe("geo:-33.86880,151.20930?q=-33.86880,151.20930");
  });
});

describe("when a moving live location is sent again", () => {
  const t0 = 1_000_000;
  const sent = { sent: BERLIN, sentAt: t0, inFlight: false };

  it("measures distances on the Earth", () => {
    expect(distanceMeters(BERLIN, north(BERLIN, 100))).toBeCloseTo(100, 0);
    // Berlin to Hamburg is about 255 km.
    expect(distanceMeters(BERLIN, { latitude: 53.5511, longitude: 9.9937, accuracy: null }) / 1000).toBeCloseTo(255, -1);
  });

  it("sends the first position at once, and a big move at once", () => {
    expect(decideSend({ sent: null, sentAt: 0, inFlight: false }, BERLIN, t0)).toEqual({ kind: "send" });
    const big = north(BERLIN, BIG_MOVE_METERS + 5);
    expect(decideSend(sent, big, t0 + MIN_BIG_MOVE_INTERVAL_MS)).toEqual({ kind: "send" });
    // …but not more often than every MIN_BIG_MOVE_INTERVAL_MS (in a car it would be every second).
    expect(decideSend(sent, big, t0 + 500)).toEqual({ kind: "wait", ms: MIN_BIG_MOVE_INTERVAL_MS - 500 });
  });

  it("sends a small move only once the interval is over, and waits for the rest of it", () => {
    const small = north(BERLIN, 10);
    expect(decideSend(sent, small, t0 + 3000)).toEqual({ kind: "wait", ms: MIN_SEND_INTERVAL_MS - 3000 });
    expect(decideSend(sent, small, t0 + MIN_SEND_INTERVAL_MS)).toEqual({ kind: "send" });
    // A sharper fix of the same place is a change too.
    expect(decideSend(sent, { ...BERLIN, accuracy: 4 }, t0 + MIN_SEND_INTERVAL_MS)).toEqual({ kind: "send" });
  });

  it("sends nothing for a position that has not changed, and never while a request is on its way", () => {
    expect(decideSend(sent, { ...BERLIN }, t0 + 60_000)).toEqual({ kind: "skip" });
    expect(decideSend(sent, north(BERLIN, 0.4), t0 + 60_000)).toEqual({ kind: "skip" });
    expect(decideSend({ ...sent, inFlight: true }, north(BERLIN, 5000), t0 + 60_000)).toEqual({ kind: "busy" });
  });
});
