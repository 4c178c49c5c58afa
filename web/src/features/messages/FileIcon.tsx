/** The icons of files and recordings (inline SVG, decorative: the control around carries the
 * name), kept beside the attachment components that alone use them. */

import { attachmentKind } from "./attachmentRules";

const PATHS = {
  attach: "M20 11.5 12.2 19.3a5 5 0 0 1-7.1-7.1l8.1-8.1a3.3 3.3 0 0 1 4.7 4.7l-8 8a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4",
  mic: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3Zm-7 9a7 7 0 0 0 14 0M12 19v3",
  file: "M6 3h8l5 5v13H6zM14 3v5h5",
  download: "M12 4v11m-5-5 5 5 5-5M5 20h14",
  play: "M8 5v14l11-7z",
  pause: "M8 5v14M16 5v14",
  resume: "M8 5v14l11-7z",
  shield: "M12 3 5 6v5c0 4.5 3 8.5 7 10 4-1.5 7-5.5 7-10V6l-7-3Zm0 6v4m0 3h.01",
  image: "M4 5h16v14H4zM4 16l5-5 4 4 2-2 5 5M15 9h.01",
  video: "M3 6h13v12H3zM16 10l5-3v10l-5-3",
  audio: "M9 18V5l10-2v13M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0Zm10-2a3 3 0 1 1-6 0 3 3 0 0 1 6 0Z",
} as const;

export type FileIconName = keyof typeof PATHS;

/** The icon of a file by what it holds. */
export function kindIcon(contentType: string | null | undefined, filename: string): FileIconName {
  const kind = attachmentKind(contentType, filename);
  return kind === "file" ? "file" : kind;
}

export function FileIcon({ name, size = 20 }: { name: FileIconName; size?: number }) {
  const filled = name === "play" || name === "resume";
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d={PATHS[name]}
        fill={filled ? "currentColor" : "none"}
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
