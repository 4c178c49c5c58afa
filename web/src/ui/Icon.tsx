/** Icons as inline SVG paths (decorative: the control around an icon carries the name). */

const PATHS = {
  hash: "M10 3 8 21M16 3l-2 18M4 8.5h17M3 15.5h17",
  announce: "M3 10v4a1 1 0 0 0 1 1h2l5 4V5L6 9H4a1 1 0 0 0-1 1Zm12-3a6 6 0 0 1 0 10M15 10a2 2 0 0 1 0 4",
  voice: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3Zm-7 9a7 7 0 0 0 14 0M12 19v3",
  stage: "M4 14a8 8 0 0 1 16 0M7.5 14a4.5 4.5 0 0 1 9 0M12 14v7M9 21h6",
  forum: "M4 5h16v10H8l-4 4V5Z",
  category: "m6 9 6 6 6-6",
  plus: "M12 5v14M5 12h14",
  close: "M6 6l12 12M18 6 6 18",
  gear: "M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7Zm8 3.5-2.1-.7-.6-1.5 1-2-1.8-1.8-2 1-1.5-.6L12.3 4h-2.6l-.7 2.1-1.5.6-2-1-1.8 1.8 1 2-.6 1.5L2 11.7v2.6l2.1.7.6 1.5-1 2 1.8 1.8 2-1 1.5.6.7 2.1h2.6l.7-2.1 1.5-.6 2 1 1.8-1.8-1-2 .6-1.5 2.1-.7Z",
  bell: "M6 16V11a6 6 0 1 1 12 0v5l2 2H4l2-2Zm4 4a2 2 0 0 0 4 0",
  bellOff: "M6 16V11a6 6 0 0 1 9.5-4.9M18 11v5l2 2H8M10 20a2 2 0 0 0 4 0M3 3l18 18",
  pin: "M9 4h6l-1 6 4 3v2h-5v6l-1 1-1-1v-6H6v-2l4-3-1-6Z",
  members: "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm-7 9a7 7 0 0 1 14 0M17 11a3 3 0 1 0 0-6M22 20a6 6 0 0 0-4-5.6",
  menu: "M4 6h16M4 12h16M4 18h16",
  reply: "M10 9V5l-7 7 7 7v-4c5 0 8 1.5 11 5-1-5-4-10-11-11Z",
  edit: "M4 20h4L19 9l-4-4L4 16v4Zm10-14 4 4",
  trash: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  smile: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Zm-3.5-7a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01",
  send: "M4 12 20 4l-6 16-3-7-7-1Z",
  down: "M12 5v14m-6-6 6 6 6-6",
  at: "M16 12a4 4 0 1 1-8 0 4 4 0 0 1 8 0Zm0 0v1.5a2.5 2.5 0 0 0 5 0V12a9 9 0 1 0-3.5 7.1",
  link: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1",
  copy: "M8 8h11v11H8zM5 16V5h11",
  logout: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14Zm5-2 5 5",
  chat: "M4 5h16v11H9l-5 4V5Z",
  sun: "M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10Zm0-15v2m0 16v2M4.2 4.2l1.4 1.4m12.8 12.8 1.4 1.4M2 12h2m16 0h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4",
  grip: "M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01",
  warning: "M12 3 2 20h20L12 3Zm0 6v5m0 3h.01",
  lock: "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4",
  home: "M3 11 12 4l9 7M5 9.5V20h5v-6h4v6h5V9.5",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
