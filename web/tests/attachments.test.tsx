/** Files in messages: which way each file travels, the multipart body, sizes per language, the
 * waveform's bars, and what a person sees of a file (blocked, checking, spoiler, image space). */

import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { messageForm } from "../src/api/client";
import type { Attachment, Message } from "../src/api/types";
import { i18n } from "../src/i18n";
import { Attachments } from "../src/features/messages/Attachments";
import {
  MiB,
  MULTIPART_LIMIT,
  attachmentKind,
  chooseTransports,
  decodeWaveform,
  fileUrl,
  fitWithin,
  formatDuration,
  formatSize,
  uploadIdFromUrl,
  voiceFormat,
  waveformBars,
} from "../src/features/messages/attachmentRules";
import { ApiError } from "../src/api/client";
import { uploadError } from "../src/features/messages/UploadProgress";
import { initialState, reduce } from "../src/state/reducer";

afterEach(cleanup);

describe("choosing how each file travels", () => {
  it("sends small files in the message's request and large ones resumably", () => {
    expect(chooseTransports([1 * MiB, 2 * MiB])).toEqual(["multipart", "multipart"]);
    expect(chooseTransports([30 * MiB])).toEqual(["tus"]);
    expect(chooseTransports([25 * MiB])).toEqual(["tus"]); // no room left for the JSON part
    expect(chooseTransports([])).toEqual([]);
  });

  it("fits as many files as it can into what is left of the 25 MiB, smallest first", () => {
    // 20 + 10 MiB do not fit together: the 10 MiB file and the 1 MiB file do, in any order given.
    expect(chooseTransports([20 * MiB, 1 * MiB, 10 * MiB])).toEqual(["tus", "multipart", "multipart"]);
    expect(chooseTransports([12 * MiB, 12 * MiB, 12 * MiB])).toEqual(["multipart", "multipart", "tus"]);
    const sizes = Array.from({ length: 10 }, () => 3 * MiB);
    const chosen = chooseTransports(sizes);
    const multipart = sizes.filter((_, i) => chosen[i] === "multipart").reduce((a, b) => a + b, 0);
    expect(multipart).toBeLessThanOrEqual(MULTIPART_LIMIT);
    expect(chosen.filter((c) => c === "multipart")).toHaveLength(8);
  });

  it("takes the upload's id from the last path segment of its URL", () => {
    expect(uploadIdFromUrl("http://127.0.0.1:8080/api/v10/uploads/abc123")).toBe("abc123");
    expect(uploadIdFromUrl("/api/v10/uploads/abc123/")).toBe("abc123");
    expect(uploadIdFromUrl("/api/v10/uploads/a%2Bb?x=1")).toBe("a+b");
  });
});

describe("the multipart body", () => {
  it("has payload_json first, then files[n] where n is the attachment's id", async () => {
    const payload = {
      content: "two files",
      nonce: "123",
      attachments: [
        { id: 0, filename: "photo.png", description: "a cat" },
        { id: 1, filename: "big.zip", uploaded_filename: "u1" },
        { id: 2, filename: "notes.txt" },
      ],
    };
    const form = messageForm(payload, [
      { id: 0, file: new Blob(["png"], { type: "image/png" }), filename: "photo.png" },
      { id: 2, file: new Blob(["hello"], { type: "text/plain" }), filename: "notes.txt" },
    ]);
    expect([...form.keys()]).toEqual(["payload_json", "files[0]", "files[2]"]);
    expect(JSON.parse(form.get("payload_json") as string)).toEqual(payload);
    const notes = form.get("files[2]") as File;
    expect(notes.name).toBe("notes.txt");
    expect(await notes.text()).toBe("hello");
  });
});

describe("sizes and durations", () => {
  it("reads sizes in each language's units and decimal sign", () => {
    expect(formatSize(512, "en")).toBe("512 bytes");
    expect(formatSize(1536, "en")).toBe("1.5 kB");
    expect(formatSize(1.5 * MiB, "de")).toBe("1,5 MB");
    expect(formatSize(1.5 * MiB, "fr")).toMatch(/^1,5\s?Mo$/);
    expect(formatSize(30 * MiB, "en")).toBe("30 MB");
    expect(formatSize(2 * 1024 * MiB, "fr")).toMatch(/^2\s?Go$/);
  });

  it("writes durations as a clock", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(7.9)).toBe("0:07");
    expect(formatDuration(754)).toBe("12:34");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("0:00");
  });
});

describe("the waveform", () => {
  const base64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));

  it("decodes the server's base64 amplitudes", () => {
    expect(decodeWaveform(base64([0, 128, 255]))).toEqual([0, 128, 255]);
    expect(decodeWaveform(null)).toEqual([]);
    expect(decodeWaveform("not base64!")).toEqual([]);
  });

  it("draws each bar as the loudest of its share, scaled to the loudest of all", () => {
    const amplitudes = [10, 20, 0, 0, 40, 40, 5, 5];
    const bars = waveformBars(amplitudes, 4, 0);
    expect(bars).toEqual([0.5, 0, 1, 0.125]);
    const floored = waveformBars(amplitudes, 4, 0.1);
    expect(floored[1]).toBeCloseTo(0.1);
    expect(floored[2]).toBeCloseTo(1);
  });

  it("stretches a short waveform over every bar and keeps a silent one flat", () => {
    expect(waveformBars([0, 255], 4, 0)).toEqual([0, 0, 1, 1]);
    expect(waveformBars([], 3, 0.08)).toEqual([0.08, 0.08, 0.08]);
    expect(waveformBars([0, 0, 0], 3, 0.08)).toEqual([0.08, 0.08, 0.08]);
  });
});

describe("kinds, sizes on screen and links", () => {
  it("shows files by their type, else by their name", () => {
    expect(attachmentKind("image/png", "x")).toBe("image");
    expect(attachmentKind("image/svg+xml", "x.svg")).toBe("file"); // never inline: may hold script
    expect(attachmentKind("video/mp4", "x")).toBe("video");
    expect(attachmentKind("audio/ogg", "x")).toBe("audio");
    expect(attachmentKind(null, "photo.JPG")).toBe("image");
    expect(attachmentKind("application/zip", "big.zip")).toBe("file");
  });

  it("fits images into the inline box keeping their shape", () => {
    expect(fitWithin(800, 600, 400, 300)).toEqual({ width: 400, height: 300 });
    expect(fitWithin(100, 50, 400, 300)).toEqual({ width: 100, height: 50 });
    expect(fitWithin(300, 1200, 400, 300)).toEqual({ width: 75, height: 300 });
  });

  it("links files only over http(s)", () => {
    expect(fileUrl("/api/v10/files/1?sig=x", "http://chat.example/channels/1")).toBe("http://chat.example/api/v10/files/1?sig=x");
    expect(fileUrl("https://cdn.example/a.png")).toBe("https://cdn.example/a.png");
    expect(fileUrl("javascript:alert(1)")).toBe("");
    expect(fileUrl("java\tscript:alert(1)")).toBe("");
    expect(fileUrl("data:text/html,x")).toBe("");
    expect(fileUrl(null)).toBe("");
  });

  it("records in the first format the browser offers", () => {
    expect(voiceFormat((t) => t.startsWith("audio/webm"))).toEqual({ mimeType: "audio/webm;codecs=opus", filename: "voice-message.webm" });
    expect(voiceFormat(() => true)).toEqual({ mimeType: "audio/ogg;codecs=opus", filename: "voice-message.ogg" });
    expect(voiceFormat(() => false)).toBeNull();
  });
});

describe("why an upload failed", () => {
  const t = i18n.t.bind(i18n);

  it("shows a full quota's own message, and says 'too large' or 'not allowed' in the person's words", () => {
    const quota = "These files would exceed your storage quota of 1.0 MB (0 bytes used).";
    expect(uploadError(t, new ApiError("too_long", 413, 40005, quota))).toBe(quota);
    expect(uploadError(t, new ApiError("too_long", 413, 40005, "Request entity too large"))).toBe("The files are too large for this server.");
    expect(uploadError(t, new ApiError("permission", 403, 50013, "Missing Permissions"))).toBe("You cannot attach files in this channel.");
    expect(uploadError(t, new ApiError("network", 0, 0, "network"))).toBe(t("errors.network"));
    const form = new ApiError("invalid", 400, 50035, "Invalid Form Body", null, { attachments: "VOICE_MESSAGE" });
    expect(uploadError(t, form)).toBe("The value of “attachments” was not accepted.");
  });
});

const FILE: Attachment = {
  id: "9",
  filename: "photo.png",
  size: 2048,
  url: "https://files.example/photo.png?sig=1",
  proxy_url: "https://files.example/photo.png?sig=1&preview=1",
  content_type: "image/png",
  width: 1600,
  height: 900,
};

describe("what a person sees of a file", () => {
  it("reserves an image's space before it loads, and shows the preview", () => {
    render(<Attachments attachments={[FILE]} flags={0} />);
    const image = screen.getByRole("img", { name: "photo.png" });
    expect(image.getAttribute("width")).toBe("400");
    expect(image.getAttribute("height")).toBe("225");
    expect(image.getAttribute("src")).toBe(FILE.proxy_url);
    expect(screen.getByRole("button", { name: "Open image photo.png" })).toBeTruthy();
  });

  it("tells the uploader a file is being checked, and names the malware that blocked one", () => {
    render(
      <Attachments
        attachments={[
          { ...FILE, id: "1", filename: "a.zip", content_type: "application/zip", scan_status: "pending" },
          { ...FILE, id: "2", filename: "eicar.com", content_type: "application/octet-stream", url: "", proxy_url: "", scan_status: "blocked", scan_signature: "Eicar-Test-Signature" },
        ]}
        flags={0}
      />,
    );
    expect(screen.getByText("Checking for malware…")).toBeTruthy();
    expect(screen.getByText(/Blocked: malware found \(Eicar-Test-Signature\)/)).toBeTruthy();
    expect(screen.queryByRole("link")).toBeNull(); // neither file can be downloaded
  });

  it("keeps a spoiler hidden until it is clicked", () => {
    render(<Attachments attachments={[{ ...FILE, flags: 8 }]} flags={0} />);
    expect(screen.queryByRole("img", { name: "photo.png" })).toBeNull(); // hidden from the accessibility tree
    fireEvent.click(screen.getByRole("button", { name: "Spoiler: show photo.png" }));
    expect(screen.getByRole("img", { name: "photo.png" })).toBeTruthy();
  });

  it("plays an animation at once, or shows its still frame until clicked for people who ask for less motion", () => {
    const gif = { ...FILE, filename: "dance.gif", content_type: "image/gif", flags: 32 };
    const { unmount } = render(<Attachments attachments={[gif]} flags={0} />);
    expect(screen.getByRole("img", { name: "dance.gif" }).getAttribute("src")).toBe(FILE.url);
    unmount();
    const original = window.matchMedia;
    window.matchMedia = ((query: string) => ({ matches: query.includes("reduce"), addEventListener() {}, removeEventListener() {} })) as unknown as typeof window.matchMedia;
    try {
      render(<Attachments attachments={[gif]} flags={0} />);
      expect(screen.getByRole("img", { name: "dance.gif" }).getAttribute("src")).toBe(FILE.proxy_url);
      fireEvent.click(screen.getByRole("button", { name: "Play animation dance.gif" }));
      expect(screen.getByRole("img", { name: "dance.gif" }).getAttribute("src")).toBe(FILE.url);
      expect(screen.getByRole("button", { name: "Open image dance.gif" })).toBeTruthy();
    } finally {
      window.matchMedia = original;
    }
  });

  it("shows a video inline with controls, its poster the preview, its space reserved", () => {
    const { container } = render(<Attachments attachments={[{ ...FILE, filename: "clip.mp4", content_type: "video/mp4", width: 1280, height: 720 }]} flags={0} />);
    const video = container.querySelector("video")!;
    expect(video.hasAttribute("controls")).toBe(true);
    expect(video.getAttribute("poster")).toBe(FILE.proxy_url);
    expect([video.getAttribute("width"), video.getAttribute("height")]).toEqual(["400", "225"]);
  });

  it("offers other files as a card with a download link", () => {
    render(<Attachments attachments={[{ ...FILE, filename: "report.pdf", content_type: "application/pdf" }]} flags={0} />);
    expect(screen.getByRole("link", { name: "Download report.pdf" }).getAttribute("href")).toBe(FILE.url);
    expect(screen.getByText("2 kB")).toBeTruthy();
  });

  it("plays a voice message with the server's waveform and a speed control", () => {
    const waveform = btoa(String.fromCharCode(...Array.from({ length: 80 }, (_, i) => (i < 40 ? 0 : 255))));
    const { container } = render(
      <Attachments attachments={[{ ...FILE, filename: "voice-message.ogg", content_type: "audio/ogg", duration_secs: 12.4, waveform }]} flags={8192} />,
    );
    const bars = [...container.querySelectorAll(".voice-wave rect")].map((r) => Number(r.getAttribute("height")));
    expect(bars).toHaveLength(40);
    expect(Math.max(...bars.slice(0, 20))).toBeLessThan(Math.min(...bars.slice(20)));
    expect(screen.getByRole("slider", { name: "Position in the voice message" }).getAttribute("aria-valuetext")).toBe("0:00 of 0:12");
    const speed = screen.getByRole("button", { name: "Playback speed 1×" });
    fireEvent.click(speed);
    expect(screen.getByRole("button", { name: "Playback speed 1.5×" })).toBeTruthy();
    expect(container.querySelector("audio")?.getAttribute("src")).toBe(FILE.url);
  });

  it("shows the speed in the person's language", async () => {
    await i18n.changeLanguage("de");
    try {
      render(<Attachments attachments={[{ ...FILE, content_type: "audio/ogg" }]} flags={8192} />);
      fireEvent.click(screen.getByRole("button", { name: "Wiedergabegeschwindigkeit 1×" }));
      expect(screen.getByRole("button", { name: "Wiedergabegeschwindigkeit 1,5×" })).toBeTruthy();
    } finally {
      await i18n.changeLanguage("en");
    }
  });
});

describe("the scan's outcome reaches the uploader's window", () => {
  it("MESSAGE_UPDATE replaces a pending file with the cleared one", () => {
    const me = { id: "100", username: "me", global_name: null, avatar: null };
    let state = reduce(initialState, { t: "READY", d: { v: 10, user: me, session_id: "s", resume_gateway_url: "", guilds: [], private_channels: [] } });
    const message: Message = {
      id: "5000",
      channel_id: "300",
      author: me,
      content: "",
      timestamp: "2026-01-01T00:00:00Z",
      edited_timestamp: null,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
      type: 0,
      flags: 0,
      attachments: [{ ...FILE, scan_status: "pending" }],
    };
    state = reduce(state, { t: "CHANNEL_CREATE", d: { id: "300", type: 1, recipients: [] } });
    state = { ...state, messages: { "300": { ids: ["5000"], byId: { "5000": message }, hasMoreBefore: false, hasMoreAfter: false } } };
    const cleared = { ...FILE, url: "https://files.example/photo.png?sig=2" };
    state = reduce(state, { t: "MESSAGE_UPDATE", d: { id: "5000", channel_id: "300", attachments: [cleared] } });
    expect(state.messages["300"].byId["5000"].attachments).toEqual([cleared]);
  });
});
