/// <reference types="vite-plugin-pwa/client" />
/** Registers the service worker (built by vite-plugin-pwa from vite.config.ts) and offers a new
 * version when one is waiting. The browser looks for a new worker on every navigation; a tab that
 * stays open also asks every hour and when the network comes back. */

import { registerSW } from "virtual:pwa-register";
import { updateOffer } from "./updates";

const HOURLY = 60 * 60 * 1000;

export function registerServiceWorker(): void {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  const activate = registerSW({
    onNeedRefresh: () => updateOffer.offer(() => activate(true)),
    onRegisteredSW: (_url, registration) => {
      if (!registration) return;
      const check = () => {
        if (navigator.onLine && registration.installing === null) void registration.update().catch(() => undefined);
      };
      setInterval(check, HOURLY);
      window.addEventListener("online", check);
    },
  });
}
