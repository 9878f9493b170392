/** Restart backoff after failed starts: 0.5 s doubling to 30 s, jittered so a fleet does not retry in step. */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;
/** After this many failed starts in a row the server shows as `failed` instead of `backoff`. */
export const FAILURES_BEFORE_FAILED = 5;

/** The wait after the `failures`-th consecutive failed start: 75 % to 100 % of the capped exponential step. */
export function backoffDelayMs(failures: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(step * (0.75 + 0.25 * random()));
}
