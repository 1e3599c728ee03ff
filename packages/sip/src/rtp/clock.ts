/** Injectable monotonic clock and timers, so media timing is testable without real time. */

export interface MediaClock {
  /** Monotonic milliseconds (never jumps with wall-clock changes). */
  nowMs(): number;
  /** Wall-clock milliseconds, for RTCP NTP timestamps. */
  wallClockMs(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: MediaClock = {
  nowMs: () => performance.now(),
  wallClockMs: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
