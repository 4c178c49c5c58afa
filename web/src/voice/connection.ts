/** One voice connection (docs/voice.md): the voice gateway's WebSocket and the RTCPeerConnection
 * to the SFU. HELLO → IDENTIFY → READY → offer (op 1) → answer (op 4); heartbeats per HELLO; a new
 * offer whenever what is sent or watched changes (a camera, a screen, an op 15); and a new socket
 * and peer connection when the socket drops, until `stop()`. When READY says `video_transport:
 * "separate"` (Janus), the peer connection carries audio only and video goes on two more
 * (video.ts). No React here: listeners hear what changed and read the rest from the object. */

import { backoffDelay } from "../gateway/client";
import {
  directionOf,
  mapStreams,
  planTransceivers,
  sourcesFor,
  streamsToWatch,
  wantedRoles,
  type Kind,
  type MediaWish,
  type Role,
  type StreamMap,
} from "./offer";
import {
  peerConfiguration,
  VoiceOp,
  voiceGatewayUrl,
  type ServerSpeaking,
  type SessionDescription,
  type StreamRef,
  type VideoSource,
  type VoiceHello,
  type VoiceReady,
} from "./protocol";
import { SeparateVideo, type VideoDescription } from "./video";

/** The camera as three layers, lowest first (docs/voice.md, "Simulcast"): the SFU gives each
 * viewer the one that fits its tile. The browser leaves out the ones its camera is too small for. */
export const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", maxBitrate: 1_500_000 },
];

export interface VideoSize {
  user_id: string;
  source: VideoSource;
  width: number;
  height: number;
}

export type VoiceConnectionStatus = "connecting" | "connected" | "reconnecting" | "closed";

export type VoiceEvent =
  | { type: "status"; status: VoiceConnectionStatus }
  | { type: "speaking"; userId: string; speaking: boolean }
  /** Remote tracks changed: read `remoteAudio()` and `remoteVideo()`. */
  | { type: "tracks" }
  /** The streams op 15 offers changed. */
  | { type: "streams"; streams: StreamRef[] }
  | { type: "client_disconnect"; userId: string }
  /** The server closed for good (a bad token, the session gone, disconnected by a moderator). */
  | { type: "rejected"; code: number };

export interface LocalTracks {
  microphone: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  screenAudio: MediaStreamTrack | null;
}

export interface VoiceConnectionOptions {
  endpoint: string;
  token: string;
  /** The voice state's scope, IDENTIFY's `server_id`: the guild, or for a call the DM channel. */
  serverId: string;
  userId: string;
  sessionId: string;
  pageProtocol?: string;
  createSocket?: (url: string) => WebSocket;
  /** Makes the peer connection from READY's configuration (its ICE servers). */
  createPeer?: (configuration: RTCConfiguration) => RTCPeerConnection;
  /** How long to wait for ICE candidates before sending the offer anyway. */
  gatherMs?: number;
}

/** Close codes after which another try with the same token is pointless (Discord's). */
const FATAL = new Set([4001, 4003, 4004, 4005, 4006, 4011, 4012, 4014, 4016]);
const ANSWER_MS = 15_000;

interface Transceiver {
  kind: Kind;
  role: Role | null;
  transceiver: RTCRtpTransceiver;
}

type Frame = { op: number; d: unknown };

export class VoiceConnection {
  status: VoiceConnectionStatus = "connecting";
  ssrc: number | null = null;
  private socket: WebSocket | null = null;
  private pc: RTCPeerConnection | null = null;
  private configuration: RTCConfiguration = {};
  /** Video's own connections, when the server carries video apart (READY `video_transport`). */
  private video: SeparateVideo | null = null;
  private transceivers: Transceiver[] = [];
  private streamMap: StreamMap = { audio: new Map(), video: new Map() };
  private tracks: LocalTracks = { microphone: null, camera: null, screen: null, screenAudio: null };
  private offered: StreamRef[] = [];
  private sizes: VideoSize[] = [];
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private acked = true;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = false;
  private ready = false;
  private negotiating = false;
  private again = false;
  private answer: { resolve: (d: SessionDescription) => void; reject: (e: Error) => void } | null = null;
  private readonly listeners = new Set<(event: VoiceEvent) => void>();

  constructor(private readonly options: VoiceConnectionOptions) {}

  on(listener: (event: VoiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.teardown();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "bye");
    this.setStatus("closed");
  }

  /** Drop the socket as a network failure would; the connection comes back. (Used by tests.) */
  drop(): void {
    this.socket?.close(4000, "dropped");
  }

  /** What this person sends: a renegotiation follows when a source appears or goes. */
  setTracks(tracks: Partial<LocalTracks>): void {
    const before = this.wish();
    this.tracks = { ...this.tracks, ...tracks };
    const after = this.wish();
    // The same sources with another track (a new microphone): swap it in place, no new offer.
    for (const entry of this.transceivers) {
      const track = entry.role ? this.trackFor(entry.role) : null;
      if (entry.role && directionOf(entry.role).startsWith("send") && entry.transceiver.sender.track !== track) {
        void entry.transceiver.sender.replaceTrack(track).catch(() => undefined);
      }
    }
    if (JSON.stringify(before) !== JSON.stringify(after)) void this.negotiate();
    this.video?.setTracks({ camera: this.tracks.camera, screen: this.tracks.screen });
  }

  /** Op 5 from the client: push-to-talk pressed (1) or released (0). */
  sendSpeaking(speaking: 0 | 1): void {
    this.send(VoiceOp.SPEAKING, { speaking, delay: 0, ssrc: this.ssrc ?? 0 });
  }

  /** The streams the last op 15 offered (everyone's but one's own). */
  offeredStreams(): StreamRef[] {
    return streamsToWatch(this.offered, this.options.userId);
  }

  remoteAudio(): { slot: number; track: MediaStreamTrack }[] {
    const out: { slot: number; track: MediaStreamTrack }[] = [];
    for (const entry of this.transceivers) {
      const mid = entry.transceiver.mid;
      const slot = mid !== null ? this.streamMap.audio.get(mid) : undefined;
      if (slot !== undefined && entry.transceiver.receiver.track) out.push({ slot, track: entry.transceiver.receiver.track });
    }
    return out.sort((a, b) => a.slot - b.slot);
  }

  remoteVideo(): { userId: string; source: VideoSource; track: MediaStreamTrack }[] {
    if (this.video) return this.video.remoteVideo();
    const out: { userId: string; source: VideoSource; track: MediaStreamTrack }[] = [];
    for (const entry of this.transceivers) {
      const mid = entry.transceiver.mid;
      const video = mid !== null ? this.streamMap.video.get(mid) : undefined;
      if (video && entry.role?.role === "watch") out.push({ ...video, track: entry.transceiver.receiver.track });
    }
    return out;
  }

  /** The peer connection (for getStats in tests and the connection info). */
  peer(): RTCPeerConnection | null {
    return this.pc;
  }

  /** The video connections, when the server carries video apart (else both null). */
  videoPeers(): { publisher: RTCPeerConnection | null; subscriber: RTCPeerConnection | null } {
    return this.video?.peers() ?? { publisher: null, subscriber: null };
  }

  // -- the socket -------------------------------------------------------------------------------

  private emit(event: VoiceEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private setStatus(status: VoiceConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit({ type: "status", status });
  }

  /** How tall (device pixels) each watched video is shown: the SFU picks simulcast layers by it.
   * Kept, and sent again after each answer (a new connection knows nothing of it). */
  showSizes(sizes: VideoSize[]): void {
    const same =
      sizes.length === this.sizes.length &&
      sizes.every((s, i) => JSON.stringify(s) === JSON.stringify(this.sizes[i]));
    this.sizes = sizes;
    if (!same) this.sendSizes();
  }

  private sendSizes(): void {
    this.send(VoiceOp.STREAMS, { sizes: this.sizes });
  }

  private send(op: number, d: unknown): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify({ op, d }));
  }

  private connect(): void {
    if (this.stopped) return;
    const url = voiceGatewayUrl(this.options.endpoint, this.options.pageProtocol ?? location.protocol);
    const socket = this.options.createSocket ? this.options.createSocket(url) : new WebSocket(url);
    this.socket = socket;
    this.ready = false;
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      let frame: Frame;
      try {
        frame = JSON.parse(String(message.data)) as Frame;
      } catch {
        return;
      }
      this.receive(frame);
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.teardown();
      if (this.stopped) return;
      if (FATAL.has(close.code)) {
        this.stopped = true;
        this.setStatus("closed");
        this.emit({ type: "rejected", code: close.code });
        return;
      }
      this.setStatus("reconnecting");
      const delay = this.attempt === 0 ? 250 : backoffDelay(this.attempt);
      this.attempt += 1;
      this.retry = setTimeout(() => {
        this.retry = null;
        this.connect();
      }, delay);
    };
  }

  private receive(frame: Frame): void {
    switch (frame.op) {
      case VoiceOp.HELLO:
        this.startHeartbeat((frame.d as VoiceHello).heartbeat_interval);
        this.send(VoiceOp.IDENTIFY, {
          server_id: this.options.serverId,
          user_id: this.options.userId,
          session_id: this.options.sessionId,
          token: this.options.token,
        });
        break;
      case VoiceOp.HEARTBEAT_ACK:
        this.acked = true;
        break;
      case VoiceOp.READY: {
        const ready = frame.d as VoiceReady;
        this.ssrc = ready.ssrc ?? null;
        this.ready = true;
        this.attempt = 0;
        this.openPeer(peerConfiguration(ready));
        this.video?.close();
        this.video = ready.video_transport === "separate" ? this.separateVideo() : null;
        void this.negotiate();
        break;
      }
      case VoiceOp.SESSION_DESCRIPTION: {
        const described = frame.d as SessionDescription | VideoDescription;
        if ("connection" in described && described.connection) {
          this.video?.received(described as VideoDescription);
          break;
        }
        const pending = this.answer;
        this.answer = null;
        pending?.resolve(frame.d as SessionDescription);
        break;
      }
      case VoiceOp.SPEAKING: {
        const d = frame.d as ServerSpeaking;
        if (d.user_id) this.emit({ type: "speaking", userId: String(d.user_id), speaking: !!d.speaking });
        break;
      }
      case VoiceOp.CLIENT_DISCONNECT: {
        const userId = String((frame.d as { user_id: string }).user_id);
        this.emit({ type: "speaking", userId, speaking: false });
        this.emit({ type: "client_disconnect", userId });
        break;
      }
      case VoiceOp.STREAMS: {
        const streams = (frame.d as { streams?: StreamRef[] }).streams ?? [];
        this.offered = streams;
        this.emit({ type: "streams", streams: this.offeredStreams() });
        if (this.video) this.video.retry();
        else void this.negotiate();
        break;
      }
    }
  }

  private startHeartbeat(interval: number): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.acked = true;
    this.heartbeat = setInterval(() => {
      if (!this.acked) {
        this.socket?.close(4000, "zombie");
        return;
      }
      this.acked = false;
      this.send(VoiceOp.HEARTBEAT, { t: Date.now() });
    }, Math.max(1000, interval));
  }

  private teardown(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.ready = false;
    this.answer?.reject(new Error("voice socket closed"));
    this.answer = null;
    this.pc?.close();
    this.pc = null;
    this.video?.close();
    this.video = null;
    this.transceivers = [];
    this.streamMap = { audio: new Map(), video: new Map() };
    this.emit({ type: "tracks" });
  }

  private separateVideo(): SeparateVideo {
    const video = new SeparateVideo({
      select: (d) => this.send(VoiceOp.SELECT_PROTOCOL, { protocol: "webrtc", ...d }),
      createPeer: () =>
        this.options.createPeer ? this.options.createPeer(this.configuration) : new RTCPeerConnection(this.configuration),
      gathered: (pc) => this.gathered(pc),
      changed: () => {
        if (this.video === video) this.emit({ type: "tracks" });
      },
    });
    video.setTracks({ camera: this.tracks.camera, screen: this.tracks.screen });
    return video;
  }

  // -- the peer connection ----------------------------------------------------------------------

  /** A new peer connection per READY: TURN credentials expire, and each READY brings fresh ones. */
  private openPeer(configuration: RTCConfiguration): void {
    this.pc?.close();
    const pc = this.options.createPeer
      ? this.options.createPeer(configuration)
      : new RTCPeerConnection(configuration);
    this.pc = pc;
    this.configuration = configuration;
    this.transceivers = [];
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === "connected") this.setStatus("connected");
      // Media lost for good: a new socket and a new peer connection, as after a drop.
      if (pc.connectionState === "failed") this.socket?.close(4000, "ice failed");
    };
  }

  private wish(): MediaWish {
    if (this.video) {
      // Video goes on its own connections: this one offers the microphone and audio slots.
      return { microphone: !!this.tracks.microphone, camera: false, screen: false, screenAudio: false, watch: [] };
    }
    return {
      microphone: !!this.tracks.microphone,
      camera: !!this.tracks.camera,
      screen: !!this.tracks.screen,
      screenAudio: !!this.tracks.screenAudio,
      watch: streamsToWatch(this.offered, this.options.userId),
    };
  }

  private trackFor(role: Role): MediaStreamTrack | null {
    switch (role.role) {
      case "microphone":
        return this.tracks.microphone;
      case "camera":
        return this.tracks.camera;
      case "screen":
        return this.tracks.screen;
      case "screen_audio":
        return this.tracks.screenAudio;
      default:
        return null;
    }
  }

  /** Offers run one at a time; a change during one makes one more after it. */
  private async negotiate(): Promise<void> {
    if (!this.ready || !this.pc) return;
    if (this.negotiating) {
      this.again = true;
      return;
    }
    this.negotiating = true;
    try {
      do {
        this.again = false;
        await this.offerOnce();
      } while (this.again && this.ready);
    } catch {
      // A broken negotiation leaves media in doubt: start over on a new socket.
      if (!this.stopped) this.socket?.close(4000, "negotiation failed");
    } finally {
      this.negotiating = false;
    }
  }

  private async offerOnce(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const plan = planTransceivers(
      this.transceivers.map((t) => ({ kind: t.kind, role: t.role })),
      wantedRoles(this.wish()),
    );
    await Promise.all(
      this.transceivers.map(async (entry, index) => {
        const role = plan.roles[index];
        entry.role = role;
        entry.transceiver.direction = directionOf(role);
        const track = role ? this.trackFor(role) : null;
        if (entry.transceiver.sender.track !== track) await entry.transceiver.sender.replaceTrack(track);
      }),
    );
    for (const role of plan.added) {
      const track = this.trackFor(role);
      const init: RTCRtpTransceiverInit = { direction: directionOf(role) };
      if (role.kind === "video" && role.role === "camera") init.sendEncodings = CAMERA_LAYERS;
      const transceiver = pc.addTransceiver(track ?? role.kind, init);
      this.transceivers.push({ kind: role.kind, role, transceiver });
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await this.gathered(pc);
    if (this.pc !== pc) return;
    const answered = new Promise<SessionDescription>((resolve, reject) => {
      this.answer = { resolve, reject };
      setTimeout(() => reject(new Error("no answer")), ANSWER_MS);
    });
    this.send(VoiceOp.SELECT_PROTOCOL, {
      protocol: "webrtc",
      data: pc.localDescription?.sdp ?? offer.sdp,
      sources: sourcesFor(this.transceivers.map((t) => ({ mid: t.transceiver.mid, role: t.role }))),
    });
    const answer = await answered;
    if (this.pc !== pc) return;
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    this.streamMap = mapStreams(answer.streams);
    this.video?.start();
    if (this.sizes.length) this.sendSizes();
    if (!("connectionState" in pc) || pc.connectionState === "connected") this.setStatus("connected");
    this.emit({ type: "tracks" });
  }

  /** The SFU takes no trickled candidates: the offer goes once gathering is complete (or after
   * `gatherMs`, with what was found). */
  private gathered(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        pc.removeEventListener("icegatheringstatechange", check);
        clearTimeout(timer);
        resolve();
      };
      const check = () => {
        if (pc.iceGatheringState === "complete") done();
      };
      const timer = setTimeout(done, this.options.gatherMs ?? 2000);
      pc.addEventListener("icegatheringstatechange", check);
    });
  }
}
