/** Communities of groups in the store (docs/communities.md): the COMMUNITY feature from
 * GUILD_CREATE/GUILD_UPDATE, the directory and its "joined"/"requested" marks, join requests and
 * proposals from their events, must-read announcements until acknowledged, receipt counts; and
 * which community controls a member gets. */

import { describe, expect, it } from "vitest";
import type { Channel, Message, Ready } from "../src/api/types";
import { parseRoute } from "../src/features/app/router";
import {
  groupAction,
  hasHome,
  mayDecideRequests,
  mayManageGroups,
  mayPostMustRead,
  mayReplyPrivately,
  maySeeReceipts,
  quoteReply,
  recentAnnouncements,
  waitsForMe,
} from "../src/features/community/communityRules";
import {
  GroupFlag,
  MUST_READ,
  announcementsChannelOf,
  isCommunity,
  markJoined,
  mustReadList,
  myGroups,
  otherGroups,
  pendingProposals,
  pendingRequests,
  putDirectory,
  putMustRead,
  type GroupListing,
  type GroupProposal,
  type JoinRequest,
} from "../src/state/community";
import { initialState, mergePage, reduce, setWindow, type State } from "../src/state/reducer";

const ME = { id: "100", username: "me", global_name: null, avatar: null };
const ANN = { id: "200", username: "ann", global_name: "Ann", avatar: null };
const GUILD = "1000";
const GENERAL = "3000";
const NEWS = "3001";
const TEAM = "3002";
const VIEW = 1n << 10n;
const SEND = 1n << 11n;
const MANAGE_ROLES = 1n << 28n;

function guild(features: string[], owner = ANN.id) {
  return {
    id: GUILD,
    name: "Club",
    icon: null,
    owner_id: owner,
    description: null,
    features,
    announcements_channel_id: features.length ? NEWS : null,
    roles: [{ id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(VIEW | SEND), managed: false, mentionable: false }],
    channels: [
      { id: GENERAL, type: 0, guild_id: GUILD, name: "general", position: 0 },
      {
        id: NEWS,
        type: 5,
        guild_id: GUILD,
        name: "announcements",
        position: 1,
        permission_overwrites: [{ id: GUILD, type: 0 as const, allow: "0", deny: String(SEND) }],
      },
    ],
    members: [
      { user: ME, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
      { user: ANN, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
    ],
    member_count: 2,
  };
}

function ready(features: string[] = ["COMMUNITY"], owner = ANN.id): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "s",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "Club", icon: null, owner_id: owner, description: null, roles: [] }],
    private_channels: [],
  };
  let s = reduce(initialState, { t: "READY", d: base });
  s = reduce(s, { t: "GUILD_CREATE", d: guild(features, owner) });
  return s;
}

function listing(id: string, extra: Partial<GroupListing> = {}): GroupListing {
  return { id, name: `group ${id}`, topic: null, group_join_policy: 0, member_count: 3, joined: false, admin: false, requested: false, ...extra };
}

function announcement(id: string, extra: Partial<Message> = {}): Message {
  return {
    id,
    channel_id: NEWS,
    guild_id: GUILD,
    author: ANN,
    content: `News ${id}`,
    timestamp: "2026-03-01T10:00:00+00:00",
    edited_timestamp: null,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    pinned: false,
    type: 0,
    flags: MUST_READ,
    ...extra,
  };
}

function request(id: string, userId: string, status = 0): JoinRequest {
  return { id, guild_id: GUILD, channel_id: TEAM, user_id: userId, user: null, message: null, status, created_at: "2026-03-01T10:00:00+00:00", decided_by: null, decided_at: null };
}

function proposal(id: string, status = 0): GroupProposal {
  return { id, guild_id: GUILD, user_id: ME.id, name: "Chess", topic: null, group_join_policy: 0, channel_id: null, user: null, status, created_at: "2026-03-01T10:00:00+00:00", decided_by: null, decided_at: null };
}

function groupChannel(extra: Partial<Channel> = {}): Channel {
  return { id: TEAM, type: 0, guild_id: GUILD, name: "group 3002", flags: GroupFlag.GROUP, position: 2, ...extra };
}

describe("a community in the store", () => {
  it("GUILD_CREATE's features make the guild a community with its announcement channel; GUILD_UPDATE turns it off", () => {
    let s = ready();
    expect(isCommunity(s, GUILD)).toBe(true);
    expect(announcementsChannelOf(s, GUILD)?.id).toBe(NEWS);
    expect(hasHome(s, GUILD)).toBe(true);
    s = reduce(s, { t: "GUILD_UPDATE", d: { ...guild([]), channels: undefined, members: undefined } });
    expect(isCommunity(s, GUILD)).toBe(false);
    expect(hasHome(s, GUILD)).toBe(false);
    s = reduce(s, { t: "GUILD_DELETE", d: { id: GUILD } });
    expect(s.community.guilds[GUILD]).toBeUndefined();
  });

  it("a guest of the community gets no home", () => {
    let s = ready();
    s = reduce(s, { t: "GUILD_MEMBER_UPDATE", d: { guild_id: GUILD, user: ME, roles: [], nick: null, joined_at: "2025-12-31T00:00:00Z", flags: 1 << 4 } });
    expect(hasHome(s, GUILD)).toBe(false);
  });

  it("a must-read announcement from someone else waits for this person until MESSAGE_ACKNOWLEDGE", () => {
    let s = ready();
    s = reduce(s, { t: "MESSAGE_CREATE", d: announcement("5001") });
    s = reduce(s, { t: "MESSAGE_CREATE", d: announcement("5002") });
    s = reduce(s, { t: "MESSAGE_CREATE", d: announcement("5003", { flags: 0 }) });
    s = reduce(s, { t: "MESSAGE_CREATE", d: announcement("5004", { author: ME }) });
    s = reduce(s, { t: "MESSAGE_CREATE", d: announcement("5005", { channel_id: GENERAL }) });
    // A group admin's must-read message in another channel waits too; one's own never does.
    expect(mustReadList(s, GUILD).map((m) => m.id)).toEqual(["5005", "5002", "5001"]);
    expect(waitsForMe(s, announcement("5001"))).toBe(true);
    s = reduce(s, { t: "MESSAGE_UPDATE", d: { id: "5001", channel_id: NEWS, guild_id: GUILD, content: "Edited" } });
    expect(s.community.mustRead[GUILD]["5001"].content).toBe("Edited");
    s = reduce(s, { t: "MESSAGE_ACKNOWLEDGE", d: { channel_id: NEWS, message_id: "5002", guild_id: GUILD } });
    expect(mustReadList(s, GUILD).map((m) => m.id)).toEqual(["5005", "5001"]);
    s = reduce(s, { t: "MESSAGE_DELETE", d: { id: "5001", channel_id: NEWS, guild_id: GUILD } });
    expect(mustReadList(s, GUILD).map((m) => m.id)).toEqual(["5005"]);
  });

  it("the home lists the latest announcements without those pinned as must-read", () => {
    let s = ready();
    s = setWindow(s, NEWS, mergePage(undefined, [announcement("5003", { flags: 0 }), announcement("5002"), announcement("5001")], "latest", 50));
    s = putMustRead(s, GUILD, [announcement("5002")]);
    expect(recentAnnouncements(s, GUILD).map((m) => m.id)).toEqual(["5003", "5001"]);
  });

  it("receipt counts arrive with ANNOUNCEMENT_RECEIPTS_UPDATE", () => {
    let s = ready();
    const update = { guild_id: GUILD, channel_id: NEWS, message_id: "5001", member_count: 2, read_count: 1, acknowledged_count: 0 };
    s = reduce(s, { t: "ANNOUNCEMENT_RECEIPTS_UPDATE", d: update });
    s = reduce(s, { t: "ANNOUNCEMENT_RECEIPTS_UPDATE", d: { ...update, acknowledged_count: 1 } });
    expect(s.community.receipts["5001"]).toEqual({ member_count: 2, read_count: 1, acknowledged_count: 1 });
  });
});

describe("the group directory", () => {
  it("splits one's groups from the others, and says what each button does", () => {
    const s = putDirectory(ready(), GUILD, [
      listing("1", { joined: true }),
      listing("2"),
      listing("3", { group_join_policy: 1 }),
      listing("4", { group_join_policy: 1, requested: true }),
    ]);
    expect(myGroups(s, GUILD).map((g) => g.id)).toEqual(["1"]);
    expect(otherGroups(s, GUILD).map(groupAction)).toEqual(["join", "ask", "requested"]);
    expect(groupAction(listing("1", { joined: true }))).toBe("open");
  });

  it("one's own join request marks the group requested; approval and the CHANNEL_CREATE make one a member", () => {
    let s = putDirectory(ready(), GUILD, [listing(TEAM, { group_join_policy: 1 })]);
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_CREATE", d: request("7", ME.id) });
    expect(otherGroups(s, GUILD)[0].requested).toBe(true);
    expect(pendingRequests(s, TEAM)).toEqual([]); // one's own is not a request to decide
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_UPDATE", d: request("7", ME.id, 1) });
    s = reduce(s, { t: "CHANNEL_CREATE", d: groupChannel({ flags: GroupFlag.GROUP | GroupFlag.REQUESTS }) });
    expect(myGroups(s, GUILD)).toMatchObject([{ id: TEAM, joined: true, requested: false, member_count: 4 }]);
    s = reduce(s, { t: "CHANNEL_DELETE", d: groupChannel() });
    expect(otherGroups(s, GUILD)).toMatchObject([{ id: TEAM, joined: false, member_count: 3 }]);
  });

  it("a withdrawn or declined request clears the mark; a joined group counts one more", () => {
    let s = putDirectory(ready(), GUILD, [listing(TEAM, { group_join_policy: 1, requested: true }), listing("9")]);
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_DELETE", d: request("7", ME.id) });
    expect(otherGroups(s, GUILD)[0].requested).toBe(false);
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_CREATE", d: request("8", ME.id) });
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_UPDATE", d: request("8", ME.id, 2) });
    expect(otherGroups(s, GUILD)[0]).toMatchObject({ requested: false, joined: false });
    s = markJoined(s, GUILD, "9", true);
    expect(myGroups(s, GUILD)).toMatchObject([{ id: "9", member_count: 4 }]);
  });

  it("GROUP_LISTING_* add, rename and drop a group for everyone, keeping what is one's own", () => {
    let s = putDirectory(ready(), GUILD, [listing("9", { joined: true })]);
    const shared = { guild_id: GUILD, id: TEAM, name: "chess", topic: "Tuesdays", group_join_policy: 1, member_count: 1 };
    s = reduce(s, { t: "GROUP_LISTING_CREATE", d: shared });
    expect(otherGroups(s, GUILD)).toEqual([{ ...listing(TEAM), name: "chess", topic: "Tuesdays", group_join_policy: 1, member_count: 1 }]);
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_CREATE", d: request("7", ME.id) });
    s = reduce(s, { t: "GROUP_LISTING_UPDATE", d: { ...shared, name: "chess-club", member_count: 2 } });
    expect(otherGroups(s, GUILD)).toMatchObject([{ id: TEAM, name: "chess-club", member_count: 2, requested: true }]);
    s = reduce(s, { t: "GROUP_LISTING_DELETE", d: { guild_id: GUILD, id: TEAM } });
    expect(otherGroups(s, GUILD)).toEqual([]);
    expect(myGroups(s, GUILD).map((g) => g.id)).toEqual(["9"]);
  });

  it("a new group one is in already (its creator, CHANNEL_CREATE first) is listed as one's own", () => {
    let s = putDirectory(ready(), GUILD, []);
    const own = { id: ME.id, type: 1 as const, allow: String(VIEW | MANAGE_ROLES | (1n << 13n)), deny: "0" };
    s = reduce(s, { t: "CHANNEL_CREATE", d: groupChannel({ permission_overwrites: [own] }) });
    s = reduce(s, { t: "GROUP_LISTING_CREATE", d: { guild_id: GUILD, id: TEAM, name: "team", topic: null, group_join_policy: 0, member_count: 1 } });
    expect(myGroups(s, GUILD)).toMatchObject([{ id: TEAM, joined: true, admin: true }]);
    const other = reduce(ready(), { t: "GROUP_LISTING_CREATE", d: { guild_id: GUILD, id: TEAM, name: "team", topic: null, group_join_policy: 0, member_count: 1 } });
    expect(other.community.directory[GUILD]).toBeUndefined(); // fetched when the home opens
  });

  it("a group's managers see others' requests oldest first until decided", () => {
    let s = ready();
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_CREATE", d: request("12", ANN.id) });
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_CREATE", d: request("11", "300") });
    expect(pendingRequests(s, TEAM).map((r) => r.id)).toEqual(["11", "12"]);
    s = reduce(s, { t: "GROUP_JOIN_REQUEST_UPDATE", d: request("11", "300", 1) });
    expect(pendingRequests(s, TEAM).map((r) => r.id)).toEqual(["12"]);
  });

  it("proposals are listed while pending", () => {
    let s = ready();
    s = reduce(s, { t: "GROUP_PROPOSAL_CREATE", d: proposal("21") });
    s = reduce(s, { t: "GROUP_PROPOSAL_CREATE", d: proposal("22") });
    expect(pendingProposals(s, GUILD).map((p) => p.id)).toEqual(["21", "22"]);
    s = reduce(s, { t: "GROUP_PROPOSAL_UPDATE", d: proposal("21", 1) });
    s = reduce(s, { t: "GROUP_PROPOSAL_DELETE", d: proposal("22") });
    expect(pendingProposals(s, GUILD)).toEqual([]);
  });
});

describe("which community controls a member gets", () => {
  it("the owner posts must-read announcements and sees receipts; a member does neither", () => {
    const owner = ready(["COMMUNITY"], ME.id);
    expect(mayPostMustRead(owner, NEWS)).toBe(true);
    expect(mayPostMustRead(owner, GENERAL)).toBe(false); // not the announcement channel
    expect(maySeeReceipts(owner, announcement("1"))).toBe(true);
    expect(mayManageGroups(owner, GUILD)).toBe(true);
    const member = ready();
    expect(mayPostMustRead(member, NEWS)).toBe(false);
    expect(maySeeReceipts(member, announcement("1"))).toBe(false);
    expect(mayManageGroups(member, GUILD)).toBe(false);
  });

  it("a group's admin decides its requests (MANAGE_ROLES in the group)", () => {
    let s = ready();
    expect(mayDecideRequests(s, listing(TEAM, { joined: true, admin: true }))).toBe(true);
    s = reduce(s, {
      t: "CHANNEL_CREATE",
      d: groupChannel({
        permission_overwrites: [
          { id: GUILD, type: 0, allow: "0", deny: String(VIEW) },
          { id: ME.id, type: 1, allow: String(VIEW), deny: "0" },
        ],
      }),
    });
    expect(mayDecideRequests(s, listing(TEAM, { joined: true }))).toBe(false);
    s = reduce(s, {
      t: "CHANNEL_UPDATE",
      d: groupChannel({ permission_overwrites: [{ id: ME.id, type: 1, allow: String(VIEW | MANAGE_ROLES), deny: "0" }] }),
    });
    expect(mayDecideRequests(s, listing(TEAM, { joined: true }))).toBe(true);
  });

  it("someone else's announcement may be answered privately, one's own and other channels' not", () => {
    const s = ready();
    expect(mayReplyPrivately(s, announcement("1"))).toBe(true);
    expect(mayReplyPrivately(s, announcement("1", { author: ME }))).toBe(false);
    expect(mayReplyPrivately(s, announcement("1", { channel_id: GENERAL }))).toBe(false);
    expect(mayReplyPrivately(ready([]), announcement("1"))).toBe(false);
  });

  it("a private reply quotes the announcement, cut when long", () => {
    expect(quoteReply("Training moves\nto 6 pm", " See you ")).toBe("> Training moves\n> to 6 pm\nSee you");
    const long = quoteReply("x".repeat(400), "ok");
    expect(long.startsWith(`> ${"x".repeat(300)}…`)).toBe(true);
    expect(quoteReply("", "only text")).toBe("only text");
  });

  it("the home has its own address", () => {
    expect(parseRoute(`/channels/${GUILD}/home`)).toEqual({ name: "guild", guildId: GUILD, channelId: null, home: true });
    expect(parseRoute(`/channels/${GUILD}/${GENERAL}`)).toEqual({ name: "guild", guildId: GUILD, channelId: GENERAL });
  });
});
