import pino from "pino";

type Target = ReturnType<typeof pino.destination>;

/** How long a log line may wait for others to share its write. */
export const LOG_BATCH_MS = 20;
/** Pending text past this size is written at once, whatever the wait. */
const LOG_BATCH_CHARS = 64 * 1024;

const open = new Set<BatchedLogDestination>();
let exitHooked = false;

/**
 * Log lines to a file descriptor, written together at most `LOG_BATCH_MS` after the first of them
 * was logged: a write is a system call, and one per line took 7% of the gateway's time at 1,000
 * requests/s (bench/observability.mjs); one per event-loop turn still took 3.8%, because a busy
 * turn holds only a few requests. Whatever is pending is written synchronously when the process
 * exits (an uncaught error included); only a SIGKILL can lose the last lines. Whoever writes to
 * the same descriptor directly (the CLI's own messages) calls `flushLogLines` first, to keep the order.
 */
export class BatchedLogDestination {
  readonly #target: Target;
  #lines: string[] = [];
  #chars = 0;
  #timer?: NodeJS.Timeout;

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
    this.#chars += line.length;
    if (this.#chars >= LOG_BATCH_CHARS) this.#writePending();
    // Unreferenced: pending lines never keep the process alive; the exit hook writes them.
    else this.#timer ??= setTimeout(this.#writePending, LOG_BATCH_MS).unref();
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
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return;
    const text = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join("");
    this.#lines = [];
    this.#chars = 0;
    this.#target.write(text);
  };
}

/** Writes every log line still waiting for its batch, at once. */
export function flushLogLines(): void {
  open.forEach((destination) => destination.flushSync());
}
