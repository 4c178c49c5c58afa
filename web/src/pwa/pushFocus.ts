/** Tells the server while this tab is in front of its person (visible and focused), so that
 * their phone stays quiet meanwhile: `PUT /users/@me/push-focus`, renewed every minute while
 * it lasts (the server lets a report lapse after two), and once more when it ends. */

import { api } from "../api/client";

export const RENEW_MS = 60_000;

function newClientId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export type SendFocus = (clientId: string, focused: boolean) => Promise<unknown>;

const sendOverApi: SendFocus = (clientId, focused) =>
  api.request<void>("PUT", "/users/@me/push-focus", { client_id: clientId, focused });

export class FocusReporter {
  readonly clientId = newClientId();
  private focused = false;
  private running = false;
  private renew: ReturnType<typeof setInterval> | null = null;
  private readonly onChange = () => this.update();

  constructor(
    private readonly send: SendFocus = sendOverApi,
    private readonly inFront: () => boolean = () => document.visibilityState === "visible" && document.hasFocus(),
  ) {}

  /** Start watching (again after a reconnect: it says where it stands at once). */
  start(): void {
    if (!this.running) {
      this.running = true;
      window.addEventListener("focus", this.onChange);
      window.addEventListener("blur", this.onChange);
      document.addEventListener("visibilitychange", this.onChange);
    }
    if (this.focused) this.report(true); // the last report may have lapsed while away
    else this.update();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    window.removeEventListener("focus", this.onChange);
    window.removeEventListener("blur", this.onChange);
    document.removeEventListener("visibilitychange", this.onChange);
    this.set(false);
  }

  private update(): void {
    if (this.running) this.set(this.inFront());
  }

  private set(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    if (this.renew) clearInterval(this.renew);
    this.renew = focused ? setInterval(() => this.report(true), RENEW_MS) : null;
    this.report(focused);
  }

  private report(focused: boolean): void {
    void this.send(this.clientId, focused).catch(() => undefined);
  }
}

export const focusReporter = new FocusReporter();
