import pino from "pino";

type Target = ReturnType<typeof pino.destination>;

const open = new Set<TurnBatchedDestination>();
let exitHooked = false;

/**
 * Log lines to a file descriptor, written once per event-loop turn: a write is a system call, and one
 * per line took 7% of the gateway's time at 1,000 requests/s (bench/observability.mjs); under load a
 * turn logs many lines and one write carries them all. A line waits at most for the turn it was
 * logged in to end, and whatever is pending is written synchronously when the process exits (an
 * uncaught error included); only a SIGKILL can lose the lines of its last turn. Whoever writes to the
 * same descriptor directly (the CLI's own messages) calls `flushLogLines` first, to keep the order.
 */
export class TurnBatchedDestination {
  readonly #target: Target;
  #lines: string[] = [];
  #scheduled = false;

  constructor(fd: number) {
    // sonic-boom keeps the synchronous writes correct: partial writes and EAGAIN on a full pipe.
    this.#target = pino.destination({ dest: fd, sync: true });
    open.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.once("exit", flushLogLines);
    }
  }

  write(line: string): boolean {
    this.#lines.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#writePending);
    }
    return true;
  }

  /** pino's `logger.flush(callback)`. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  flushSync(): void {
    this.#writePending();
    this.#target.flushSync();
  }

  readonly #writePending = (): void => {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const text = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join("");
    this.#lines = [];
    this.#target.write(text);
  };
}

/** Writes every log line still waiting for the end of its turn, at once. */
export function flushLogLines(): void {
  open.forEach((destination) => destination.flushSync());
}
