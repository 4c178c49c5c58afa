/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { fileURLToPath } from "node:url";

// The build goes into the Python package, so `pip install` serves it without Node.
const outDir = fileURLToPath(new URL("../src/townhall/web_dist", import.meta.url));

/** Paths the client routes itself: the service worker answers navigations to them with the
 * cached app shell. Mirrors CLIENT_ROUTES in src/townhall/api/web_client.py. */
const CLIENT_ROUTES = [/^\/$/, /^\/(login|register|channels|invite)(\/|$)/];
/** Never answered by the service worker, whatever else changes: the API, the gateways and files. */
const NEVER_CACHED = [/^\/api\//, /^\/gateway/, /^\/voice/, /^\/attachments\//, /^\/healthz/];

// The installable app (src/pwa/): a web app manifest, and a Workbox service worker that precaches
// the app shell (index.html, the fingerprinted scripts and styles, the icons) so that it opens
// offline. A new build's worker waits until the person accepts the "update available" prompt.
const pwa = VitePWA({
  registerType: "prompt",
  injectRegister: false, // src/pwa/register.ts registers it: no inline script (CSP)
  filename: "sw.js",
  manifestFilename: "manifest.webmanifest",
  includeManifestIcons: false, // the glob below takes every icon once
  manifest: {
    id: "/",
    name: "townhall",
    short_name: "townhall",
    description: "Chat, calls and communities on your own server.",
    start_url: "/channels/@me",
    scope: "/",
    display: "standalone",
    theme_color: "#4f5bd5", // --brand
    background_color: "#e3e5e8", // --bg-rail, behind the first screen
    icons: [
      { src: "/pwa-192x192.png", sizes: "192x192", type: "image/png" },
      { src: "/pwa-512x512.png", sizes: "512x512", type: "image/png" },
      { src: "/maskable-icon-512x512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  },
  workbox: {
    globPatterns: ["**/*.{js,css,html,svg,png}"], // and the manifest, which the plugin adds
    maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
    navigateFallback: "/index.html",
    navigateFallbackAllowlist: CLIENT_ROUTES,
    navigateFallbackDenylist: NEVER_CACHED,
    runtimeCaching: [], // only the precached shell: API responses are never stored
    // Push notifications (src/pwa/push.ts): the `push` and `notificationclick` handlers, a small
    // script of our own beside the icons, loaded into the generated worker.
    importScripts: ["/push-sw.js"],
    cleanupOutdatedCaches: true,
    clientsClaim: false,
    skipWaiting: false,
  },
});

export default defineConfig({
  plugins: [react(), process.env.VITEST ? [] : pwa],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    chunkSizeWarningLimit: 1200,
    // Workbox writes the service worker after the bundle (seconds on a small machine): not a warning.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
  },
});
