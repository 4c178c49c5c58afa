/** What the offline notice says, decided from what the browser and the gateway report.
 *
 * The shell already has a banner for a session whose connection dropped ("Connection lost.
 * Reconnecting…"); this notice covers the rest: the login screen without network, and the app
 * opened from the service worker's cache while offline or while the server cannot be reached,
 * where no session ever started. */

import type { GatewayStatus } from "../gateway/client";

export type NetworkNotice = "offline" | "unreachable" | null;

export interface NetworkFacts {
  /** `navigator.onLine`: false means certainly offline (true only means "maybe online"). */
  online: boolean;
  /** A token is stored: the app is trying to connect. */
  signedIn: boolean;
  /** READY arrived at least once since sign-in (the shell shows its own banner then). */
  hasSession: boolean;
  gateway: GatewayStatus;
  /** A connection attempt failed since the last READY (see `gatewayFailed`). */
  gatewayFailed: boolean;
}

export function networkNotice(facts: NetworkFacts): NetworkNotice {
  // Connected is connected: a server on the local network (or loopback) works with no internet,
  // when some browsers report `navigator.onLine` false.
  if (facts.gateway === "ready") return null;
  if (facts.hasSession) return null; // the shell's banner says it
  if (!facts.online) return "offline";
  if (facts.signedIn && !facts.hasSession && facts.gatewayFailed) return "unreachable";
  return null;
}

/** Whether the gateway failed since it was last ready: a "connecting" that ended "offline"
 * sets it, READY clears it. It stays set through the retries in between, so the notice does not
 * flicker while the client keeps trying. */
export function gatewayFailed(failed: boolean, before: GatewayStatus, now: GatewayStatus): boolean {
  if (now === "ready") return false;
  if (before === "connecting" && now === "offline") return true;
  return failed;
}
