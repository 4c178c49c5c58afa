/** The icons of calls, drawn like ui/Icon's (decorative: the control around one carries the
 * name, or the icon gets a role="img" label where it states something). */

const PATHS = {
  mic: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3Zm-7 9a7 7 0 0 0 14 0M12 19v3",
  micOff: "M15 10V6a3 3 0 0 0-5.7-1.3M9 9v3a3 3 0 0 0 4.9 2.3M5 12a7 7 0 0 0 11.5 5.4M19 12a7 7 0 0 1-.6 2.8M12 19v3M3 3l18 18",
  headphones: "M4 15v-3a8 8 0 0 1 16 0v3M4 15a2 2 0 0 1 2-2h1v7H6a2 2 0 0 1-2-2v-3Zm16 0a2 2 0 0 0-2-2h-1v7h1a2 2 0 0 0 2-2v-3Z",
  headphonesOff: "M4 15v-3a8 8 0 0 1 13.7-5.6M20 12v3M4 15a2 2 0 0 1 2-2h1v7H6a2 2 0 0 1-2-2v-3Zm16 0a2 2 0 0 0-2-2h-1v7h1a2 2 0 0 0 2-2M3 3l18 18",
  camera: "M3 7h12v10H3zM15 11l6-4v10l-6-4",
  cameraOff: "M3 7h8m4 0v4l6-4v10l-6-4v4H3V7M3 3l18 18",
  screen: "M3 4h18v12H3zM8 20h8M12 16v4",
  hangup: "M3 14c5-5 13-5 18 0l-2.5 2.5-3-1.5v-2.5a12 12 0 0 0-7 0V15l-3 1.5L3 14Z",
  fullscreen: "M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5",
  signal: "M4 20v-4M9 20v-8M14 20v-12M19 20V4",
  enlarge: "M14 4h6v6M10 20H4v-6M20 4l-7 7M4 20l7-7",
  lock: "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4",
  chat: "M4 5h16v11H9l-5 4V5Z",
  phone: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2Z",
  hand: "M8 13V6.5a1.5 1.5 0 0 1 3 0V11m0-6.5a1.5 1.5 0 0 1 3 0V11m0-5a1.5 1.5 0 0 1 3 0v5m0-2.5a1.5 1.5 0 0 1 3 0V15a6 6 0 0 1-6 6h-1a6 6 0 0 1-5-2.7L4.4 14a1.5 1.5 0 0 1 2.5-1.7L8 14",
  stage: "M4 14a8 8 0 0 1 16 0M7.5 14a4.5 4.5 0 0 1 9 0M12 14v7M9 21h6",
} as const;

export type VoiceIconName = keyof typeof PATHS;

export function VoiceIcon({ name, size = 20 }: { name: VoiceIconName; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
