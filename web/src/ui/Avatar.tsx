import type { Status } from "../api/types";

/** Dark enough for white initials to read (contrast of at least 4.5:1). */
const COLORS = ["#4752c4", "#2d7d46", "#b3306f", "#9a5800", "#c03537", "#00679f", "#7a3fa0", "#14736a"];

export function colorFor(id: string): string {
  let hash = 0;
  for (const char of id.slice(-6)) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return COLORS[Math.abs(hash) % COLORS.length];
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? "?").slice(0, 2);
  return letters.toUpperCase();
}

/** A round avatar with initials (decorative: the name is always written beside it, so the
 * initials are drawn by CSS and not read out). */
export function Avatar(props: { id: string; name: string; size?: number; status?: Status; statusLabel?: string }) {
  const size = props.size ?? 40;
  return (
    <span
      className="avatar initials"
      data-initials={initials(props.name)}
      style={{ width: size, height: size, background: colorFor(props.id), fontSize: size * 0.4 }}
      aria-hidden={props.status ? undefined : true}
    >
      {props.status && <span className={`status-dot status-${props.status}`} role="img" aria-label={props.statusLabel} />}
    </span>
  );
}
