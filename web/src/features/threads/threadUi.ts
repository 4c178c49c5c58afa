/** Which thread panel is open beside a channel: the open thread, or the channel's thread list. A
 * small store of its own, apart from the data (as features/app/ui.ts is). */

import { useSyncExternalStore } from "react";

export type ThreadView = { kind: "thread"; parentId: string; threadId: string } | { kind: "list"; parentId: string } | null;

let view: ThreadView = null;
const listeners = new Set<() => void>();

export function setThreadView(next: ThreadView): void {
  view = next;
  for (const listener of listeners) listener();
}

export function getThreadView(): ThreadView {
  return view;
}

/** The panel open beside `parentId` (a panel opened beside another channel is not shown here). */
export function useThreadView(parentId: string): ThreadView {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => (view && view.parentId === parentId ? view : null),
    () => null,
  );
}
