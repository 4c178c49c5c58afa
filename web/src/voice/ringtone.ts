/** The sound of an incoming call: two short tones every two seconds through WebAudio, for as
 * long as some call rings for this person. A browser may refuse sound before the person has
 * touched the page (its autoplay rule): then the prompt rings silently, and nothing fails. */

const PERIOD_MS = 2000;
const TONES = [
  { at: 0, hz: 660 },
  { at: 0.35, hz: 880 },
];

export class Ringtone {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  get ringing(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.ring(), PERIOD_MS);
    if (typeof AudioContext === "undefined") return;
    try {
      this.context = new AudioContext();
    } catch {
      return;
    }
    // Allowed to sound (autoplay) or not: either way the prompt is on screen.
    void this.context.resume().then(
      () => this.ring(),
      () => undefined,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const context = this.context;
    this.context = null;
    void context?.close().catch(() => undefined);
  }

  private ring(): void {
    const context = this.context;
    if (!context || context.state !== "running") return;
    const now = context.currentTime;
    for (const tone of TONES) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = tone.hz;
      const start = now + tone.at;
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(0.12, start + 0.02);
      gain.gain.linearRampToValueAtTime(0, start + 0.28);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.3);
    }
  }
}
