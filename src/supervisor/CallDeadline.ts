/** The SDK request timeout of a call a CallDeadline times: setTimeout's ceiling, and GatewayClient arms no SDK timer for it. */
export const UNTIMED_MS = 2 ** 31 - 1;

/** A call that keeps reporting progress still ends here: progress resets the timeout, but not forever. */
export const MAX_TOTAL_REQUEST_MS = 10 * 60_000;

/**
 * The limits of one backend call: the request timeout (which progress restarts), a hard maximum,
 * and the caller's own cancellation, all behind one signal for the SDK.
 */
export class CallDeadline {
  readonly #abort = new AbortController();
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout;
  /**
   * Armed with the first progress only: until a progress restarts the timeout, the timeout (never
   * longer than the hard maximum's delay) ends the call first, so most calls never set this timer.
   */
  #hardStop?: NodeJS.Timeout;
  readonly #onCallerAbort: () => void;
  /** Set when a limit ended the call: why, in words a client can read. */
  #expired?: string;

  constructor(
    private readonly server: string,
    private readonly method: string,
    private readonly timeoutMs: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    this.#timer = setTimeout(this.#onTimeout, timeoutMs);
    this.#onCallerAbort = () => this.#abort.abort(callerSignal!.reason);
    callerSignal?.addEventListener("abort", this.#onCallerAbort, { once: true });
    if (callerSignal?.aborted) this.#onCallerAbort();
  }

  /** Aborts when any limit passes or the caller cancels; the SDK sends notifications/cancelled with the reason. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get expired(): string | undefined {
    return this.#expired;
  }

  /** Whether the caller cancelled (not the backend's failure). */
  get cancelledByCaller(): boolean {
    return this.#expired === undefined && this.callerSignal?.aborted === true;
  }

  /** Progress arrived: the timeout starts over. */
  extend(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#onTimeout, this.timeoutMs);
    this.#hardStop ??= setTimeout(
      () =>
        this.#expire(
          `Server '${this.server}' did not finish ${this.method} within ${MAX_TOTAL_REQUEST_MS / 1000} s (progress does not extend a call past that)`,
        ),
      this.#startedAt + Math.max(this.timeoutMs, MAX_TOTAL_REQUEST_MS) - Date.now(),
    );
  }

  end(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#hardStop);
    this.callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }

  readonly #onTimeout = () =>
    this.#expire(`Server '${this.server}' did not answer ${this.method} within ${this.timeoutMs / 1000} s`);

  #expire(reason: string): void {
    // A plain string: the SDK puts it into notifications/cancelled as the reason, word for word.
    this.#expired = reason;
    this.#abort.abort(reason);
  }
}
