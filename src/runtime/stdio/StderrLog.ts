import type { Logger } from "../../kernel/logger.js";

/** Longer stderr lines are cut here (a byte budget: one log record stays small). */
export const STDERR_LINE_BYTES = 2048;
/** How many of the latest stderr lines are kept for a failed start's error, and how long each may be. */
export const TAIL_LINES = 10;
const TAIL_LINE_CHARS = 300;
/** At most this many stderr lines per window reach the log; the rest are counted and reported. */
const LINES_PER_WINDOW = 50;
const WINDOW_MS = 1_000;

/**
 * A backend's stderr, line by line, into the gateway's log at debug: truncated, rate-limited so a
 * chatty or looping backend cannot flood the log. Servers write their routine chatter there (and
 * server-everything its "Failed to request roots" on every start); the lines that matter, the last
 * ones before a failed start or a crash, are kept in `tail` and quoted at warn and to the client. Programs like to print their own configuration: the
 * gateway's logger masks the server's env values and every other secret in these lines.
 */
export class StderrLog {
  #windowStart = 0;
  #lines = 0;
  #suppressed = 0;
  readonly #tail: string[] = [];

  constructor(private readonly logger: Logger) {}

  /** The latest lines (rate limit or not), oldest first. */
  get tail(): readonly string[] {
    return this.#tail;
  }

  line(text: string, truncated = false): void {
    const kept = text.trimEnd();
    if (kept) {
      this.#tail.push(kept.length > TAIL_LINE_CHARS ? `${kept.slice(0, TAIL_LINE_CHARS)}…` : kept);
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    }
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
    this.logger.debug({ stream: "stderr", ...(truncated && { truncated: true }) }, text);
  }

  /** Reports how many lines the rate limit swallowed (at the next window, and when stderr ends). */
  flush(): void {
    if (this.#suppressed === 0) return;
    this.logger.debug(
      { stream: "stderr", suppressed: this.#suppressed },
      `${this.#suppressed} stderr lines were not logged (rate limit)`,
    );
    this.#suppressed = 0;
  }
}
