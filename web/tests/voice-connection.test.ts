/** The voice connection's signalling against a scripted voice gateway and a stand-in peer
 * connection (jsdom has no WebRTC): what it sends, in which order, and what it makes of the
 * answers. */

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VoiceConnection, type VoiceEvent } from "../src/voice/connection";

class FakeSocket {
  readyState = 0;
  sent: { op: number; d: Record<string, unknown> }[] = [];
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((c: { code: number }) => void) | null = null;
  constructor(readonly url: string) {}
  open() {
    this.readyState = 1;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  receive(op: number, d: unknown) {
    this.onmessage?.({ data: JSON.stringify({ op, d }) });
  }
  ops() {
    return this.sent.map((frame) => frame.op);
  }
}

class FakeTrack {
  enabled = true;
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {}
}

class FakeTransceiver {
  mid: string | null = null;
  direction: string;
  sender: { track: FakeTrack | null; replaceTrack: (t: FakeTrack | null) => Promise<void> };
  receiver: { track: FakeTrack };
  constructor(kind: string, track: FakeTrack | null, direction: string, index: number) {
    this.direction = direction;
    this.sender = {
      track,
      replaceTrack: async (t) => {
        this.sender.track = t;
      },
    };
    this.receiver = { track: new FakeTrack(kind, `remote-${index}`) };
  }
}

class FakePeer {
  transceivers: FakeTransceiver[] = [];
  iceGatheringState = "complete";
  connectionState = "new";
  localDescription: { sdp: string } | null = null;
  remote: string[] = [];
  closed = false;
  onconnectionstatechange: (() => void) | null = null;
  inits: RTCRtpTransceiverInit[] = [];
  addTransceiver(trackOrKind: FakeTrack | string, init: { direction: string }) {
    this.inits.push(init as RTCRtpTransceiverInit);
    const track = typeof trackOrKind === "string" ? null : trackOrKind;
    const kind = typeof trackOrKind === "string" ? trackOrKind : trackOrKind.kind;
    const transceiver = new FakeTransceiver(kind, track, init.direction, this.transceivers.length);
    this.transceivers.push(transceiver);
    return transceiver;
  }
  async createOffer() {
    const lines = this.transceivers.map((t, i) => `m=${t.receiver.track.kind} mid:${i} ${t.direction}`);
    return { type: "offer", sdp: lines.join("\n") };
  }
  async setLocalDescription(offer: { sdp: string }) {
    this.transceivers.forEach((t, i) => (t.mid ??= String(i)));
    this.localDescription = { sdp: offer.sdp };
  }
  async setRemoteDescription(description: { type?: string; sdp: string }) {
    this.remote.push(description.sdp);
    // An offer (the server's, for watching) brings a receiving transceiver per m-line.
    if (description.type !== "offer") return;
    for (const line of description.sdp.split("\n")) {
      const mid = /^m=(\w+) mid:(\w+)/.exec(line);
      if (!mid || this.transceivers.some((t) => t.mid === mid[2])) continue;
      const transceiver = new FakeTransceiver(mid[1], null, "recvonly", this.transceivers.length);
      transceiver.mid = mid[2];
      this.transceivers.push(transceiver);
    }
  }
  async createAnswer() {
    return { type: "answer", sdp: `answer to ${this.remote.at(-1)}` };
  }
  getTransceivers() {
    return this.transceivers;
  }
  addEventListener() {}
  removeEventListener() {}
  close() {
    this.closed = true;
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the voice connection", () => {
  let sockets: FakeSocket[];
  let peers: FakePeer[];
  let configurations: RTCConfiguration[];
  let events: VoiceEvent[];
  let connection: VoiceConnection;

  beforeEach(() => {
    sockets = [];
    peers = [];
    configurations = [];
    events = [];
    connection = new VoiceConnection({
      endpoint: "127.0.0.1:9/voice",
      token: "tok",
      serverId: "1000",
      userId: "100",
      sessionId: "main-session",
      pageProtocol: "http:",
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket as unknown as WebSocket;
      },
      createPeer: (configuration) => {
        configurations.push(configuration);
        const peer = new FakePeer();
        peers.push(peer);
        return peer as unknown as RTCPeerConnection;
      },
    });
    connection.on((event) => events.push(event));
  });

  afterEach(() => {
    connection.stop();
    vi.useRealTimers();
  });

  async function handshake() {
    connection.setTracks({ microphone: new FakeTrack("audio", "mic") as unknown as MediaStreamTrack });
    connection.start();
    const socket = sockets[0];
    socket.open();
    socket.receive(8, { heartbeat_interval: 41250 });
    socket.receive(2, { ssrc: 11, ip: "127.0.0.1", port: 9, modes: [], streams: [] });
    await flush();
    return socket;
  }

  it("identifies with the main gateway's session, offers, and applies the answer", async () => {
    const socket = await handshake();
    expect(socket.url).toBe("ws://127.0.0.1:9/voice?v=8");
    expect(socket.sent[0]).toEqual({ op: 0, d: { server_id: "1000", user_id: "100", session_id: "main-session", token: "tok" } });
    const select = socket.sent[1];
    expect(select.op).toBe(1);
    expect(select.d.protocol).toBe("webrtc");
    expect(select.d.sources).toEqual({ "0": "microphone" });
    expect(String(select.d.data).split("\n")).toEqual(["m=audio mid:0 sendrecv", "m=audio mid:1 recvonly", "m=audio mid:2 recvonly"]);
    socket.receive(4, {
      sdp: "answer-1",
      audio_codec: "opus",
      video_codec: "VP8",
      media_session_id: "m",
      streams: [
        { mid: "0", kind: "audio", slot: 0 },
        { mid: "1", kind: "audio", slot: 1 },
        { mid: "2", kind: "audio", slot: 2 },
      ],
    });
    await flush();
    expect(peers[0].remote).toEqual(["answer-1"]);
    expect(connection.remoteAudio().map((a) => [a.slot, a.track.id])).toEqual([[0, "remote-0"], [1, "remote-1"], [2, "remote-2"]]);
    // In the call once media flows (ICE and DTLS connected), not when the answer arrives.
    expect(connection.status).toBe("connecting");
    peers[0].connectionState = "connected";
    peers[0].onconnectionstatechange?.();
    expect(connection.status).toBe("connected");
  });

  it("uses no ICE servers unless READY brings some", async () => {
    await handshake();
    expect(configurations).toEqual([{ iceServers: [], bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" }]);
  });

  it("gives the peer connection READY's STUN and TURN servers, with fresh ones after a reconnect", async () => {
    vi.useFakeTimers();
    connection.start();
    const socket = sockets[0];
    socket.open();
    socket.receive(8, { heartbeat_interval: 41250 });
    const turn = { urls: ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"], username: "1700043200:100", credential: "c2VjcmV0" };
    socket.receive(2, {
      ssrc: 11,
      ice_servers: [{ urls: ["stun:turn.example.org:3478"] }, turn, { urls: "not a list" }, { urls: [] }],
    });
    expect(configurations[0].iceServers).toEqual([{ urls: ["stun:turn.example.org:3478"] }, turn]);
    expect(configurations[0].bundlePolicy).toBe("max-bundle");
    socket.close(1006);
    vi.advanceTimersByTime(300);
    const second = sockets[1];
    second.open();
    second.receive(8, { heartbeat_interval: 41250 });
    const renewed = { ...turn, username: "1700050000:100", credential: "bmV3" };
    second.receive(2, { ssrc: 12, ice_servers: [renewed] });
    expect(peers).toHaveLength(2);
    expect(configurations[1].iceServers).toEqual([renewed]);
  });

  it("renegotiates on op 15 with a receive-only video per stream, and maps the answer's video", async () => {
    const socket = await handshake();
    socket.receive(4, { sdp: "a1", streams: [{ mid: "0", kind: "audio", slot: 0 }] });
    await flush();
    socket.receive(15, { streams: [{ user_id: "100", source: "camera" }, { user_id: "200", source: "screen" }] });
    await flush();
    const again = socket.sent[socket.sent.length - 1];
    expect(again.op).toBe(1);
    expect(String(again.d.data).split("\n").slice(3)).toEqual(["m=video mid:3 recvonly"]);
    socket.receive(4, { sdp: "a2", streams: [{ mid: "0", kind: "audio", slot: 0 }, { mid: "3", kind: "video", user_id: "200", source: "screen" }] });
    await flush();
    expect(connection.remoteVideo().map((v) => [v.userId, v.source, v.track.id])).toEqual([["200", "screen", "remote-3"]]);
    expect(connection.offeredStreams()).toEqual([{ user_id: "200", source: "screen" }]);
    // Turning the camera on: a send-only video, named in sources.
    connection.setTracks({ camera: new FakeTrack("video", "cam") as unknown as MediaStreamTrack });
    await flush();
    const camera = socket.sent[socket.sent.length - 1];
    expect(camera.d.sources).toEqual({ "0": "microphone", "4": "camera" });
  });

  it("sends the camera as three simulcast layers, lowest first, and tells the SFU its tile sizes", async () => {
    const socket = await handshake();
    socket.receive(4, { sdp: "a1", streams: [{ mid: "0", kind: "audio", slot: 0 }] });
    await flush();
    connection.setTracks({ camera: new FakeTrack("video", "cam") as unknown as MediaStreamTrack });
    await flush();
    const encodings = peers[0].inits[peers[0].inits.length - 1].sendEncodings ?? [];
    expect(encodings.map((e) => [e.rid, e.scaleResolutionDownBy ?? 1])).toEqual([["q", 4], ["h", 2], ["f", 1]]);
    expect(peers[0].inits.slice(0, 3).every((init) => init.sendEncodings === undefined)).toBe(true);
    socket.receive(4, { sdp: "a2", streams: [{ mid: "0", kind: "audio", slot: 0 }] });
    await flush();
    expect(socket.ops().filter((op) => op === 15)).toHaveLength(0); // nothing shown yet
    const shown = [{ user_id: "200", source: "camera" as const, width: 640, height: 360 }];
    connection.showSizes(shown);
    connection.showSizes(shown.map((s) => ({ ...s })));
    expect(socket.sent.filter((f) => f.op === 15).map((f) => f.d)).toEqual([{ sizes: shown }]);
    // A new answer (a new offer, or a new connection) hears them again.
    connection.setTracks({ camera: null });
    await flush();
    socket.receive(4, { sdp: "a3", streams: [{ mid: "0", kind: "audio", slot: 0 }] });
    await flush();
    expect(socket.sent.filter((f) => f.op === 15)).toHaveLength(2);
  });

  it("one offer at a time: a change while waiting for an answer makes one more offer after it", async () => {
    const socket = await handshake();
    connection.setTracks({ camera: new FakeTrack("video", "cam") as unknown as MediaStreamTrack });
    await flush();
    expect(socket.ops().filter((op) => op === 1)).toHaveLength(1);
    socket.receive(4, { sdp: "a1", streams: [] });
    await flush();
    await flush();
    expect(socket.ops().filter((op) => op === 1)).toHaveLength(2);
  });

  it("with video apart (Janus), offers audio only, publishes on a connection of its own and answers the server's video offers", async () => {
    connection.setTracks({ microphone: new FakeTrack("audio", "mic") as unknown as MediaStreamTrack });
    connection.start();
    const socket = sockets[0];
    socket.open();
    socket.receive(8, { heartbeat_interval: 41250 });
    socket.receive(2, { ssrc: 11, streams: [], video_transport: "separate" });
    await flush();
    const camera = new FakeTrack("video", "cam") as unknown as MediaStreamTrack;
    connection.setTracks({ camera });
    await flush();
    // Nothing for video before the main connection is answered; the main offer has no video.
    expect(socket.sent.filter((f) => f.op === 1).map((f) => f.d.connection)).toEqual([undefined]);
    socket.receive(4, { sdp: "a1", streams: [{ mid: "0", kind: "audio", slot: 0 }] });
    await flush();
    await flush();
    const publish = socket.sent[socket.sent.length - 1];
    expect(publish.op).toBe(1);
    expect(publish.d).toMatchObject({ protocol: "webrtc", connection: "video_publisher", sources: { "0": "camera" } });
    expect(peers[1].transceivers.map((t) => [t.direction, t.sender.track])).toEqual([["sendonly", camera]]);
    socket.receive(4, { connection: "video_publisher", sdp: "published" });
    await flush();
    expect(peers[1].remote).toEqual(["published"]);
    // Op 15 does not renegotiate the audio; the server offers what to watch, and is answered.
    const mainOffers = socket.sent.filter((f) => f.op === 1 && !f.d.connection).length;
    socket.receive(15, { streams: [{ user_id: "200", source: "camera" }] });
    socket.receive(4, {
      connection: "video_subscriber",
      type: "offer",
      sdp: "m=video mid:v0 sendonly",
      streams: [{ mid: "v0", kind: "video", user_id: "200", source: "camera" }],
    });
    await flush();
    await flush();
    expect(socket.sent.filter((f) => f.op === 1 && !f.d.connection)).toHaveLength(mainOffers);
    expect(socket.sent[socket.sent.length - 1].d).toEqual({ protocol: "webrtc", connection: "video_subscriber", data: "answer to m=video mid:v0 sendonly" });
    expect(connection.remoteVideo().map((v) => [v.userId, v.source, v.track.id])).toEqual([["200", "camera", "remote-0"]]);
    expect(connection.offeredStreams()).toEqual([{ user_id: "200", source: "camera" }]);
    // Taken back by the server (no STREAM): closed, and offered again on the next op 15.
    socket.receive(4, { connection: "video_publisher", sdp: null });
    expect(peers[1].closed).toBe(true);
    socket.receive(15, { streams: [{ user_id: "200", source: "camera" }] });
    await flush();
    await flush();
    expect(socket.sent[socket.sent.length - 1].d.connection).toBe("video_publisher");
    socket.receive(4, { connection: "video_publisher", sdp: "published again" });
    await flush();
    // The camera off: the server is told to stop publishing.
    connection.setTracks({ camera: null });
    await flush();
    expect(socket.sent[socket.sent.length - 1].d).toEqual({ protocol: "webrtc", connection: "video_publisher", data: null });
  });

  it("heartbeats with op 3 per HELLO, passes speaking on, and sends op 5 for push-to-talk", async () => {
    vi.useFakeTimers();
    connection.start();
    const socket = sockets[0];
    socket.open();
    socket.receive(8, { heartbeat_interval: 5000 });
    vi.advanceTimersByTime(5000);
    expect(socket.sent[1].op).toBe(3);
    expect(typeof socket.sent[1].d.t).toBe("number");
    socket.receive(6, socket.sent[1].d);
    socket.receive(2, { ssrc: 42 });
    connection.sendSpeaking(1);
    expect(socket.sent.find((f) => f.op === 5)?.d).toEqual({ speaking: 1, delay: 0, ssrc: 42 });
    socket.receive(5, { user_id: "200", ssrc: 7, speaking: 1 });
    socket.receive(13, { user_id: "200" });
    expect(events.filter((e) => e.type === "speaking")).toEqual([
      { type: "speaking", userId: "200", speaking: true },
      { type: "speaking", userId: "200", speaking: false },
    ]);
  });

  it("a dropped socket reconnects with a new peer connection; a refusal does not", async () => {
    const socket = await handshake();
    vi.useFakeTimers();
    socket.close(1006);
    expect(connection.status).toBe("reconnecting");
    expect(peers[0].closed).toBe(true);
    vi.advanceTimersByTime(300);
    expect(sockets).toHaveLength(2);
    const second = sockets[1];
    second.open();
    second.receive(8, { heartbeat_interval: 41250 });
    expect(second.sent[0].op).toBe(0);
    second.close(4014);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(2);
    expect(events.at(-1)).toEqual({ type: "rejected", code: 4014 });
  });

  it("a heartbeat without an ACK closes the socket as a zombie and reconnects", () => {
    vi.useFakeTimers();
    connection.start();
    sockets[0].open();
    sockets[0].receive(8, { heartbeat_interval: 1000 });
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(1000);
    expect(sockets[0].readyState).toBe(3);
    vi.advanceTimersByTime(300);
    expect(sockets).toHaveLength(2);
  });
});
