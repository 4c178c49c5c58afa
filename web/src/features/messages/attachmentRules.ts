/** The pure rules of files in messages: which way each file travels, how sizes and durations read
 * in the person's language, and the bars of a voice message's waveform. No I/O here (tested in
 * vitest); AttachmentUpload.ts does the uploading. */

export const MiB = 1024 * 1024;
/** Discord's limit: at most ten files in one message. */
export const MAX_FILES = 10;
/** The server takes a message's files in its own request up to this size, all files together. */
export const MULTIPART_LIMIT = 25 * MiB;
/** What the multipart request carries besides the files: the JSON part and each part's headers. */
export const MULTIPART_OVERHEAD = 64 * 1024;
/** The largest file a resumable upload takes. */
export const MAX_FILE_BYTES = 2 * 1024 * MiB;
/** Resumable uploads go in pieces of this size (each one a request the server can take alone). */
export const TUS_CHUNK_BYTES = 8 * MiB;

/** Message flags (Discord's). */
export const MessageFlag = { IS_VOICE_MESSAGE: 1 << 13 } as const;
/** Attachment flags (Discord's). */
export const AttachmentFlag = { IS_SPOILER: 1 << 3, IS_ANIMATED: 1 << 5 } as const;

export type Transport = "multipart" | "tus";

/** Which way each file goes (in the order given): in the message's own request while what is left
 * of `limit` takes it, the smallest files first so that the most of them fit; else resumably.
 * Together the multipart files stay within `limit` with room for the request's other parts. */
export function chooseTransports(sizes: readonly number[], limit = MULTIPART_LIMIT): Transport[] {
  const result: Transport[] = sizes.map(() => "tus");
  let left = limit - MULTIPART_OVERHEAD;
  const bySize = sizes.map((size, index) => ({ size, index })).sort((a, b) => a.size - b.size || a.index - b.index);
  for (const { size, index } of bySize) {
    if (size > left) break;
    result[index] = "multipart";
    left -= size;
  }
  return result;
}

/** A file's last path segment: the id the server gave a resumable upload (`…/uploads/<id>`). */
export function uploadIdFromUrl(url: string): string {
  const path = url.split(/[?#]/)[0].replace(/\/+$/, "");
  return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;

/** "512 bytes", "1.5 MB", "1,5 Mo": binary multiples, as file managers show sizes, with the
 * language's own unit names and decimal sign. */
export function formatSize(bytes: number, language: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return new Intl.NumberFormat(language, {
    style: "unit",
    unit: UNITS[unit],
    unitDisplay: unit === 0 ? "long" : "short",
    maximumFractionDigits: digits,
  }).format(value);
}

/** "0:07", "12:34", "1:02:03": a recording's length or position. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The server's waveform (base64 of up to 256 amplitudes, 0–255) as numbers; empty when absent or
 * not base64. */
export function decodeWaveform(waveform: string | null | undefined): number[] {
  if (!waveform) return [];
  try {
    const bytes = atob(waveform);
    return Array.from(bytes, (c) => c.charCodeAt(0));
  } catch {
    return [];
  }
}

/** `count` bar heights between `floor` and 1 from the amplitudes: each bar the loudest of its
 * share of the samples, scaled to the loudest of all, so a quiet recording still shows its shape.
 * Without amplitudes, a flat line of bars at the floor. */
export function waveformBars(amplitudes: readonly number[], count: number, floor = 0.08): number[] {
  if (count <= 0) return [];
  if (!amplitudes.length) return Array.from({ length: count }, () => floor);
  const peaks: number[] = [];
  for (let bar = 0; bar < count; bar++) {
    const start = Math.floor((bar * amplitudes.length) / count);
    const end = Math.max(start + 1, Math.floor(((bar + 1) * amplitudes.length) / count));
    let peak = 0;
    for (let i = start; i < end && i < amplitudes.length; i++) peak = Math.max(peak, amplitudes[i]);
    peaks.push(peak);
  }
  const loudest = Math.max(...peaks);
  return peaks.map((p) => (loudest > 0 ? floor + (1 - floor) * (p / loudest) : floor));
}

/** Shown inline at most this size; the list reserves the space before the image arrives. */
export function fitWithin(width: number, height: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  if (!(width > 0 && height > 0)) return { width: maxWidth, height: maxHeight };
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export type AttachmentKind = "image" | "video" | "audio" | "file";

/** How a file is shown, by its type (the server's, sniffed from the bytes) or else its name. */
export function attachmentKind(contentType: string | null | undefined, filename: string): AttachmentKind {
  const type = (contentType ?? "").toLowerCase();
  if (type.startsWith("image/") && type !== "image/svg+xml") return "image";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  if (!type) {
    const ext = filename.toLowerCase().split(".").pop() ?? "";
    if (["png", "jpg", "jpeg", "gif", "webp", "avif"].includes(ext)) return "image";
    if (["mp4", "webm", "mov"].includes(ext)) return "video";
    if (["mp3", "ogg", "oga", "opus", "wav", "m4a", "flac"].includes(ext)) return "audio";
  }
  return "file";
}

/** The recording formats Chromium, Firefox and Safari offer, in the order the server prefers. */
export const VOICE_TYPES = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/mp4"] as const;

/** The first format `supported` says yes to, and the file name a voice message of it gets. */
export function voiceFormat(supported: (type: string) => boolean): { mimeType: string; filename: string } | null {
  for (const type of VOICE_TYPES) {
    if (supported(type)) {
      const ext = type.startsWith("audio/ogg") ? "ogg" : type.startsWith("audio/webm") ? "webm" : "m4a";
      return { mimeType: type, filename: `voice-message.${ext}` };
    }
  }
  return null;
}

/** A file's link, resolved against the page, when it is http(s) (the server's signed links are);
 * anything else (a `javascript:` a broken server might send) is no link at all. */
export function fileUrl(url: string | null | undefined, base = typeof location !== "undefined" ? location.href : "http://localhost/"): string {
  if (!url || /[\u0000-\u001f\u007f\s]/.test(url)) return "";
  try {
    const resolved = new URL(url, base);
    return resolved.protocol === "https:" || resolved.protocol === "http:" ? resolved.href : "";
  } catch {
    return "";
  }
}
