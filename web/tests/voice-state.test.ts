import { describe, expect, it } from "vitest";
import type { Ready } from "../src/api/types";
import { beginVoice, endVoice, initialState, reduce, setSpeaking, type State } from "../src/state/reducer";
import { maySpeak, voiceJoinBlock, voiceStatesIn, voiceUserIds } from "../src/state/selectors";
import type { VoiceState } from "../src/voice/protocol";

const ME = { id: "100", username: "me", global_name: null, avatar: null };
const ANN = { id: "200", username: "ann", global_name: "Ann", avatar: null };
const BEN = { id: "300", username: "ben", global_name: "Ben", avatar: null };
const GUILD = "1000";
const TEXT = "2000";
const GENERAL = "3000";
const LOUNGE = "3001";
const SECRET = "3002";
const SMALL = "3003";
// @everyone: VIEW_CHANNEL, CONNECT, SPEAK, USE_VAD (and SEND_MESSAGES).
const EVERYONE = String((1n << 10n) | (1n << 11n) | (1n << 20n) | (1n << 21n) | (1n << 25n));

function voiceState(user: { id: string }, channelId: string | null, extra: Partial<VoiceState> = {}): VoiceState {
  return {
    guild_id: GUILD,
    channel_id: channelId,
    user_id: user.id,
    session_id: `session-of-${user.id}`,
    deaf: false,
    mute: false,
    self_deaf: false,
    self_mute: false,
    self_video: false,
    suppress: false,
    ...extra,
  };
}

function ready(voiceStates: VoiceState[] = []): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "my-session",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "G", icon: null, owner_id: ANN.id, description: null, roles: [] }],
    private_channels: [],
  };
  let state = reduce(initialState, { t: "READY", d: base });
  state = reduce(state, {
    t: "GUILD_CREATE",
    d: {
      id: GUILD,
      name: "G",
      icon: null,
      owner_id: ANN.id,
      description: null,
      roles: [{ id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: EVERYONE, managed: false, mentionable: false }],
      channels: [
        { id: TEXT, type: 0, guild_id: GUILD, name: "general", position: 0 },
        { id: GENERAL, type: 2, guild_id: GUILD, name: "General", position: 0, user_limit: 0 },
        { id: LOUNGE, type: 2, guild_id: GUILD, name: "Lounge", position: 1, user_limit: 0 },
        {
          id: SECRET,
          type: 2,
          guild_id: GUILD,
          name: "Board",
          position: 2,
          permission_overwrites: [{ id: GUILD, type: 0, allow: "0", deny: String(1n << 20n) }],
        },
        { id: SMALL, type: 2, guild_id: GUILD, name: "Duo", position: 3, user_limit: 2 },
      ],
      members: [
        { user: ME, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
        { user: ANN, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
      ],
      voice_states: voiceStates,
      member_count: 3,
    },
  });
  return state;
}

describe("voice states in the store", () => {
  it("GUILD_CREATE's voice_states say who is in which channel, with the members they name", () => {
    const state = ready([
      voiceState(ANN, GENERAL, { self_mute: true }),
      { ...voiceState(BEN, GENERAL), member: { user: BEN, nick: "Benny", roles: [], joined_at: "2025-12-31T00:00:00Z" } },
    ]);
    expect(voiceUserIds(state, GENERAL)).toEqual([ANN.id, BEN.id]);
    expect(voiceStatesIn(state, GENERAL)[0].self_mute).toBe(true);
    expect(state.users[BEN.id].username).toBe("ben");
    expect(state.members[GUILD][BEN.id].nick).toBe("Benny");
    expect(voiceUserIds(state, LOUNGE)).toEqual([]);
  });

  it("VOICE_STATE_UPDATE: someone joins, moves, changes mute, and leaves", () => {
    let state = ready();
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ANN, GENERAL) });
    expect(voiceUserIds(state, GENERAL)).toEqual([ANN.id]);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ANN, LOUNGE) });
    expect(voiceUserIds(state, GENERAL)).toEqual([]);
    expect(voiceUserIds(state, LOUNGE)).toEqual([ANN.id]);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ANN, LOUNGE, { self_mute: true, mute: true }) });
    expect(state.voiceStates[GUILD][ANN.id]).toMatchObject({ self_mute: true, mute: true });
    state = setSpeaking(state, ANN.id, true);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ANN, null) });
    expect(voiceUserIds(state, LOUNGE)).toEqual([]);
    expect(state.voiceStates[GUILD][ANN.id]).toBeUndefined();
    expect(state.speaking[ANN.id]).toBeUndefined();
  });

  it("a leave for someone not known changes nothing", () => {
    const state = ready();
    expect(reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(BEN, null) }).voiceStates).toEqual(state.voiceStates);
  });

  it("this tab's call: joining, the server's confirmation, VOICE_SERVER_UPDATE, and leaving", () => {
    let state = beginVoice(ready(), GUILD, GENERAL, false, false);
    expect(state.voice).toMatchObject({ channelId: GENERAL, joined: false, status: "joining", server: null });
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, GENERAL, { session_id: "my-session", self_mute: true }) });
    expect(state.voice).toMatchObject({ channelId: GENERAL, joined: true, selfMute: true });
    state = reduce(state, { t: "VOICE_SERVER_UPDATE", d: { guild_id: GUILD, token: "tok", endpoint: "127.0.0.1:8080/voice" } });
    expect(state.voice).toMatchObject({ server: { token: "tok", endpoint: "127.0.0.1:8080/voice" }, status: "connecting" });
    // A VOICE_SERVER_UPDATE for another guild is not for this call.
    expect(reduce(state, { t: "VOICE_SERVER_UPDATE", d: { guild_id: "9", token: "x", endpoint: "h/voice" } }).voice).toBe(state.voice);
    // A moderator moves us: same call, another channel.
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, LOUNGE, { session_id: "my-session" }) });
    expect(state.voice?.channelId).toBe(LOUNGE);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, null, { session_id: "my-session" }) });
    expect(state.voice).toBeNull();
    expect(voiceUserIds(state, LOUNGE)).toEqual([]);
  });

  it("asking to move waits for the server's word on the new channel", () => {
    let state = beginVoice(ready(), GUILD, GENERAL, false, false);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, GENERAL, { session_id: "my-session" }) });
    expect(beginVoice(state, GUILD, GENERAL, false, false).voice?.joined).toBe(true);
    const moving = beginVoice(state, GUILD, LOUNGE, false, false);
    expect(moving.voice).toMatchObject({ channelId: LOUNGE, joined: false });
    const moved = reduce(moving, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, LOUNGE, { session_id: "my-session" }) });
    expect(moved.voice).toMatchObject({ channelId: LOUNGE, joined: true });
  });

  it("joining from another device ends this tab's call; a new gateway session ends it too", () => {
    let state = beginVoice(ready(), GUILD, GENERAL, false, false);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, GENERAL, { session_id: "my-session" }) });
    const elsewhere = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, LOUNGE, { session_id: "phone" }) });
    expect(elsewhere.voice).toBeNull();
    expect(voiceUserIds(elsewhere, LOUNGE)).toEqual([ME.id]);
    const again = reduce(state, { t: "READY", d: { v: 10, user: ME, session_id: "new", resume_gateway_url: "", guilds: [], private_channels: [] } });
    expect(again.voice).toBeNull();
    expect(again.sessionId).toBe("new");
    expect(again.voiceStates).toEqual({});
  });

  it("a deleted voice channel or guild takes its voice states and the call with it", () => {
    let state = beginVoice(ready([voiceState(ANN, GENERAL)]), GUILD, GENERAL, false, false);
    const channelGone = reduce(state, { t: "CHANNEL_DELETE", d: { id: GENERAL, guild_id: GUILD, type: 2 } });
    expect(channelGone.voice).toBeNull();
    expect(channelGone.voiceStates[GUILD][ANN.id]).toBeUndefined();
    state = reduce(state, { t: "GUILD_DELETE", d: { id: GUILD } });
    expect(state.voice).toBeNull();
    expect(state.voiceStates[GUILD]).toBeUndefined();
    expect(endVoice(state)).toBe(state);
  });

  it("says why one cannot join: no CONNECT, or full without MOVE_MEMBERS", () => {
    let state = ready([voiceState(ANN, SMALL)]);
    expect(voiceJoinBlock(state, GENERAL)).toBeNull();
    expect(voiceJoinBlock(state, SECRET)).toBe("no_permission");
    expect(voiceJoinBlock(state, SMALL)).toBeNull();
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(BEN, SMALL) });
    expect(voiceJoinBlock(state, SMALL)).toBe("full");
    // The owner has every permission, MOVE_MEMBERS with them.
    const owner = { ...state, guilds: { ...state.guilds, [GUILD]: { ...state.guilds[GUILD], owner_id: ME.id } } };
    expect(voiceJoinBlock(owner, SMALL)).toBeNull();
  });

  it("one may speak with SPEAK and without a server mute", () => {
    let state = beginVoice(ready(), GUILD, GENERAL, false, false);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, GENERAL, { session_id: "my-session" }) });
    expect(maySpeak(state)).toBe(true);
    state = reduce(state, { t: "VOICE_STATE_UPDATE", d: voiceState(ME, GENERAL, { session_id: "my-session", mute: true }) });
    expect(maySpeak(state)).toBe(false);
  });
});
