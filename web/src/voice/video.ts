/** Video on connections of its own, for a voice server whose READY says `video_transport:
 * "separate"` (Janus; docs/voice.md, "Video on connections of its own"). The main connection
 * then carries audio only, and this keeps two more peer connections:
 *
 * - a publisher connection this client offers (op 1 `connection: "video_publisher"`), with a
 *   send-only video transceiver for the camera and one for the screen. It is made anew whenever
 *   the set of sources changes (the old one closed once the new one is answered); with none, op 1
 *   says `data: null` and the server stops publishing. An op 4 without `sdp` means refused, or taken back (no STREAM): it is offered
 *   again on the next op 15 (which the server sends when the right comes back).
 * - a subscriber connection the server offers (op 4 `connection: "video_subscriber"`, `type:
 *   "offer"`, `streams` naming whose video each mid carries) and this client answers (op 1 of
 *   that connection). Offers are answered one at a time, in order. */

import { mapStreams } from "./offer";
import type { MidStream, SessionDescription, VideoSource } from "./protocol";

export type VideoConnection = "video_publisher" | "video_subscriber";

export interface VideoDescription extends SessionDescription {
  connection: VideoConnection;
  type?: "offer" | "answer";
  sdp: string;
  streams?: MidStream[];
}

export interface VideoLink {
  /** Op 1 of one of the video connections. */
  select(d: { connection: VideoConnection; data: string | null; sources?: Record<string, string> }): void;
  createPeer(): RTCPeerConnection;
  gathered(pc: RTCPeerConnection): Promise<void>;
  /** Remote video tracks changed. */
  changed(): void;
}

export interface VideoTracks {
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
}

const ANSWER_MS = 15_000;

export class SeparateVideo {
  private started = false;
  private tracks: VideoTracks = { camera: null, screen: null };
  private publisher: RTCPeerConnection | null = null;
  /** The sources the publisher connection carries now, as a key ("camera,screen"). */
  private published = "";
  private publishing = false;
  private again = false;
  private reply: ((d: { sdp: string | null }) => void) | null = null;
  private subscriber: RTCPeerConnection | null = null;
  private watching = new Map<string, { userId: string; source: VideoSource }>();
  private answering: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly link: VideoLink) {}

  /** The main connection is up: the server now takes the publisher's offers. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.publish();
  }

  /** What the camera and the screen send now: a new publisher connection if that changed. */
  setTracks(tracks: VideoTracks): void {
    const trackChanged = tracks.camera !== this.tracks.camera || tracks.screen !== this.tracks.screen;
    this.tracks = { ...tracks };
    if (trackChanged && this.keyOf() === this.published && this.publisher) this.replaceTracks();
    void this.publish();
  }

  /** An op 15: the streams changed, or the right to publish came back. */
  retry(): void {
    void this.publish();
  }

  /** An op 4 of a video connection. */
  received(d: VideoDescription): void {
    if (this.closed) return;
    if (d.connection === "video_publisher") {
      const reply = this.reply;
      this.reply = null;
      if (reply) reply({ sdp: d.sdp ?? null });
      else if (!d.sdp && !this.publishing) this.closePublisher(); // taken back by the server
      return;
    }
    if (d.type === "offer" && typeof d.sdp === "string") {
      this.answering = this.answering.then(() => this.answer(d)).catch(() => undefined);
    }
  }

  remoteVideo(): { userId: string; source: VideoSource; track: MediaStreamTrack }[] {
    const out: { userId: string; source: VideoSource; track: MediaStreamTrack }[] = [];
    for (const transceiver of this.subscriber?.getTransceivers() ?? []) {
      const video = transceiver.mid !== null ? this.watching.get(transceiver.mid) : undefined;
      if (video && transceiver.receiver.track) out.push({ ...video, track: transceiver.receiver.track });
    }
    return out;
  }

  /** The peer connections (tests read their getStats). */
  peers(): { publisher: RTCPeerConnection | null; subscriber: RTCPeerConnection | null } {
    return { publisher: this.publisher, subscriber: this.subscriber };
  }

  close(): void {
    this.closed = true;
    this.reply?.({ sdp: null });
    this.reply = null;
    this.closePublisher();
    this.subscriber?.close();
    this.subscriber = null;
    this.watching = new Map();
  }

  // -- publishing -------------------------------------------------------------------------------

  private keyOf(): string {
    return (["camera", "screen"] as const).filter((source) => this.tracks[source]).join(",");
  }

  private replaceTracks(): void {
    const transceivers = this.publisher?.getTransceivers() ?? [];
    const order = (["camera", "screen"] as const).filter((source) => this.tracks[source]);
    order.forEach((source, index) => {
      void transceivers[index]?.sender.replaceTrack(this.tracks[source]).catch(() => undefined);
    });
  }

  private closePublisher(): void {
    this.publisher?.close();
    this.publisher = null;
    this.published = "";
  }

  private async publish(): Promise<void> {
    if (!this.started || this.closed) return;
    if (this.publishing) {
      this.again = true;
      return;
    }
    this.publishing = true;
    try {
      do {
        this.again = false;
        await this.publishOnce();
      } while (this.again && !this.closed);
    } catch {
      this.closePublisher();
    } finally {
      this.publishing = false;
    }
  }

  private request(d: { connection: VideoConnection; data: string | null; sources?: Record<string, string> }): Promise<{ sdp: string | null }> {
    return new Promise((resolve) => {
      this.reply = resolve;
      setTimeout(() => {
        if (this.reply === resolve) {
          this.reply = null;
          resolve({ sdp: null });
        }
      }, ANSWER_MS);
      this.link.select(d);
    });
  }

  /** The old publisher connection is closed only once the server has its successor (or none):
   * the server lets go of the old one first, so the old one's end is no news to it. */
  private async publishOnce(): Promise<void> {
    const key = this.keyOf();
    if (key === this.published && (key === "" || this.publisher)) return;
    const old = this.publisher;
    this.published = "";
    try {
      await this.publishAnew(key, old !== null);
    } finally {
      if (this.publisher === old) this.publisher = null;
      old?.close();
    }
  }

  private async publishAnew(key: string, had: boolean): Promise<void> {
    if (!key) {
      this.publisher = null;
      if (had) await this.request({ connection: "video_publisher", data: null });
      return;
    }
    const pc = this.link.createPeer();
    this.publisher = pc;
    const sources: Record<string, string> = {};
    const transceivers = (["camera", "screen"] as const)
      .filter((source) => this.tracks[source])
      .map((source) => ({ source, transceiver: pc.addTransceiver(this.tracks[source] as MediaStreamTrack, { direction: "sendonly" }) }));
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await this.link.gathered(pc);
    for (const { source, transceiver } of transceivers) if (transceiver.mid !== null) sources[transceiver.mid] = source;
    if (this.publisher !== pc) return;
    const answer = await this.request({ connection: "video_publisher", data: pc.localDescription?.sdp ?? offer.sdp ?? "", sources });
    if (this.publisher !== pc) return;
    if (!answer.sdp) {
      this.closePublisher(); // refused (no STREAM): offered again on the next op 15
      return;
    }
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    this.published = key;
  }

  // -- watching ---------------------------------------------------------------------------------

  private async answer(d: VideoDescription): Promise<void> {
    if (this.closed) return;
    let pc = (this.subscriber ??= this.link.createPeer());
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: d.sdp });
    } catch {
      // An offer this connection cannot take (Janus made the subscriber anew): a new one.
      pc.close();
      pc = this.subscriber = this.link.createPeer();
      await pc.setRemoteDescription({ type: "offer", sdp: d.sdp });
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await this.link.gathered(pc);
    if (this.subscriber !== pc) return;
    this.watching = mapStreams(d.streams).video;
    this.link.select({ connection: "video_subscriber", data: pc.localDescription?.sdp ?? answer.sdp ?? "" });
    this.link.changed();
  }
}
