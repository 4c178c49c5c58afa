/** Scheduled events in the store (GUILD_CREATE's `guild_scheduled_events`, GUILD_SCHEDULED_EVENT_*),
 * the order of the list, and which controls a member gets. */

import { describe, expect, it } from "vitest";
import type { Ready, ScheduledEvent } from "../src/api/types";
import { eventTime, mayCreateAny, mayCreateIn, mayManage } from "../src/features/events/eventRules";
import { i18n } from "../src/i18n";
import { initialState, reduce, type State } from "../src/state/reducer";
import { markInterested, setInterests, upcomingEvents } from "../src/state/scheduledEvents";

const ME = { id: "100", username: "me", global_name: null, avatar: null };
const ANN = { id: "200", username: "ann", global_name: "Ann", avatar: null };
const GUILD = "1000";
const VOICE = "3000";
const STAGE = "3001";
const CREATE_EVENTS = 1n << 44n;
// @everyone: VIEW_CHANNEL, CONNECT, CREATE_EVENTS.
const EVERYONE = String((1n << 10n) | (1n << 20n) | CREATE_EVENTS);

function event(id: string, extra: Partial<ScheduledEvent> = {}): ScheduledEvent {
  return {
    id,
    guild_id: GUILD,
    channel_id: VOICE,
    creator_id: ANN.id,
    name: `Event ${id}`,
    description: null,
    scheduled_start_time: "2030-05-01T18:00:00+00:00",
    scheduled_end_time: null,
    status: 1,
    entity_type: 2,
    entity_metadata: null,
    user_count: 0,
    ...extra,
  };
}

function ready(events: ScheduledEvent[], everyone = EVERYONE): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "s",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "G", icon: null, owner_id: ANN.id, description: null, roles: [] }],
    private_channels: [],
  };
  let s = reduce(initialState, { t: "READY", d: base });
  s = reduce(s, {
    t: "GUILD_CREATE",
    d: {
      id: GUILD,
      name: "G",
      icon: null,
      owner_id: ANN.id,
      description: null,
      roles: [{ id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: everyone, managed: false, mentionable: false }],
      channels: [
        { id: VOICE, type: 2, guild_id: GUILD, name: "General", position: 0 },
        { id: STAGE, type: 13, guild_id: GUILD, name: "Town hall", position: 1 },
      ],
      members: [
        { user: ME, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
        { user: ANN, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
      ],
      guild_scheduled_events: events,
      member_count: 2,
    },
  });
  return s;
}

const interest = (eventId: string, userId: string) => ({ guild_scheduled_event_id: eventId, user_id: userId, guild_id: GUILD });

describe("scheduled events in the store", () => {
  it("GUILD_CREATE brings the guild's events with their counts; the list puts what is on first", () => {
    const s = ready([
      event("1", { scheduled_start_time: "2030-05-02T18:00:00+00:00", user_count: 3 }),
      event("2", { scheduled_start_time: "2030-05-01T18:00:00+00:00" }),
      event("3", { scheduled_start_time: "2030-05-03T18:00:00+00:00", status: 2 }),
    ]);
    expect(upcomingEvents(s, GUILD).map((e) => e.id)).toEqual(["3", "2", "1"]);
    expect(s.scheduledEvents[GUILD]["1"].user_count).toBe(3);
  });

  it("creates, changes (keeping the count) and forgets events; a finished one leaves", () => {
    let s = ready([]);
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_CREATE", d: event("7", { user_count: 2 }) });
    expect(upcomingEvents(s, GUILD).map((e) => e.name)).toEqual(["Event 7"]);
    const { user_count: _dropped, ...withoutCount } = event("7", { name: "Renamed" });
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_UPDATE", d: withoutCount });
    expect(s.scheduledEvents[GUILD]["7"]).toMatchObject({ name: "Renamed", user_count: 2 });
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_UPDATE", d: event("7", { status: 3 }) });
    expect(upcomingEvents(s, GUILD)).toEqual([]);
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_CREATE", d: event("8") });
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_DELETE", d: event("8") });
    expect(upcomingEvents(s, GUILD)).toEqual([]);
  });

  it("counts who marks themselves interested, and marks one's own interest", () => {
    let s = ready([event("9", { user_count: 1 })]);
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_USER_ADD", d: interest("9", ANN.id) });
    expect(s.scheduledEvents[GUILD]["9"].user_count).toBe(2);
    expect(s.interestedIn["9"]).toBeUndefined();
    s = markInterested(s, "9", true); // the PUT's answer, before its event
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_USER_ADD", d: interest("9", ME.id) });
    expect(s.interestedIn["9"]).toBe(true);
    expect(s.scheduledEvents[GUILD]["9"].user_count).toBe(3);
    s = reduce(s, { t: "GUILD_SCHEDULED_EVENT_USER_REMOVE", d: interest("9", ME.id) });
    expect(s.interestedIn["9"]).toBeUndefined();
    expect(s.scheduledEvents[GUILD]["9"].user_count).toBe(2);
    s = setInterests(s, GUILD, ["9"]);
    expect(s.interestedIn).toEqual({ "9": true });
    s = setInterests(s, GUILD, []);
    expect(s.interestedIn).toEqual({});
  });

  it("an event whose channel was deleted is no longer listed", () => {
    let s = ready([event("1"), event("2", { channel_id: null, entity_type: 3, entity_metadata: { location: "Park" } })]);
    s = reduce(s, { t: "CHANNEL_DELETE", d: { id: VOICE, type: 2, guild_id: GUILD } });
    expect(upcomingEvents(s, GUILD).map((e) => e.id)).toEqual(["2"]);
  });

  it("leaving the guild forgets its events", () => {
    let s = ready([event("1")]);
    s = reduce(s, { t: "GUILD_DELETE", d: { id: GUILD } });
    expect(s.scheduledEvents[GUILD]).toBeUndefined();
  });
});

describe("which event controls a member gets", () => {
  it("CREATE_EVENTS plans in voice channels and elsewhere; a stage needs its moderation", () => {
    const s = ready([]);
    expect(mayCreateIn(s, GUILD, null)).toBe(true);
    expect(mayCreateIn(s, GUILD, s.channels[VOICE])).toBe(true);
    expect(mayCreateIn(s, GUILD, s.channels[STAGE])).toBe(false);
    const none = ready([], String((1n << 10n) | (1n << 20n)));
    expect(mayCreateAny(none, GUILD)).toBe(false);
  });

  it("one's own events with CREATE_EVENTS, others' only with MANAGE_EVENTS", () => {
    const s = ready([]);
    expect(mayManage(s, event("1", { creator_id: ME.id }))).toBe(true);
    expect(mayManage(s, event("2", { creator_id: ANN.id }))).toBe(false);
    const managers = ready([], String((1n << 10n) | (1n << 20n) | (1n << 33n)));
    expect(mayManage(managers, event("2", { creator_id: ANN.id }))).toBe(true);
  });

  it("an event's time reads in the reader's language, its end as a time on the same day", async () => {
    await i18n.changeLanguage("de");
    const text = eventTime(event("1", { scheduled_start_time: "2030-05-01T10:00:00Z", scheduled_end_time: "2030-05-01T12:30:00Z" }));
    expect(text).toContain("2030");
    expect(text).toContain(" – ");
    expect(text.split(" – ")[1]).not.toContain("2030");
    await i18n.changeLanguage("en");
  });
});
