import { describe, expect, it } from "vitest";
import {
  directionOf,
  mapStreams,
  planTransceivers,
  roleKey,
  sourcesFor,
  streamsToWatch,
  wantedRoles,
  type MediaWish,
  type Role,
} from "../src/voice/offer";
import { voiceGatewayUrl } from "../src/voice/protocol";
import { detectSpeaking, keyLabel, microphoneOpen, rms, talk, type TalkState } from "../src/voice/talk";

const QUIET: MediaWish = { microphone: true, camera: false, screen: false, screenAudio: false, watch: [] };

function describePlan(existing: { kind: "audio" | "video"; role: Role | null }[], wish: MediaWish) {
  const plan = planTransceivers(existing, wantedRoles(wish));
  return {
    kept: plan.roles.map((role) => (role ? `${roleKey(role)} ${directionOf(role)}` : "inactive")),
    added: plan.added.map((role) => `${roleKey(role)} ${directionOf(role)}`),
  };
}

describe("the offer: which transceivers for which state", () => {
  it("a first offer: the microphone sendrecv (slot 0) and two more receive-only audio slots", () => {
    expect(describePlan([], QUIET)).toEqual({
      kept: [],
      added: ["microphone sendrecv", "slot:1 recvonly", "slot:2 recvonly"],
    });
  });

  it("without a microphone the first transceiver only receives", () => {
    expect(describePlan([], { ...QUIET, microphone: false }).added[0]).toBe("microphone recvonly");
  });

  it("a camera, a screen with its sound, and two streams to watch", () => {
    const wish: MediaWish = {
      ...QUIET,
      camera: true,
      screen: true,
      screenAudio: true,
      watch: [
        { user_id: "7", source: "camera" },
        { user_id: "8", source: "screen" },
        { user_id: "7", source: "camera" },
      ],
    };
    expect(describePlan([], wish).added).toEqual([
      "microphone sendrecv",
      "slot:1 recvonly",
      "slot:2 recvonly",
      "camera sendonly",
      "screen sendonly",
      "screen_audio sendonly",
      "watch:7:camera recvonly",
      "watch:8:screen recvonly",
    ]);
  });

  it("a renegotiation keeps what still has its role, reuses a free transceiver of the same kind, and idles the rest", () => {
    const start = wantedRoles({ ...QUIET, camera: true, watch: [{ user_id: "7", source: "camera" }] });
    const existing = start.map((role) => ({ kind: role.kind, role }));
    // The camera goes off and someone else's screen appears: its video transceiver is reused.
    const next = describePlan(existing, { ...QUIET, watch: [{ user_id: "7", source: "camera" }, { user_id: "9", source: "screen" }] });
    expect(next).toEqual({
      kept: ["microphone sendrecv", "slot:1 recvonly", "slot:2 recvonly", "watch:9:screen recvonly", "watch:7:camera recvonly"],
      added: [],
    });
    // Nothing to watch any more: the video transceivers stay, inactive.
    expect(describePlan(existing, QUIET).kept.slice(3)).toEqual(["inactive", "inactive"]);
  });

  it("op 1's sources name the published mids only", () => {
    const roles = wantedRoles({ ...QUIET, camera: true, screen: true, screenAudio: true, watch: [{ user_id: "7", source: "camera" }] });
    const entries = roles.map((role, index) => ({ mid: String(index), role }));
    expect(sourcesFor([...entries, { mid: "9", role: null }, { mid: null, role: roles[0] }])).toEqual({
      "0": "microphone",
      "3": "camera",
      "4": "screen",
      "5": "screen_audio",
    });
    expect(sourcesFor(wantedRoles({ ...QUIET, microphone: false }).map((role, i) => ({ mid: String(i), role })))).toEqual({});
  });

  it("op 4's streams map mids to audio slots and to whose video", () => {
    const map = mapStreams([
      { mid: "0", kind: "audio", slot: 0 },
      { mid: "1", kind: "audio", slot: 1 },
      { mid: "4", kind: "video", user_id: "7", source: "screen" },
    ]);
    expect([...map.audio]).toEqual([["0", 0], ["1", 1]]);
    expect(map.video.get("4")).toEqual({ userId: "7", source: "screen" });
    expect(mapStreams(undefined).audio.size).toBe(0);
  });

  it("one watches the streams of op 15 but one's own, each once", () => {
    const streams = [
      { user_id: "1", source: "camera" as const },
      { user_id: "7", source: "camera" as const },
      { user_id: "7", source: "screen" as const },
      { user_id: "7", source: "screen" as const },
    ];
    expect(streamsToWatch(streams, "1")).toEqual([{ user_id: "7", source: "camera" }, { user_id: "7", source: "screen" }]);
  });

  it("the voice gateway's address follows the page's scheme", () => {
    expect(voiceGatewayUrl("chat.example.org/voice", "https:")).toBe("wss://chat.example.org/voice?v=8");
    expect(voiceGatewayUrl("127.0.0.1:8080/voice", "http:")).toBe("ws://127.0.0.1:8080/voice?v=8");
  });
});

describe("push-to-talk and speaking", () => {
  const ptt: TalkState = { mode: "push_to_talk", key: "KeyV", held: false };

  it("holding the key transmits and says speaking 1; releasing says 0; repeats and other keys do nothing", () => {
    const down = talk(ptt, { type: "keydown", code: "KeyV" });
    expect(down).toEqual({ state: { ...ptt, held: true }, speaking: 1 });
    expect(microphoneOpen(down.state, false, true)).toBe(true);
    expect(talk(down.state, { type: "keydown", code: "KeyV", repeat: true }).speaking).toBeNull();
    expect(talk(down.state, { type: "keyup", code: "KeyB" }).speaking).toBeNull();
    const up = talk(down.state, { type: "keyup", code: "KeyV" });
    expect(up).toEqual({ state: ptt, speaking: 0 });
    expect(microphoneOpen(up.state, false, true)).toBe(false);
    expect(talk(ptt, { type: "keyup", code: "KeyV" }).speaking).toBeNull();
  });

  it("losing the window's focus releases the key", () => {
    const held = talk(ptt, { type: "keydown", code: "KeyV" }).state;
    expect(talk(held, { type: "blur" })).toEqual({ state: ptt, speaking: 0 });
    expect(talk(ptt, { type: "blur" }).speaking).toBeNull();
  });

  it("voice activity keeps the microphone open unless muted or not allowed to speak", () => {
    const vad: TalkState = { mode: "voice_activity", key: "KeyV", held: false };
    expect(microphoneOpen(vad, false, true)).toBe(true);
    expect(microphoneOpen(vad, true, true)).toBe(false);
    expect(microphoneOpen(vad, false, false)).toBe(false);
    expect(talk(vad, { type: "keydown", code: "KeyV" }).speaking).toBeNull();
    // Switching mode while the key is held stops transmitting.
    const held = talk(ptt, { type: "keydown", code: "KeyV" }).state;
    expect(talk(held, { type: "mode", mode: "voice_activity" })).toEqual({ state: vad, speaking: 0 });
    // Held but muted: silent.
    expect(microphoneOpen(held, true, true)).toBe(false);
  });

  it("speech ends only after the hang time of quiet", () => {
    let state = { speaking: false, quietSince: null as number | null };
    state = detectSpeaking(state, 0.001, 0);
    expect(state.speaking).toBe(false);
    state = detectSpeaking(state, 0.2, 10);
    expect(state.speaking).toBe(true);
    state = detectSpeaking(state, 0.0, 100);
    expect(state).toEqual({ speaking: true, quietSince: 100 });
    expect(detectSpeaking(state, 0.3, 200)).toEqual({ speaking: true, quietSince: null });
    expect(detectSpeaking(state, 0.0, 300).speaking).toBe(true);
    expect(detectSpeaking(state, 0.0, 600).speaking).toBe(false);
  });

  it("levels and key names", () => {
    expect(rms([1, -1, 1, -1])).toBe(1);
    expect(rms([])).toBe(0);
    expect(keyLabel("KeyV")).toBe("V");
    expect(keyLabel("Digit4")).toBe("4");
    expect(keyLabel("Backquote")).toBe("Backquote");
  });
});
