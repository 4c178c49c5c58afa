/** The voice protocol's words (docs/voice.md): the main gateway's voice events and the voice
 * gateway's opcodes and payloads, described by hand as READY is (they are gateway frames, not
 * REST answers, so the OpenAPI document has no shapes for them). */

import type { Member, Snowflake } from "../api/types";

/** Discord's voice gateway opcodes, with the `webrtc` protocol of its browser client. */
export const VoiceOp = {
  IDENTIFY: 0,
  SELECT_PROTOCOL: 1,
  READY: 2,
  HEARTBEAT: 3,
  SESSION_DESCRIPTION: 4,
  SPEAKING: 5,
  HEARTBEAT_ACK: 6,
  HELLO: 8,
  CLIENTS_CONNECT: 11,
  CLIENT_DISCONNECT: 13,
  STREAMS: 15,
} as const;

/** Discord's voice state object (VOICE_STATE_UPDATE, GUILD_CREATE's `voice_states`, CALL_CREATE's
 * `voice_states`). In a call, `guild_id` is null and `member` absent. */
export interface VoiceState {
  guild_id?: Snowflake | null;
  channel_id: Snowflake | null;
  user_id: Snowflake;
  member?: Member;
  session_id: string;
  deaf: boolean;
  mute: boolean;
  self_deaf: boolean;
  self_mute: boolean;
  self_stream?: boolean;
  self_video: boolean;
  suppress: boolean;
  request_to_speak_timestamp?: string | null;
}

/** VOICE_SERVER_UPDATE: where this session's voice connection goes, and the token for it. A
 * call's names no guild but its DM channel. */
export interface VoiceServerUpdate {
  token: string;
  guild_id: Snowflake | null;
  channel_id?: Snowflake;
  endpoint: string | null;
}

/** What a published transceiver carries (op 1's `sources`). */
export type Source = "microphone" | "camera" | "screen" | "screen_audio";
/** The video sources someone can publish, as op 15 and op 4 name them. */
export type VideoSource = "camera" | "screen";

/** One video stream someone publishes (op 15). */
export interface StreamRef {
  user_id: Snowflake;
  source: VideoSource;
}

/** What a mid of the answer carries (op 4's `streams`). */
export type MidStream =
  | { mid: string; kind: "audio"; slot: number }
  | { mid: string; kind: "video"; user_id: Snowflake; source: VideoSource };

export interface VoiceHello {
  heartbeat_interval: number;
}

/** A STUN or TURN server for the peer connection, as `RTCIceServer`; a TURN server's
 * credentials are minted by townhall for this connection and expire (docs/voice.md). */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface VoiceReady {
  ssrc: number;
  ip?: string;
  port?: number;
  modes?: string[];
  streams?: unknown[];
  /** Present when the server has STUN/TURN servers configured (TOWNHALL_TURN_URLS). */
  ice_servers?: IceServer[];
  /** "separate": video goes on connections of its own (Janus; docs/voice.md). */
  video_transport?: "separate";
}

/** The peer connection's configuration for a READY: its ICE servers (none without them: the
 * SFU's own candidates are enough on an open network, and no public STUN server is asked). An
 * entry that is not shaped like an `RTCIceServer` is left out rather than making the browser
 * refuse the whole configuration. */
export function peerConfiguration(ready: VoiceReady): RTCConfiguration {
  const iceServers: RTCIceServer[] = [];
  for (const server of Array.isArray(ready.ice_servers) ? ready.ice_servers : []) {
    const urls: unknown = server?.urls;
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((url) => typeof url === "string")) continue;
    const entry: RTCIceServer = { urls: [...urls] };
    if (typeof server.username === "string") entry.username = server.username;
    if (typeof server.credential === "string") entry.credential = server.credential;
    iceServers.push(entry);
  }
  return { iceServers, bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" };
}

export interface SessionDescription {
  sdp: string;
  audio_codec?: string;
  video_codec?: string;
  media_session_id?: string;
  streams?: MidStream[];
}

export interface ServerSpeaking {
  user_id: Snowflake;
  ssrc?: number;
  speaking: number;
}

/** The voice gateway's address for an endpoint (`host:port/voice`, no scheme): the scheme
 * follows the page's, so an https page talks to wss. */
export function voiceGatewayUrl(endpoint: string, pageProtocol: string): string {
  const scheme = pageProtocol === "https:" ? "wss" : "ws";
  const bare = endpoint.replace(/^[a-z]+:\/\//i, "");
  return `${scheme}://${bare}?v=8`;
}

/** The key a video stream goes by in the interface and in the offer plan. */
export function streamKey(stream: StreamRef): string {
  return `${stream.user_id}:${stream.source}`;
}
