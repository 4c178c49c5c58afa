/** Calls in DMs (CALL_*, voice states whose scope is the DM, whom a call rings) and stage
 * channels (STAGE_INSTANCE_*, speakers and audience) in the store, and the ringtone. */

import { afterEach, describe, expect, it, vi } from "vitest";
import type { Ready, StageInstance } from "../src/api/types";
import { beginVoice, initialState, reduce, type State } from "../src/state/reducer";
import {
  absentFromCall,
  callOngoing,
  callerOf,
  incomingCalls,
  isStageModerator,
  maySpeak,
  mayRunStage,
  mayStream,
  ringingIn,
  stageAudience,
  stageSpeakers,
  voiceJoinBlock,
  voiceUserIds,
} from "../src/state/selectors";
import type { VoiceState } from "../src/voice/protocol";
import { Ringtone } from "../src/voice/ringtone";

const ME = { id: "100", username: "me", global_name: null, avatar: null };
const ANN = { id: "200", username: "ann", global_name: "Ann", avatar: null };
const BEN = { id: "300", username: "ben", global_name: "Ben", avatar: null };
const GUILD = "1000";
const GENERAL = "3000";
const STAGE = "3001";
const DM = "4000";
const GROUP = "4001";
// @everyone: VIEW_CHANNEL, CONNECT, SPEAK, USE_VAD, REQUEST_TO_SPEAK, STREAM.
const EVERYONE = String((1n << 10n) | (1n << 20n) | (1n << 21n) | (1n << 25n) | (1n << 32n) | (1n << 9n));

function state(of: { id: string }, channelId: string | null, extra: Partial<VoiceState> = {}): VoiceState {
  return {
    guild_id: null,
    channel_id: channelId,
    user_id: of.id,
    session_id: `session-of-${of.id}`,
    deaf: false,
    mute: false,
    self_deaf: false,
    self_mute: false,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
    ...extra,
  };
}

const mine = (channelId: string | null, extra: Partial<VoiceState> = {}) => state(ME, channelId, { session_id: "my-session", ...extra });

function ready(stages: StageInstance[] = [], voiceStates: VoiceState[] = []): State {
  const base: Ready = {
    v: 10,
    user: ME,
    session_id: "my-session",
    resume_gateway_url: "ws://x",
    guilds: [{ id: GUILD, name: "G", icon: null, owner_id: ANN.id, description: null, roles: [] }],
    private_channels: [
      { id: DM, type: 1, recipients: [ANN] },
      { id: GROUP, type: 3, name: null, recipients: [ANN, BEN] },
    ],
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
      roles: [{ id: GUILD, name: "@everyone", color: 0, hoist: false, position: 0, permissions: EVERYONE, managed: false, mentionable: false }],
      channels: [
        { id: GENERAL, type: 2, guild_id: GUILD, name: "General", position: 0 },
        { id: STAGE, type: 13, guild_id: GUILD, name: "Town hall", position: 1 },
      ],
      members: [
        { user: ME, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
        { user: ANN, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
        { user: BEN, nick: null, roles: [], joined_at: "2025-12-31T00:00:00Z" },
      ],
      voice_states: voiceStates,
      stage_instances: stages,
      member_count: 3,
    },
  });
  return s;
}

const TOPIC: StageInstance = { id: "5000", guild_id: GUILD, channel_id: STAGE, topic: "Q&A" };

describe("calls in DMs", () => {
  it("CALL_CREATE rings this person; the prompt goes when the call stops ringing them", () => {
    let s = ready();
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: state(ANN, DM) });
    s = reduce(s, { t: "CALL_CREATE", d: { channel_id: DM, ringing: [ME.id], voice_states: [state(ANN, DM)] } });
    expect(incomingCalls(s)).toEqual([DM]);
    expect(callerOf(s, DM)).toBe(ANN.id);
    expect(callOngoing(s, DM)).toBe(true);
    expect(voiceUserIds(s, DM)).toEqual([ANN.id]);
    // Declined (or rung out): CALL_UPDATE without this person.
    const declined = reduce(s, { t: "CALL_UPDATE", d: { channel_id: DM, ringing: [] } });
    expect(incomingCalls(declined)).toEqual([]);
    expect(callOngoing(declined, DM)).toBe(true);
    // Rung again.
    const again = reduce(declined, { t: "CALL_UPDATE", d: { channel_id: DM, ringing: [ME.id] } });
    expect(incomingCalls(again)).toEqual([DM]);
    // The caller hangs up: CALL_DELETE ends the call and its ringing.
    const ended = reduce(again, { t: "CALL_DELETE", d: { channel_id: DM } });
    expect(incomingCalls(ended)).toEqual([]);
    expect(callOngoing(ended, DM)).toBe(false);
    expect(voiceUserIds(ended, DM)).toEqual([]);
  });

  it("accepting hides the prompt at once, before the server stops the ringing", () => {
    let s = reduce(ready(), { t: "CALL_CREATE", d: { channel_id: DM, ringing: [ME.id], voice_states: [state(ANN, DM)] } });
    s = beginVoice(s, null, DM, false, false);
    expect(incomingCalls(s)).toEqual([]);
    expect(s.voice).toMatchObject({ scopeId: DM, guildId: null, channelId: DM, joined: false });
  });

  it("a call rings only its recipients: another's ringing is no prompt here", () => {
    const s = reduce(ready(), { t: "CALL_CREATE", d: { channel_id: GROUP, ringing: [BEN.id], voice_states: [state(ANN, GROUP)] } });
    expect(incomingCalls(s)).toEqual([]);
    expect(ringingIn(s, GROUP)).toEqual([BEN.id]);
    expect(absentFromCall(s, GROUP)).toEqual([BEN.id]);
  });

  it("this tab's call: the DM is the scope of op 4, VOICE_SERVER_UPDATE and the voice state", () => {
    let s = beginVoice(ready(), null, DM, false, false);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(DM) });
    expect(s.voice).toMatchObject({ scopeId: DM, channelId: DM, joined: true });
    expect(s.voiceStates[DM][ME.id].channel_id).toBe(DM);
    // A guild's VOICE_SERVER_UPDATE is not this call's.
    expect(reduce(s, { t: "VOICE_SERVER_UPDATE", d: { guild_id: GUILD, token: "x", endpoint: "h/voice" } }).voice).toBe(s.voice);
    s = reduce(s, { t: "VOICE_SERVER_UPDATE", d: { guild_id: null, channel_id: DM, token: "tok", endpoint: "h:1/voice" } });
    expect(s.voice).toMatchObject({ server: { token: "tok", endpoint: "h:1/voice" }, status: "connecting" });
    // In a DM everyone may speak and show video.
    expect(maySpeak(s)).toBe(true);
    expect(mayStream(s)).toBe(true);
    expect(voiceJoinBlock(s, DM)).toBeNull();
    // Leaving a call: no guild and no channel.
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(null) });
    expect(s.voice).toBeNull();
    expect(voiceUserIds(s, DM)).toEqual([]);
  });

  it("the old call's leave, arriving while joining another call, leaves the new join alone", () => {
    let s = beginVoice(ready(), null, DM, false, false);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(DM) });
    s = beginVoice(s, null, GROUP, false, false);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(null) });
    expect(s.voice).toMatchObject({ channelId: GROUP, joined: false });
    expect(voiceUserIds(s, DM)).toEqual([]);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(GROUP) });
    expect(s.voice).toMatchObject({ channelId: GROUP, joined: true });
  });

  it("a call's leave takes no one out of a guild's voice channel, and a move between calls leaves the first", () => {
    let s = ready([], [{ ...state(BEN, GENERAL), guild_id: GUILD }]);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: state(ANN, DM) });
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: state(BEN, null) });
    expect(voiceUserIds(s, GENERAL)).toEqual([BEN.id]);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: state(ANN, GROUP) });
    expect(voiceUserIds(s, DM)).toEqual([]);
    expect(voiceUserIds(s, GROUP)).toEqual([ANN.id]);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: state(ANN, null) });
    expect(voiceUserIds(s, GROUP)).toEqual([]);
  });

  it("joining the call on another device ends it in this tab; ongoing calls come again after READY", () => {
    let s = beginVoice(ready(), null, DM, false, false);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(DM) });
    expect(reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(DM, { session_id: "phone" }) }).voice).toBeNull();
    // Another device of mine leaving a call is not this tab leaving.
    expect(reduce(s, { t: "VOICE_STATE_UPDATE", d: mine(null, { session_id: "phone" }) }).voice).toBe(s.voice);
    const again = reduce(s, { t: "READY", d: { v: 10, user: ME, session_id: "new", resume_gateway_url: "", guilds: [], private_channels: [] } });
    expect(again.calls).toEqual({});
    expect(again.voice).toBeNull();
  });

  it("leaving a group DM takes its call along", () => {
    const s = reduce(ready(), { t: "CALL_CREATE", d: { channel_id: GROUP, ringing: [ME.id], voice_states: [state(ANN, GROUP)] } });
    const left = reduce(s, { t: "CHANNEL_DELETE", d: { id: GROUP, type: 3 } });
    expect(left.calls[GROUP]).toBeUndefined();
    expect(left.voiceStates[GROUP]).toBeUndefined();
    expect(incomingCalls(left)).toEqual([]);
  });
});

describe("stage channels", () => {
  it("live stages come with GUILD_CREATE and STAGE_INSTANCE_*, and go with their guild", () => {
    let s = ready([TOPIC]);
    expect(s.stages[STAGE].topic).toBe("Q&A");
    s = reduce(s, { t: "STAGE_INSTANCE_UPDATE", d: { ...TOPIC, topic: "Q&A, part two" } });
    expect(s.stages[STAGE].topic).toBe("Q&A, part two");
    s = reduce(s, { t: "STAGE_INSTANCE_DELETE", d: TOPIC });
    expect(s.stages[STAGE]).toBeUndefined();
    s = reduce(s, { t: "STAGE_INSTANCE_CREATE", d: TOPIC });
    expect(reduce(s, { t: "GUILD_DELETE", d: { id: GUILD } }).stages).toEqual({});
  });

  it("speakers are not suppressed; the audience is, with raised hands first in the order they went up", () => {
    const at = (minute: number) => `2026-01-01T10:0${minute}:00+00:00`;
    const onStage = (of: { id: string }, extra: Partial<VoiceState>) => ({ ...state(of, STAGE, extra), guild_id: GUILD });
    let s = ready([TOPIC], [onStage(ANN, { suppress: false }), onStage(BEN, { suppress: true })]);
    s = beginVoice(s, GUILD, STAGE, false, false);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: { ...onStage(ME, { suppress: true, request_to_speak_timestamp: at(5) }), session_id: "my-session" } });
    expect(stageSpeakers(s, STAGE)).toEqual([ANN.id]);
    expect(stageAudience(s, STAGE)).toEqual([ME.id, BEN.id]);
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: onStage(BEN, { suppress: true, request_to_speak_timestamp: at(1) }) });
    expect(stageAudience(s, STAGE)).toEqual([BEN.id, ME.id]);
    // The audience's microphone stays off (the SFU would drop it), and so does its camera.
    expect(maySpeak(s)).toBe(false);
    expect(mayStream(s)).toBe(false);
    // Invited to speak: a speaker, hand down.
    s = reduce(s, { t: "VOICE_STATE_UPDATE", d: { ...onStage(ME, { suppress: false }), session_id: "my-session" } });
    expect(stageSpeakers(s, STAGE)).toEqual([ANN.id, ME.id]);
    expect(maySpeak(s)).toBe(true);
  });

  it("moderators bring people up (MUTE_MEMBERS); running the stage needs MANAGE_CHANNELS, MUTE and MOVE too", () => {
    const s = ready();
    expect(isStageModerator(s, STAGE)).toBe(false);
    expect(mayRunStage(s, STAGE)).toBe(false);
    const owner = { ...s, guilds: { ...s.guilds, [GUILD]: { ...s.guilds[GUILD], owner_id: ME.id } } };
    expect(isStageModerator(owner, STAGE)).toBe(true);
    expect(mayRunStage(owner, STAGE)).toBe(true);
  });
});

describe("the ringtone", () => {
  class FakeAudioContext {
    static made: FakeAudioContext[] = [];
    static allowed = true;
    state = "suspended";
    currentTime = 0;
    oscillators = 0;
    closed = false;
    destination = {};
    constructor() {
      FakeAudioContext.made.push(this);
    }
    resume() {
      if (!FakeAudioContext.allowed) return Promise.reject(new Error("autoplay"));
      this.state = "running";
      return Promise.resolve();
    }
    close() {
      this.closed = true;
      return Promise.resolve();
    }
    createOscillator() {
      this.oscillators += 1;
      const node = { frequency: { value: 0 }, connect: (next: unknown) => next, start: () => undefined, stop: () => undefined };
      return node;
    }
    createGain() {
      return { gain: { setValueAtTime: () => undefined, linearRampToValueAtTime: () => undefined }, connect: (next: unknown) => next };
    }
  }

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    FakeAudioContext.made = [];
    FakeAudioContext.allowed = true;
  });

  it("rings at once and every two seconds while a call rings, and is silent once stopped", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("AudioContext", FakeAudioContext);
    const ringtone = new Ringtone();
    ringtone.start();
    ringtone.start(); // a second ringing call: still one ringtone
    await vi.advanceTimersByTimeAsync(0);
    const context = FakeAudioContext.made[0];
    expect(FakeAudioContext.made).toHaveLength(1);
    expect(context.oscillators).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(context.oscillators).toBe(4);
    ringtone.stop();
    expect(context.closed).toBe(true);
    expect(ringtone.ringing).toBe(false);
    await vi.advanceTimersByTimeAsync(4000);
    expect(context.oscillators).toBe(4);
  });

  it("stays silent without failing when the browser does not allow sound yet", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("AudioContext", FakeAudioContext);
    FakeAudioContext.allowed = false;
    const ringtone = new Ringtone();
    ringtone.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(FakeAudioContext.made[0].oscillators).toBe(0);
    expect(ringtone.ringing).toBe(true);
    ringtone.stop();
  });
});
