/** Voice in the store, as pure functions the reducer calls: who is where (voice states, per
 * scope), this tab's own connection, the calls of DMs and group DMs, and live stages.
 *
 * A voice state's scope is its guild, or, in a call, the DM channel itself (docs/voice.md): the
 * server keeps one voice state per person and scope, and the voice gateway's IDENTIFY names the
 * scope as `server_id`. So `voiceStates[scope][userId]` holds both voice channels and calls. */

import type { Channel, StageInstance } from "../api/types";
import type { VoiceServerUpdate, VoiceState } from "../voice/protocol";

/** How far this tab's own voice connection has come: asked to join (op 4 sent), waiting for
 * the voice server, connecting to it, in the call, or getting back after a drop. */
export type VoiceStatus = "joining" | "connecting" | "connected" | "reconnecting";

/** This tab's voice connection (at most one, as on Discord): a voice channel or a call. */
export interface LocalVoice {
  /** The guild, or for a call the DM channel: what op 4's state and IDENTIFY belong to. */
  scopeId: string;
  /** Null in a call (op 4 then sends `guild_id: null`). */
  guildId: string | null;
  channelId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  selfVideo: boolean;
  selfStream: boolean;
  /** The server has this session's voice state (a VOICE_STATE_UPDATE came for it). */
  joined: boolean;
  /** From VOICE_SERVER_UPDATE: where to connect, and with which token. */
  server: { token: string; endpoint: string } | null;
  status: VoiceStatus;
}

/** A call going on in a DM or group DM (CALL_CREATE / CALL_UPDATE): whom it rings now. Who is
 * in it are the voice states of its scope. */
export interface Call {
  channelId: string;
  ringing: string[];
}

/** The part of the state this module reads and writes. */
export interface VoiceSlice {
  me: { id: string } | null;
  sessionId: string | null;
  channels: Record<string, Channel>;
  voiceStates: Record<string, Record<string, VoiceState>>;
  voice: LocalVoice | null;
  speaking: Record<string, true>;
  calls: Record<string, Call>;
  /** Live stages by stage channel id (GUILD_CREATE's `stage_instances`, STAGE_INSTANCE_*). */
  stages: Record<string, StageInstance>;
}

export function scopeOf(guildId: string | null | undefined, channelId: string): string {
  return guildId ?? channelId;
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  const rest = { ...record };
  delete rest[key];
  return rest;
}

/** Scopes that are calls: a DM channel's (not a guild's). */
function isCallScope(state: VoiceSlice, scope: string): boolean {
  const channel = state.channels[scope];
  return !!state.calls[scope] || (!!channel && !channel.guild_id);
}

/** `userId` leaves every call but `keep` (a person is in one call at a time). */
function leaveCalls(
  voiceStates: VoiceSlice["voiceStates"],
  state: VoiceSlice,
  userId: string,
  keep: string | null,
): VoiceSlice["voiceStates"] {
  let next = voiceStates;
  for (const [scope, people] of Object.entries(voiceStates)) {
    if (scope === keep || !people[userId] || !isCallScope(state, scope)) continue;
    if (next === voiceStates) next = { ...voiceStates };
    next[scope] = withoutKey(people, userId);
  }
  return next;
}

/** A voice state from the gateway: who is where. `channel_id: null` means they left (or went
 * where this session cannot see); a call's leave has no guild and no channel, so it takes them
 * out of whichever call they were in. For this person's own voice states, the one of this session
 * is this tab's call; another session's in the same scope means the call moved to that device. */
export function putVoiceState<S extends VoiceSlice>(state: S, voiceState: VoiceState): S {
  const userId = voiceState.user_id;
  const guildId = voiceState.guild_id ?? null;
  const channelId = voiceState.channel_id;
  if (!guildId && !channelId) return leaveCall(state, voiceState);
  const scope = scopeOf(guildId, channelId!);
  let voiceStates = state.voiceStates;
  if (!guildId && channelId) voiceStates = leaveCalls(voiceStates, state, userId, scope);
  const current = voiceStates[scope] ?? {};
  let inScope = current;
  if (channelId) {
    inScope = { ...current, [userId]: { ...voiceState, guild_id: guildId ?? undefined } };
  } else if (current[userId]) {
    inScope = withoutKey(current, userId);
  }
  let voice = state.voice;
  if (userId === state.me?.id && voice?.scopeId === scope) {
    if (voiceState.session_id === state.sessionId) {
      voice = channelId
        ? {
            ...voice,
            channelId,
            selfMute: voiceState.self_mute,
            selfDeaf: voiceState.self_deaf,
            selfVideo: voiceState.self_video,
            selfStream: !!voiceState.self_stream,
            joined: true,
          }
        : null;
    } else if (voiceState.session_id && channelId) {
      voice = null;
    }
  }
  let speaking = state.speaking;
  if (!channelId && speaking[userId]) speaking = withoutKey(speaking, userId);
  if (!voice && state.voice) speaking = {};
  return { ...state, voiceStates: { ...voiceStates, [scope]: inScope }, voice, speaking };
}

/** Someone left a call (no guild, no channel). This tab's own call ends only once the server
 * had confirmed it: a leave that arrives while joining another call is the old call's. */
function leaveCall<S extends VoiceSlice>(state: S, voiceState: VoiceState): S {
  const userId = voiceState.user_id;
  const voiceStates = leaveCalls(state.voiceStates, state, userId, null);
  const voice = state.voice;
  const ownCallEnds =
    userId === state.me?.id && voiceState.session_id === state.sessionId && !!voice && voice.guildId === null && voice.joined;
  if (voiceStates === state.voiceStates && !ownCallEnds && !state.speaking[userId]) return state;
  return {
    ...state,
    voiceStates,
    voice: ownCallEnds ? null : voice,
    speaking: ownCallEnds ? {} : withoutKey(state.speaking, userId),
  };
}

/** This tab asks to join, or to move within the guild (op 4 is on its way): `joined` waits for
 * the server to confirm this channel. A null guild asks to join the call of DM `channelId`. */
export function beginVoice<S extends VoiceSlice>(state: S, guildId: string | null, channelId: string, selfMute: boolean, selfDeaf: boolean): S {
  const scopeId = scopeOf(guildId, channelId);
  const same = state.voice?.scopeId === scopeId ? state.voice : null;
  return {
    ...state,
    voice: {
      scopeId,
      guildId,
      channelId,
      selfMute,
      selfDeaf,
      selfVideo: same?.selfVideo ?? false,
      selfStream: same?.selfStream ?? false,
      joined: same?.channelId === channelId ? same.joined : false,
      server: same?.server ?? null,
      status: same && same.status !== "joining" ? same.status : "joining",
    },
  };
}

export function changeVoice<S extends VoiceSlice>(state: S, change: Partial<LocalVoice>): S {
  if (!state.voice) return state;
  const voice = { ...state.voice, ...change };
  return Object.entries(change).every(([k, v]) => state.voice![k as keyof LocalVoice] === v) ? state : { ...state, voice };
}

export function endVoice<S extends VoiceSlice>(state: S): S {
  return state.voice ? { ...state, voice: null, speaking: {} } : state;
}

export function setSpeaking<S extends VoiceSlice>(state: S, userId: string, speaking: boolean): S {
  if (!!state.speaking[userId] === speaking) return state;
  return { ...state, speaking: speaking ? { ...state.speaking, [userId]: true } : withoutKey(state.speaking, userId) };
}

/** VOICE_SERVER_UPDATE: for this tab's connection when its scope matches (a call's names no
 * guild but the channel). */
export function putVoiceServer<S extends VoiceSlice>(state: S, update: VoiceServerUpdate): S {
  const scope = update.guild_id ?? update.channel_id;
  if (!state.voice || !scope || state.voice.scopeId !== scope) return state;
  const server = update.endpoint ? { token: update.token, endpoint: update.endpoint } : null;
  return { ...state, voice: { ...state.voice, server, status: server ? "connecting" : state.voice.status } };
}

// -- calls --------------------------------------------------------------------------------------

/** CALL_CREATE (also for each ongoing call right after READY): the call, whom it rings, and who
 * is in it. */
export function createCall<S extends VoiceSlice>(state: S, d: { channel_id: string; ringing?: string[]; voice_states?: VoiceState[] }): S {
  const people: Record<string, VoiceState> = { ...(state.voiceStates[d.channel_id] ?? {}) };
  for (const v of d.voice_states ?? []) {
    if (v.channel_id) people[v.user_id] = { ...v, guild_id: undefined };
  }
  const call: Call = { channelId: d.channel_id, ringing: [...(d.ringing ?? [])] };
  return {
    ...state,
    calls: { ...state.calls, [d.channel_id]: call },
    voiceStates: { ...state.voiceStates, [d.channel_id]: people },
  };
}

/** CALL_UPDATE: whom the call rings changed (someone joined, declined, was rung again, or the
 * minute ran out). */
export function updateCall<S extends VoiceSlice>(state: S, d: { channel_id: string; ringing?: string[] }): S {
  const known = state.calls[d.channel_id];
  const ringing = [...(d.ringing ?? [])];
  if (known && known.ringing.join() === ringing.join()) return state;
  return { ...state, calls: { ...state.calls, [d.channel_id]: { channelId: d.channel_id, ringing } } };
}

/** CALL_DELETE: the last one left, the call is over. */
export function deleteCall<S extends VoiceSlice>(state: S, channelId: string): S {
  if (!state.calls[channelId] && !state.voiceStates[channelId]) return state;
  return { ...state, calls: withoutKey(state.calls, channelId), voiceStates: withoutKey(state.voiceStates, channelId) };
}

// -- stages -------------------------------------------------------------------------------------

export function putStage<S extends VoiceSlice>(state: S, stage: StageInstance): S {
  return { ...state, stages: { ...state.stages, [stage.channel_id]: stage } };
}

export function removeStage<S extends VoiceSlice>(state: S, channelId: string): S {
  return state.stages[channelId] ? { ...state, stages: withoutKey(state.stages, channelId) } : state;
}

/** A guild's stages, as its GUILD_CREATE lists them (those of an earlier one are replaced). */
export function putGuildStages<S extends VoiceSlice>(state: S, guildId: string, stages: StageInstance[]): S {
  const kept: Record<string, StageInstance> = {};
  for (const [channelId, stage] of Object.entries(state.stages)) if (stage.guild_id !== guildId) kept[channelId] = stage;
  for (const stage of stages) kept[stage.channel_id] = stage;
  return { ...state, stages: kept };
}
