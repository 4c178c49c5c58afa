/** A new version of the app, waiting: the service worker of a newer build has installed and
 * waits for the person to accept it (register.ts offers it; UpdatePrompt shows it). Accepting
 * tells the waiting worker to take over, and the page reloads once it controls the page, so the
 * scripts and styles come from the new build. */

export interface UpdateState {
  /** The prompt is on screen. */
  shown: boolean;
  /** Accepted: the new worker is taking over, and the page reloads. */
  applying: boolean;
}

const HIDDEN: UpdateState = { shown: false, applying: false };

export class UpdateOffer {
  private state: UpdateState = HIDDEN;
  private apply: (() => Promise<void>) | null = null;
  private readonly listeners = new Set<() => void>();

  /** A newer worker is waiting; `apply` activates it (and the page reloads). */
  offer(apply: () => Promise<void>): void {
    this.apply = apply;
    if (!this.state.applying) this.set({ shown: true, applying: false });
  }

  /** "Later": the new version starts when every townhall tab was closed, or at the next offer. */
  dismiss(): void {
    if (!this.state.applying) this.set(HIDDEN);
  }

  async accept(): Promise<void> {
    const apply = this.apply;
    if (!apply || this.state.applying) return;
    this.set({ shown: true, applying: true });
    try {
      await apply();
    } catch {
      this.set({ shown: true, applying: false }); // it can be tried again
    }
  }

  snapshot = (): UpdateState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(state: UpdateState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

export const updateOffer = new UpdateOffer();
