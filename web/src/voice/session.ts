/** This tab's call: joins and leaves through the main gateway (op 4), opens a VoiceConnection when
 * VOICE_SERVER_UPDATE says where, and decides when the microphone (OutgoingMedia) may be open.
 * A "call" here is a voice channel of a guild or the call of a DM or group DM: both are a voice
 * state in a scope (the guild, or the DM channel), which op 4 and the voice IDENTIFY name.
 * The store keeps what can be shown from data (who is where, mute, deafen, speaking); the tracks,
 * which cannot live in the store, are kept here for the React views (`getMedia`,
 * `subscribeMedia`). Problems go to listeners, which the interface puts in words. */

import { Op } from "../gateway/client";
import { P } from "../lib/permissions";
import { beginVoice, changeVoice, endVoice, setSpeaking, type LocalVoice } from "../state/reducer";
import { can, isPrivateChannel, isVoiceChannel, maySpeak, mayStream, voiceJoinBlock } from "../state/selectors";
import { scopeOf } from "../state/voice";
import { gateway, getState, onDispatch, setState, subscribe } from "../state/store";
import { VoiceConnection, type VideoSize, type VoiceConnectionStatus } from "./connection";
import type { CaptureFailure } from "./media";
import { OutgoingMedia, type Device } from "./outgoing";
import { getPreferences, setPreferences, subscribePreferences } from "./preferences";
import type { StreamRef, VideoSource } from "./protocol";
import type { InputMode } from "./talk";

export type VoiceProblem =
  | { kind: "no_permission" | "full" | "join_failed" | "no_stream_permission" }
  | { kind: "capture"; device: Device; failure: CaptureFailure };

export interface VoiceMedia {
  remoteAudio: { slot: number; track: MediaStreamTrack }[];
  remoteVideo: { userId: string; source: VideoSource; track: MediaStreamTrack }[];
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  /** Streams others publish (op 15): each is watched (see offer.ts's streamsToWatch). */
  offered: StreamRef[];
  /** The effective input mode (push-to-talk when the channel does not allow voice activity). */
  mode: InputMode;
  transmitting: boolean;
}

const JOIN_TIMEOUT_MS = 10_000;
const SIZES_DELAY_MS = 200;
const REJOIN_AFTER_MS = 3_000;

const STATUS: Record<VoiceConnectionStatus, LocalVoice["status"] | null> = {
  connecting: "connecting",
  connected: "connected",
  reconnecting: "reconnecting",
  closed: null,
};

class VoiceSession {
  private connection: VoiceConnection | null = null;
  private videoSizes = new Map<string, VideoSize>();
  private sizesTimer: ReturnType<typeof setTimeout> | null = null;
  private connectedTo = "";
  private readonly outgoing: OutgoingMedia;
  private localSpeaking = false;
  private serverSpeaking = new Set<string>();
  private joinTimer: ReturnType<typeof setTimeout> | null = null;
  private lastRejoin = 0;
  /** After a new main gateway session (READY, not RESUMED) the call is rejoined: a voice
   * channel once its guild is back (GUILD_CREATE), a DM's call at once (READY has the DMs). */
  private rejoin: { guildId: string | null; channelId: string } | null = null;
  private muteBeforeDeaf = false;
  private media: VoiceMedia;
  private readonly mediaListeners = new Set<() => void>();
  private readonly levelListeners = new Set<(level: number) => void>();
  private readonly problemListeners = new Set<(problem: VoiceProblem) => void>();

  constructor() {
    const preferences = getPreferences();
    this.outgoing = new OutgoingMedia(
      {
        tracks: (change) => {
          // A new microphone track starts enabled: it follows mute and push-to-talk at once.
          this.applyMicrophone();
          this.connection?.setTracks(change);
          this.publish();
        },
        ended: (device) => void (device === "camera" ? this.toggleCamera() : this.toggleScreen()),
        pushToTalk: (speaking) => this.connection?.sendSpeaking(speaking),
        speaking: (speaking) => {
          this.localSpeaking = speaking;
          this.showSpeaking(getState().me?.id);
        },
        level: (level) => {
          for (const listener of this.levelListeners) listener(level);
        },
        failed: (device, failure) => this.problem({ kind: "capture", device, failure }),
      },
      preferences.mode,
      preferences.pushToTalkKey,
    );
    this.media = this.emptyMedia(preferences.mode);
    onDispatch((event, before, after) => {
      if (event.t === "READY" && before.voice?.joined) this.rejoin = { guildId: before.voice.guildId, channelId: before.voice.channelId };
      this.afterDispatch(before.voice, after.voice);
      const rejoin = this.rejoin;
      const back =
        rejoin &&
        (rejoin.guildId === null ? event.t === "READY" : event.t === "GUILD_CREATE" && (event.d as { id?: string }).id === rejoin.guildId);
      if (rejoin && back) {
        this.rejoin = null;
        if (!after.voice) this.join(rejoin.channelId);
      }
    });
    // However the call ended in the store (a leave, a new session, signing out), media ends too.
    subscribe(() => {
      if (!getState().voice && (this.connection || this.outgoing.microphone)) this.stopAll();
    });
    subscribePreferences(() => {
      const next = getPreferences();
      this.outgoing.step({ type: "mode", mode: next.mode, key: next.pushToTalkKey });
      this.applyMicrophone();
    });
  }

  // -- what the interface reads -----------------------------------------------------------------

  getMedia = (): VoiceMedia => this.media;

  subscribeMedia = (listener: () => void): (() => void) => {
    this.mediaListeners.add(listener);
    return () => this.mediaListeners.delete(listener);
  };

  onLevel(listener: (level: number) => void): () => void {
    this.levelListeners.add(listener);
    return () => this.levelListeners.delete(listener);
  }

  onProblem(listener: (problem: VoiceProblem) => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  /** Drop the voice socket as a network failure would. (Used by tests.) */
  drop(): void {
    this.connection?.drop();
  }

  /** The peer connection of the call (tests read its getStats). */
  peer(): RTCPeerConnection | null {
    return this.connection?.peer() ?? null;
  }

  /** The video connections, when the voice server carries video apart (Janus). (Tests.) */
  videoPeers(): { publisher: RTCPeerConnection | null; subscriber: RTCPeerConnection | null } {
    return this.connection?.videoPeers() ?? { publisher: null, subscriber: null };
  }

  /** A tile shows someone's video at this size in device pixels (null: no longer shown). The
   * SFU is told, a moment later, so that it sends the simulcast layer that fits. */
  showVideo(userId: string, source: VideoSource, size: { width: number; height: number } | null): void {
    const key = `${userId}:${source}`;
    if (size) this.videoSizes.set(key, { user_id: userId, source, ...size });
    else this.videoSizes.delete(key);
    if (this.sizesTimer) clearTimeout(this.sizesTimer);
    this.sizesTimer = setTimeout(() => {
      this.sizesTimer = null;
      this.connection?.showSizes([...this.videoSizes.values()]);
    }, SIZES_DELAY_MS);
  }

  // -- what a person does -----------------------------------------------------------------------

  /** Join a voice channel, or start or join the call of a DM or group DM (leaving another call
   * first); says why not when it cannot be. */
  join(channelId: string): boolean {
    const s = getState();
    const channel = s.channels[channelId];
    if (!channel || !(isVoiceChannel(channel) || isPrivateChannel(channel))) return false;
    if (s.voice?.channelId === channelId) return true;
    const block = voiceJoinBlock(s, channelId);
    if (block) {
      this.problem({ kind: block });
      return false;
    }
    const guildId = channel.guild_id ?? null;
    const scopeId = scopeOf(guildId, channelId);
    if (s.voice && s.voice.scopeId !== scopeId) this.leave();
    // A move within the guild that the server refuses leaves one where one was.
    const movingFrom = s.voice?.joined && s.voice.scopeId === scopeId ? s.voice.channelId : null;
    const { selfMute, selfDeaf } = getPreferences();
    setState((state) => beginVoice(state, guildId, channelId, selfMute || selfDeaf, selfDeaf));
    this.sendVoiceState();
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = setTimeout(() => {
      this.joinTimer = null;
      const voice = getState().voice;
      if (voice && voice.channelId === channelId && !voice.joined) {
        if (movingFrom) {
          setState((state) => changeVoice(state, { channelId: movingFrom, joined: true }));
        } else {
          this.stopAll();
          setState(endVoice);
        }
        this.problem({ kind: "join_failed" });
      }
    }, JOIN_TIMEOUT_MS);
    void this.ensureMicrophone();
    return true;
  }

  leave(): void {
    const voice = getState().voice;
    if (!voice) return;
    gateway.send(Op.VOICE_STATE_UPDATE, {
      guild_id: voice.guildId,
      channel_id: null,
      self_mute: voice.selfMute,
      self_deaf: voice.selfDeaf,
    });
    this.stopAll();
    setState(endVoice);
  }

  toggleMute(): void {
    const voice = getState().voice;
    const muted = voice ? voice.selfMute : getPreferences().selfMute;
    // Unmuting while deafened undeafens too, as on Discord.
    const change = muted ? { selfMute: false, selfDeaf: false } : { selfMute: true };
    setPreferences(change);
    this.changeSelf(change);
  }

  /** Deafen mutes as well; undeafening gives back the mute one had before. */
  toggleDeaf(): void {
    const voice = getState().voice;
    const current = voice ?? { selfMute: getPreferences().selfMute, selfDeaf: getPreferences().selfDeaf };
    let change: { selfMute: boolean; selfDeaf: boolean };
    if (current.selfDeaf) {
      change = { selfDeaf: false, selfMute: this.muteBeforeDeaf };
    } else {
      this.muteBeforeDeaf = current.selfMute;
      change = { selfDeaf: true, selfMute: true };
    }
    setPreferences(change);
    this.changeSelf(change);
  }

  async toggleCamera(): Promise<void> {
    const voice = getState().voice;
    if (!voice) return;
    if (this.outgoing.camera) {
      this.outgoing.stopCamera();
      this.changeSelf({ selfVideo: false });
      return;
    }
    if (!mayStream(getState())) {
      this.problem({ kind: "no_stream_permission" });
      return;
    }
    if (await this.outgoing.startCamera(() => !!getState().voice)) this.changeSelf({ selfVideo: true });
  }

  async toggleScreen(): Promise<void> {
    const voice = getState().voice;
    if (!voice) return;
    if (this.outgoing.screen) {
      this.outgoing.stopScreen();
      setState((s) => changeVoice(s, { selfStream: false }));
      return;
    }
    if (!mayStream(getState())) {
      this.problem({ kind: "no_stream_permission" });
      return;
    }
    if (await this.outgoing.startScreen(() => !!getState().voice)) setState((s) => changeVoice(s, { selfStream: true }));
  }

  /** Another microphone was chosen in the settings: swapped in during a call. */
  async changeInputDevice(deviceId: string): Promise<void> {
    setPreferences({ inputDevice: deviceId });
    if (getState().voice) await this.outgoing.changeMicrophone(deviceId);
  }

  keyDown(code: string): void {
    this.outgoing.step({ type: "keydown", code });
    this.applyMicrophone();
  }

  keyUp(code: string): void {
    this.outgoing.step({ type: "keyup", code });
    this.applyMicrophone();
  }

  blur(): void {
    this.outgoing.step({ type: "blur" });
    this.applyMicrophone();
  }

  // -- inside -----------------------------------------------------------------------------------

  private emptyMedia(mode: InputMode): VoiceMedia {
    return {
      remoteAudio: [],
      remoteVideo: [],
      camera: null,
      screen: null,
      offered: [],
      mode,
      transmitting: false,
    };
  }

  private problem(problem: VoiceProblem): void {
    for (const listener of this.problemListeners) listener(problem);
  }

  private sendVoiceState(): void {
    const voice = getState().voice;
    if (!voice) return;
    gateway.send(Op.VOICE_STATE_UPDATE, {
      guild_id: voice.guildId,
      channel_id: voice.channelId,
      self_mute: voice.selfMute,
      self_deaf: voice.selfDeaf,
      self_video: voice.selfVideo,
    });
  }

  private changeSelf(change: Partial<Pick<LocalVoice, "selfMute" | "selfDeaf" | "selfVideo">>): void {
    if (!getState().voice) return;
    setState((s) => changeVoice(s, change));
    this.sendVoiceState();
    this.applyMicrophone();
  }

  /** The microphone's track is enabled exactly when this person may be heard now. */
  private applyMicrophone(): void {
    const s = getState();
    const voice = s.voice;
    const { mode, open } = this.outgoing.gate(
      !voice || voice.selfMute || voice.selfDeaf,
      maySpeak(s),
      !!voice && can(s, voice.channelId, P.USE_VAD),
      getPreferences().mode,
    );
    if (this.media.mode !== mode || this.media.transmitting !== open) {
      this.media = { ...this.media, mode, transmitting: open };
      this.notifyMedia();
    }
  }

  private ensureMicrophone(): Promise<void> {
    return this.outgoing.ensureMicrophone(getPreferences().inputDevice, () => !!getState().voice);
  }

  private showSpeaking(userId: string | undefined): void {
    if (!userId) return;
    const mine = userId === getState().me?.id;
    const speaking = this.serverSpeaking.has(userId) || (mine && this.localSpeaking);
    setState((s) => (s.voice ? setSpeaking(s, userId, speaking) : s));
  }

  private afterDispatch(before: LocalVoice | null, after: LocalVoice | null): void {
    if (before && !after) {
      this.stopAll();
      return;
    }
    if (!after) return;
    if (after.joined && this.joinTimer) {
      clearTimeout(this.joinTimer);
      this.joinTimer = null;
    }
    const target = after.server ? `${after.server.endpoint} ${after.server.token}` : "";
    if (target && target !== this.connectedTo) this.connect();
    // A server mute, or a role that lost SPEAK or USE_VAD, changes what the microphone may do.
    this.applyMicrophone();
  }

  private connect(): void {
    const s = getState();
    const voice = s.voice;
    if (!voice?.server || !s.me || !s.sessionId) return;
    this.connection?.stop();
    this.serverSpeaking.clear();
    this.connectedTo = `${voice.server.endpoint} ${voice.server.token}`;
    const connection = new VoiceConnection({
      endpoint: voice.server.endpoint,
      token: voice.server.token,
      serverId: voice.scopeId,
      userId: s.me.id,
      sessionId: s.sessionId,
    });
    this.connection = connection;
    connection.on((event) => {
      if (this.connection !== connection) return;
      switch (event.type) {
        case "status": {
          const status = STATUS[event.status];
          if (status) setState((state) => changeVoice(state, { status }));
          break;
        }
        case "speaking":
          if (event.speaking) this.serverSpeaking.add(event.userId);
          else this.serverSpeaking.delete(event.userId);
          this.showSpeaking(event.userId);
          break;
        case "tracks":
        case "streams":
          this.publish();
          break;
        case "client_disconnect":
          break;
        case "rejected":
          this.rejected(connection);
          break;
      }
    });
    connection.setTracks(this.outgoing.tracks());
    connection.start();
    void this.ensureMicrophone();
  }

  /** The voice server refused this token (or ended the call): if the main gateway still says we
   * are in the channel, ask again (op 4), which brings a new VOICE_SERVER_UPDATE. */
  private rejected(connection: VoiceConnection): void {
    this.connectedTo = "";
    setTimeout(() => {
      const voice = getState().voice;
      // A move brings its own VOICE_SERVER_UPDATE (and so a new connection): nothing to ask.
      if (this.connection !== connection || !voice?.joined || Date.now() - this.lastRejoin < 15_000) return;
      this.lastRejoin = Date.now();
      setState((s) => changeVoice(s, { status: "reconnecting" }));
      this.sendVoiceState();
    }, REJOIN_AFTER_MS);
  }

  private publish(): void {
    const connection = this.connection;
    this.media = {
      ...this.media,
      remoteAudio: connection?.remoteAudio() ?? [],
      remoteVideo: connection?.remoteVideo() ?? [],
      offered: connection?.offeredStreams() ?? [],
      camera: this.outgoing.camera,
      screen: this.outgoing.screen,
    };
    this.notifyMedia();
  }

  private notifyMedia(): void {
    for (const listener of this.mediaListeners) listener();
  }

  private stopAll(): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
    this.connection?.stop();
    this.connection = null;
    this.connectedTo = "";
    this.outgoing.stopAll();
    this.serverSpeaking.clear();
    this.media = this.emptyMedia(this.media.mode);
    this.notifyMedia();
  }
}

export const voice = new VoiceSession();

if (typeof window !== "undefined") {
  const handle = (window as unknown as { townhall?: Record<string, unknown> }).townhall;
  if (handle) handle.voice = voice;
}
