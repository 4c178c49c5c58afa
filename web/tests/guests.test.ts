/** Guests in the client: who is shown as one, and the member list a guest sees (the people of
 * the channels they can view, as the server's member routes answer them). */

import { describe, expect, it } from "vitest";
import type { Ready } from "../src/api/types";
import { GUEST, guestMemberView, IS_GUEST, isGuestLink, isGuestUser, shownAsGuest } from "../src/features/guests/guestRules";
import { initialState, reduce, type State } from "../src/state/reducer";

const GUILD = "1000";
const ROOM = "2000";
const STAFF = "2001";
const GUEST_ROLE = "3000";
const VIEW = (1n << 10n).toString();
const OWNER = { id: "10", username: "owner", global_name: null, avatar: null };
const MEMBER = { id: "20", username: "member", global_name: null, avatar: null };
const GUEST_USER = { id: "30", username: "guest_abc", global_name: "Visitor", avatar: null, public_flags: GUEST };

function state(me: typeof OWNER | typeof GUEST_USER): State {
  const ready: Ready = {
    v: 10,
    user: me,
    session_id: "s",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "G", icon: null, owner_id: OWNER.id, description: null, roles: [] }],
    private_channels: [],
  };
  let s = reduce(initialState, { t: "READY", d: ready });
  s = reduce(s, {
    t: "GUILD_CREATE",
    d: {
      id: GUILD,
      name: "G",
      icon: null,
      owner_id: OWNER.id,
      description: null,
      roles: [
        { id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: (1n << 10n | 1n << 11n).toString(), managed: false, mentionable: false },
        { id: GUEST_ROLE, name: "Guest", color: 0, hoist: false, position: 1, permissions: "0", managed: false, mentionable: false },
      ],
      channels: [
        // The guest room: hidden from @everyone, open to the Guest role.
        { id: ROOM, type: 0, name: "room", position: 0, permission_overwrites: [{ id: GUILD, type: 0, allow: "0", deny: VIEW }, { id: GUEST_ROLE, type: 0, allow: VIEW, deny: "0" }] },
        { id: STAFF, type: 0, name: "staff", position: 1, permission_overwrites: [{ id: GUEST_ROLE, type: 0, allow: "0", deny: VIEW }] },
      ],
      members: [
        { user: OWNER, roles: [], joined_at: "2026-01-01T00:00:00Z", nick: null, flags: 0 },
        { user: MEMBER, roles: [], joined_at: "2026-01-01T00:00:00Z", nick: null, flags: 0 },
        { user: GUEST_USER, roles: [GUEST_ROLE], joined_at: "2026-01-01T00:00:00Z", nick: null, flags: IS_GUEST },
      ],
    },
  });
  return s;
}

describe("guests", () => {
  it("tells guests, guest members and guest links by their flags", () => {
    expect(isGuestUser(GUEST_USER)).toBe(true);
    expect(isGuestUser({ ...OWNER, public_flags: 0 })).toBe(false);
    expect(isGuestLink({ flags: 1 })).toBe(true);
    expect(isGuestLink({ flags: 0 })).toBe(false);
    const s = state(OWNER);
    expect(shownAsGuest(s, GUEST_USER.id, GUILD)).toBe(true);
    expect(shownAsGuest(s, MEMBER.id, GUILD)).toBe(false);
    expect(shownAsGuest(s, "99", null, { ...MEMBER, id: "99", public_flags: GUEST })).toBe(true);
  });

  it("shows a guest only the people of the channels they can view", () => {
    const shown = guestMemberView(state(GUEST_USER), GUILD);
    expect(shown && [...shown].sort()).toEqual([OWNER.id, GUEST_USER.id]);
  });

  it("shows everyone else every member", () => {
    expect(guestMemberView(state(OWNER), GUILD)).toBeNull();
  });
});
