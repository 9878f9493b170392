import type { Logger } from "../../kernel/logger.js";

/** Longer stderr lines are cut here (a byte budget: one log record stays small). */
export const STDERR_LINE_BYTES = 2048;
/** At most this many stderr lines per window reach the log; the rest are counted and reported. */
const LINES_PER_WINDOW = 50;
const WINDOW_MS = 1_000;

/**
 * A backend's stderr, line by line, into the gateway's log: truncated, rate-limited so a chatty or
 * looping backend cannot flood the log. Programs like to print their own configuration: the
 * gateway's logger masks the server's env values and every other secret in these lines.
 */
export class StderrLog {
  #windowStart = 0;
  #lines = 0;
  #suppressed = 0;

  constructor(private readonly logger: Logger) {}

  line(text: string, truncated = false): void {
    const now = Date.now();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.flush();
      this.#windowStart = now;
      this.#lines = 0;
    }
    if (++this.#lines > LINES_PER_WINDOW) {
      this.#suppressed += 1;
      return;
    }
    this.logger.info({ stream: "stderr", ...(truncated && { truncated: true }) }, text);
  }

  /** Reports how many lines the rate limit swallowed (at the next window, and when stderr ends). */
  flush(): void {
    if (this.#suppressed === 0) return;
    this.logger.warn(
      { stream: "stderr", suppressed: this.#suppressed },
      `${this.#suppressed} stderr lines were not logged (rate limit)`,
    );
    this.#suppressed = 0;
  }
}
