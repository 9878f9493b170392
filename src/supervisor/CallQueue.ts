import { BackendError } from "../protocol/BackendError.js";
import { RpcCode } from "../protocol/protocol.js";

export interface CallQueueLimits {
  /** Calls holding a slot at once (max_connections_per_server). */
  readonly slots: number;
  /** Calls waiting for a slot (max_queued_calls_per_server); one more is refused at once. */
  readonly waiting: number;
}

interface Waiter {
  readonly grant: () => void;
  readonly refuse: (error: unknown) => void;
}

/**
 * The calls of one backend: a fixed number run at once, a bounded number wait in order, and the
 * rest are refused at once with an error naming the server. A waiting call that gives up (its
 * caller aborts, or it waited a whole request timeout) leaves the queue, so nothing of it is kept.
 */
export class CallQueue {
  #active = 0;
  readonly #waiters: Waiter[] = [];

  constructor(
    private readonly server: string,
    private readonly limits: () => CallQueueLimits,
  ) {}

  get active(): number {
    return this.#active;
  }
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a slot, waiting at most `timeoutMs` for one; call `leave` once done with it. */
  enter(method: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const { slots, waiting } = this.limits();
    if (this.#active < slots && this.#waiters.length === 0) {
      this.#active += 1;
      return Promise.resolve();
    }
    if (this.#waiters.length >= waiting)
      return Promise.reject(
        new BackendError(
          "MCPGW_ERR_SERVER_BUSY",
          this.server,
          `Server '${this.server}' is busy: ${this.#active} calls in flight and ${this.#waiters.length} waiting (max_connections_per_server ${slots}, max_queued_calls_per_server ${waiting}); ${method} was refused`,
        ),
      );
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          settle();
          resolve();
        },
        refuse: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = () => waiter.refuse(signal!.reason);
      const timer = setTimeout(
        () =>
          waiter.refuse(
            new BackendError(
              "MCPGW_ERR_REQUEST_TIMEOUT",
              this.server,
              `Server '${this.server}' had no free slot for ${method} within ${timeoutMs / 1000} s (${this.#active} calls in flight, max_connections_per_server ${slots})`,
              { rpcCode: RpcCode.RequestTimeout },
            ),
          ),
        timeoutMs,
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Frees a slot: the longest-waiting call takes it over. */
  leave(): void {
    const next = this.#waiters[0];
    if (next && this.#active <= this.limits().slots) next.grant();
    else this.#active -= 1;
  }
}
