import type { Status } from "../api/types";

const COLORS = ["#5865f2", "#3ba55c", "#eb459e", "#faa61a", "#ed4245", "#00a8fc", "#9b59b6", "#1abc9c"];

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

/** A round avatar with initials (decorative: the name is always written beside it). */
export function Avatar(props: { id: string; name: string; size?: number; status?: Status; statusLabel?: string }) {
  const size = props.size ?? 40;
  return (
    <span className="avatar" style={{ width: size, height: size, background: colorFor(props.id), fontSize: size * 0.4 }} aria-hidden={props.status ? undefined : true}>
      <span aria-hidden="true">{initials(props.name)}</span>
      {props.status && <span className={`status-dot status-${props.status}`} role="img" aria-label={props.statusLabel} />}
    </span>
  );
}
