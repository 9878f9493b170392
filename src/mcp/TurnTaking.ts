import type { Logger } from "../kernel/logger.js";
import { RpcCode } from "../protocol/protocol.js";
import { WireError } from "../protocol/wireErrors.js";

type Waiter = { readonly session: string; readonly grant: () => void };

/**
 * Calls in flight per shared server and client session, which is what tells whose a backend's own
 * request is: the wire does not say. Once a shared server is seen asking clients during calls,
 * sessions take turns on it, so its next request can be attributed.
 */
export class TurnTaking {
  /** Calls in flight per server and session. */
  readonly #active = new Map<string, Map<string, number>>();
  /** Shared servers seen asking clients during calls: sessions take turns on them. */
  readonly #asking = new Set<string>();
  readonly #queues = new Map<string, Waiter[]>();

  constructor(
    private readonly logger: Logger,
    private readonly isIsolated: (server: string) => boolean,
  ) {}

  /** Sessions with calls in flight to `server`. */
  busy(server: string): string[] {
    return [...(this.#active.get(server)?.keys() ?? [])];
  }

  /**
   * The session a shared backend's request is for: the one with calls in flight to it. With
   * several in flight it is refused rather than risk asking the wrong client, and from then on
   * sessions take turns on that backend. Undefined when nobody has a call in flight.
   */
  attribute(server: string, method: string): string | undefined {
    const busy = this.busy(server);
    // roots/list is mostly sent unprompted (after initialize, after roots/list_changed), not as part of a call.
    if (busy.length > 0 && method !== "roots/list") this.#markAsking(server);
    if (busy.length > 1) {
      throw new WireError(
        RpcCode.InternalError,
        `Server '${server}' sent ${method} while ${busy.length} client sessions had calls in flight to it; the gateway cannot tell which client it is for. Sessions now take turns on this server; set isolation: session to give each its own`,
      );
    }
    return busy[0];
  }

  /**
   * Waits for this session's turn on a shared server that asks clients (no other session's call in
   * flight, and nobody queued before it), then counts the call; the returned function ends it.
   * Other servers, and calls of the session holding the turn, go at once.
   */
  async enter(server: string, session: string, signal?: AbortSignal): Promise<() => void> {
    const queue = this.#queues.get(server) ?? [];
    const gated = this.#asking.has(server) && !this.isIsolated(server);
    // The session holding the turn goes on at once (even past a queue: its client may be answering
    // one of the backend's requests by calling it again); others wait for the turn, first come first served.
    const holds = this.#active.get(server)?.has(session) ?? false;
    if (gated && !holds && (queue.length > 0 || this.#othersActive(server, session))) {
      this.#queues.set(server, queue);
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = queue.indexOf(entry);
          if (index >= 0) queue.splice(index, 1);
          reject(
            signal?.reason instanceof Error
              ? signal.reason
              : new WireError(RpcCode.RequestTimeout, "Cancelled while waiting for its turn on the server"),
          );
        };
        const entry: Waiter = {
          session,
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        queue.push(entry);
        signal?.addEventListener("abort", onAbort, { once: true });
        if (signal?.aborted) onAbort();
      });
    } else {
      this.#count(server, session, 1);
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#count(server, session, -1);
      this.#grantTurns(server);
    };
  }

  #markAsking(server: string): void {
    if (this.#asking.has(server)) return;
    this.#asking.add(server);
    this.logger.info(
      { server },
      "This shared server asks clients (sampling, elicitation) during calls: client sessions now take turns on it (set isolation: session to let them run in parallel)",
    );
  }

  #othersActive(server: string, session: string): boolean {
    const active = this.#active.get(server);
    return active !== undefined && [...active.keys()].some((id) => id !== session);
  }

  #count(server: string, session: string, delta: number): void {
    const active = this.#active.get(server) ?? new Map<string, number>();
    const next = (active.get(session) ?? 0) + delta;
    if (next > 0) active.set(session, next);
    else active.delete(session);
    if (active.size > 0) this.#active.set(server, active);
    else this.#active.delete(server);
  }

  /** First come, first served: queued calls go while the head of the queue may. */
  #grantTurns(server: string): void {
    const queue = this.#queues.get(server);
    while (queue && queue.length > 0 && !this.#othersActive(server, queue[0]!.session)) {
      const entry = queue.shift()!;
      this.#count(server, entry.session, 1);
      entry.grant();
    }
    if (queue?.length === 0) this.#queues.delete(server);
  }
}
